package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/degen-dev/degen/generator/cluster/kubetest"
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/review"
)

// driftNS is the namespace of driftModel's environment prod.
const driftNS = "drift-prod"

// driftModel is a small model: web is autoscaled (its Deployment leaves
// replicas to the HorizontalPodAutoscaler), api is not; withAPI false
// drops api, as deleting a service from the model does.
func driftModel(withAPI bool) string {
	api := ""
	if withAPI {
		api = `
	services: api: {
		image: "nginx:1.27.3"
		ports: [{name: "http", containerPort: 8080}]
		env: LOG_LEVEL: value: "info"
		resources: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "500m", memory: "128Mi"}}
	}`
	}
	return `package envs

import "degen.dev/schema"

#Base: schema.#Environment & {
	project: name: "drift"
	services: web: {
		image: "nginx:1.27.3"
		ports: [{name: "http", containerPort: 80}]
		resources: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "500m", memory: "128Mi"}}
		liveness: {type: "http", path: "/", port: "http"}
		replicas: 2
		autoscaling: {minReplicas: 2, maxReplicas: 4, cpuUtilization: 70}
	}` + api + `
}

environments: [N=string]: #Base & {name: N}
environments: prod: artefacts: ["kubernetes"]
`
}

// driftRepo is a repository of driftModel, built.
func driftRepo(t *testing.T, withAPI bool) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, stderr := runDegen("init", dir); code != 0 {
		t.Fatalf("degen init: %d\n%s", code, stderr)
	}
	writeDriftModel(t, dir, withAPI)
	return dir
}

func writeDriftModel(t *testing.T, dir string, withAPI bool) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "envs", "stack.cue"), []byte(driftModel(withAPI)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runDegen("build", "--dir", dir); code != 0 {
		t.Fatalf("degen build: %d\n%s", code, stderr)
	}
}

// driftReport runs degen diff --cluster --format json and returns the exit
// code, the report and stderr.
func driftReport(t *testing.T, dir, kubeconfig, context string) (int, *diff.Report, string) {
	t.Helper()
	code, stdout, stderr := runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", kubeconfig, "--context", context, "--env", "prod", "--format", "json")
	if code == exitDiffError {
		return code, nil, stderr
	}
	var rep diff.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("exit %d, the JSON report: %v\n%s\n%s", code, err, stdout, stderr)
	}
	return code, &rep, stderr
}

// reportObject is the report's entry for id, or nil.
func reportObject(rep *diff.Report, id string) *diff.Object {
	for i := range rep.Objects {
		if rep.Objects[i].ID == id {
			return &rep.Objects[i]
		}
	}
	return nil
}

func ids(rep *diff.Report) []string {
	var out []string
	for _, o := range rep.Objects {
		out = append(out, string(o.Status)+" "+o.ID)
	}
	return out
}

