package kubernetes

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/degen-dev/degen/generator/model"
)

// cronJob is the batch/v1 CronJob of a cronjob service: its Jobs run the
// pod of tmpl on the model's schedule. Unlike a Job's, a CronJob's spec
// may change in place, so it needs no replace annotations.
func (b *builder) cronJob(s *model.Service, m metav1.ObjectMeta, tmpl corev1.PodTemplateSpec) *batchv1.CronJob {
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	if s.Restart == "no" {
		tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	}
	job := batchv1.JobSpec{Template: tmpl}
	if d := int64(s.CronJob.ActiveDeadlineSeconds); d > 0 {
		job.ActiveDeadlineSeconds = &d
	}
	if s.RestartRetries > 0 {
		n := int32(s.RestartRetries)
		job.BackoffLimit = &n
	}
	cj := s.CronJob
	ok, failed := int32(cj.SuccessfulJobsHistoryLimit), int32(cj.FailedJobsHistoryLimit)
	spec := batchv1.CronJobSpec{
		Schedule:                   cj.Schedule,
		ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(cj.ConcurrencyPolicy),
		SuccessfulJobsHistoryLimit: &ok,
		FailedJobsHistoryLimit:     &failed,
		JobTemplate:                batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: m.Labels}, Spec: job},
	}
	if cj.TimeZone != "" {
		tz := cj.TimeZone
		spec.TimeZone = &tz
	}
	if cj.StartingDeadlineSeconds > 0 {
		d := int64(cj.StartingDeadlineSeconds)
		spec.StartingDeadlineSeconds = &d
	}
	if cj.Suspend {
		t := true
		spec.Suspend = &t
	}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: m,
		Spec:       spec,
	}
}

// serviceAccount is the workload's own ServiceAccount: its pods mount the
// API token only when the model asks (automountServiceAccountToken).
func serviceAccount(project string, s *model.Service) *corev1.ServiceAccount {
	automount := s.AutomountServiceAccountToken
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   meta(s.Name, commonLabels(project, s.Name, s.Group)),
		AutomountServiceAccountToken: &automount,
	}
}
