package load

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"

	"github.com/degen-dev/degen/generator/internal/docenc"
	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
)

// MaxFileSize is the largest file a model may mount: what one ConfigMap
// holds (1 MiB).
const MaxFileSize = 1 << 20

// mounts checks every mount of every service and reads the content of the
// config files the model gives (Mount.Text): a repository file through the
// model's confined view (repofs), so that neither "..", an absolute path, a
// symbolic link leaving the root nor .git/ or .degen/ is read; a rendered
// document through package
// docenc. Two mounts of one config name must give the same content, and no
// two mounts of a service share a target.
func (v *validator) mounts() {
	env := v.env
	type owner struct {
		svc  string
		i    int
		text string
		gen  bool
	}
	first := map[string]owner{}
	var root *repofs.Repo
	var hostRoot *os.Root
	defer func() {
		if root != nil {
			root.Close()
		}
		if hostRoot != nil {
			hostRoot.Close()
		}
	}()
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		targets := map[string]int{}
		for i := range s.Mounts {
			m := &s.Mounts[i]
			at := func(field ...string) []cue.Selector {
				return svcSel(name, append([]string{"mounts", strconv.Itoa(i)}, field...)...)
			}
			if j, dup := targets[path.Clean(m.Target)]; dup {
				v.errorf(v.pos(at("target")...), "service %q mounts two things at %s (mounts[%d] and mounts[%d]): give each mount its own target", name, m.Target, j, i)
			}
			targets[path.Clean(m.Target)] = i
			n := 0
			for _, set := range []bool{m.Volume != "", m.HostPath != "", m.Config != "", m.Secret != "", m.Anonymous} {
				if set {
					n++
				}
			}
			if n != 1 {
				v.errorf(v.pos(at()...), "service %q mount of %s needs exactly one of volume, hostPath, config, secret or anonymous", name, m.Target)
				continue
			}
			sources := 0
			for _, set := range []bool{m.File != "", m.Content != nil, m.Render != nil} {
				if set {
					sources++
				}
			}
			switch {
			case sources > 0 && m.Config == "":
				v.errorf(v.pos(at()...), "service %q mount of %s gives file, content or render without config: name the file with config", name, m.Target)
				continue
			case sources > 1:
				v.errorf(v.pos(at()...), "service %q mount of %s gives more than one of file, content and render: keep one", name, m.Target)
				continue
			}
			if m.HostPath != "" && !path.IsAbs(m.HostPath) {
				m.HostPathLink = v.hostPathLink(&hostRoot, m.HostPath)
			}
			if m.Volume != "" {
				if _, ok := env.Volumes[m.Volume]; !ok {
					v.errorf(v.pos(at("volume")...), "service %q mounts volume %q, which is not defined: %sadd it under volumes", name, m.Volume, didYouMean(m.Volume, model.SortedKeys(env.Volumes)))
				}
			}
			if m.Secret != "" {
				if _, ok := env.Secrets[m.Secret]; !ok {
					v.errorf(v.pos(at("secret")...), "service %q mounts secret %q, which is not defined: add it under secrets", name, m.Secret)
				}
			}
			if m.Config == "" {
				continue
			}
			gen := !m.Given()
			if gen && !generated(m.Config) {
				v.errorf(v.pos(at("config")...), "service %q mounts config %q, which degen does not generate (it generates %v): give its content with file (a path in the repository), content or render", name, m.Config, promconfig.Mountable())
				continue
			}
			if !gen {
				text, field, err := v.fileText(&root, m)
				if err != nil {
					v.errorf(v.pos(at(field)...), "service %q config %q: %v", name, m.Config, err)
					continue
				}
				m.Text = text
			}
			o, seen := first[m.Config]
			if !seen {
				first[m.Config] = owner{name, i, m.Text, gen}
				continue
			}
			if o.gen != gen || o.text != m.Text {
				msg := "services %q and %q both mount config %q with different content: one name carries one file in an environment (one ConfigMap key, one Compose config); give one of them another config name"
				v.errorf(v.pos(at("config")...), msg, name, o.svc, m.Config)
				v.errorf(v.pos(svcSel(o.svc, "mounts", strconv.Itoa(o.i), "config")...), msg, o.svc, name, m.Config)
			}
		}
	}
}