// TestDiffCluster runs degen diff --cluster against a real kube-apiserver:
// nothing after a server-side apply of the overlay, nothing for replicas
// the autoscaler changed, a hand-made change to a Deployment, and the
// objects of a service deleted from the model as in the cluster only; as
// the read-only user of docs/REVIEW.md's Role too.
func TestDiffCluster(t *testing.T) {
	srv := kubetest.Start(t, "system:serviceaccount:"+driftNS+":degen-drift")
	dir := driftRepo(t, true)
	files, err := review.ReadOut(filepath.Join(dir, "out"), nil)
	if err != nil {
		t.Fatal(err)
	}
	overlay, err := diff.BuildOverlay(files, "prod")
	if err != nil {
		t.Fatal(err)
	}
	srv.Apply(t, []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+driftNS+"\n"), "test")
	srv.Apply(t, overlay, "argocd-controller")

	code, rep, stderr := driftReport(t, dir, srv.Kubeconfig, kubetest.AdminContext)
	if code != 0 || len(rep.Objects) != 0 {
		t.Fatalf("after applying the overlay: exit %d, %v\n%s", code, ids(rep), stderr)
	}
	refused(t, srv, dir)

	// The autoscaler scales web: the Deployment's replicas are its.
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(srv.Admin)
	deployments := dyn.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace(driftNS)
	force := true
	scale := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"drift-prod"},"spec":{"replicas":4}}`)
	if _, err := deployments.Patch(ctx, "web", types.ApplyPatchType, scale, metav1.PatchOptions{FieldManager: "kube-controller-manager", Force: &force}); err != nil {
		t.Fatal(err)
	}
	code, rep, stderr = driftReport(t, dir, srv.Kubeconfig, kubetest.AdminContext)
	if code != 0 || len(rep.Objects) != 0 {
		t.Fatalf("after the autoscaler's change: exit %d, %v\n%s", code, ids(rep), stderr)
	}

	// kubectl edit: a new image on api, and a changed variable in its
	// ConfigMap.
	api, err := deployments.Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedFieldNoCopy(api.Object, "spec", "template", "spec", "containers")
	containers.([]any)[0].(map[string]any)["image"] = "nginx:1.27.4-edited"
	if _, err := deployments.Update(ctx, api, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	configMaps := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(driftNS)
	cm, err := configMaps.Get(ctx, "api-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(cm.Object, "debug", "data", "LOG_LEVEL"); err != nil {
		t.Fatal(err)
	}
	if _, err := configMaps.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	code, rep, stderr = driftReport(t, dir, srv.Kubeconfig, kubetest.AdminContext)
	if code != exitDiffDifferent || len(rep.Objects) != 2 {
		t.Fatalf("after kubectl edit: exit %d, %v\n%s", code, ids(rep), stderr)
	}
	got := map[string]string{}
	for _, o := range rep.Objects {
		for _, ch := range o.Changes {
			got[string(o.Status)+" "+o.ID+" "+ch.Field] = ch.Old + " → " + ch.New
		}
	}
	want := map[string]string{
		"changed apps/v1 Deployment drift-prod/api spec.template.spec.containers[name=api].image": `"nginx:1.27.4-edited" → "nginx:1.27.3"`,
		"changed v1 ConfigMap drift-prod/api-config data.LOG_LEVEL":                               `"debug" → "info"`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the edit's changes:\n got %v\nwant %v", got, want)
	}
	// The text report says the same.
	_, text, _ := runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", srv.Kubeconfig, "--env", "prod", "--color", "never")
	if !strings.Contains(text, "nginx:1.27.4-edited") || !strings.Contains(text, "0 added, 0 removed, 2 changed objects") {
		t.Errorf("the text report:\n%s", text)
	}
	t.Logf("the text report after kubectl edit:\n%s", text)

	// The read-only role of docs/REVIEW.md is enough; without it, one
	// line says what to do.
	code, _, stderr = driftReport(t, dir, srv.Kubeconfig, kubetest.ViewerContext)
	if code != exitDiffError || !strings.Contains(firstLine(stderr), "forbids") || !strings.Contains(firstLine(stderr), srv.URL) {
		t.Fatalf("the viewer without a role: exit %d\n%s", code, stderr)
	}
	role := docRole(t)
	srv.Apply(t, []byte(strings.ReplaceAll(role, "NAMESPACE", driftNS)), "test")
	code, rep, stderr = driftReport(t, dir, srv.Kubeconfig, kubetest.ViewerContext)
	if code != exitDiffDifferent || len(rep.Objects) != 2 || stderr != "" {
		t.Fatalf("the viewer with the role: exit %d, %v\n%s", code, ids(rep), stderr)
	}
	// The role's admission policy lets its user apply nothing for real.
	viewer := *srv.Admin
	viewer.BearerToken = viewerToken(t, srv.Kubeconfig)
	vdeps := dynamic.NewForConfigOrDie(&viewer).Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace(driftNS)
	// (The policy takes effect within seconds of its creation.)
	for start := time.Now(); ; time.Sleep(time.Second) {
		// An apply that sets nothing: harmless if it went through.
		_, err := vdeps.Patch(ctx, "api", types.ApplyPatchType, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"drift-prod"}}`), metav1.PatchOptions{FieldManager: "viewer"})
		if err != nil && strings.Contains(err.Error(), "may only dry-run") {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("a real patch by the read-only user: %v", err)
		}
	}

	// api leaves the model: its objects are in the cluster only.
	writeDriftModel(t, dir, false)
	_, text, _ = runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", srv.Kubeconfig, "--env", "prod", "--color", "never")
	t.Logf("the text report after deleting api:\n%s", text)
	code, rep, stderr = driftReport(t, dir, srv.Kubeconfig, kubetest.AdminContext)
	if code != exitDiffDifferent {
		t.Fatalf("after deleting api: exit %d\n%s", code, stderr)
	}
	for _, id := range []string{"apps/v1 Deployment drift-prod/api", "v1 Service drift-prod/api", "v1 ServiceAccount drift-prod/api"} {
		if o := reportObject(rep, id); o == nil || o.Status != diff.Removed {
			t.Errorf("%s not reported as only in the cluster: %v", id, ids(rep))
		}
	}
	for _, o := range rep.Objects {
		if o.Status != diff.Removed || !strings.Contains(o.ID, "/api") {
			t.Errorf("unexpected %s %s", o.Status, o.ID)
		}
	}
	for _, tok := range []string{srv.Admin.BearerToken, viewer.BearerToken} {
		if strings.Contains(stderr, tok) {
			t.Errorf("a token is printed")
		}
	}
}

