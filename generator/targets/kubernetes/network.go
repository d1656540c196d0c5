package kubernetes

import (
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
// its ingress port, and anyone on its node ports. Egress stays open.
func (b *builder) networkPolicies() error {
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
