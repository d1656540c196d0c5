package kubernetes

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// TestNamespaceNotPruned: Flux and Argo CD prune what leaves Git; the
// Namespace must never be pruned, since deleting it deletes every
// PersistentVolumeClaim in it.
func TestNamespaceNotPruned(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		id := "v1/Namespace/" + r.model.Envs[env].Namespace + "@"
		ns, ok := r.built[env][id]
		if !ok {
			t.Fatalf("%s: no %s in the build", env, id)
		}
		md, _ := ns["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		for k, want := range map[string]string{
			"kustomize.toolkit.fluxcd.io/prune": "disabled",
			"argocd.argoproj.io/sync-options":   "Prune=false",
		} {
			if ann[k] != want {
				t.Errorf("%s: Namespace annotation %s = %v, want %q", env, k, ann[k], want)
			}
		}
	}
}

// TestPullPolicyRule: the pull policy follows model.ImagePinned (whose
// test holds the table): IfNotPresent for a pinned image, Always for one
// that may move.
func TestPullPolicyRule(t *testing.T) {
	for _, image := range []string{"redis:7-alpine", "mysql:8.0", "confluentinc/cp-kafka:7.5.0", "minio/minio:RELEASE.2024-01-29T03-56-32Z", "busybox@sha256:" + strings.Repeat("a", 64)} {
		want := corev1.PullAlways
		if model.ImagePinned(image) {
			want = corev1.PullIfNotPresent
		}
		if got := pullPolicy(image); got != want {
			t.Errorf("pullPolicy(%q) = %s, want %s", image, got, want)
		}
	}
	if pullPolicy("redis:7-alpine") != corev1.PullAlways || pullPolicy("confluentinc/cp-kafka:7.5.0") != corev1.PullIfNotPresent {
		t.Error("the pull policy does not tell a moving tag from a release")
	}
}

