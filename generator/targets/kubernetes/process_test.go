package kubernetes

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// processModel adds to prod a service that says everything Compose users
// write about a container, a volume and a network named as Compose allows.
const processModel = `package envs

environments: prod: {
	networks: "back_end.net": description: "a Compose-style network name"
	volumes: "db_data": size: "1Gi"
	services: "proc-test": {
		group: "services"
		image: "example/proc-test:1.0.0"
		networks: ["back_end.net"]
		resources: {}
		user:            "1000:2000"
		workingDir:      "/srv"
		entrypoint: ["/bin/run"]
		command: ["--serve"]
		tty:             true
		stdinOpen:       true
		readOnly:        true
		capAdd: ["NET_ADMIN"]
		capDrop: ["ALL"]
		stopGracePeriod: "1m30s"
		stopSignal:      "SIGINT"
		tmpfs: ["/run", "/tmp:size=64m"]
		extraHosts: {"db.local": ["10.0.0.5"], "cache.local": ["10.0.0.5"]}
		ulimits: nofile: 65536
		labels: {"com.example.team": "data", "com.example.rule": "Host(` + "`x`" + `)"}
		build: context: "./app"
		mounts: [{target: "/cache", anonymous: true}, {target: "/var/lib/db", volume: "db_data"}]
		// Passed through from the shell of docker compose: nothing here.
		env: PASSTHRU: variable: "PASSTHRU"
	}
	services: "proc-job": {
		group: "services"
		image: "example/proc-job:1.0.0"
		kind:  "job"
		networks: ["back_end.net"]
		resources: {}
		restart:        "on-failure"
		restartRetries: 4
	}
}
`

// TestProcessFields builds the service above, decodes every object
// strictly into its k8s.io/api type, and checks each carried field on the
// built Deployment.
func TestProcessFields(t *testing.T) {
	m := loadModel(t, tempModel(t, map[string]string{"envs/zz_proc.cue": processModel}))
	out := generate(t, m, "prod")
	built := krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/prod")
	for id, obj := range built {
		data, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeStrict(data); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		for _, msg := range validMeta(obj) {
			t.Errorf("%s: %s", id, msg)
		}
	}
	var d appsv1.Deployment
	found := false
	for id, obj := range built {
		if strings.HasPrefix(id, "apps/v1/Deployment/proc-test@") {
			data, _ := yaml.Marshal(obj)
			if err := yaml.UnmarshalStrict(data, &d); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no Deployment proc-test in %v", sortedIDs(built))
	}
	pod := d.Spec.Template
	c := pod.Spec.Containers[0]
	uid, gid, yes, no := int64(1000), int64(2000), true, false
	check := func(field string, want, got any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", field, diff)
		}
	}
	check("securityContext", &corev1.SecurityContext{
		RunAsUser: &uid, RunAsGroup: &gid, ReadOnlyRootFilesystem: &yes, AllowPrivilegeEscalation: &no,
		Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}, Drop: []corev1.Capability{"ALL"}},
	}, c.SecurityContext)
	check("workingDir", "/srv", c.WorkingDir)
	check("command", []string{"/bin/run"}, c.Command)
	check("args", []string{"--serve"}, c.Args)
	check("tty/stdin", [2]bool{true, true}, [2]bool{c.TTY, c.Stdin})
	grace := int64(90)
	check("terminationGracePeriodSeconds", &grace, pod.Spec.TerminationGracePeriodSeconds)
	check("hostAliases", []corev1.HostAlias{{IP: "10.0.0.5", Hostnames: []string{"cache.local", "db.local"}}}, pod.Spec.HostAliases)
	check("label", "data", pod.Labels["com.example.team"])
	check("annotation", "Host(`x`)", pod.Annotations["com.example.rule"])
	check("network label", "true", pod.Labels["network.degen.dev/back-end-net"])
	vols := map[string]corev1.VolumeSource{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v.VolumeSource
	}
	mounts := map[string]string{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.MountPath] = vm.Name
	}
	check("anonymous volume", &corev1.EmptyDirVolumeSource{}, vols[mounts["/cache"]].EmptyDir)
	check("tmpfs", &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}, vols[mounts["/tmp"]].EmptyDir)
	if pvc := vols[mounts["/var/lib/db"]].PersistentVolumeClaim; pvc == nil || pvc.ClaimName != "db-data" {
		t.Errorf("volume db_data: claim %+v, want db-data", pvc)
	}
	if _, ok := built["v1/PersistentVolumeClaim/db-data@"+m.Envs["prod"].Namespace]; !ok {
		t.Errorf("no PersistentVolumeClaim db-data in %v", sortedIDs(built))
	}
	if _, ok := built["networking.k8s.io/v1/NetworkPolicy/back-end-net@"+m.Envs["prod"].Namespace]; !ok {
		t.Errorf("no NetworkPolicy back-end-net in %v", sortedIDs(built))
	}
	var job batchv1.Job
	for id, obj := range built {
		if strings.HasPrefix(id, "batch/v1/Job/proc-job@") {
			data, _ := yaml.Marshal(obj)
			if err := yaml.UnmarshalStrict(data, &job); err != nil {
				t.Fatal(err)
			}
		}
	}
	backoff := int32(4)
	check("job backoffLimit", &backoff, job.Spec.BackoffLimit)
	var warned []string
	for _, w := range out.Warnings {
		if w.Subject == "proc-test" {
			warned = append(warned, w.Message)
		}
	}
	if len(c.Env) != 0 || len(c.EnvFrom) != 0 {
		t.Errorf("a variable passed through reaches the container: env %v, envFrom %v", c.Env, c.EnvFrom)
	}
	for _, want := range []string{"build ./app is Compose only", "ulimit nofile is not carried", "env PASSTHRU is a variable alone (PASSTHRU), which Compose passes through"} {
		ok := false
		for _, w := range warned {
			ok = ok || strings.Contains(w, want)
		}
		if !ok {
			t.Errorf("no warning %q in %q", want, warned)
		}
	}
}

