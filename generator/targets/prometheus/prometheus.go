// Package prometheus is the Prometheus target: out/prometheus/<env>/ holds
// one configuration file per runtime the environment has (Compose,
// Kubernetes) and alerts/<group>.yml, one rules file per alert group of the
// model. The rendering, the file names and the addressing of scrape
// targets are package promconfig's, which the Compose and Kubernetes targets
// read too; this target writes the files and warns about services Compose's
// Prometheus could not reach.
package prometheus

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Name is the artefact name environments list to get prometheus.yml.
const Name = promconfig.Artefact

// Target generates prometheus.yml.
type Target struct{}

var _ target.Target = Target{}

// Name returns "prometheus".
func (Target) Name() string { return Name }

// WithoutBase: this target reads only its environment (target.WithoutBase).
func (Target) WithoutBase() {}

// Generate writes one configuration per runtime the environment has.
func (Target) Generate(in target.Input) (target.Output, error) {
	env := in.Env
	flavours := promconfig.Flavours(env)
	if len(flavours) == 0 {
		return target.Output{}, model.Errorf(env, "artefacts",
			"environment %s: prometheus needs a runtime to scrape: add compose or kubernetes to artefacts, or remove prometheus", env.Name)
	}
	var out target.Output
	for _, f := range flavours {
		data, err := promconfig.Render(env, f)
		if err != nil {
			return target.Output{}, err
		}
		out.Files = append(out.Files, target.File{Path: promconfig.Path(env, f), Data: data})
	}
	rules, err := promconfig.RuleFiles(env)
	if err != nil {
		return target.Output{}, err
	}
	for _, name := range model.SortedKeys(rules) {
		out.Files = append(out.Files, target.File{Path: path.Join(promconfig.AlertsPath(env), name), Data: rules[name]})
	}
	out.Warnings = networkWarnings(env)
	return out, nil
}

// networkWarnings names scraped Compose services that share no network with
// any service that mounts the configuration (promconfig.Scrapers), which
// could not reach them.
func networkWarnings(env *model.Environment) []target.Warning {
	scrapers := promconfig.Scrapers(env)
	if len(scrapers) == 0 || !env.Has("compose") {
		return nil
	}
	nets := map[string]bool{}
	var names []string
	for _, sc := range scrapers {
		for _, n := range env.Services[sc].Networks {
			if !nets[n] {
				names = append(names, n)
			}
			nets[n] = true
		}
	}
	sort.Strings(names)
	var ws []target.Warning
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		if s.Metrics == nil || slices.Contains(scrapers, name) {
			continue
		}
		shared := false
		for _, n := range s.Networks {
			shared = shared || nets[n]
		}
		if !shared {
			ws = append(ws, target.Warning{Env: env.Name, Target: Name, Subject: name, Code: "metrics-unreachable", Path: model.P("services", name, "metrics"),
				Message: fmt.Sprintf("exposes metrics but shares no network with %s (%v): join one of them or Compose cannot scrape it", strings.Join(scrapers, ", "), names)})
		}
	}
	return ws
}
