package kubernetes

import (
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/degen-dev/degen/generator/model"
)

// process carries what the model says about the container beyond its
// image, ports and mounts where Kubernetes has a field for it
// (docs/TARGETS.md lists the rest as not applicable).
func (b *builder) process(s *model.Service, c *corev1.Container) {
	c.WorkingDir = s.WorkingDir
	c.TTY, c.Stdin = s.TTY, s.StdinOpen
	var sc corev1.SecurityContext
	set := false
	if uid, gid, ok := numericUser(s.User); ok {
		sc.RunAsUser = &uid
		if gid >= 0 {
			sc.RunAsGroup = &gid
		}
		set = true
	} else if s.User != "" {
		b.warn(s.Name, model.P("services", s.Name, "user"), "user-not-numeric", "user "+strconv.Quote(s.User)+" is not numeric: Kubernetes runs as a uid (securityContext.runAsUser); the image's user is used")
	}
	if s.ReadOnly {
		t := true
		sc.ReadOnlyRootFilesystem, set = &t, true
	}
	if s.Privileged {
		t := true
		sc.Privileged, set = &t, true
	}
	if len(s.CapAdd) > 0 || len(s.CapDrop) > 0 {
		sc.Capabilities = &corev1.Capabilities{Add: caps(s.CapAdd), Drop: caps(s.CapDrop)}
		set = true
	}
	if set {
		c.SecurityContext = &sc
	}
	b.composeOnly(s, c)
	if s.Build != nil {
		b.warn(s.Name, model.P("services", s.Name, "build"), "build-compose-only", "build "+s.Build.Context+" is Compose only: Kubernetes pulls image "+s.Image+" as the model names it; build and push it to a registry the cluster reads")
	}
	for _, n := range model.SortedKeys(s.Ulimits) {
		b.warn(s.Name, model.P("services", s.Name, "ulimits", n), "ulimit-not-carried", "ulimit "+n+" is not carried: Kubernetes sets no per-container ulimits (the node's container runtime does)")
	}
}

// podProcess sets the pod-level fields: the grace period, /etc/hosts
// entries and the model's labels (as labels when Kubernetes accepts them,
// as annotations otherwise).
func (b *builder) podProcess(s *model.Service, pod *corev1.PodSpec) {
	if s.StopGracePeriod != "" {
		if d, err := time.ParseDuration(s.StopGracePeriod); err == nil {
			secs := int64(d.Round(time.Second) / time.Second)
			pod.TerminationGracePeriodSeconds = &secs
		}
	}
	byIP := map[string][]string{}
	for host, ips := range s.ExtraHosts {
		for _, ip := range ips {
			byIP[ip] = append(byIP[ip], host)
		}
	}
	for _, ip := range model.SortedKeys(byIP) {
		hosts := byIP[ip]
		sort.Strings(hosts)
		if ip == "host-gateway" {
			b.warn(s.Name, model.P("services", s.Name, "extraHosts", hosts[0]), "host-gateway-not-carried", "extra host "+strings.Join(hosts, ",")+"=host-gateway is Docker's own address: not carried")
			continue
		}
		pod.HostAliases = append(pod.HostAliases, corev1.HostAlias{IP: ip, Hostnames: hosts})
	}
}

// podMeta adds the model's labels of s to the pod template: as labels
// when Kubernetes accepts them, as annotations when only the value is too
// long or holds other characters; degen's own labels win.
func (b *builder) podMeta(s *model.Service, m *metav1.ObjectMeta) {
	for _, k := range model.SortedKeys(s.Labels) {
		v := s.Labels[k]
		switch {
		case m.Labels[k] != "":
			b.warn(s.Name, model.P("services", s.Name, "labels", k), "label-reserved", "label "+k+" is degen's own in Kubernetes: the model's value is not carried")
		case len(validation.IsQualifiedName(k)) != 0:
			b.warn(s.Name, model.P("services", s.Name, "labels", k), "label-key-invalid", "label "+k+" is not a Kubernetes label or annotation key: not carried")
		case len(validation.IsValidLabelValue(v)) == 0:
			m.Labels[k] = v
		default:
			if m.Annotations == nil {
				m.Annotations = map[string]string{}
			}
			m.Annotations[k] = v
		}
	}
}

func caps(list []string) []corev1.Capability {
	var out []corev1.Capability
	for _, c := range list {
		out = append(out, corev1.Capability(strings.TrimPrefix(c, "CAP_")))
	}
	return out
}

// numericUser reads "uid" or "uid:gid"; gid is -1 when not given.
func numericUser(u string) (uid, gid int64, ok bool) {
	if u == "" {
		return 0, 0, false
	}
	us, gs, hasGid := strings.Cut(u, ":")
	uid, err := strconv.ParseInt(us, 10, 64)
	if err != nil || uid < 0 {
		return 0, 0, false
	}
	gid = -1
	if hasGid {
		if gid, err = strconv.ParseInt(gs, 10, 64); err != nil || gid < 0 {
			return 0, 0, false
		}
	}
	return uid, gid, true
}
