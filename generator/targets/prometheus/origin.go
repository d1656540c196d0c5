package prometheus

import (
	"path"
	"strings"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps a line of a rules file to its alert rule, and a line of
// prometheus.yml to the intervals or the scraped service's metrics.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, ownerOrigin)
}

// ownerOrigin is the alert group of a rules file (alerts/GROUP.yml), and
// the monitoring settings for a key of prometheus.yml no field decides.
func ownerOrigin(env *model.Environment, l target.Line) (string, bool) {
	if dir, file := path.Split(l.File); dir == promconfig.AlertsPath(env)+"/" {
		g := strings.TrimSuffix(file, path.Ext(file))
		if _, ok := env.Monitoring.AlertGroups[g]; ok {
			return model.P("monitoring", "alertGroups", g), true
		}
	}
	return model.P("monitoring"), true
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	if strings.HasPrefix(l.File, promconfig.AlertsPath(env)+"/") {
		return promconfig.RuleOrigin(env, l.Keys)
	}
	for _, f := range promconfig.Flavours(env) {
		if l.File == promconfig.Path(env, f) {
			return promconfig.ConfigOrigin(env, l.Keys)
		}
	}
	return "", false
}
