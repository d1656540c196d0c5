package kubernetes

import (
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/keypath"
	"github.com/degen-dev/degen/generator/internal/kubefield"
	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps a line of a base object, an overlay object or patch, or a
// kustomization.yaml to the model field that decides it. A field a patch
// of kubernetes.patches sets is that patch's (kubefield.PatchPath); a
// JSON patch of an overlay is the field its path names, of the object the
// overlay's kustomization.yaml targets it at; a kustomization entry is the
// object of the file it lists. The fields of an object are mapped as
// build.go writes them: a workload's replicas and its container's image,
// resources, variables, ports, probes and command to the service's; a
// ConfigMap's variables to the service's env; a Service's ports; an
// autoscaler's bounds; a PrometheusRule's rules to the alert groups.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, ownerOrigin)
}

// ownerOrigin is the model entry a line is written for when no field
// decides it (degen's fixed apiVersion, labels, defaults): the entry the
// object is generated for (objectOwner), the environment's namespace for
// a kustomization.yaml.
func ownerOrigin(env *model.Environment, l target.Line) (string, bool) {
	if path.Base(l.File) == "kustomization.yaml" {
		return model.P("namespace"), true
	}
	object := l.Object
	if object == "" {
		var ok bool
		if object, _, ok = jsonPatchField(l); !ok {
			return "", false
		}
	}
	kind, name, _ := strings.Cut(object, "/")
	return objectOwner(env, kind, name)
}

// deletedBy is the field that removes an object of the base from an
// overlay (a patch $patch: delete): the enabled field of the service the
// base object is labelled with, which the environment turns off.
func deletedBy(env *model.Environment, l target.Line, kind, name string) (string, bool) {
	base := baseDir + "/"
	suffix := "/" + strings.ToLower(kind) + "-" + name + ".yaml"
	for _, f := range model.SortedKeys(l.Files) {
		if !strings.HasPrefix(f, base) || !strings.HasSuffix(f, suffix) {
			continue
		}
		var obj struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal(l.Files[f], &obj) == nil && obj.Metadata.Labels[labelName] != "" {
			return model.P("services", obj.Metadata.Labels[labelName], "enabled"), true
		}
	}
	return "", false
}

// objectOwner is the model entry an object is generated for, by its kind
// and name as build.go names it: the namespace and its quota and limit
// range, a secret, a volume's claim, a network's policies, the flags'
// ConfigMap, an alert group's rule, the ingress; else the service the
// object is named after (web, web-config, web-hpa, web-allow-scrape),
// the longest service name first.
func objectOwner(env *model.Environment, kind, name string) (string, bool) {
	switch {
	case kind == "Namespace" || name == env.Namespace:
		return model.P("namespace"), true
	case kind == "ResourceQuota" && env.Kubernetes.Quota != nil:
		return model.P("kubernetes", "quota"), true
	case kind == "LimitRange" && env.Kubernetes.LimitRange != nil:
		return model.P("kubernetes", "limitRange"), true
	case kind == "Ingress":
		return model.P("kubernetes", "ingressName"), true
	case kind == "ConfigMap" && name == flagsConfigMap:
		return model.P("flags"), true
	}
	if _, ok := env.Secrets[name]; ok {
		return model.P("secrets", name), true
	}
	if _, ok := env.Volumes[name]; ok {
		return model.P("volumes", name), true
	}
	if _, ok := env.Networks[strings.TrimSuffix(name, "-egress")]; ok {
		return model.P("networks", strings.TrimSuffix(name, "-egress")), true
	}
	if g, ok := strings.CutPrefix(name, "alerts-"); ok && kind == "PrometheusRule" {
		if _, ok := env.Monitoring.AlertGroups[g]; ok {
			return model.P("monitoring", "alertGroups", g), true
		}
	}
	if s := serviceNamed(env, name); s != nil {
		return model.P("services", s.Name), true
	}
	if s := serviceOwning(env, name); s != nil {
		return model.P("services", s.Name), true
	}
	if strings.HasPrefix(name, "egress-") && env.Kubernetes.Egress != nil {
		return model.P("kubernetes", "egress"), true
	}
	return "", false
}

