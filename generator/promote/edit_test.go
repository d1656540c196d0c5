package promote

import (
	"strings"
	"testing"
)

const envFile = `@if(prod)

package envs

// prod is production.
environments: prod: {
	stage: "production"
	params: {
		// The release running in production.
		appTag:   "v1.0.0" // bumped by promote
		logLevel: "WARNING"
	}
	services: {
		web: replicas: 3
	}
}

// The security level, declared apart.
environments: prod: kubernetes: podSecurity: "privileged"
`

func TestApplyChangesOnlyTheEditedLine(t *testing.T) {
	out, err := Apply("envs/prod.cue", []byte(envFile), "prod", []Edit{{Path: []string{"params", "appTag"}, Value: "v1.1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(envFile, `appTag:   "v1.0.0" // bumped by promote`, `appTag:   "v1.1.0" // bumped by promote`, 1)
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestApplyUnchangedRoundTrips(t *testing.T) {
	out, err := Apply("envs/prod.cue", []byte(envFile), "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != envFile {
		t.Errorf("a formatted file changed without an edit:\n%s", out)
	}
}

func TestApplyAddsWhereTheFileLeadsToTheField(t *testing.T) {
	edits := []Edit{
		// Into the braced services struct.
		{Path: []string{"services", "api-gateway", "image"}, Value: "gw:2"},
		// Into params, whose braces are the deepest on the way.
		{Path: []string{"params", "retentionDays"}, Value: 30},
		// Under a field written as a chain: the chain is not broken.
		{Path: []string{"kubernetes", "quota", "pods"}, Value: 80},
		// A struct value whole.
		{Path: []string{"services", "web", "resources"}, Value: map[string]any{"limits": map[string]any{"cpu": "1"}}},
	}
	out, err := Apply("envs/prod.cue", []byte(envFile), "prod", edits)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if _, err := Apply("envs/prod.cue", out, "prod", nil); err != nil {
		t.Errorf("the edited file does not parse: %v", err)
	}
	for _, want := range []string{
		// The lines around an added field keep their alignment.
		"\t\tappTag:   \"v1.0.0\" // bumped by promote\n\t\tlogLevel: \"WARNING\"\n\n\t\tretentionDays: 30\n\t}\n",
		"\t\tweb: replicas: 3\n\n\t\t\"api-gateway\": image: \"gw:2\"\n",
		"\t\tweb: resources: limits: {",
		"\n\n\tkubernetes: quota: pods: 80\n}\n",
		"environments: prod: kubernetes: podSecurity: \"privileged\"\n",
		"// The release running in production.\n",
		"// bumped by promote\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestApplyDeletesAWrittenField(t *testing.T) {
	out, err := Apply("envs/prod.cue", []byte(envFile), "prod", []Edit{{Path: []string{"params", "logLevel"}, Delete: true}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "logLevel") || !strings.Contains(string(out), `appTag: "v1.0.0" // bumped by promote`) {
		t.Errorf("logLevel not removed alone:\n%s", out)
	}
	if _, err := Apply("envs/prod.cue", []byte(envFile), "prod", []Edit{{Path: []string{"params", "other"}, Delete: true}}); err == nil {
		t.Error("removing a field the file does not write succeeded")
	}
}

func TestApplyLeavesOtherEnvironmentsAlone(t *testing.T) {
	src := envFile + "\nenvironments: staging: params: appTag: \"v1.1.0-rc.1\"\n"
	out, err := Apply("envs/prod.cue", []byte(src), "prod", []Edit{{Path: []string{"params", "appTag"}, Value: "v1.1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `environments: staging: params: appTag: "v1.1.0-rc.1"`) || !strings.Contains(string(out), `appTag:   "v1.1.0"`) {
		t.Errorf("wrong environment edited:\n%s", out)
	}
}

func TestKnob(t *testing.T) {
	all := []leaf{
		{Path: []string{"params", "appTag"}, Old: "v1.0.0", New: "v1.1.0"},
		{Path: []string{"params", "workers"}, Old: 4.0, New: 2.0},
		{Path: []string{"services", "api", "image"}, Old: "api:v1.0.0", New: "api:v1.1.0"},
		{Path: []string{"services", "db", "image"}, Old: "pg:16", New: "pg:17"},
	}
	for _, tc := range []struct {
		w    leaf
		want string
	}{
		{all[2], "params.appTag"},
		{leaf{Path: []string{"services", "w", "replicas"}, Old: 4.0, New: 2.0}, "params.workers"},
		{all[3], ""},
	} {
		k, ok := knob(tc.w, all)
		got := ""
		if ok {
			got = strings.Join(k.Path, ".")
		}
		if got != tc.want {
			t.Errorf("knob(%v) = %q, want %q", tc.w.Path, got, tc.want)
		}
	}
}

func TestDiffLeaves(t *testing.T) {
	old := map[string]any{"a": map[string]any{"b": 1.0, "c": []any{1.0}}, "gone": true}
	new := map[string]any{"a": map[string]any{"b": 2.0, "c": []any{1.0}}, "added": "x"}
	var got []string
	for _, l := range diffLeaves(old, new) {
		got = append(got, strings.Join(l.Path, ".")+":"+show(l.Old, l.OldMissing)+">"+show(l.New, l.NewMissing))
	}
	want := "a.b:1>2 added:(none)>\"x\" gone:true>(none)"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}
