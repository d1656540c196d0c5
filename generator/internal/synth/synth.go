// Package synth writes synthetic degen models of any size, for benchmarks
// and scale tests: N services spread over the concerns, chained by
// dependencies, in four environments with deltas.
package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Envs returns the environments of a synthetic model.
func Envs() []string { return []string{"local", "dev", "staging", "prod"} }

// Write creates a model with n services under dir, reusing the schema and
// cue.mod of the repository at repo.
func Write(dir, repo string, n int) error {
	for _, d := range []string{"cue.mod", "policies"} {
		if err := CopyDir(filepath.Join(repo, d), filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "envs"), 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header)
	// Eight groups, as many as the default model has; any names will do.
	concerns := []string{"group-a", "group-b", "group-c", "group-d", "group-e", "group-f", "group-g", "group-h"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `	"svc-%d": {
		group: %q
		image: "example.com/svc-%d:1.%d.0"
		kind: %q
		replicas: *1 | int
		ports: [{name: "http", containerPort: 8080, hostPort: *%d | _, appProtocol: "http"}]
		env: {
			LOG_LEVEL: value: params.logLevel
			PEER_URL: value: "http://svc-%d:8080"
			DB_PASSWORD: secret: "db-password"
			FEATURE_X: flag: "feature_x"
		}
		resources: {
			requests: {cpu: *"100m" | _, memory: *"128Mi" | _}
			limits: {cpu: *"500m" | _, memory: *"256Mi" | _}
		}
		health: {type: "http", path: "/health", port: "http"}
		networks: ["net-%d", "net-monitoring"]
		%s
		%s
		metrics: port: "http"
	}
`, i, concerns[i%len(concerns)], i, i%10, kind(i), 10000+i, (i+1)%n, i%6, dependsOn(i), mounts(i))
	}
	b.WriteString("}\nvolumes: {\n")
	for i := 0; i < n; i++ {
		if kind(i) == "statefulset" {
			fmt.Fprintf(&b, "\t\"data-%d\": size: \"1Gi\"\n", i)
		}
	}
	b.WriteString("}\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "envs", "stack.cue"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	for k, env := range Envs() {
		artefacts := `["kubernetes", "terraform", "prometheus", "flags"]`
		if env == "local" || env == "dev" {
			artefacts = `["compose", "env", "kubernetes", "terraform", "prometheus", "flags"]`
		}
		var e strings.Builder
		fmt.Fprintf(&e, "@if(%s)\n\npackage envs\n\nenvironments: %s: {\n\tartefacts: %s\n\tparams: logLevel: %q\n", env, env, artefacts, []string{"DEBUG", "DEBUG", "INFO", "WARNING"}[k])
		// Every tenth service gets a per-environment delta.
		// (Compose environments keep one replica: a host port cannot be
		// published by several containers.)
		for i := 0; i < n; i += 10 {
			replicas := 1
			if env == "staging" || env == "prod" {
				replicas = k + 1
			}
			fmt.Fprintf(&e, "\tservices: \"svc-%d\": {replicas: %d, resources: limits: memory: \"%dMi\"}\n", i, replicas, 256*(k+1))
		}
		e.WriteString("}\n")
		if err := os.WriteFile(filepath.Join(dir, "envs", env+".cue"), []byte(e.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func kind(i int) string {
	if i%7 == 3 {
		return "statefulset"
	}
	return "deployment"
}

// mounts gives every statefulset a volume of its own.
func mounts(i int) string {
	if kind(i) != "statefulset" {
		return ""
	}
	return fmt.Sprintf(`mounts: [{volume: "data-%d", target: "/data"}]`, i)
}

func dependsOn(i int) string {
	if i == 0 {
		return ""
	}
	return fmt.Sprintf(`dependsOn: "svc-%d": condition: "healthy"`, i-1)
}

const header = `package envs

import "degen.dev/schema"

environments: [Name=string]: #Base & {name: Name}

#Base: schema.#Environment & {
	name:      _
	namespace: "syn-\(name)"
	params: logLevel: *"INFO" | "DEBUG" | "WARNING"
	compose: project: "syn-\(name)"
	project: name: "synthetic"
	monitoring: {scrapeInterval: "15s", evaluationInterval: "15s"}
	kubernetes: {
		secretStore: "vault-\(name)"
		ingressHost: "syn.example.com"
		repoURL:     "https://example.com/synthetic.git"
		quota: {cpu: "2000", memory: "4000Gi", pods: 10000}
		limitRange: {defaultCPU: "500m", defaultMemory: "512Mi", defaultRequestCPU: "100m", defaultRequestMemory: "128Mi"}
	}
	networks: {
		"net-monitoring": description: "metrics"
		for i in [0, 1, 2, 3, 4, 5] {"net-\(i)": description: "network \(i)"}
	}
	flags: feature_x: {description: "a flag", envVar: "FEATURE_X", value: *true | bool}
	secrets: {
		"db-password": {envVar: "DB_PASSWORD", key: "db/password", description: "database password"}
	}
	services: {
`

// CopyDir copies the tree src to dst (tests' copies of a model).
func CopyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
