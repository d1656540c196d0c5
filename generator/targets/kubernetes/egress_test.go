package kubernetes

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/degen-dev/degen/generator/load"
)

// netpols decodes the built NetworkPolicies strictly.
func netpols(t *testing.T, built map[string]map[string]any) []networkingv1.NetworkPolicy {
	t.Helper()
	var out []networkingv1.NetworkPolicy
	for _, obj := range built {
		if obj["kind"] != "NetworkPolicy" {
			continue
		}
		var np networkingv1.NetworkPolicy
		decodeInto(t, obj, &np)
		out = append(out, np)
	}
	return out
}

func selects(t *testing.T, sel *metav1.LabelSelector, pod map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return s.Matches(labels.Set(pod))
}

// onlyDNS says whether ports are port 53 alone: a rule that admits DNS
// does not admit a service's own traffic.
func onlyDNS(ports []networkingv1.NetworkPolicyPort) bool {
	for _, p := range ports {
		if p.Port == nil || p.Port.IntValue() != 53 {
			return false
		}
	}
	return len(ports) > 0
}

// allows says whether the policies let a pod labelled from send to (egress)
// or a pod labelled to accept from (ingress) a pod of the same namespace,
// as the API documents it (a service's traffic, on any port but DNS's): a pod no policy of the type selects is open;
// otherwise one rule of one policy must admit the peer.
func allows(t *testing.T, nps []networkingv1.NetworkPolicy, typ networkingv1.PolicyType, from, to map[string]string) bool {
	t.Helper()
	self, peer := from, to
	if typ == networkingv1.PolicyTypeIngress {
		self, peer = to, from
	}
	isolated := false
	for _, np := range nps {
		if !selects(t, &np.Spec.PodSelector, self) {
			continue
		}
		has := false
		for _, pt := range np.Spec.PolicyTypes {
			has = has || pt == typ
		}
		if !has {
			continue
		}
		isolated = true
		var peers [][]networkingv1.NetworkPolicyPeer
		if typ == networkingv1.PolicyTypeEgress {
			for _, r := range np.Spec.Egress {
				if onlyDNS(r.Ports) {
					continue
				}
				if len(r.To) == 0 {
					return true
				}
				peers = append(peers, r.To)
			}
		} else {
			for _, r := range np.Spec.Ingress {
				if len(r.From) == 0 {
					return true
				}
				peers = append(peers, r.From)
			}
		}
		for _, ps := range peers {
			for _, p := range ps {
				if p.PodSelector != nil && p.NamespaceSelector == nil && p.IPBlock == nil && selects(t, p.PodSelector, peer) {
					return true
				}
			}
		}
	}
	return !isolated
}

// TestEgressKeepsDependencies: in every environment of the default model
// with egress policies, each service reaches what it depends on (its
// egress and the dependency's ingress both admit it), and the scrapers
// reach every service with metrics.
func TestEgressKeepsDependencies(t *testing.T) {
	r := theDefault(t)
	checked := 0
	for _, env := range kubeEnvs(r.model) {
		me := r.model.Envs[env]
		if me.Kubernetes.Egress == nil {
			continue
		}
		checked++
		nps := netpols(t, r.built[env])
		pods := map[string]map[string]string{}
		for id, tmpl := range podTemplates(t, r.built[env]) {
			name := tmpl.Labels[labelName]
			if name == "" {
				t.Fatalf("%s: %s has no %s label", env, id, labelName)
			}
			pods[name] = tmpl.Labels
		}
		reach := func(a, b string) {
			if pods[a] == nil || pods[b] == nil {
				return
			}
			if !allows(t, nps, networkingv1.PolicyTypeEgress, pods[a], pods[b]) {
				t.Errorf("%s: %s may not send to %s, which it needs", env, a, b)
			}
			if !allows(t, nps, networkingv1.PolicyTypeIngress, pods[a], pods[b]) {
				t.Errorf("%s: %s does not accept %s, which needs it", env, b, a)
			}
		}
		for _, name := range me.ServiceNames() {
			for dep := range me.Services[name].DependsOn {
				reach(name, dep)
			}
		}
		// And the scrapers their targets.
		for _, name := range me.ServiceNames() {
			if me.Services[name].Metrics != nil {
				reach("prometheus", name)
			}
		}
		// Egress is denied otherwise: a pod may not send to one it
		// shares no network with.
		denied := 0
		for _, a := range me.ServiceNames() {
			for _, b := range me.ServiceNames() {
				if pods[a] == nil || pods[b] == nil || a == "prometheus" || sharesNetwork(me.Services[a].Networks, me.Services[b].Networks) {
					continue
				}
				denied++
				if allows(t, nps, networkingv1.PolicyTypeEgress, pods[a], pods[b]) {
					t.Errorf("%s: %s may send to %s, with which it shares no network", env, a, b)
				}
			}
		}
		if denied == 0 {
			t.Errorf("%s: every pair of services shares a network: nothing shows egress is denied", env)
		}
	}
	if checked == 0 {
		t.Fatal("no environment of the default model has egress policies")
	}
}

// TestEgressBadInput: a service naming an external destination the
// environment does not have, or an except outside its destination's
// blocks, is an error at its line.
func TestEgressBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		cue, want, line string
	}{
		"unknown destination": {
			cue: `environments: prod: services: "graphql-api": egress: [
	"market-fed",
]`,
			want: `names the egress destination "market-fed", which kubernetes.egress.external does not have (it has "market-feed")`,
			line: ":4:",
		},
		"no egress": {
			cue: `environments: dev: services: "graphql-api": egress: [
	"feed",
]`,
			want: "the environment has no kubernetes.egress",
			line: ":4:",
		},
		"except outside": {
			cue: `environments: staging: kubernetes: egress: external: feed: {
	cidrs: ["203.0.113.0/24"]
	except: [
		"10.0.0.0/8",
	]
	ports: [443]
}
environments: staging: services: "graphql-api": egress: ["feed"]`,
			want: "except 10.0.0.0/8 is inside none of its cidrs",
			line: ":6:",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, _, _ := strings.Cut(strings.TrimPrefix(tc.cue, "environments: "), ":")
			dir := tempModel(t, map[string]string{"envs/zz_bad.cue": "package envs\n\n" + tc.cue + "\n"})
			err := buildModel(dir, env)
			if err == nil {
				t.Fatal("the bad model built without error")
			}
			msg := load.Format(err, dir)
			first, _, _ := strings.Cut(msg, "\n")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q:\n%s", tc.want, msg)
			}
			if !strings.HasPrefix(first, "./envs/zz_bad.cue"+tc.line) {
				t.Errorf("first line does not start at ./envs/zz_bad.cue%s:\n%s", tc.line, msg)
			}
		})
	}
}

func sharesNetwork(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
