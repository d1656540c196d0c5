package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
)

// stagedBase is a base without the schema whose environments say their
// stage and get Kubernetes manifests.
const stagedBase = `package envs

#Base: {
	name: string
	stage: *"production" | string
	artefacts: ["kubernetes"]
	acknowledge: [string]: string
	volumes: [string]: {...}
	kubernetes: {...}
	services: [string]: {...}
	params: {logLevel: "INFO", ...}
}
environments: [N=string]: #Base & {name: N}
environments: {
	dev: stage:     "development"
	local: stage:   "local"
	prod: stage:    "production"
	staging: stage: "staging"
}
`

// TestIngressTLS: a service on the Ingress of an environment without
// ingressTLS is denied in staging and production, a warning in
// development (acknowledged by its ID), and nothing once TLS is on.
func TestIngressTLS(t *testing.T) {
	src := `package envs

environments: [string]: services: web: {enabled: true, env: {}, image: "nginx:1.27.3", ports: [{name: "http", containerPort: 80}], ingress: {path: "/", port: "http"}}
environments: [string]: kubernetes: ingressHost: "shop.example.com"
environments: dev: acknowledge: "policy/ingress-tls/web": "a developer's cluster"
environments: local: kubernetes: ingressTLS: secretName: "shop-tls"
`
	dir := tinyModel(t, map[string]string{"envs/envs.cue": stagedBase, "envs/web.cue": src})
	got := map[string]policy.Severity{}
	var msgs []string
	for _, v := range ruleViolations(t, dir, nil, "ingress-tls") {
		got[v.Env] = v.Severity
		msgs = append(msgs, v.String())
	}
	want := map[string]policy.Severity{"dev": policy.Warn, "prod": policy.Deny, "staging": policy.Deny}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ingress-tls by environment: %v, want %v\n%s", got, want, strings.Join(msgs, "\n"))
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m, "./envs/web.cue:3:") || !strings.Contains(m, "service web is on the Ingress (shop.example.com/) without TLS") {
			t.Errorf("violation %q is not at the service's ingress or does not say what it is", m)
		}
	}
}

// TestStatefulImageTags: images pinned or not by model.ImagePinned (the
// rule the Kubernetes target's pull policy follows) on a stateful service of staging and production warns for every moving tag, and
// nothing in development or for a stateless service.
func TestStatefulImageTags(t *testing.T) {
	// What is pinned is model.ImagePinned's (its test holds the table);
	// these images give both answers.
	pinned := map[string]bool{}
	for _, image := range []string{"redis:7-alpine", "mysql:8.0", "postgres:16-alpine", "postgres:16.4-alpine", "de-project/app:main", "confluentinc/cp-kafka:7.5.0", "grafana/grafana:v10.2.3", "postgres:16.4.0-alpine", "registry:5000/app:1.2.3", "minio/minio:RELEASE.2024-01-29T03-56-32Z", "busybox@sha256:" + strings.Repeat("a", 64)} {
		pinned[image] = model.ImagePinned(image)
	}
	if !pinned["confluentinc/cp-kafka:7.5.0"] || pinned["mysql:8.0"] {
		t.Fatal("model.ImagePinned no longer tells a release from a moving tag: choose other images")
	}
	var b strings.Builder
	b.WriteString("package envs\n\nenvironments: [string]: volumes: data: {}\n")
	i := 0
	names := map[string]string{}
	for image := range pinned {
		name := fmt.Sprintf("db%d", i)
		names[name] = image
		fmt.Fprintf(&b, "environments: [string]: services: %s: {enabled: true, env: {}, image: %q, kind: \"statefulset\", mounts: [{volume: \"data\", target: \"/data\"}]}\n", name, image)
		fmt.Fprintf(&b, "environments: [string]: services: web%d: {enabled: true, env: {}, image: %q, kind: \"deployment\", mounts: []}\n", i, image)
		i++
	}
	dir := tinyModel(t, map[string]string{"envs/envs.cue": stagedBase, "envs/db.cue": b.String()})
	warned := map[string]map[string]bool{}
	for _, v := range ruleViolations(t, dir, nil, "stateful-image-tags") {
		if v.Severity != policy.Warn {
			t.Errorf("%s: severity %s, want warn", v.String(), v.Severity)
		}
		if warned[v.Env] == nil {
			warned[v.Env] = map[string]bool{}
		}
		warned[v.Env][strings.TrimPrefix(v.ID(), "policy/stateful-image-tags/")] = true
	}
	for _, env := range []string{"dev", "local"} {
		if len(warned[env]) != 0 {
			t.Errorf("%s: warned %v, want nothing", env, warned[env])
		}
	}
	for _, env := range []string{"staging", "prod"} {
		for name, image := range names {
			if warned[env][name] == pinned[image] {
				t.Errorf("%s: %s (%s): warned %v, but pinned is %v", env, name, image, warned[env][name], pinned[image])
			}
		}
		for s := range warned[env] {
			if strings.HasPrefix(s, "web") {
				t.Errorf("%s: stateless %s warned", env, s)
			}
		}
	}
}
