package kubernetes

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
)

// decodeInto decodes a built object into its upstream type, refusing any
// field the type does not have.
func decodeInto(t *testing.T, obj map[string]any, into any) {
	t.Helper()
	data, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%v/%v does not decode strictly: %v", obj["kind"], obj["metadata"].(map[string]any)["name"], err)
	}
}

// TestOrdinalServices: prod's brokers are one StatefulSet kafka of three
// pods, and every ordinal service of the default model is what the schema
// says in every overlay build (checkOrdinalServices).
func TestOrdinalServices(t *testing.T) {
	r := theDefault(t)
	if n := checkOrdinalServices(t, r); n == 0 {
		t.Fatal("the default model has no ordinal service")
	}
	built := r.built["prod"]
	var sts appsv1.StatefulSet
	decodeInto(t, built["apps/v1/StatefulSet/kafka@de-prod"], &sts)
	if *sts.Spec.Replicas != 3 || sts.Spec.ServiceName != "kafka-headless" {
		t.Errorf("prod kafka: replicas %d, serviceName %q; want 3 and kafka-headless", *sts.Spec.Replicas, sts.Spec.ServiceName)
	}
	for id := range built {
		if strings.Contains(id, "kafka-broker") {
			t.Errorf("prod still builds %s", id)
		}
	}
	// The advertised listeners of each broker as its pod sees them, by
	// hand: no listener advertises localhost.
	for i := range 3 {
		env := stsPodEnv(t, built, &sts, i)
		want := fmt.Sprintf("PLAINTEXT://kafka-%d.kafka-headless.de-prod.svc:29092,PLAINTEXT_HOST://kafka-%d.kafka-headless.de-prod.svc:9092", i, i)
		if got := env["KAFKA_ADVERTISED_LISTENERS"]; got != want {
			t.Errorf("kafka-%d advertises %q, want %q", i, got, want)
		}
		if got := env["KAFKA_BROKER_ID"]; got != strconv.Itoa(i) {
			t.Errorf("kafka-%d has broker id %q", i, got)
		}
		for k, v := range env {
			if strings.Contains(v, "localhost") {
				t.Errorf("kafka-%d: %s = %q names localhost", i, k, v)
			}
		}
	}
	// The ZooKeeper ensemble: pods zookeeper-1..3, each its own server id,
	// and every member its servers and the brokers' connect string name is
	// one of those pods under the governing Service, as the namespace's
	// DNS answers it.
	var zk appsv1.StatefulSet
	decodeInto(t, built["apps/v1/StatefulSet/zookeeper@de-prod"], &zk)
	pods := map[string]bool{}
	for i := 1; i <= 3; i++ {
		pods[fmt.Sprintf("zookeeper-%d.%s", i, zk.Spec.ServiceName)] = true
		if got := stsPodEnv(t, built, &zk, i)["ZOOKEEPER_SERVER_ID"]; got != strconv.Itoa(i) {
			t.Errorf("zookeeper-%d has server id %q", i, got)
		}
	}
	if *zk.Spec.Replicas != 3 || zk.Spec.ServiceName != "zookeeper-headless" {
		t.Errorf("prod zookeeper: replicas %d, serviceName %q; want 3 and zookeeper-headless", *zk.Spec.Replicas, zk.Spec.ServiceName)
	}
	members := map[string][]string{
		"ZOOKEEPER_SERVERS":       strings.Split(stsPodEnv(t, built, &zk, 1)["ZOOKEEPER_SERVERS"], ";"),
		"KAFKA_ZOOKEEPER_CONNECT": strings.Split(stsPodEnv(t, built, &sts, 0)["KAFKA_ZOOKEEPER_CONNECT"], ","),
	}
	for v, list := range members {
		if len(list) != 3 {
			t.Errorf("%s names %d members, want 3", v, len(list))
		}
		for _, m := range list {
			if !pods[strings.SplitN(m, ":", 2)[0]] {
				t.Errorf("%s names %q, no pod of zookeeper", v, m)
			}
		}
	}
}

