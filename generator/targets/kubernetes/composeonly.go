package kubernetes

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/degen-dev/degen/generator/model"
)

// composePullPolicy is the imagePullPolicy that says what a Compose
// pull_policy does; the others (build, refresh, daily, …) have none.
func composePullPolicy(p string) (corev1.PullPolicy, bool) {
	switch p {
	case "always":
		return corev1.PullAlways, true
	case "never":
		return corev1.PullNever, true
	case "missing", "if_not_present":
		return corev1.PullIfNotPresent, true
	}
	return "", false
}

// composeOnly carries what of the model's Compose parity fields
// Kubernetes can (pullPolicy) and warns, one code each, about the ones it
// cannot: a model imported from Compose says them, and a Kubernetes
// environment runs without them.
func (b *builder) composeOnly(s *model.Service, c *corev1.Container) {
	if s.PullPolicy != "" {
		if p, ok := composePullPolicy(s.PullPolicy); ok {
			c.ImagePullPolicy = p
		} else {
			b.warn(s.Name, model.P("services", s.Name, "pullPolicy"), "pull-policy-not-carried", "pullPolicy "+s.PullPolicy+" is Compose's only: Kubernetes pulls the image "+string(c.ImagePullPolicy))
		}
	}
	if s.NetworkMode != "" {
		b.warn(s.Name, model.P("services", s.Name, "networkMode"), "network-mode-not-carried", "networkMode "+s.NetworkMode+" is not carried: the pod has its own network (host.network: true shares the node's)")
	}
	if len(s.Aliases) > 0 {
		b.warn(s.Name, model.P("services", s.Name, "aliases"), "aliases-not-carried", "aliases "+strings.Join(s.Aliases, ", ")+" are not carried: other pods reach the service by its hostname "+s.Hostname+" only; use that name in their values")
	}
	if s.ShmSize != "" {
		b.warn(s.Name, model.P("services", s.Name, "shmSize"), "shm-size-not-carried", "shmSize "+s.ShmSize+" is not carried: /dev/shm keeps the runtime's 64Mi; give the pod an emptyDir of medium Memory at /dev/shm with kubernetes.patches")
	}
	for _, o := range s.SecurityOpt {
		if o == "no-new-privileges" || o == "no-new-privileges:true" || o == "no-new-privileges=true" {
			continue // allowPrivilegeEscalation false, the default of kubernetes.security
		}
		b.warn(s.Name, model.P("services", s.Name, "securityOpt"), "security-opt-not-carried", "securityOpt "+strconv.Quote(o)+" is Docker's: not carried (kubernetes.security says how the pod runs)")
	}
	if len(s.Sysctls) > 0 {
		b.warn(s.Name, model.P("services", s.Name, "sysctls"), "sysctls-not-carried", "sysctls "+strings.Join(model.SortedKeys(s.Sysctls), ", ")+" are not carried: set them with a kubernetes.patches of the pod's securityContext.sysctls (the cluster must allow unsafe ones)")
	}
	if s.PidsLimit != nil {
		b.warn(s.Name, model.P("services", s.Name, "pidsLimit"), "pids-limit-not-carried", "pidsLimit "+strconv.Itoa(*s.PidsLimit)+" is not carried: Kubernetes bounds processes per pod on the kubelet (podPidsLimit)")
	}
	if s.Platform != "" {
		b.warn(s.Name, model.P("services", s.Name, "platform"), "platform-not-carried", "platform "+s.Platform+" is not carried: the node's platform picks the image; pin nodes with a kubernetes.patches nodeSelector (kubernetes.io/arch) if the image has one platform")
	}
	for _, m := range s.Mounts {
		if m.Propagation != "" && !m.ComposeOnly {
			b.warn(s.Name, model.P("services", s.Name, "mounts"), "propagation-not-carried", "propagation "+m.Propagation+" of the mount of "+m.Target+" is not carried: the hostPath volume mounts with Kubernetes' default propagation (None); set mountPropagation with kubernetes.patches")
		}
		if m.SELinux != "" && !m.ComposeOnly {
			b.warn(s.Name, model.P("services", s.Name, "mounts"), "selinux-not-carried", "selinux "+m.SELinux+" of the mount of "+m.Target+" is not carried: Kubernetes relabels by the pod's seLinuxOptions")
		}
	}
	if p := b.env.Compose.Patches[s.Name]; len(p) > 0 {
		b.warn(s.Name, model.P("compose", "patches", s.Name), "compose-patch-not-carried", "compose.patches."+s.Name+" sets "+strings.Join(model.SortedKeys(p), ", ")+": Compose only, not carried")
	}
}

// composeOnlyNetworksVolumes warns about what the environment's networks
// and volumes say that only Compose carries.
func (b *builder) composeOnlyNetworksVolumes() {
	for _, n := range model.SortedKeys(b.env.Networks) {
		nw := b.env.Networks[n]
		if nw.Internal {
			b.warn(n, model.P("networks", n, "internal"), "internal-network-not-carried", "network "+n+" is internal (no traffic out of the Docker host): not carried; the NetworkPolicies admit traffic between the services only, egress is open")
		}
		if nw.External || nw.DockerName != "" {
			b.warn(n, model.P("networks", n), "network-name-not-carried", "network "+n+" is external or named "+nw.DockerName+" in Docker: Kubernetes has no networks to name, its services are grouped by NetworkPolicies")
		}
	}
	for _, v := range model.SortedKeys(b.env.Volumes) {
		vol := b.env.Volumes[v]
		if vol.External || vol.DockerName != "" {
			b.warn(v, model.P("volumes", v), "volume-name-not-carried", "volume "+v+" is external or named "+vol.DockerName+" in Docker: its data is not in the claim degen writes; copy it in, or bind the claim to the existing volume with kubernetes.patches (spec.volumeName)")
		}
		if vol.Driver != "" && vol.Driver != "local" || len(vol.DriverOpts) > 0 {
			b.warn(v, model.P("volumes", v, "driver"), "volume-driver-not-carried", "volume "+v+"'s Docker driver and options are not carried: its claim takes the environment's class")
		}
	}
}

// composeOnlyMount warns that a Compose-only mount is left out, saying
// what the service lacks on Kubernetes: the Docker socket (nodes run no
// Docker daemon), the host's time zone (TZ says it), or a source-code bind
// mount of local development.
func (b *builder) composeOnlyMount(s *model.Service, i int, m model.Mount) {
	at := model.P("services", s.Name, "mounts", i)
	switch {
	case model.DockerSocket(m.HostPath):
		b.warn(s.Name, at, "docker-socket-not-carried", "the Docker socket "+m.HostPath+" is mounted in Compose only: Kubernetes nodes run no Docker daemon, so here the service has none; what it does with Docker (start containers, read their logs) needs another way on Kubernetes")
	case model.HostClock(m.HostPath):
		b.warn(s.Name, at, "host-clock-not-carried", "the host's "+m.HostPath+" is mounted in Compose only: on Kubernetes the container keeps its image's time zone; give it env TZ (e.g. TZ: value: \"Europe/Berlin\")")
	default:
		b.warn(s.Name, at, "compose-only-mount", "mount of "+m.Target+" is a source-code bind mount of local development (composeOnly) and is left out; a file the service needs on Kubernetes is a config mount (file, content or render)")
	}
}
