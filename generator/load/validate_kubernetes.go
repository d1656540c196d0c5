package load

import (
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/degen-dev/degen/generator/model"
)

// workloads checks the fields of issue 14 that span several values: the
// probes name ports the container opens, a cronjob block belongs to a
// cronjob and parses as Kubernetes parses it, and subPath is a directory
// of a volume.
func (v *validator) workloads() {
	for _, name := range v.env.ServiceNames() {
		s := v.env.Services[name]
		ports := map[string]bool{}
		for _, p := range s.Ports {
			ports[p.Name] = true
		}
		for _, pr := range []struct {
			field string
			p     *model.Probe
		}{{"liveness", s.Liveness}, {"startup", s.Startup}} {
			if pr.p != nil && pr.p.Port != "" && !ports[pr.p.Port] {
				v.errorf(v.pos(svcSel(name, pr.field, "port")...), "service %q: the %s probe uses port %q, which the container does not open: add it to ports or probe one of %v", name, pr.field, pr.p.Port, model.SortedKeys(ports))
			}
		}
		switch {
		case s.CronJob != nil && s.Kind != "cronjob":
			v.errorf(v.svcPos(name, "cronjob"), "service %q has a cronjob schedule but is a %s: make it kind: \"cronjob\" or remove cronjob", name, s.Kind)
		case s.CronJob != nil:
			// The API server parses schedules with this parser
			// (k8s.io/kubernetes pkg/apis/batch/validation).
			if _, err := cron.ParseStandard(s.CronJob.Schedule); err != nil || strings.Contains(s.CronJob.Schedule, "TZ") {
				msg := "time zones go in cronjob.timeZone"
				if err != nil {
					msg = err.Error()
				}
				v.errorf(v.pos(svcSel(name, "cronjob", "schedule")...), "service %q: schedule %q is not a cron schedule Kubernetes accepts (%s): write five fields, minute hour day-of-month month day-of-week (\"0 3 * * *\"), or a macro such as @daily", name, s.CronJob.Schedule, msg)
			}
		}
		for i, m := range s.Mounts {
			if m.SubPath != "" && m.Volume == "" {
				v.errorf(v.pos(svcSel(name, "mounts", strconv.Itoa(i), "subPath")...), "service %q: mount of %s has a subPath but no volume: subPath names a directory of a volume; remove it or mount a volume", name, m.Target)
			}
		}
	}
}