// TestImagePullPolicy: every container and init container of every built
// pod template has an explicit imagePullPolicy, the one the rule gives.
func TestImagePullPolicy(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		n := 0
		for id, obj := range r.built[env] {
			spec, _ := obj["spec"].(map[string]any)
			if obj["kind"] == "CronJob" {
				spec, _ = spec["jobTemplate"].(map[string]any)
				spec, _ = spec["spec"].(map[string]any)
			}
			tmpl, _ := spec["template"].(map[string]any)
			pod, _ := tmpl["spec"].(map[string]any)
			for _, key := range []string{"initContainers", "containers"} {
				cs, _ := pod[key].([]any)
				for _, c := range cs {
					c, _ := c.(map[string]any)
					n++
					image, _ := c["image"].(string)
					got, _ := c["imagePullPolicy"].(string)
					if got == "" {
						t.Errorf("%s: %s: container %v has no imagePullPolicy", env, id, c["name"])
					} else if isDegens(obj) && corev1.PullPolicy(got) != pullPolicy(image) {
						t.Errorf("%s: %s: container %v (%s): imagePullPolicy %s, want %s", env, id, c["name"], image, got, pullPolicy(image))
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no containers found", env)
		}
	}
}

// isDegens tells objects degen renders from services from those a Helm
// chart renders, whose pull policy is the chart's.
func isDegens(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	return labels["app.kubernetes.io/managed-by"] == "degen"
}

// TestRolloutsCanFinish: in every overlay build, a Deployment whose pod
// claims a ReadWriteOnce volume is replaced with Recreate (a surge pod
// would wait on Multi-Attach for ever), and every other Deployment rolls.
// A ReadWriteMany claim takes the environment's RWX class, which it must
// name.
func TestRolloutsCanFinish(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		modes := map[string]string{} // claim -> access mode
		for _, obj := range r.built[env] {
			if obj["kind"] != "PersistentVolumeClaim" {
				continue
			}
			meta, _ := obj["metadata"].(map[string]any)
			spec, _ := obj["spec"].(map[string]any)
			am, _ := spec["accessModes"].([]any)
			if len(am) == 1 {
				modes[meta["name"].(string)] = am[0].(string)
			}
		}
		recreate := 0
		for id, obj := range r.built[env] {
			if obj["kind"] != "Deployment" || !isDegens(obj) {
				continue
			}
			spec, _ := obj["spec"].(map[string]any)
			strategy, _ := spec["strategy"].(map[string]any)
			tmpl, _ := spec["template"].(map[string]any)
			pod, _ := tmpl["spec"].(map[string]any)
			rwo := false
			vols, _ := pod["volumes"].([]any)
			for _, v := range vols {
				v, _ := v.(map[string]any)
				if c, ok := v["persistentVolumeClaim"].(map[string]any); ok && modes[c["claimName"].(string)] == "ReadWriteOnce" {
					rwo = true
				}
			}
			want := "RollingUpdate"
			if rwo {
				want = "Recreate"
				recreate++
			}
			if strategy["type"] != want {
				t.Errorf("%s: %s: strategy %v, want %s (claims a ReadWriteOnce volume: %v)", env, id, strategy["type"], want, rwo)
			}
		}
		// Prometheus, Grafana, MinIO and superset-redis hold one RWO claim
		// each in the default model.
		if recreate < 4 {
			t.Errorf("%s: %d Deployments use Recreate, want at least the 4 with a ReadWriteOnce claim", env, recreate)
		}
	}
	// Without a RWX class a shared volume is ReadWriteOnce, its workloads
	// run on one node (pod affinity to every sharer on the hostname), and
	// the volume is warned about; with one, the claims name the classes.
	m := r.model
	env := *m.Envs["prod"]
	env.Kubernetes.StorageClasses = model.StorageClasses{}
	one, err := Target{}.Generate(target.Input{Env: &env, Base: m.Base})
	if err != nil {
		t.Fatalf("a shared volume without a RWX class: %v", err)
	}
	shared := map[string]bool{}
	for _, w := range one.Warnings {
		if w.Code == "volume-one-node" {
			shared[model.KubeName(w.Subject)] = true
		}
	}
	if len(shared) == 0 {
		t.Fatal("no volume-one-node warning for the default model's shared volumes")
	}
	for _, obj := range krustyBuild(t, writeFS(t, one.Files), "/out/kubernetes/overlays/prod") {
		meta, _ := obj["metadata"].(map[string]any)
		spec, _ := obj["spec"].(map[string]any)
		switch obj["kind"] {
		case "PersistentVolumeClaim":
			if am, _ := spec["accessModes"].([]any); shared[meta["name"].(string)] && (len(am) != 1 || am[0] != "ReadWriteOnce") {
				t.Errorf("shared claim %s on one node: accessModes %v, want [ReadWriteOnce]", meta["name"], am)
			}
		case "Deployment":
			tmpl, _ := spec["template"].(map[string]any)
			pod, _ := tmpl["spec"].(map[string]any)
			mounts := false
			vols, _ := pod["volumes"].([]any)
			for _, v := range vols {
				if c, ok := v.(map[string]any)["persistentVolumeClaim"].(map[string]any); ok && shared[c["claimName"].(string)] {
					mounts = true
				}
			}
			aff, _ := pod["affinity"].(map[string]any)
			pa, _ := aff["podAffinity"].(map[string]any)
			terms, _ := pa["requiredDuringSchedulingIgnoredDuringExecution"].([]any)
			if mounts != (len(terms) > 0) {
				t.Errorf("Deployment %s mounts a volume shared on one node: %v, has required pod affinity: %v", meta["name"], mounts, terms)
			}
			for _, term := range terms {
				if term.(map[string]any)["topologyKey"] != hostnameKey {
					t.Errorf("Deployment %s: pod affinity term %v, want the topology key %s", meta["name"], term, hostnameKey)
				}
			}
		}
	}
	env.Kubernetes.StorageClasses = model.StorageClasses{ReadWriteMany: "cephfs", ReadWriteOnce: "fast-ssd"}
	out, err := Target{}.Generate(target.Input{Env: &env, Base: m.Base})
	if err != nil {
		t.Fatal(err)
	}
	built := krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/prod")
	classes := map[string]string{}
	for _, obj := range built {
		if obj["kind"] == "PersistentVolumeClaim" {
			meta, _ := obj["metadata"].(map[string]any)
			spec, _ := obj["spec"].(map[string]any)
			am, _ := spec["accessModes"].([]any)
			c, _ := spec["storageClassName"].(string)
			classes[meta["name"].(string)+" "+am[0].(string)] = c
		}
	}
	if len(classes) == 0 {
		t.Fatal("prod builds no PersistentVolumeClaim")
	}
	for k, c := range classes {
		want := "fast-ssd"
		if strings.HasSuffix(k, "ReadWriteMany") {
			want = "cephfs"
		}
		if c != want {
			t.Errorf("claim %s: storageClassName %q, want %q", k, c, want)
		}
	}
}

// ingresses decodes an environment's built Ingresses strictly, by name.
func ingresses(t *testing.T, objs map[string]map[string]any) map[string]*networkingv1.Ingress {
	t.Helper()
	out := map[string]*networkingv1.Ingress{}
	for _, obj := range objs {
		if obj["kind"] != "Ingress" {
			continue
		}
		data, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		ing := &networkingv1.Ingress{}
		if err := yaml.UnmarshalStrict(data, ing); err != nil {
			t.Fatal(err)
		}
		out[ing.Name] = ing
	}
	return out
}

// TestIngressTLS: prod's Ingresses, as kustomize builds them and strictly
// decoded, serve TLS for every host they route with the certificate
// cert-manager issues into <ingressName>-tls (the main Ingress asks for it,
// naming every host); an Ingress with TLS and no host is refused.
func TestIngressTLS(t *testing.T) {
	r := theDefault(t)
	env := r.model.Envs["prod"]
	all := ingresses(t, r.built["prod"])
	ing := all[env.Kubernetes.IngressName]
	if ing == nil {
		t.Fatalf("prod builds no Ingress %s (built: %v)", env.Kubernetes.IngressName, model.SortedKeys(all))
	}
	host := env.Kubernetes.IngressHost
	routed := map[string]bool{}
	for _, i := range all {
		for _, rule := range i.Spec.Rules {
			routed[rule.Host] = true
		}
		if len(i.Spec.TLS) != 1 {
			t.Fatalf("Ingress %s: TLS %+v, want one entry", i.Name, i.Spec.TLS)
		}
		for _, rule := range i.Spec.Rules {
			if !slices.Contains(i.Spec.TLS[0].Hosts, rule.Host) {
				t.Errorf("Ingress %s routes host %q, which its TLS hosts %v do not name", i.Name, rule.Host, i.Spec.TLS[0].Hosts)
			}
		}
		if got, want := i.Spec.TLS[0].SecretName, env.Kubernetes.IngressName+"-tls"; got != want {
			t.Errorf("Ingress %s: TLS secret %q, want %q", i.Name, got, want)
		}
		if i != ing && i.Annotations["cert-manager.io/cluster-issuer"] != "" {
			t.Errorf("Ingress %s also asks cert-manager for the certificate: two Certificates would write one Secret", i.Name)
		}
	}
	if ing.Spec.Rules[0].Host != host {
		t.Errorf("first rule's host %q, want the environment's %q", ing.Spec.Rules[0].Host, host)
	}
	if got := ing.Spec.TLS[0].Hosts; len(got) != len(routed) {
		t.Errorf("main Ingress's TLS hosts %v, want every routed host %v", got, model.SortedKeys(routed))
	}
	if got := ing.Annotations["cert-manager.io/cluster-issuer"]; got != env.Kubernetes.IngressTLS.ClusterIssuer || got == "" {
		t.Errorf("cluster-issuer annotation %q, want the model's %q", got, env.Kubernetes.IngressTLS.ClusterIssuer)
	}
	// Staging serves TLS too (letsencrypt-staging, the ingress-tls
	// policy); dev, whose host no public authority certifies, does not.
	for _, name := range []string{"dev"} {
		for _, i := range ingresses(t, r.built[name]) {
			if i.Spec.TLS != nil {
				t.Errorf("%s: Ingress %s serves TLS, which the model does not ask for", name, i.Name)
			}
		}
	}
	noHost := *env
	noHost.Kubernetes.IngressHost = ""
	_, err := Target{}.Generate(target.Input{Env: &noHost, Base: r.model.Base})
	if err == nil || !strings.Contains(err.Error(), "the Ingress serves TLS but kubernetes.ingressHost is not set") {
		t.Errorf("TLS without a host: err = %v", err)
	}
}

// TestIngressRoutes: every service with an ingress route is reached the
// way the model says, in each environment's built Ingresses. A route that
// strips its prefix is an ingress-nginx regex on an Ingress of its own,
// and the rewrite, applied as ingress-nginx applies it (the path is a
// case-insensitive regex anchored at the start; rewrite-target /$2), maps
// <path>/x to /x and <path> to /, and leaves <path>x alone.
func TestIngressRoutes(t *testing.T) {
	r := theDefault(t)
	for _, envName := range []string{"dev", "staging", "prod"} {
		env := r.model.Envs[envName]
		all := ingresses(t, r.built[envName])
		checked := 0
		for _, name := range env.ServiceNames() {
			s := env.Services[name]
			if s.Ingress == nil {
				continue
			}
			host := s.Ingress.Host
			if host == "" {
				host = env.Kubernetes.IngressHost
			}
			var found *networkingv1.HTTPIngressPath
			var on *networkingv1.Ingress
			for _, ing := range all {
				for _, rule := range ing.Spec.Rules {
					for i, p := range rule.HTTP.Paths {
						if rule.Host == host && p.Backend.Service.Name == s.Hostname {
							found, on = &rule.HTTP.Paths[i], ing
						}
					}
				}
			}
			if found == nil {
				t.Errorf("%s: no Ingress routes host %q to %s", envName, host, name)
				continue
			}
			checked++
			rewrite := on.Annotations["nginx.ingress.kubernetes.io/rewrite-target"]
			if !s.Ingress.StripPrefix {
				if *found.PathType != networkingv1.PathTypePrefix || found.Path != s.Ingress.Path || rewrite != "" {
					t.Errorf("%s: %s is routed as %s %q on %s (rewrite %q), want Prefix %q unchanged", envName, name, *found.PathType, found.Path, on.Name, rewrite, s.Ingress.Path)
				}
				continue
			}
			if *found.PathType != networkingv1.PathTypeImplementationSpecific || on.Annotations["nginx.ingress.kubernetes.io/use-regex"] != "true" || rewrite != "/$2" {
				t.Fatalf("%s: %s strips its prefix but is routed as %s %q on %s with annotations %v", envName, name, *found.PathType, found.Path, on.Name, on.Annotations)
			}
			re := regexp.MustCompile("(?i)^" + found.Path)
			apply := func(uri string) (string, bool) {
				m := re.FindStringSubmatchIndex(uri)
				if m == nil {
					return "", false
				}
				return string(re.ExpandString(nil, rewrite, uri, m)), true
			}
			p := strings.TrimSuffix(s.Ingress.Path, "/")
			for uri, want := range map[string]string{p + "/graphql": "/graphql", p: "/", p + "/": "/", p + "/a/b?c=d": "/a/b?c=d"} {
				if got, ok := apply(uri); !ok || got != want {
					t.Errorf("%s: %s reaches %s as %q (matched %v), want %q", envName, uri, name, got, ok, want)
				}
			}
			if got, ok := apply(p + "x/y"); ok {
				t.Errorf("%s: %sx/y is routed to %s as %q: a prefix stops at a path segment", envName, p, name, got)
			}
		}
		if checked == 0 {
			t.Errorf("%s routes no service through the Ingress; the test proves nothing", envName)
		}
	}
}
