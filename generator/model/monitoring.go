package model

// AlertGroup is a group of Prometheus alert rules.
type AlertGroup struct {
	Name     string               `json:"name"`
	Interval string               `json:"interval,omitempty"`
	Rules    map[string]AlertRule `json:"rules"`
}

// AlertRule is one Prometheus alerting rule.
type AlertRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Monitoring holds Prometheus' global settings.
type Monitoring struct {
	ScrapeInterval     string `json:"scrapeInterval"`
	EvaluationInterval string `json:"evaluationInterval"`
	// AlertGroups are the environment's Prometheus alert rules by group.
	AlertGroups map[string]AlertGroup `json:"alertGroups,omitempty"`
	// Operator, when set, says the environment's cluster Prometheus is the
	// Prometheus Operator's: the Kubernetes target writes ServiceMonitors,
	// PodMonitors and PrometheusRules for it.
	Operator *PrometheusOperator `json:"operator,omitempty"`
}

// PrometheusOperator is a Prometheus run by the Prometheus Operator
// (kube-prometheus-stack): where it runs, which pods it is, and which
// labels its selectors pick monitors and rules by.
type PrometheusOperator struct {
	Namespace     string            `json:"namespace"`
	PodSelector   map[string]string `json:"podSelector,omitempty"`
	MonitorLabels map[string]string `json:"monitorLabels,omitempty"`
	RuleLabels    map[string]string `json:"ruleLabels,omitempty"`
}

// Rules returns the labels a PrometheusRule needs: RuleLabels, or the
// monitors' labels when the model gives none.
func (o *PrometheusOperator) Rules() map[string]string {
	if len(o.RuleLabels) > 0 {
		return o.RuleLabels
	}
	return o.MonitorLabels
}