// checkOrdinalServices checks, in every overlay build of r, each ordinal
// service of the model: one StatefulSet of ordinal.replicas pods from
// ordinal.start, Parallel, governed by the headless Service
// <hostname>-headless (every pod, ready or not), a ClusterIP Service
// <hostname>, a claim template per volume, a budget when it runs two or
// more; and each pod's per-replica variables, as the kubelet expands them
// from the downward API, are the model's templates rendered by the
// schema's rule, naming pods and ports that exist. It returns how many
// ordinal services it checked.
func checkOrdinalServices(t *testing.T, r *modelRun) int {
	t.Helper()
	n := 0
	for _, envName := range kubeEnvs(r.model) {
		env := r.model.Envs[envName]
		built := r.built[envName]
		ns := env.Namespace
		for _, name := range env.ServiceNames() {
			s := env.Services[name]
			if s.Ordinal == nil {
				continue
			}
			n++
			where := envName + "/" + name
			obj := built["apps/v1/StatefulSet/"+name+"@"+ns]
			if obj == nil {
				t.Errorf("%s: no StatefulSet %s", where, name)
				continue
			}
			var sts appsv1.StatefulSet
			decodeInto(t, obj, &sts)
			headless := s.Hostname + "-headless"
			if *sts.Spec.Replicas != int32(s.Ordinal.Replicas) || sts.Spec.ServiceName != headless || sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
				t.Errorf("%s: replicas %d, serviceName %q, %s; want %d, %s, Parallel", where, *sts.Spec.Replicas, sts.Spec.ServiceName, sts.Spec.PodManagementPolicy, s.Ordinal.Replicas, headless)
			}
			start := 0
			if sts.Spec.Ordinals != nil {
				start = int(sts.Spec.Ordinals.Start)
			}
			if start != s.Ordinal.Start {
				t.Errorf("%s: the pods start at ordinal %d, the model at %d", where, start, s.Ordinal.Start)
			}
			var claims, vols []string
			for _, c := range sts.Spec.VolumeClaimTemplates {
				claims = append(claims, c.Name)
			}
			for _, m := range s.Mounts {
				if m.Volume != "" {
					vols = append(vols, model.KubeName(m.Volume))
				}
			}
			if strings.Join(claims, ",") != strings.Join(vols, ",") {
				t.Errorf("%s: claim templates %v, want one per volume %v", where, claims, vols)
			}
			var h, c corev1.Service
			decodeInto(t, mustObj(t, built, "v1/Service/"+headless+"@"+ns), &h)
			decodeInto(t, mustObj(t, built, "v1/Service/"+s.Hostname+"@"+ns), &c)
			if h.Spec.ClusterIP != corev1.ClusterIPNone || !h.Spec.PublishNotReadyAddresses || h.Spec.Selector[labelName] != name {
				t.Errorf("%s: Service %s is not headless over every pod of %s: %+v", where, headless, name, h.Spec)
			}
			if c.Spec.ClusterIP == corev1.ClusterIPNone || c.Spec.Selector[labelName] != name {
				t.Errorf("%s: Service %s is not a ClusterIP Service of %s", where, s.Hostname, name)
			}
			if _, ok := built["policy/v1/PodDisruptionBudget/"+name+"@"+ns]; ok != (s.Ordinal.Replicas >= 2) {
				t.Errorf("%s: PodDisruptionBudget present %v with %d replicas", where, ok, s.Ordinal.Replicas)
			}
			for k := range s.Ordinal.Replicas {
				o := s.Ordinal.Start + k
				pod := stsPodEnv(t, built, &sts, o)
				host := fmt.Sprintf("%s-%d.%s.%s.svc", name, o, headless, ns)
				for v, tmpl := range s.Ordinal.Env {
					want := publishedRE.ReplaceAllStringFunc(tmpl, func(m string) string {
						p, _ := s.Port(publishedRE.FindStringSubmatch(m)[1])
						return host + ":" + strconv.Itoa(p.ContainerPort)
					})
					want = strings.NewReplacer("{{ordinal}}", strconv.Itoa(o), "{{host}}", host).Replace(want)
					if pod[v] != want {
						t.Errorf("%s: pod %s-%d has %s = %q, want %q", where, name, o, v, pod[v], want)
					}
					problems, _ := addressProblems(t, built, ns, pod[v])
					for _, p := range problems {
						t.Errorf("%s: pod %s-%d: %s: %s", where, name, o, v, p)
					}
				}
			}
		}
	}
	return n
}

var publishedRE = regexp.MustCompile(`\{\{published:([a-z0-9-]+)\}\}`)

func mustObj(t *testing.T, built map[string]map[string]any, id string) map[string]any {
	t.Helper()
	obj := built[id]
	if obj == nil {
		t.Fatalf("no %s in the build", id)
	}
	return obj
}

