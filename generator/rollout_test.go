package generator_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/targets"
)

// TestConfigChangeRollsExactlyItsReaders is the done-when of a config
// change on Kubernetes: in the default model's prod, flipping a feature
// flag, and separately changing one plain variable of one service, changes
// the config-hash annotation of the pod template of exactly the workloads
// that read it (every other pod template stays byte for byte), and the
// rollout impact of degen diff lists the restart of exactly those
// workloads, for the config hash.
func TestConfigChangeRollsExactlyItsReaders(t *testing.T) {
	const prod = "prod"
	before, beforeFiles := buildProd(t, nil)
	for _, c := range []struct {
		name, file, from, to string
		// readers are the services of prod that read what changed, from
		// the two models (not from the code under test).
		readers func(old, new *model.Environment) []string
	}{
		{
			name: "flag flip", file: "envs/prod.cue",
			from: "enable_anomaly_detection: value: false", to: "enable_anomaly_detection: value: true",
			readers: func(_, new *model.Environment) []string {
				var rs []string
				for name, s := range new.Services {
					for _, e := range s.Env {
						if e.Flag == "enable_anomaly_detection" {
							rs = append(rs, name)
						}
					}
				}
				return rs
			},
		},
		{
			name: "env value", file: "envs/stack.cue",
			from: `KAFKA_OPTS: value: "-Dzookeeper.4lw.commands.whitelist=ruok"`,
			to:   `KAFKA_OPTS: value: "-Dzookeeper.4lw.commands.whitelist=ruok,srvr"`,
			readers: func(old, new *model.Environment) []string {
				var rs []string
				for name, s := range new.Services {
					for k, e := range s.Env {
						if e.Value != nil && (old.Services[name].Env[k].Value == nil || *old.Services[name].Env[k].Value != *e.Value) {
							rs = append(rs, name)
						}
					}
				}
				return slices.Compact(slices.Sorted(slices.Values(rs)))
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(c.file)))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Count(src, []byte(c.from)) != 1 {
				t.Fatalf("%s no longer says %q once: choose another change", c.file, c.from)
			}
			after, afterFiles := buildProd(t, map[string][]byte{c.file: bytes.Replace(src, []byte(c.from), []byte(c.to), 1)})
			readers := c.readers(before.Envs[prod], after.Envs[prod])
			slices.Sort(readers)
			if len(readers) == 0 {
				t.Fatal("no service of prod reads what changed: the test would prove nothing")
			}

			// The pod templates: readers' hashes change, nothing else.
			old, new := workloads(t, beforeFiles, prod), workloads(t, afterFiles, prod)
			var changed []string
			for id, tn := range new {
				to, ok := old[id]
				if !ok {
					t.Errorf("%s is new after the change", id)
					continue
				}
				name := id[strings.Index(id, "/")+1:]
				hashChanged := to.hash != tn.hash
				if hashChanged {
					changed = append(changed, name)
				}
				if slices.Contains(readers, name) {
					if to.hash == "" {
						t.Errorf("%s reads what changed but its pod template has no %s annotation", id, configHash)
					}
					continue
				}
				if !reflect.DeepEqual(to.template, tn.template) {
					t.Errorf("%s does not read what changed, but its pod template changed", id)
				}
			}
			slices.Sort(changed)
			if !slices.Equal(changed, readers) {
				t.Errorf("config hash changed on %v, want exactly the readers %v", changed, readers)
			}

			// degen diff's rollout impact: a restart of each reader, for
			// the config hash, and no other restart.
			rep, err := diff.Compare(beforeFiles, afterFiles, diff.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var restarted []string
			for _, im := range rep.Impact {
				if im.Kind != diff.Restart || im.Target != "kubernetes" {
					continue
				}
				_, name, _ := strings.Cut(im.Object, " ")
				restarted = append(restarted, name)
				if !strings.Contains(im.Why, "config hash") {
					t.Errorf("restart of %s: %q, want the config hash as its reason", im.Object, im.Why)
				}
			}
			slices.Sort(restarted)
			if !slices.Equal(restarted, readers) {
				t.Errorf("degen diff restarts %v, want exactly the readers %v", restarted, readers)
			}
		})
	}
}

// configHash is the pod-template annotation of the Kubernetes target.
const configHash = "degen.dev/config-hash"

// buildProd builds prod of the repository's model, with overlay's files
// read in place of the repository's.
func buildProd(t *testing.T, overlay map[string][]byte) (*model.Model, map[string][]byte) {
	t.Helper()
	m, res, err := generator.Build(generator.Options{Dir: "..", Envs: []string{"prod"}, Targets: targets.All(), Overlay: overlay})
	if err != nil {
		t.Fatal(load.Format(err, ".."))
	}
	return m, res.Files
}

// podTmpl is a workload's pod template and its config hash.
type podTmpl struct {
	template any
	hash     string
}

// workloads are the pod templates of env's kustomize build, by kind/name.
func workloads(t *testing.T, files map[string][]byte, env string) map[string]podTmpl {
	t.Helper()
	built, err := diff.BuildOverlay(files, env)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]podTmpl{}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(built), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		spec, _ := obj["spec"].(map[string]any)
		if obj["kind"] == "CronJob" {
			jt, _ := spec["jobTemplate"].(map[string]any)
			spec, _ = jt["spec"].(map[string]any)
		}
		tmpl, ok := spec["template"].(map[string]any)
		if !ok {
			continue
		}
		md, _ := tmpl["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		hash, _ := ann[configHash].(string)
		name := obj["metadata"].(map[string]any)["name"].(string)
		out[obj["kind"].(string)+"/"+name] = podTmpl{template: tmpl, hash: hash}
	}
	if len(out) < 10 {
		t.Fatalf("only %d workloads in %s's build (%v)", len(out), env, slices.Sorted(maps.Keys(out)))
	}
	return out
}