// serviceOwning is the service an object is named after: the service of
// that name, else the longest service name the object's name starts
// with, followed by a dash.
func serviceOwning(env *model.Environment, name string) *model.Service {
	if s := env.Services[name]; s != nil {
		return s
	}
	var best *model.Service
	for _, n := range env.ServiceNames() {
		if strings.HasPrefix(name, n+"-") && (best == nil || len(n) > len(best.Name)) {
			best = env.Services[n]
		}
	}
	return best
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	if path.Base(l.File) == "kustomization.yaml" {
		return kustomizationOrigin(env, l)
	}
	object, keys := l.Object, l.Keys
	if object == "" {
		var ok bool
		if object, keys, ok = jsonPatchField(l); !ok {
			return "", false
		}
	}
	if doc, ok := l.Doc.(map[string]any); ok && doc["$patch"] == "delete" {
		kind, name, _ := strings.Cut(object, "/")
		return deletedBy(env, l, kind, name)
	}
	return objectOrigin(env, object, keys)
}

// kustomizationOrigin maps the namespace and an entry of resources or
// patches to the object of the file the entry lists.
func kustomizationOrigin(env *model.Environment, l target.Line) (string, bool) {
	if l.Field() == "namespace" {
		return model.P("namespace"), true
	}
	var file string
	if _, _, ok := keypath.Match(l.Keys, "resources", "*"); ok {
		file = l.Value
	} else if stars, _, ok := keypath.Match(l.Keys, "patches", "*"); ok {
		i, _ := keypath.Index(stars[0])
		var k kustomization
		if yaml.Unmarshal(l.Files[l.File], &k) != nil || i >= len(k.Patches) {
			return "", false
		}
		if k.Patches[i].Target != nil {
			return objectOrigin(env, k.Patches[i].Target.Kind+"/"+k.Patches[i].Target.Name, []string{"metadata", "name"})
		}
		file = k.Patches[i].Path
	}
	data, ok := l.Files[path.Join(path.Dir(l.File), file)]
	if file == "" || !ok {
		return "", false
	}
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if yaml.Unmarshal(data, &head) != nil || head.Kind == "" {
		return "", false
	}
	return objectOrigin(env, head.Kind+"/"+head.Metadata.Name, []string{"metadata", "name"})
}

// jsonPatchField is the object and field a line of a JSON patch file
// changes: the operation's path, under the value's keys, of the target
// the overlay's kustomization.yaml gives the file.
func jsonPatchField(l target.Line) (string, []string, bool) {
	ops, ok := l.Doc.([]any)
	if !ok || len(l.Keys) == 0 {
		return "", nil, false
	}
	i, ok := keypath.Index(l.Keys[0])
	if !ok || i >= len(ops) {
		return "", nil, false
	}
	op, _ := ops[i].(map[string]any)
	pointer, _ := op["path"].(string)
	if pointer == "" {
		return "", nil, false
	}
	var keys []string
	for _, t := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		if n, err := strconv.Atoi(t); err == nil {
			t = "[" + strconv.Itoa(n) + "]"
		}
		keys = append(keys, t)
	}
	if len(l.Keys) > 2 && l.Keys[1] == "value" {
		keys = append(keys, l.Keys[2:]...)
	}
	dir := path.Dir(path.Dir(l.File))
	var k kustomization
	if yaml.Unmarshal(l.Files[path.Join(dir, "kustomization.yaml")], &k) != nil {
		return "", nil, false
	}
	for _, p := range k.Patches {
		if path.Join(dir, p.Path) == l.File && p.Target != nil {
			return p.Target.Kind + "/" + p.Target.Name, keys, true
		}
	}
	return "", nil, false
}