// podEnv is the environment container c of the pod named pod (ordinal
// its apps.kubernetes.io/pod-index label, or -1 for a pod of no
// StatefulSet) sees, as the kubelet makes it: the ConfigMaps of envFrom,
// then env in order, each fieldRef read from the pod's metadata and each
// $(VAR) expanded from the variables before it ($$ is a literal $, an
// unknown reference stays as written), as the Kubernetes API documents
// EnvVar.value.
func podEnv(t *testing.T, built map[string]map[string]any, ns, pod string, ordinal int, c corev1.Container) map[string]string {
	t.Helper()
	meta := map[string]string{"metadata.name": pod, "metadata.namespace": ns}
	if ordinal >= 0 {
		meta["metadata.labels['"+appsv1.PodIndexLabel+"']"] = strconv.Itoa(ordinal)
	}
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		var cm corev1.ConfigMap
		decodeInto(t, mustObj(t, built, "v1/ConfigMap/"+from.ConfigMapRef.Name+"@"+ns), &cm)
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = expand(e.Value, env)
		case e.ValueFrom.FieldRef != nil:
			v, ok := meta[e.ValueFrom.FieldRef.FieldPath]
			if !ok {
				t.Errorf("pod %s: env %s reads %s, which the pod does not have", pod, e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
			env[e.Name] = v
		default:
			env[e.Name] = "<" + e.Name + " from a reference>"
		}
	}
	return env
}

// stsPodEnv is podEnv for pod <sts>-<ordinal> of a StatefulSet.
func stsPodEnv(t *testing.T, built map[string]map[string]any, sts *appsv1.StatefulSet, ordinal int) map[string]string {
	t.Helper()
	return podEnv(t, built, sts.Namespace, fmt.Sprintf("%s-%d", sts.Name, ordinal), ordinal, sts.Spec.Template.Spec.Containers[0])
}

// expand is Kubernetes' expansion of an EnvVar value.
func expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			if j := strings.IndexByte(s[i:], ')'); j > 0 {
				name := s[i+2 : i+j]
				if v, ok := env[name]; ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i : i+j+1])
				}
				i += j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

var addressRE = regexp.MustCompile(`([a-z0-9][a-z0-9.-]*):([0-9]{1,5})\b`)

// addressProblems checks every host:port in value whose host is a Service
// of the build, or a pod under a StatefulSet's governing Service
// (<pod>.<service>…), against that build: the name stays in the namespace,
// the pod exists, and the port is one of the Service's. Other hosts
// (localhost, 0.0.0.0, outside names) are not the build's. It returns the
// problems and how many addresses it checked.
func addressProblems(t *testing.T, built map[string]map[string]any, ns, value string) (problems []string, n int) {
	t.Helper()
	for _, m := range addressRE.FindAllStringSubmatch(value, -1) {
		labels := strings.Split(m[1], ".")
		port, _ := strconv.Atoi(m[2])
		svc, pod, rest := labels[0], "", labels[1:]
		if built["v1/Service/"+svc+"@"+ns] == nil {
			if len(labels) < 2 || built["v1/Service/"+labels[1]+"@"+ns] == nil {
				continue
			}
			svc, pod, rest = labels[1], labels[0], labels[2:]
		}
		n++
		if suffix := strings.Join(rest, "."); suffix != "" && suffix != ns && suffix != ns+".svc" && suffix != ns+".svc.cluster.local" {
			problems = append(problems, fmt.Sprintf("%s names Service %s outside namespace %s", m[0], svc, ns))
		}
		var s corev1.Service
		decodeInto(t, built["v1/Service/"+svc+"@"+ns], &s)
		if pod != "" && !governs(t, built, ns, svc, pod) {
			problems = append(problems, fmt.Sprintf("%s names pod %s, which no StatefulSet governed by Service %s runs", m[0], pod, svc))
		}
		found := false
		for _, p := range s.Spec.Ports {
			found = found || int(p.Port) == port
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: Service %s has no port %d", m[0], svc, port))
		}
	}
	return problems, n
}

