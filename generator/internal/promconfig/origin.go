package promconfig

import (
	"github.com/degen-dev/degen/generator/internal/keypath"
	"github.com/degen-dev/degen/generator/model"
)

// RuleOrigin maps a key path of a rules file (groups[name=G].rules[i]…),
// as RuleFiles writes it and a PrometheusRule holds it (Groups), to the
// model field it is written from: a rule is the i-th of its group in the
// order of Groups.
func RuleOrigin(env *model.Environment, keys []string) (string, bool) {
	stars, rest, ok := keypath.Match(keys, "groups", "*")
	if !ok {
		return "", false
	}
	group, ok := keypath.Name(stars[0])
	if !ok {
		return "", false
	}
	g, ok := env.Monitoring.AlertGroups[group]
	if !ok {
		return "", false
	}
	parts := []any{"monitoring", "alertGroups", group}
	if len(rest) == 0 || rest[0] == "name" {
		return model.P(parts...), true
	}
	if rest[0] == "interval" {
		return model.P(append(parts, "interval")...), true
	}
	stars, rest, ok = keypath.Match(rest, "rules", "*")
	if !ok {
		return "", false
	}
	i, ok := keypath.Index(stars[0])
	names := model.SortedKeys(g.Rules)
	if !ok || i >= len(names) {
		return "", false
	}
	parts = append(parts, "rules", names[i])
	return model.P(append(parts, keypath.Parts(rest)...)...), true
}

// ConfigOrigin maps a key path of prometheus.yml (Build) to the model
// field it is written from: the global intervals, and a scrape job to
// the metrics of the service it scrapes (the i-th service with metrics).
func ConfigOrigin(env *model.Environment, keys []string) (string, bool) {
	if _, rest, ok := keypath.Match(keys, "global"); ok && len(rest) == 1 {
		switch rest[0] {
		case "scrape_interval":
			return model.P("monitoring", "scrapeInterval"), true
		case "evaluation_interval":
			return model.P("monitoring", "evaluationInterval"), true
		}
		return "", false
	}
	stars, rest, ok := keypath.Match(keys, "scrape_configs", "*")
	if !ok {
		return "", false
	}
	i, ok := keypath.Index(stars[0])
	var scraped []string
	for _, name := range env.ServiceNames() {
		if env.Services[name].Metrics != nil {
			scraped = append(scraped, name)
		}
	}
	if !ok || i >= len(scraped) {
		return "", false
	}
	parts := []any{"services", scraped[i], "metrics"}
	switch {
	case len(rest) == 0, rest[0] == "job_name":
		return model.P("services", scraped[i]), true
	case rest[0] == "metrics_path":
		return model.P(append(parts, "path")...), true
	}
	return model.P(append(parts, "port")...), true
}