// objectOrigin maps a field (keys) of object KIND/NAME.
func objectOrigin(env *model.Environment, object string, keys []string) (string, bool) {
	if p, ok := kubefield.PatchPath(env, object+"."+target.JoinKeys(keys)); ok {
		return p, true
	}
	kind, name, _ := strings.Cut(object, "/")
	field := target.JoinKeys(keys)
	switch field {
	case "metadata.name":
		return ownerOf(env, kind, name)
	case "metadata.namespace":
		return model.P("namespace"), true
	}
	s := serviceNamed(env, name)
	if p, ok := labelOrigin(env, s, keys); ok {
		return p, true
	}
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob":
		if s == nil {
			return "", false
		}
		if field == "spec.replicas" {
			return model.P("services", s.Name, "replicas"), true
		}
		if at := slices.Index(keys, "containers"); at >= 0 && at+1 < len(keys) {
			c := s
			if n, ok := keypath.Name(keys[at+1]); ok && env.Services[n] != nil {
				c = env.Services[n]
			}
			return containerOrigin(env, c, keys[at+2:])
		}
		if at := slices.Index(keys, "securityContext"); at >= 0 {
			return securityOrigin(env, s, keys[at+1:])
		}
	case "Service":
		if stars, _, ok := keypath.Match(keys, "spec", "ports", "*"); ok && s != nil {
			if n, ok := keypath.Name(stars[0]); ok {
				return portPath(s, n)
			}
		}
	case "ConfigMap":
		if _, rest, ok := keypath.Match(keys, "data", "*"); ok && len(rest) == 0 {
			return configMapOrigin(env, name, keys[1])
		}
	case "HorizontalPodAutoscaler":
		if s != nil && (field == "spec.minReplicas" || field == "spec.maxReplicas") {
			return model.P("services", s.Name, "autoscaling", strings.TrimPrefix(field, "spec.")), true
		}
	case "ExternalSecret":
		if _, ok := env.Secrets[name]; ok && len(keys) > 0 && keys[0] == "spec" {
			return model.P("secrets", name), true
		}
	case "PrometheusRule":
		if _, rest, ok := keypath.Match(keys, "spec"); ok {
			return promconfig.RuleOrigin(env, rest)
		}
	}
	return "", false
}

// labelOrigin maps a label or an annotation degen puts on an object or
// its pods, or a selector of them: the project's name (part-of), the
// service's name and group (component), the networks a service is on,
// the configuration its config-hash annotation hashes (the service's
// variables).
func labelOrigin(env *model.Environment, s *model.Service, keys []string) (string, bool) {
	if len(keys) < 2 {
		return "", false
	}
	parent, key := keys[len(keys)-2], keys[len(keys)-1]
	if parent != "labels" && parent != "matchLabels" && parent != "selector" && parent != "annotations" {
		return "", false
	}
	switch {
	case key == labelPartOf:
		return model.P("project", "name"), true
	case key == configHashAnnotation && s != nil:
		return model.P("services", s.Name, "env"), true
	case key == labelComponent && s != nil:
		return model.P("services", s.Name, "group"), true
	case key == labelName && s != nil:
		return model.P("services", s.Name), true
	case strings.HasPrefix(key, labelNetworkPrefix):
		n := strings.TrimPrefix(key, labelNetworkPrefix)
		if s != nil {
			if i := slices.Index(s.Networks, n); i >= 0 {
				return model.P("services", s.Name, "networks", i), true
			}
		}
		if _, ok := env.Networks[n]; ok {
			return model.P("networks", n), true
		}
	}
	return "", false
}

// ownerOf is the model field an object is generated for: the namespace,
// a service (an object named after it or its ConfigMap, headless or pods
// Service), a secret.
func ownerOf(env *model.Environment, kind, name string) (string, bool) {
	if kind == "Namespace" {
		return model.P("namespace"), true
	}
	if s := serviceNamed(env, name); s != nil {
		return model.P("services", s.Name), true
	}
	if _, ok := env.Secrets[name]; ok {
		return model.P("secrets", name), true
	}
	return "", false
}

