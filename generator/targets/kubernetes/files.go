package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
)

// configHashAnnotation on a pod template is the SHA-256 of every file the
// pod mounts from a ConfigMap, so that a change to one rolls the pods.
const configHashAnnotation = "degen.dev/config-hash"

// maxConfigMapData is what one ConfigMap's data may hold (1 MiB).
const maxConfigMapData = 1 << 20

// fileSet is where each mounted config file of the environment lives.
type fileSet struct {
	// configMap names the ConfigMap of a config file a service mounts, by
	// service and config name.
	configMap map[string]map[string]string
	// text is the content of each config name (a directory's files
	// joined, for the alert rules).
	text map[string]string
}

// sharedFileConfigMap names the ConfigMap of a config file several
// services mount: the file name as a DNS label, with "-file".
func sharedFileConfigMap(config string) string {
	return strings.TrimPrefix(volumeName(config), "-") + "-file"
}

// serviceFilesConfigMap names the ConfigMap of the config files only one
// service mounts.
func serviceFilesConfigMap(svc string) string { return svc + "-files" }

// configFiles adds a ConfigMap for every config file a service mounts:
// the files degen generates (the Prometheus configuration rendered for
// this environment's namespace, the alert rules), the model's own files
// that one service mounts (<service>-files), and the ones several services
// mount (<file>-file). Each is filed under the group of the first service
// (by name) that mounts it.
func (b *builder) configFiles() error {
	env := b.env
	b.files = fileSet{configMap: map[string]map[string]string{}, text: map[string]string{}}
	users := map[string][]string{}
	for _, name := range env.ServiceNames() {
		seen := map[string]bool{}
		for _, m := range env.Services[name].Mounts {
			if m.Config != "" && !m.ComposeOnly && !seen[m.Config] {
				seen[m.Config] = true
				users[m.Config] = append(users[m.Config], name)
			}
		}
	}
	perService := map[string]map[string]string{}
	shared := map[string]string{} // ConfigMap name -> config name
	for _, config := range model.SortedKeys(users) {
		svcs := users[config]
		first := env.Services[svcs[0]]
		var cm string
		var data map[string]string
		switch {
		case config == promconfig.File && !mountGiven(first, config):
			text, err := promconfig.Render(env, promconfig.Kubernetes)
			if err != nil {
				return err
			}
			cm, data = configMapFor(config), map[string]string{config: string(text)}
			b.files.text[config] = string(text)
		case config == promconfig.AlertsConfig && !mountGiven(first, config):
			rules, err := promconfig.RuleFiles(env)
			if err != nil {
				return err
			}
			cm, data = promconfig.AlertsConfig, map[string]string{}
			var all strings.Builder
			for _, f := range model.SortedKeys(rules) {
				data[f] = string(rules[f])
				fmt.Fprintf(&all, "%s\n%s", f, rules[f])
			}
			b.files.text[config] = all.String()
		default:
			text := mountText(first, config)
			b.files.text[config] = text
			if len(svcs) == 1 {
				if perService[svcs[0]] == nil {
					perService[svcs[0]] = map[string]string{}
				}
				perService[svcs[0]][config] = text
				b.setConfigMap(svcs[0], config, serviceFilesConfigMap(svcs[0]))
				continue
			}
			cm, data = sharedFileConfigMap(config), map[string]string{config: text}
			if other, clash := shared[cm]; clash {
				return b.errorf(svcs[0], []string{"mounts"}, "config files %q and %q are both mounted by several services and would share the ConfigMap %s: rename one of them", other, config, cm)
			}
			shared[cm] = config
		}
		for _, s := range svcs {
			b.setConfigMap(s, config, cm)
		}
		if err := b.addConfigMap(cm, first.Group, data, svcs[0]); err != nil {
			return err
		}
	}
	for _, svc := range model.SortedKeys(perService) {
		if err := b.addConfigMap(serviceFilesConfigMap(svc), env.Services[svc].Group, perService[svc], svc); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) setConfigMap(svc, config, cm string) {
	if b.files.configMap[svc] == nil {
		b.files.configMap[svc] = map[string]string{}
	}
	b.files.configMap[svc][config] = cm
}

// addConfigMap adds a ConfigMap of files, refusing one larger than the API
// stores.
func (b *builder) addConfigMap(name, group string, data map[string]string, svc string) error {
	size := 0
	for k, v := range data {
		size += len(k) + len(v)
	}
	if size > maxConfigMapData {
		return b.errorf(svc, []string{"mounts"}, "the files of ConfigMap %s are %d bytes, more than a ConfigMap holds (%d): mount fewer or smaller files", name, size, maxConfigMapData)
	}
	return b.add(group, &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(name, commonLabels(b.env.Project.Name, name, group)),
		Data:       data,
	})
}

func mountGiven(s *model.Service, config string) bool {
	for _, m := range s.Mounts {
		if m.Config == config {
			return m.Given()
		}
	}
	return false
}

func mountText(s *model.Service, config string) string {
	for _, m := range s.Mounts {
		if m.Config == config {
			return m.Text
		}
	}
	return ""
}

// configHash is the hash of everything s reads from ConfigMaps, "" for
// nothing: the config files it mounts, its plain variables (its
// <name>-config ConfigMap, read through envFrom) and the feature flags it
// reads. The kubelet does not restart a pod when a ConfigMap it reads
// changes; the hash on the pod template does: a flag flip or a new value
// rolls exactly the workloads that read it.
func (b *builder) configHash(s *model.Service) string {
	h := sha256.New()
	n := 0
	for _, m := range s.Mounts {
		if m.Config == "" || m.ComposeOnly {
			continue
		}
		n++
		fmt.Fprintf(h, "%s %s %d\n", m.Target, m.Config, len(b.files.text[m.Config]))
		h.Write([]byte(b.files.text[m.Config]))
	}
	for _, name := range s.EnvNames() {
		e := s.Env[name]
		var v string
		switch {
		case e.Value != nil:
			v = *e.Value
		case e.Flag != "":
			v = b.env.Flags[e.Flag].String()
		default:
			continue // a secret: its ExternalSecret, not a ConfigMap
		}
		n++
		fmt.Fprintf(h, "env %s %d\n%s", name, len(v), v)
	}
	if n == 0 {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
