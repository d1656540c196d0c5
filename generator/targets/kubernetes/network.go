package kubernetes

import (
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
)

// networkPolicies derive §4.1's isolation from the model's networks: a pod
// accepts traffic from the pods that share one of its networks (policies
// add up), plus Prometheus on its metrics port, the ingress controller on
// its ingress port, and anyone on its node ports. Egress stays open
// unless the environment has kubernetes.egress (egressPolicies).
func (b *builder) networkPolicies() error {
	if err := b.egressPolicies(); err != nil {
		return err
	}
	env := b.env
	members := map[string]bool{}
	for _, s := range env.Services {
		for _, n := range s.Networks {
			members[n] = true
		}
	}
	for _, n := range model.SortedKeys(members) {
		k := model.KubeName(n)
		sel := metav1.LabelSelector{MatchLabels: map[string]string{labelNetworkPrefix + k: "true"}}
		if err := b.add("network", policy(b.env.Project.Name, k, k, "", sel, []networkingv1.NetworkPolicyIngressRule{{
			From: []networkingv1.NetworkPolicyPeer{{PodSelector: &sel}},
		}})); err != nil {
			return err
		}
	}
	// The pods that scrape metrics ports: the services that mount the
	// Prometheus configuration (not themselves), and the Prometheus
	// Operator's Prometheus in its namespace.
	// Listed once: reading them per service was quadratic in the services.
	scraping := promconfig.Scrapers(env)
	scrapers := func(s *model.Service) []networkingv1.NetworkPolicyPeer {
		var out []networkingv1.NetworkPolicyPeer
		for _, sc := range scraping {
			if sc != s.Name {
				out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelName: sc}}})
			}
		}
		if op := env.Monitoring.Operator; op != nil {
			out = append(out, networkingv1.NetworkPolicyPeer{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": op.Namespace}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: op.PodSelector},
			})
		}
		return out
	}
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		pods := metav1.LabelSelector{MatchLabels: map[string]string{labelName: s.Name}}
		var rules []struct {
			suffix string
			rule   networkingv1.NetworkPolicyIngressRule
		}
		add := func(suffix string, r networkingv1.NetworkPolicyIngressRule) {
			rules = append(rules, struct {
				suffix string
				rule   networkingv1.NetworkPolicyIngressRule
			}{suffix, r})
		}
		if from := scrapers(s); s.Metrics != nil && len(from) > 0 {
			add("allow-scrape", networkingv1.NetworkPolicyIngressRule{
				From:  from,
				Ports: ports(s, s.Metrics.Port),
			})
		}
		if s.Ingress != nil {
			// The ingress controller's namespace comes from the model
			// (schema default: ingress-<class>).
			ns := &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": env.Kubernetes.IngressNamespace}}
			add("allow-ingress", networkingv1.NetworkPolicyIngressRule{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: ns}},
				Ports: ports(s, s.Ingress.Port),
			})
		}
		var node []string
		for _, p := range s.Ports {
			if p.NodePort != 0 {
				node = append(node, p.Name)
			}
		}
		if len(node) > 0 {
			add("allow-nodeport", networkingv1.NetworkPolicyIngressRule{Ports: ports(s, node...)})
		}
		for _, r := range rules {
			if err := b.add("network", policy(b.env.Project.Name, s.Name+"-"+r.suffix, s.Name, s.Group, pods, []networkingv1.NetworkPolicyIngressRule{r.rule})); err != nil {
				return err
			}
		}
	}
	return nil
}