// serviceNamed is the service an object name is derived from: its name
// or its hostname, alone or with the suffix of its ConfigMap, headless or
// pods Service.
func serviceNamed(env *model.Environment, name string) *model.Service {
	if s := env.Services[name]; s != nil {
		return s
	}
	for _, n := range env.ServiceNames() {
		s := env.Services[n]
		for _, base := range []string{s.Name, s.Hostname} {
			for _, suffix := range []string{"", "-config", model.HeadlessSuffix, "-pods"} {
				if base != "" && name == base+suffix {
					return s
				}
			}
		}
	}
	return nil
}

// containerOrigin maps a field of a service's container.
func containerOrigin(env *model.Environment, s *model.Service, rest []string) (string, bool) {
	svc := func(parts ...any) (string, bool) {
		return model.P(append([]any{"services", s.Name}, parts...)...), true
	}
	if len(rest) == 0 {
		return svc()
	}
	switch rest[0] {
	case "image":
		return svc("image")
	case "name":
		return svc()
	case "imagePullPolicy":
		// Set by the model, else decided by the image's tag.
		if s.PullPolicy != "" {
			return svc("pullPolicy")
		}
		return svc("image")
	case "securityContext":
		return securityOrigin(env, s, rest[1:])
	case "envFrom":
		return svc("env")
	case "command":
		return svc("entrypoint")
	case "args":
		return svc("command")
	case "resources":
		if len(rest) == 3 {
			return svc("resources", rest[1], keypath.Camel(rest[2]))
		}
		return svc("resources")
	case "env":
		if len(rest) > 1 {
			if n, ok := keypath.Name(rest[1]); ok {
				return envOrigin(env, s, n)
			}
		}
	case "ports":
		if len(rest) > 1 {
			if n, ok := keypath.Name(rest[1]); ok {
				return portPath(s, n)
			}
		}
	case "livenessProbe":
		if s.Liveness != nil {
			return svc("liveness")
		}
		return svc("health")
	case "readinessProbe":
		return svc("health")
	case "startupProbe":
		return svc("startup")
	}
	return "", false
}

// securityOrigin maps a field of a pod's or a container's securityContext
// to the field of the service's security that sets it, else to the
// environment's default (kubernetes.security), as security.go applies
// them.
func securityOrigin(env *model.Environment, s *model.Service, rest []string) (string, bool) {
	if len(rest) == 0 {
		return model.P("services", s.Name, "security"), true
	}
	field := rest[0]
	switch field {
	case "capabilities":
		field = "dropAllCapabilities"
	case "runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup", "seccompProfile", "allowPrivilegeEscalation", "readOnlyRootFilesystem":
	default:
		return model.P("services", s.Name, "security"), true
	}
	var own map[string]any
	if data, err := json.Marshal(s.Security); err == nil && json.Unmarshal(data, &own) == nil && own[field] != nil {
		return model.P("services", s.Name, "security", field), true
	}
	return model.P("kubernetes", "security", field), true
}

// envOrigin maps a variable of a service to its value, secret or flag.
func envOrigin(env *model.Environment, s *model.Service, name string) (string, bool) {
	e, ok := s.Env[name]
	switch {
	case !ok:
		return "", false
	case e.Flag != "":
		return model.P("flags", e.Flag, "value"), true
	case e.Secret != "":
		return model.P("services", s.Name, "env", name, "secret"), true
	}
	return model.P("services", s.Name, "env", name, "value"), true
}

// configMapOrigin maps a key of a service's ConfigMap to its variable,
// and a key of the flags' ConfigMap to the flag.
func configMapOrigin(env *model.Environment, name, key string) (string, bool) {
	if name == flagsConfigMap {
		for _, f := range model.SortedKeys(env.Flags) {
			if env.Flags[f].EnvVar == key {
				return model.P("flags", f, "value"), true
			}
		}
		return "", false
	}
	if s := env.Services[strings.TrimSuffix(name, "-config")]; s != nil {
		return envOrigin(env, s, key)
	}
	return "", false
}

// portPath is the model port of a service with that name.
func portPath(s *model.Service, name string) (string, bool) {
	for i, p := range s.Ports {
		if p.Name == name {
			return model.P("services", s.Name, "ports", i), true
		}
	}
	return "", false
}