// TestDiffClusterUnreachable: a cluster that does not answer, or refuses
// the credentials, is one line naming the server and what to do, exit 2.
func TestDiffClusterUnreachable(t *testing.T) {
	dir := driftRepo(t, true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://" + addr}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "s3cr3t-token-value"}
	cfg.Contexts["ctx"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.CurrentContext = "ctx"
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", kc)
	want := "cannot reach the cluster at https://" + addr + " (context ctx)"
	if code != exitDiffError || stdout != "" || !strings.Contains(firstLine(stderr), want) || !strings.Contains(firstLine(stderr), "kubectl --context ctx cluster-info") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant first line with %q", code, stdout, stderr, want)
	}
	if strings.Contains(stderr, "s3cr3t") {
		t.Errorf("the token is printed:\n%s", stderr)
	}
	code, _, stderr = runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", kc, "--context", "nope")
	if code != exitDiffError || !strings.Contains(stderr, `the kubeconfig has no context "nope"`) {
		t.Errorf("unknown context: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", kc, "--base", "HEAD")
	if code != exitUsage || !strings.Contains(stderr, "--cluster compares out/ with the cluster: it excludes --base") {
		t.Errorf("--cluster --base: exit %d\n%s", code, stderr)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// docRole is the YAML of docs/REVIEW.md's read-only role for degen diff
// --cluster (the block after the line "<!-- drift-role -->"), with
// NAMESPACE where the environment's namespace goes.
func docRole(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../docs/REVIEW.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- drift-role -->\\s*```yaml\\n(.*?)```").FindSubmatch(data)
	if m == nil {
		t.Fatal("docs/REVIEW.md has no drift-role YAML block")
	}
	return string(m[1])
}

func viewerToken(t *testing.T, kubeconfig string) string {
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.AuthInfos[kubetest.ViewerContext].Token
}

// refused: wrong credentials are one line naming the server, exit 2.
func refused(t *testing.T, srv *kubetest.Server, dir string) {
	cfg, err := clientcmd.LoadFromFile(srv.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AuthInfos[kubetest.AdminContext].Token = "wrong-token-value"
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runDegen("diff", "--cluster", "--dir", dir, "--kubeconfig", kc)
	want := "the cluster at " + srv.URL + " (context admin) refused the kubeconfig's credentials (401 Unauthorized)"
	if code != exitDiffError || stdout != "" || !strings.Contains(firstLine(stderr), want) || strings.Contains(stderr, "wrong-token") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant %q", code, stdout, stderr, want)
	}
}
