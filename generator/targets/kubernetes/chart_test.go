package kubernetes

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/load"
)

// canaryToken is the value of a CI secret in the environment of the
// confinement tests: no error, and no object, may carry it.
const canaryToken = "canary-5f1e0c2b-helm"

const chartYAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

// chartCase lays out a model (the solo stack, one service meeting
// baseline and restricted's host checks) with a component in prod.
type chartCase struct {
	// chart is the component's chart path ($TOP is the directory holding
	// the repository and the canary).
	chart string
	// level is prod's kubernetes.podSecurity ("baseline" if empty).
	level string
	// files are written under the repository ($TOP/repo), links made
	// there (target $TOP/... or relative), sparse files of the given sizes.
	files  map[string]string
	links  map[string]string
	sparse map[string]int64
	// base puts the component in #Base, in every environment and the base.
	base bool
	// packs are chart archives to write, each of a directory (as c/...).
	packs map[string]string
}

// setup writes the case under a new directory and returns the model root.
func (c chartCase) setup(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	src := filepath.Join(repoRoot, "testdata", "stacks", "solo")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	copyTree(t, src, repo)
	must(os.WriteFile(filepath.Join(top, "canary.txt"), []byte(canaryToken+"-file\n"), 0o644))
	level := c.level
	if level == "" {
		level = levelBaseline
	}
	files := map[string]string{"envs/zz_bad.cue": "@if(prod)\n\npackage envs\n\nenvironments: prod: kubernetes: podSecurity: \"" + level + "\"\n" +
		"environments: prod: components: c: {\n\tchart: \"" + strings.ReplaceAll(c.chart, "$TOP", top) + "\"\n\tgroup: \"services\"\n\tvalues: {}\n}\n"}
	if c.base { // in every instance, the base's included
		bad := files["envs/zz_bad.cue"]
		i := strings.Index(bad, "environments: prod: components:")
		files["envs/zz_bad.cue"] = bad[:i]
		files["envs/zz_base.cue"] = "package envs\n\n" + strings.Replace(bad[i:], "environments: prod: components:", "#Base: components:", 1)
	}
	if level == levelRestricted { // solo's Caddy runs as root (relaxedAllowed): only the chart's pods are judged
		files["envs/zz_bad.cue"] += "environments: prod: services: site: enabled: false\n"
	}
	for p, s := range c.files {
		files[p] = s
	}
	for p, s := range files {
		fp := filepath.Join(top, filepath.FromSlash(strings.ReplaceAll(p, "$TOP/", "")))
		if !strings.HasPrefix(p, "$TOP/") {
			fp = filepath.Join(repo, filepath.FromSlash(p))
		}
		must(os.MkdirAll(filepath.Dir(fp), 0o755))
		must(os.WriteFile(fp, []byte(s), 0o644))
	}
	for p, n := range c.sparse {
		fp := filepath.Join(repo, filepath.FromSlash(p))
		must(os.MkdirAll(filepath.Dir(fp), 0o755))
		f, err := os.Create(fp)
		must(err)
		must(f.Truncate(n))
		must(f.Close())
	}
	for p, target := range c.links {
		fp := filepath.Join(repo, filepath.FromSlash(p))
		must(os.MkdirAll(filepath.Dir(fp), 0o755))
		must(os.Symlink(strings.ReplaceAll(target, "$TOP", top), fp))
	}
	for archive, dir := range c.packs {
		fp := filepath.Join(repo, filepath.FromSlash(archive))
		must(os.MkdirAll(filepath.Dir(fp), 0o755))
		must(os.WriteFile(fp, packChart(t, filepath.Join(repo, filepath.FromSlash(dir))), 0o644))
	}
	return repo
}

