package compose

import (
	"path"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// process sets what the model says about the container beyond its image,
// ports and mounts, as Compose spells it. Every free string is escaped, so
// Compose interpolates none of them.
func process(s *model.Service, out *service, root string) {
	if b := s.Build; b != nil {
		out.Build = &build{Context: buildContext(b.Context, root), Dockerfile: escape(b.Dockerfile), Target: escape(b.Target), Args: escapeMap(b.Args)}
	}
	out.User = escape(s.User)
	out.WorkingDir = escape(s.WorkingDir)
	out.StopSignal = s.StopSignal
	out.StopGracePeriod = s.StopGracePeriod
	out.Init = s.Init
	out.StdinOpen, out.TTY = s.StdinOpen, s.TTY
	out.Tmpfs = escapeAll(s.Tmpfs)
	for _, host := range model.SortedKeys(s.ExtraHosts) {
		for _, ip := range s.ExtraHosts[host] {
			// "=" rather than ":", which an IPv6 address holds.
			out.ExtraHosts = append(out.ExtraHosts, escape(host+"="+ip))
		}
	}
	if len(s.Ulimits) > 0 {
		out.Ulimits = map[string]any{}
		for name, u := range s.Ulimits {
			if u.Single != 0 {
				out.Ulimits[name] = u.Single
				continue
			}
			out.Ulimits[name] = ulimit{Soft: u.Soft, Hard: u.Hard}
		}
	}
	out.CapAdd, out.CapDrop = s.CapAdd, s.CapDrop
	out.ReadOnly, out.Privileged = s.ReadOnly, s.Privileged
	out.Labels = escapeMap(s.Labels)
	if l := s.Logging; l != nil {
		out.Logging = &logging{Driver: escape(l.Driver), Options: escapeMap(l.Options)}
	}
	out.Profiles = s.Profiles
	out.ShmSize = Memory(s.ShmSize)
	out.SecurityOpt = escapeAll(s.SecurityOpt)
	out.Sysctls = escapeMap(s.Sysctls)
	out.PidsLimit = s.PidsLimit
	out.Platform = s.Platform
	out.PullPolicy = s.PullPolicy
}

// buildContext is a model build context (relative to the model root, as
// bind mounts are) seen from the Compose directory, root being the model
// root from there; a URL or an absolute path stays.
func buildContext(ctx, root string) string {
	if path.IsAbs(ctx) || strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "git@") {
		return escape(ctx)
	}
	return escape(path.Join(root, ctx))
}

func escapeMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = escape(v)
	}
	return out
}
