package kubernetes

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// parityModel adds to prod a service with every Compose parity field of
// the schema, a compose patch, and Compose-only networks and volumes.
const parityModel = `package envs

environments: prod: {
	networks: "iso-net": {description: "", internal: true}
	networks: legacy: {description: "", external: true, dockerName: "legacy_net"}
	volumes: scratch: {size: "1Gi", driverOpts: type: "tmpfs"}
	compose: patches: "parity-test": dns: ["1.1.1.1"]
	services: "parity-test": {
		group: "services"
		image: "example/parity-test:1.0.0"
		networks: ["iso-net", "legacy"]
		resources: {}
		aliases: ["parity.example.test"]
		shmSize: "256Mi"
		securityOpt: ["no-new-privileges:true", "seccomp:unconfined"]
		sysctls: "net.core.somaxconn": "1024"
		pidsLimit:  100
		platform:   "linux/amd64"
		pullPolicy: "never"
		mounts: [{target: "/scratch", volume: "scratch", selinux: "z"}]
	}
	services: "mode-test": {
		group: "services"
		image: "example/mode-test:1.0.0"
		resources: {}
		networkMode: "host"
		pullPolicy:  "daily"
	}
}
`

// TestComposeOnlyFields: pullPolicy never becomes imagePullPolicy Never,
// and every parity field Kubernetes cannot carry is a warning with its
// code; no-new-privileges is none (allowPrivilegeEscalation false).
func TestComposeOnlyFields(t *testing.T) {
	m := loadModel(t, tempModel(t, map[string]string{"envs/zz_parity.cue": parityModel}))
	out := generate(t, m, "prod")
	built := krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/prod")
	var d appsv1.Deployment
	for id, obj := range built {
		if strings.HasPrefix(id, "apps/v1/Deployment/parity-test@") {
			data, _ := yaml.Marshal(obj)
			if err := yaml.UnmarshalStrict(data, &d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if cs := d.Spec.Template.Spec.Containers; len(cs) != 1 || cs[0].ImagePullPolicy != corev1.PullNever {
		t.Errorf("containers %+v: want imagePullPolicy Never", cs)
	}
	codes := map[string]string{}
	for _, w := range out.Warnings {
		if w.Target == Name {
			codes[w.Code+"/"+w.Subject] = w.Message
		}
	}
	for _, want := range []string{
		"aliases-not-carried/parity-test", "shm-size-not-carried/parity-test", "security-opt-not-carried/parity-test",
		"sysctls-not-carried/parity-test", "pids-limit-not-carried/parity-test", "platform-not-carried/parity-test",
		"selinux-not-carried/parity-test", "compose-patch-not-carried/parity-test", "network-mode-not-carried/mode-test",
		"pull-policy-not-carried/mode-test", "internal-network-not-carried/iso-net", "network-name-not-carried/legacy",
		"volume-driver-not-carried/scratch",
	} {
		if _, ok := codes[want]; !ok {
			t.Errorf("no warning %s in %v", want, codes)
		}
	}
	for _, w := range out.Warnings {
		if strings.Contains(w.Message, "no-new-privileges") {
			t.Errorf("no-new-privileges is warned about: %s", w.Message)
		}
	}
	if msg := codes["compose-patch-not-carried/parity-test"]; !strings.Contains(msg, "dns") {
		t.Errorf("the compose patch warning does not name dns: %s", msg)
	}
}