// packChart is dir as a chart archive (c/<file> entries), sparse files
// included as the zeros they read as.
func packChart(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if err := tw.WriteHeader(&tar.Header{Name: "c/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// configMapChart renders a ConfigMap of the file files/data, base64 (as
// the leak the issue reports did).
func configMapChart(extra map[string]string) map[string]string {
	files := map[string]string{
		"charts/c/Chart.yaml": chartYAML,
		"charts/c/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-data
binaryData:
  data: {{ .Files.Get "files/data" | b64enc | quote }}
`,
	}
	for k, v := range extra {
		files[k] = v
	}
	return files
}

// privilegedPod is a Deployment of one privileged container, with the
// file files/real for configMapChart.
func privilegedPod() map[string]string {
	files := podChart("      containers:\n        - name: app\n          image: busybox:1.36\n          securityContext: {privileged: true}\n")
	files["charts/c/files/real"] = "hello\n"
	return files
}

func podChart(pod string) map[string]string {
	return map[string]string{
		"charts/c/Chart.yaml": chartYAML,
		"charts/c/templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
` + pod,
	}
}

// TestHelmChartRefused: a chart that reads outside the model root or
// outside itself, that is too large, or renders what the API server or
// the namespace's Pod Security level refuses, is an error at the
// component's chart line, and neither the environment's secret nor the
// canary file outside the repository shows in it.
func TestHelmChartRefused(t *testing.T) {
	t.Setenv("CI_SECRET_TOKEN", canaryToken)
	valid := map[string]string{"Chart.yaml": chartYAML, "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: " + canaryToken + "-chart\n"}
	outside := func(dir string) map[string]string {
		out := map[string]string{}
		for f, s := range valid {
			out[dir+"/"+f] = s
		}
		return out
	}
	for name, tc := range map[string]struct {
		c    chartCase
		want string
	}{
		"file linked to the process environment": {
			chartCase{chart: "charts/c", files: configMapChart(nil), links: map[string]string{"charts/c/files/data": "/proc/self/environ"}},
			`"files/data" leads outside charts/c`,
		},
		"file linked to a file outside the repository": {
			chartCase{chart: "charts/c", files: configMapChart(nil), links: map[string]string{"charts/c/files/data": "../../../../canary.txt"}},
			`"files/data" leads outside charts/c`,
		},
		"template linked outside the chart, inside the repository": {
			chartCase{chart: "charts/c", files: configMapChart(map[string]string{"envs/x.yaml": "a: b\n"}), links: map[string]string{"charts/c/templates/x.yaml": "../../../envs/x.yaml"}},
			`"templates/x.yaml" leads outside charts/c`,
		},
		"chart directory linked out of the repository": {
			chartCase{chart: "charts/c", files: outside("$TOP/ext"), links: map[string]string{"charts/c": "$TOP/ext"}},
			`leads outside the model root`,
		},
		"chart up the tree": {
			chartCase{chart: "../ext", files: outside("$TOP/ext")},
			`leaves the model root`,
		},
		"absolute chart": {
			chartCase{chart: "$TOP/ext", files: outside("$TOP/ext")},
			`is not a path relative to the model root`,
		},
		"chart under .git": {
			chartCase{chart: ".git/c", files: outside(".git/c")},
			`is under .git/`,
		},
		"chart over the total": {
			chartCase{chart: "charts/c", files: configMapChart(nil), sparse: map[string]int64{"charts/c/files/a": 3 << 20, "charts/c/files/b": 3 << 20, "charts/c/files/c": 3 << 20, "charts/c/files/d": 3 << 20}},
			`"charts/c" holds more than 10485760 bytes`,
		},
		"chart file over the limit": {
			chartCase{chart: "charts/c", files: configMapChart(nil), sparse: map[string]int64{"charts/c/files/data": chartMaxFile + 1}},
			`"files/data" is larger than 4194304 bytes`,
		},
		"archive decompressing over the total": {
			chartCase{chart: "charts/c.tgz", packs: map[string]string{"charts/c.tgz": "charts/c"}, files: configMapChart(nil), sparse: map[string]int64{"charts/c/files/a": 3 << 20, "charts/c/files/b": 3 << 20, "charts/c/files/c": 3 << 20, "charts/c/files/d": 3 << 20}},
			`decompresses to more than 10485760 bytes`,
		},
		"subchart archive decompressing over the total": {
			chartCase{chart: "charts/c", files: configMapChart(map[string]string{"sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n"}), packs: map[string]string{"charts/c/charts/sub.tgz": "sub"}, sparse: map[string]int64{"sub/files/a": 3 << 20, "sub/files/b": 3 << 20, "sub/files/c": 3 << 20, "sub/files/d": 3 << 20}},
			`chart charts/c: subchart charts/sub.tgz: decompresses to more than 10485760 bytes`,
		},
		"archive file over the limit": {
			chartCase{chart: "charts/c.tgz", packs: map[string]string{"charts/c.tgz": "charts/c"}, files: configMapChart(nil), sparse: map[string]int64{"charts/c/files/data": chartMaxFile + 1}},
			`larger than 4194304 bytes`,
		},
		"object over 1 MiB": {
			chartCase{chart: "charts/c", files: map[string]string{"charts/c/Chart.yaml": chartYAML, "charts/c/templates/big.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  big: {{ repeat 1100000 \"x\" | quote }}\n"}},
			`templates/big.yaml renders ConfigMap big of more than 1048576 bytes`,
		},
		"too many objects": {
			chartCase{chart: "charts/c", files: map[string]string{"charts/c/Chart.yaml": chartYAML, "charts/c/templates/many.yaml": "{{- range until 10001 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\n{{- end }}\n"}},
			`renders more than 10000 objects`,
		},
		"privileged pod at baseline": {
			chartCase{chart: "charts/c", files: privilegedPod()},
			`component "c": Deployment c-web of c/templates/deploy.yaml cannot run in namespace echo at Pod Security level "baseline" (kubernetes.podSecurity): privileged (container "app" must not set securityContext.privileged=true)`,
		},
		"host network at restricted": {
			chartCase{chart: "charts/c", level: levelRestricted, files: podChart("      hostNetwork: true\n      containers:\n        - name: app\n          image: busybox:1.36\n")},
			`at Pod Security level "restricted" (kubernetes.podSecurity): host namespaces (hostNetwork=true); allowPrivilegeEscalation != false`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := tc.c.setup(t)
			err := buildModel(dir, "prod")
			if err == nil {
				t.Fatal("the chart built without error")
			}
			msg := load.Format(err, dir)
			if !strings.HasPrefix(msg, "./envs/zz_bad.cue:7:") {
				t.Errorf("error is not at the component's chart line (./envs/zz_bad.cue:7):\n%s", msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q:\n%s", tc.want, msg)
			}
			if strings.Contains(msg, "canary") {
				t.Errorf("error shows a canary:\n%s", msg)
			}
		})
	}
}

// TestHelmChartAccepted: a chart with a link inside itself, a pod meeting
// the namespace's level and a packaged chart build.
func TestHelmChartAccepted(t *testing.T) {
	files := configMapChart(map[string]string{"charts/c/files/real": "hello\n", "charts/c/.helmignore": "ignored/\n", "charts/c/ignored/x.yaml": "not: [a template"})
	for k, v := range podChart("      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n      containers:\n        - name: app\n          image: busybox:1.36\n          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n") {
		files[k] = v
	}
	for name, c := range map[string]chartCase{
		"directory at restricted": {chart: "charts/c", level: levelRestricted, files: files, links: map[string]string{"charts/c/files/data": "real", "charts/c/ignored/out": "/proc/self/environ"}},
		// The base has no Namespace: its components' pods are judged at
		// each environment's level alone.
		"privileged pod of the base at privileged": {chart: "charts/c", base: true, level: levelPrivileged, files: configMapChart(privilegedPod()), links: map[string]string{"charts/c/files/data": "real"}},
		"archive at baseline":                      {chart: "charts/c.tgz", packs: map[string]string{"charts/c.tgz": "charts/c"}, files: files, links: map[string]string{"charts/c/files/data": "real"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := c.setup(t)
			m := loadModel(t, dir)
			out := generate(t, m, "prod")
			var found bool
			for _, f := range out.Files {
				if strings.Contains(f.Path, "configmap-c-data") && strings.Contains(string(f.Data), "aGVsbG8K") { // base64 of "hello\n"
					found = true
				}
			}
			if !found {
				t.Errorf("no ConfigMap c-data with the linked file's content among %d files", len(out.Files))
			}
		})
	}
}
