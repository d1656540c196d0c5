package kubernetes

import (
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
)

// The Prometheus Operator's objects (monitoring.coreos.com/v1), written
// as unstructured maps: the operator's Go module is not needed for three
// small documents, and the tests check them against its own CRDs.
const (
	monitoringAPI = "monitoring.coreos.com/v1"
	// labelMetrics marks the one Service of a service that its
	// ServiceMonitor selects: a service with several Services (a headless
	// one for its pods, a NodePort one) would otherwise be scraped once
	// per Service.
	labelMetrics = "metrics.degen.dev/scrape"
)

// operator is the environment's Prometheus Operator, or nil.
func (b *builder) operator() *model.PrometheusOperator { return b.env.Monitoring.Operator }

// checkOperator refuses, at its model line, a label of the operator's
// selectors that Kubernetes would refuse: the NetworkPolicy's podSelector
// or the monitors' and rules' labels would not apply.
func (b *builder) checkOperator() error {
	op := b.operator()
	if op == nil {
		return nil
	}
	for _, field := range []struct {
		name   string
		labels map[string]string
	}{{"podSelector", op.PodSelector}, {"monitorLabels", op.MonitorLabels}, {"ruleLabels", op.RuleLabels}} {
		for _, k := range model.SortedKeys(field.labels) {
			errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(field.labels[k])...)
			if len(errs) > 0 {
				return b.errorAt(model.P("monitoring", "operator", field.name, k), "monitoring.operator.%s: %s: %q is not a Kubernetes label (%s)", field.name, k, field.labels[k], strings.Join(errs, "; "))
			}
		}
	}
	return nil
}

// markScraped labels, in an operator environment, the Service of s its
// ServiceMonitor selects: the one named after its hostname, which every
// service with Services has and whose endpoints are all of its pods.
func (b *builder) markScraped(s *model.Service, svc *corev1.Service) {
	if b.operator() != nil && s.Metrics != nil && svc.Name == s.Hostname {
		svc.Labels = maps.Clone(svc.Labels)
		svc.Labels[labelMetrics] = "true"
	}
}

// monitor is, in an operator environment, the ServiceMonitor of a service
// with metrics, or its PodMonitor when it has no Service (a Job or a
// CronJob); nil otherwise.
func (b *builder) monitor(s *model.Service) map[string]any {
	op := b.operator()
	if op == nil || s.Metrics == nil {
		return nil
	}
	labels := commonLabels(b.env.Project.Name, s.Name, s.Group)
	maps.Copy(labels, op.MonitorLabels)
	endpoint := map[string]any{
		"port":     s.Metrics.Port,
		"path":     s.Metrics.Path,
		"interval": b.env.Monitoring.ScrapeInterval,
	}
	kind, selector, endpoints := "ServiceMonitor", map[string]any{labelName: s.Name, labelMetrics: "true"}, "endpoints"
	if len(b.k8sServices(s)) == 0 {
		kind, selector, endpoints = "PodMonitor", map[string]any{labelName: s.Name}, "podMetricsEndpoints"
	}
	return map[string]any{
		"apiVersion": monitoringAPI,
		"kind":       kind,
		"metadata":   map[string]any{"name": s.Name, "labels": anyMap(labels)},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": selector},
			endpoints:  []any{endpoint},
		},
	}
}

// prometheusRules are, in an operator environment, one PrometheusRule per
// alert group: the groups of the rules files promconfig writes.
func (b *builder) prometheusRules() error {
	op := b.operator()
	if op == nil {
		return nil
	}
	for _, g := range promconfig.Groups(b.env) {
		name := "alerts-" + model.KubeName(g.Name)
		labels := commonLabels(b.env.Project.Name, name, "")
		maps.Copy(labels, op.Rules())
		spec, err := generic(promconfig.RuleGroups{Groups: []promconfig.RuleGroup{g}})
		if err != nil {
			return err
		}
		if err := b.add("monitoring", map[string]any{
			"apiVersion": monitoringAPI,
			"kind":       "PrometheusRule",
			"metadata":   map[string]any{"name": name, "labels": anyMap(labels)},
			"spec":       spec,
		}); err != nil {
			return err
		}
	}
	return nil
}
