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
}

// Over returns s with every field o sets replaced by o's.
func (s Security) Over(o Security) Security {
	if o.RunAsNonRoot != nil {
		s.RunAsNonRoot = o.RunAsNonRoot
	}
	if o.RunAsUser != nil {
		s.RunAsUser = o.RunAsUser
	}
	if o.RunAsGroup != nil {
		s.RunAsGroup = o.RunAsGroup
	}
	if o.FSGroup != nil {
		s.FSGroup = o.FSGroup
	}
	if o.SeccompProfile != nil {
		s.SeccompProfile = o.SeccompProfile
	}
	if o.AllowPrivilegeEscalation != nil {
		s.AllowPrivilegeEscalation = o.AllowPrivilegeEscalation
	}
	if o.DropAllCapabilities != nil {
		s.DropAllCapabilities = o.DropAllCapabilities
	}
	if o.ReadOnlyRootFilesystem != nil {
		s.ReadOnlyRootFilesystem = o.ReadOnlyRootFilesystem
	}
	return s
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
