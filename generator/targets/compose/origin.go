package compose

import (
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/internal/keypath"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps a key of a Compose file to the model field convert writes
// it from: a service (a replica of an ordinal service is its service) and
// its image, environment, ports, resources, health check, dependencies
// and other keys (snake_case keys are the model's camelCase fields); a
// top-level volume or network to its declaration.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, ownerOrigin)
}

// ownerOrigin is the model entry a key is written for when no field
// decides it: the service of a Compose service (its replicas' too), the
// volume of an ordinal service's numbered volume (data-1), the service
// a volume is named after, else the Compose settings of the model.
func ownerOrigin(env *model.Environment, l target.Line) (string, bool) {
	if len(l.Keys) >= 2 {
		switch l.Keys[0] {
		case "services":
			if s := serviceOf(env, l.Keys[1]); s != nil {
				return model.P("services", s.Name), true
			}
		case "volumes":
			name := strings.TrimRightFunc(l.Keys[1], func(r rune) bool { return r >= '0' && r <= '9' })
			if v := strings.TrimSuffix(name, "-"); v != name && hasVolume(env, v) {
				return model.P("volumes", v), true
			}
			for _, s := range env.ServiceNames() {
				if strings.HasPrefix(l.Keys[1], s+"-") {
					return model.P("services", s), true
				}
			}
		}
	}
	return model.P("compose"), true
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	if top, _, ok := keypath.Match(l.Keys, "*", "*"); ok && (top[0] == "volumes" && hasVolume(env, top[1]) || top[0] == "networks" && hasNetwork(env, top[1])) {
		return model.P(top[0], top[1]), true
	}
	stars, rest, ok := keypath.Match(l.Keys, "services", "*")
	if !ok {
		return "", false
	}
	s := serviceOf(env, stars[0])
	if s == nil {
		return "", false
	}
	svc := []any{"services", s.Name}
	p := func(parts ...any) (string, bool) { return model.P(append(svc, parts...)...), true }
	if len(rest) == 0 {
		return p()
	}
	switch rest[0] {
	case "environment":
		if len(rest) > 1 {
			if e, ok := s.Env[rest[1]]; ok {
				switch {
				case e.Flag != "":
					return model.P("flags", e.Flag, "value"), true
				case e.Secret != "":
					return p("env", rest[1], "secret")
				}
				return p("env", rest[1], "value")
			}
		}
		return p("env")
	case "ports", "expose":
		if len(rest) > 1 {
			return portOrigin(s, rest[1], l.Value, p)
		}
		return p("ports")
	case "deploy":
		if q, _, ok := keypath.Match(rest, "deploy", "resources", "*", "*"); ok {
			kind := map[string]string{"limits": "limits", "reservations": "requests"}[q[0]]
			field := map[string]string{"cpus": "cpu", "memory": "memory"}[q[1]]
			if kind != "" && field != "" {
				return p("resources", kind, field)
			}
		}
		if len(rest) > 1 && rest[1] == "replicas" {
			return p("replicas")
		}
		return "", false
	case "healthcheck":
		if len(rest) > 1 && rest[1] == "test" {
			return p("health")
		}
		if len(rest) > 1 {
			return p("health", keypath.Camel(rest[1]))
		}
		return p("health")
	case "depends_on":
		if len(rest) > 1 {
			if d := serviceOf(env, rest[1]); d != nil {
				return p("dependsOn", d.Name)
			}
		}
		return p("dependsOn")
	case "networks", "volumes", "secrets", "configs":
		field := map[string]string{"networks": "networks", "volumes": "mounts", "secrets": "mounts", "configs": "mounts"}[rest[0]]
		return p(field)
	case "container_name", "hostname", "image", "command", "entrypoint", "restart":
		return p(keypath.Camel(rest[0]))
	}
	return p(append([]any{keypath.Camel(rest[0])}, keypath.Parts(rest[1:])...)...)
}

// serviceOf is the model service of a Compose service: itself, or the
// ordinal service it is a replica of (ServiceNames).
func serviceOf(env *model.Environment, name string) *model.Service {
	if s := env.Services[name]; s != nil {
		return s
	}
	for _, svc := range env.ServiceNames() {
		for _, n := range ServiceNames(env, svc) {
			if n == name {
				return env.Services[svc]
			}
		}
	}
	return nil
}

// portOrigin is the model port of a published port (by name) or an
// exposed one (by number).
func portOrigin(s *model.Service, key, value string, p func(...any) (string, bool)) (string, bool) {
	name, named := keypath.Name(key)
	for i, port := range s.Ports {
		if named && port.Name == name || !named && value != "" && strconv.Itoa(port.ContainerPort) == value {
			return p("ports", i)
		}
	}
	return p("ports")
}

func hasVolume(env *model.Environment, name string) bool {
	_, ok := env.Volumes[name]
	return ok
}

func hasNetwork(env *model.Environment, name string) bool {
	_, ok := env.Networks[name]
	return ok
}