// egressPolicies, when the environment has kubernetes.egress, deny every
// pod's egress but for DNS (port 53 anywhere: node-local caches and cloud
// resolvers are not pods), the pods of the networks it is on (the pods
// whose ingress policies let it in), every pod of the namespace for the
// services that scrape metrics, and the external destinations its
// service names.
func (b *builder) egressPolicies() error {
	env := b.env
	eg := env.Kubernetes.Egress
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		for i, d := range s.Egress {
			if eg == nil {
				return b.errorf(s.Name, []string{"egress", strconv.Itoa(i)}, "service %q names the egress destination %q, but the environment has no kubernetes.egress: add kubernetes: egress: external: %q: {cidrs: [...], ports: [...]}", s.Name, d, d)
			}
			if _, ok := eg.External[d]; !ok {
				return b.errorf(s.Name, []string{"egress", strconv.Itoa(i)}, "service %q names the egress destination %q, which kubernetes.egress.external does not have (it has %s): add it there, or fix the name", s.Name, d, quotedList(model.SortedKeys(eg.External)))
			}
		}
	}
	if eg == nil {
		return nil
	}
	project := env.Project.Name
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	dns := intstr.FromInt32(53)
	if err := b.add("network", egressPolicy(project, "egress-dns", "egress-dns", "", metav1.LabelSelector{}, []networkingv1.NetworkPolicyEgressRule{{
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}, {Protocol: &tcp, Port: &dns}},
	}})); err != nil {
		return err
	}
	members := map[string]bool{}
	for _, s := range env.Services {
		for _, n := range s.Networks {
			members[n] = true
		}
	}
	for _, n := range model.SortedKeys(members) {
		k := model.KubeName(n)
		sel := metav1.LabelSelector{MatchLabels: map[string]string{labelNetworkPrefix + k: "true"}}
		if err := b.add("network", egressPolicy(project, k+"-egress", k, "", sel, []networkingv1.NetworkPolicyEgressRule{{
			To: []networkingv1.NetworkPolicyPeer{{PodSelector: &sel}},
		}})); err != nil {
			return err
		}
	}
	for _, sc := range promconfig.Scrapers(env) {
		s := env.Services[sc]
		if err := b.add("network", egressPolicy(project, sc+"-egress-scrape", sc, s.Group, metav1.LabelSelector{MatchLabels: map[string]string{labelName: sc}}, []networkingv1.NetworkPolicyEgressRule{{
			To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}},
		}})); err != nil {
			return err
		}
	}
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		if len(s.Egress) == 0 {
			continue
		}
		var rules []networkingv1.NetworkPolicyEgressRule
		for _, d := range s.Egress {
			dest := eg.External[d]
			var r networkingv1.NetworkPolicyEgressRule
			used := map[string]bool{}
			for _, c := range dest.CIDRs {
				ex := exceptWithin(c, dest.Except)
				for _, e := range ex {
					used[e] = true
				}
				r.To = append(r.To, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: c, Except: ex}})
			}
			for i, e := range dest.Except {
				if !used[e] {
					return b.errorAt(model.P("kubernetes", "egress", "external", d, "except", i), "egress destination %q: except %s is inside none of its cidrs (a narrower block of one of them): remove it, or fix the block", d, e)
				}
			}
			for _, p := range dest.Ports {
				port := intstr.FromInt32(int32(p))
				r.Ports = append(r.Ports, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &port})
			}
			rules = append(rules, r)
		}
		if err := b.add("network", egressPolicy(project, s.Name+"-egress-external", s.Name, s.Group, metav1.LabelSelector{MatchLabels: map[string]string{labelName: s.Name}}, rules)); err != nil {
			return err
		}
	}
	return nil
}

// exceptWithin are the blocks of except strictly inside cidr (the API
// server refuses an except outside its block).
func exceptWithin(cidr string, except []string) []string {
	_, outer, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range except {
		ip, inner, err := net.ParseCIDR(e)
		if err != nil || !outer.Contains(ip) {
			continue
		}
		o, _ := outer.Mask.Size()
		if i, _ := inner.Mask.Size(); i > o {
			out = append(out, e)
		}
	}
	return out
}

// quotedList is names quoted and joined by commas, or "none".
func quotedList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// egressPolicy is one egress NetworkPolicy, as policy is one of ingress.
func egressPolicy(project, name, app, group string, pods metav1.LabelSelector, rules []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta(name, commonLabels(project, app, group)),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: pods,
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      rules,
		},
	}
}

// policy is one ingress NetworkPolicy; app is its app.kubernetes.io/name
// label (the service or network it is about: a label value, unlike the
// policy's name, may not exceed 63 characters).
func policy(project, name, app, group string, pods metav1.LabelSelector, rules []networkingv1.NetworkPolicyIngressRule) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta(name, commonLabels(project, app, group)),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: pods,
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     rules,
		},
	}
}

// ports are the named container ports of s, by name.
func ports(s *model.Service, names ...string) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for _, n := range names {
		p, _ := s.Port(n)
		port := intstr.FromString(n)
		proto := corev1.Protocol(p.Protocol)
		out = append(out, networkingv1.NetworkPolicyPort{Port: &port, Protocol: &proto})
	}
	return out
}