// governs reports whether a StatefulSet of the build whose serviceName is
// svc runs the pod named pod.
func governs(t *testing.T, built map[string]map[string]any, ns, svc, pod string) bool {
	t.Helper()
	for id, obj := range built {
		if !strings.HasPrefix(id, "apps/v1/StatefulSet/") || !strings.HasSuffix(id, "@"+ns) {
			continue
		}
		var sts appsv1.StatefulSet
		decodeInto(t, obj, &sts)
		if sts.Spec.ServiceName != svc {
			continue
		}
		start := 0
		if sts.Spec.Ordinals != nil {
			start = int(sts.Spec.Ordinals.Start)
		}
		for o := start; o < start+int(*sts.Spec.Replicas); o++ {
			if pod == fmt.Sprintf("%s-%d", sts.Name, o) {
				return true
			}
		}
	}
	return false
}

// TestReferencedPortsAreOpen: in every overlay build of the default model,
// what a container is told to reach (a host:port in its environment as the
// kubelet makes it, its command or its args) names a Service of the build
// that has that port, and a variable named …_PORT whose value is a number
// names a port some container of the build opens: nothing points at a port
// no container opens.
func TestReferencedPortsAreOpen(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		problems, n := portProblems(t, r.built[env], r.model.Envs[env].Namespace)
		for _, p := range problems {
			t.Errorf("%s: %s", env, p)
		}
		if n < 10 {
			t.Errorf("%s: only %d addresses and ports checked", env, n)
		}
	}
	// The check bites: kafka-ui was told to read the brokers' JMX metrics
	// on port 9997, which no broker opens.
	built := map[string]map[string]any{}
	for id, obj := range r.built["prod"] {
		built[id] = obj
	}
	cm := roundTrip(t, built["v1/ConfigMap/kafka-ui-config@de-prod"])
	cm["data"].(map[string]any)["KAFKA_CLUSTERS_0_METRICS_PORT"] = "9997"
	built["v1/ConfigMap/kafka-ui-config@de-prod"] = cm
	problems, _ := portProblems(t, built, "de-prod")
	if len(problems) != 1 || !strings.Contains(problems[0], "KAFKA_CLUSTERS_0_METRICS_PORT = 9997") {
		t.Errorf("a port no container opens is not found: %v", problems)
	}
}

// portProblems checks the addresses and ports the containers of a build's
// workloads are given (see TestReferencedPortsAreOpen); it returns the
// problems and how many references it checked.
func portProblems(t *testing.T, built map[string]map[string]any, ns string) (problems []string, n int) {
	t.Helper()
	type pod struct {
		name    string
		ordinal int
		tmpl    corev1.PodTemplateSpec
	}
	var pods []pod
	open := map[string]bool{}
	for _, id := range sortedNames(built) {
		obj := built[id]
		kind, _ := obj["kind"].(string)
		switch kind {
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
		default:
			continue
		}
		spec, _ := obj["spec"].(map[string]any)
		var tmpl corev1.PodTemplateSpec
		decodeInto(t, map[string]any{"metadata": map[string]any{"name": "template"}, "spec": spec["template"].(map[string]any)["spec"]}, &tmpl)
		for _, c := range tmpl.Spec.Containers {
			for _, p := range c.Ports {
				open[strconv.Itoa(int(p.ContainerPort))] = true
			}
		}
		name := obj["metadata"].(map[string]any)["name"].(string)
		if kind != "StatefulSet" {
			pods = append(pods, pod{name + "-pod", -1, tmpl})
			continue
		}
		var sts appsv1.StatefulSet
		decodeInto(t, obj, &sts)
		start := 0
		if sts.Spec.Ordinals != nil {
			start = int(sts.Spec.Ordinals.Start)
		}
		for o := start; o < start+int(*sts.Spec.Replicas); o++ {
			pods = append(pods, pod{fmt.Sprintf("%s-%d", name, o), o, tmpl})
		}
	}
	for _, p := range pods {
		for _, c := range p.tmpl.Spec.Containers {
			env := podEnv(t, built, ns, p.name, p.ordinal, c)
			values := append(append([]string(nil), c.Command...), c.Args...)
			for _, k := range sortedNames(env) {
				v := env[k]
				values = append(values, v)
				if _, err := strconv.Atoi(v); err == nil && strings.HasSuffix(k, "_PORT") {
					n++
					if !open[v] {
						problems = append(problems, fmt.Sprintf("pod %s: %s = %s, a port no container of the build opens", p.name, k, v))
					}
				}
			}
			for _, v := range values {
				ps, m := addressProblems(t, built, ns, v)
				n += m
				for _, pr := range ps {
					problems = append(problems, "pod "+p.name+": "+pr)
				}
			}
		}
	}
	return problems, n
}