// alertsMounts checks that the alert rules reach Prometheus: a service that
// mounts prometheus.yml in an environment with alert groups mounts them at
// the alerts directory next to it, where rule_files looks, and no service
// mounts rules the environment does not have.
func (v *validator) alertsMounts() {
	env := v.env
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		prom, alerts := -1, -1
		for i, m := range s.Mounts {
			if m.Given() {
				continue
			}
			switch m.Config {
			case promconfig.File:
				prom = i
			case promconfig.AlertsConfig:
				alerts = i
			}
		}
		has := len(env.Monitoring.AlertGroups) > 0
		if alerts >= 0 && !has {
			v.errorf(v.pos(svcSel(name, "mounts", strconv.Itoa(alerts), "config")...), "service %q mounts %s, but the environment has no monitoring.alertGroups: add alert rules or remove the mount", name, promconfig.AlertsConfig)
			continue
		}
		if prom < 0 || !has {
			continue
		}
		want := path.Join(path.Dir(s.Mounts[prom].Target), promconfig.AlertsDir)
		switch {
		case alerts < 0:
			v.errorf(v.pos(svcSel(name, "mounts", strconv.Itoa(prom), "config")...), "service %q mounts %s, whose rule_files read %s/*.yml next to it, but not the environment's alert rules: add the mount {config: %q, target: %q}", name, promconfig.File, promconfig.AlertsDir, promconfig.AlertsConfig, want)
		case path.Clean(s.Mounts[alerts].Target) != want:
			v.errorf(v.pos(svcSel(name, "mounts", strconv.Itoa(alerts), "target")...), "service %q mounts %s at %s, but prometheus.yml (at %s) reads its rule_files from %s: mount it there", name, promconfig.AlertsConfig, s.Mounts[alerts].Target, s.Mounts[prom].Target, want)
		}
	}
}

// generated reports whether degen generates the config file name.
func generated(name string) bool {
	for _, g := range promconfig.Mountable() {
		if g == name {
			return true
		}
	}
	return false
}

// fileText returns the content of a config mount the model gives and, on
// error, the mount field at fault.
func (v *validator) fileText(root **repofs.Repo, m *model.Mount) (string, string, error) {
	var data []byte
	field := "file"
	switch {
	case m.Content != nil:
		field, data = "content", []byte(*m.Content)
	case m.Render != nil:
		field = "render"
		out, err := docenc.Encode(m.Render.Encoding, m.Render.Value)
		if err != nil {
			var pe *docenc.PathError
			if errors.As(err, &pe) && pe.Path != "" {
				return "", field, fmt.Errorf("render.value.%s cannot be written as %s: %s", pe.Path, m.Render.Encoding, pe.Msg)
			}
			return "", field, fmt.Errorf("cannot be written as %s: %v", m.Render.Encoding, err)
		}
		data = out
	default:
		var err error
		if data, err = v.readRepoFile(root, m.File); err != nil {
			return "", field, err
		}
	}
	if len(data) > MaxFileSize {
		return "", field, fmt.Errorf("is %d bytes, more than a ConfigMap holds (%d): make it smaller or mount it another way", len(data), MaxFileSize)
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return "", field, fmt.Errorf("is not UTF-8 text: degen mounts text files only")
	}
	return string(data), field, nil
}

// hostPathLink returns "link -> target" for the symbolic link of the
// repository through which rel, a relative host path (a Compose bind
// mount's source), leaves the model root, or "" when it stays inside (or
// leaves it with "..", which the host-sensitive-mount policy reads in rel
// itself). Docker binds what the link points to, so the policy judges it.
func (v *validator) hostPathLink(root **os.Root, rel string) string {
	rel = path.Clean(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return ""
	}
	if *root == nil {
		r, err := os.OpenRoot(v.env.Root)
		if err != nil {
			return ""
		}
		*root = r
	}
	escapes := func(p string) bool {
		_, err := (*root).Stat(filepath.FromSlash(p))
		return err != nil && strings.Contains(err.Error(), "escapes")
	}
	if !escapes(rel) {
		return ""
	}
	// The first prefix that escapes ends in the link that leaves.
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		if !escapes(p) {
			continue
		}
		target, err := (*root).Readlink(filepath.FromSlash(p))
		if err != nil {
			target = "?"
		}
		return p + " -> " + filepath.ToSlash(target)
	}
	return rel + " -> ?"
}

// readRepoFile reads rel, a path relative to the model root, through the
// model's confined view, refusing one that leaves it or is not a model
// input.
func (v *validator) readRepoFile(root **repofs.Repo, rel string) ([]byte, error) {
	if path.IsAbs(rel) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" {
		return nil, fmt.Errorf("file %q is absolute: give a path relative to the model root (the directory holding cue.mod)", rel)
	}
	if *root == nil {
		r, err := repofs.Open(v.env.Root, MaxFileSize)
		if err != nil {
			return nil, fmt.Errorf("opening the model root: %v", err)
		}
		*root = r
	}
	data, err := (*root).ReadFile(rel)
	var re *repofs.Error
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, repofs.ErrTooLarge):
		return nil, fmt.Errorf("file %q is larger than a ConfigMap holds (%d bytes): make it smaller or mount it another way", rel, MaxFileSize)
	case errors.As(err, &re):
		return nil, fmt.Errorf("file %s", re.Error())
	}
	return nil, fmt.Errorf("file %q cannot be read: %v", rel, err)
}