func sortedIDs(m map[string]map[string]any) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// TestProcessPodSecurityIsTheCheckers: for privileged, added capabilities
// and root users, degen's judgement gives the admission checker's reasons
// at every level.
func TestProcessPodSecurityIsTheCheckers(t *testing.T) {
	m := loadModel(t, tempModel(t, map[string]string{"envs/zz_proc.cue": processModel}))
	e := checker(t)
	env := m.Envs["prod"]
	b := &builder{env: env, mounters: map[string]int{}}
	base := env.Services["proc-test"]
	yes, no, zero, unconfined := true, false, int64(0), "Unconfined"
	for name, change := range map[string]func(){
		"as written":   func() {},
		"privileged":   func() { base.Privileged = true },
		"baseline cap": func() { base.CapAdd = []string{"CHOWN"} },
		"bind cap":     func() { base.CapAdd = []string{"NET_BIND_SERVICE"}; base.CapDrop = []string{"ALL"} },
		"root":         func() { base.User = "0"; base.Security.RunAsNonRoot = &no },
		"root and sys cap": func() {
			base.User = "0:0"
			base.CapAdd = []string{"SYS_ADMIN", "CHOWN"}
			base.Security.RunAsNonRoot = &no
		},
		"pod root":    func() { base.User = ""; base.Security.RunAsUser = &zero; base.Security.RunAsNonRoot = &no },
		"no defaults": func() { env.Kubernetes.Security = model.Security{} },
		"escalation":  func() { base.Security.AllowPrivilegeEscalation = &yes },
		"unconfined":  func() { base.Security.SeccompProfile = &unconfined },
	} {
		saved, savedEnv := *base, env.Kubernetes.Security
		change()
		pod, _, err := b.podSpec(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, level := range []string{levelPrivileged, levelBaseline, levelRestricted} {
			want := forbidden(t, e, level, &corev1.PodTemplateSpec{Spec: pod})
			var got []string
			for _, v := range podSecurityViolations(level, base, &pod, map[string]int{}) {
				got = append(got, v.reason)
			}
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s at %s (-checker +degen):\n%s", name, level, diff)
			}
		}
		*base, env.Kubernetes.Security = saved, savedEnv
	}
	_ = target.Warning{}
}
