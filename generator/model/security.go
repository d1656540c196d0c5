package model

// Security is how a pod's containers run on Kubernetes (schema #Security).
// A nil field is unset: the environment's default for a service, the
// image's or the runtime's behaviour for an environment.
type Security struct {
	RunAsNonRoot             *bool   `json:"runAsNonRoot,omitempty"`
	RunAsUser                *int64  `json:"runAsUser,omitempty"`
	RunAsGroup               *int64  `json:"runAsGroup,omitempty"`
	FSGroup                  *int64  `json:"fsGroup,omitempty"`
	SeccompProfile           *string `json:"seccompProfile,omitempty"`
	AllowPrivilegeEscalation *bool   `json:"allowPrivilegeEscalation,omitempty"`
	DropAllCapabilities      *bool   `json:"dropAllCapabilities,omitempty"`
	ReadOnlyRootFilesystem   *bool   `json:"readOnlyRootFilesystem,omitempty"`
	// RelaxedAllowed gives, by field (RunAsNonRoot's and
	// DropAllCapabilities's JSON names), the reason a service turns off
	// what hardened stages turn on; the schema has set the field false.
	// A service's only.
	RelaxedAllowed map[string]string `json:"relaxedAllowed,omitempty"`
}

// Hardened reports whether the environment's stage runs every container
// as non-root with every capability dropped unless the service says why
// not (schema #Security.relaxedAllowed): staging and production.
func (e *Environment) Hardened() bool { return e.Stage == "staging" || e.Stage == "production" }

// Over returns s with every field o sets replaced by o's.
func (s Security) Over(o Security) Security {
	over(&s.RunAsNonRoot, o.RunAsNonRoot)
	over(&s.RunAsUser, o.RunAsUser)
	over(&s.RunAsGroup, o.RunAsGroup)
	over(&s.FSGroup, o.FSGroup)
	over(&s.SeccompProfile, o.SeccompProfile)
	over(&s.AllowPrivilegeEscalation, o.AllowPrivilegeEscalation)
	over(&s.DropAllCapabilities, o.DropAllCapabilities)
	over(&s.ReadOnlyRootFilesystem, o.ReadOnlyRootFilesystem)
	s.RelaxedAllowed = o.RelaxedAllowed
	return s
}

// over sets *dst to src when src is set.
func over[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// Probe is a Kubernetes probe (schema #Probe).
type Probe struct {
	Type                string   `json:"type"`
	Path                string   `json:"path,omitempty"`
	Port                string   `json:"port,omitempty"`
	Command             []string `json:"command,omitempty"`
	InitialDelaySeconds int      `json:"initialDelaySeconds"`
	PeriodSeconds       int      `json:"periodSeconds"`
	TimeoutSeconds      int      `json:"timeoutSeconds"`
	FailureThreshold    int      `json:"failureThreshold"`
}

// CronJob is when and how a cronjob service runs (schema #CronJob).
type CronJob struct {
	Schedule                   string `json:"schedule"`
	TimeZone                   string `json:"timeZone,omitempty"`
	ConcurrencyPolicy          string `json:"concurrencyPolicy"`
	StartingDeadlineSeconds    int    `json:"startingDeadlineSeconds,omitempty"`
	ActiveDeadlineSeconds      int    `json:"activeDeadlineSeconds,omitempty"`
	SuccessfulJobsHistoryLimit int    `json:"successfulJobsHistoryLimit"`
	FailedJobsHistoryLimit     int    `json:"failedJobsHistoryLimit"`
	Suspend                    bool   `json:"suspend"`
}

// Batch reports whether the service runs to completion (a job or a
// cronjob) rather than for ever.
func (s *Service) Batch() bool { return s.Kind == "job" || s.Kind == "cronjob" }

// LongRunning reports whether the service's pods run until stopped (a
// deployment, statefulset or daemonset).
func (s *Service) LongRunning() bool { return !s.Batch() }
