package graph

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/model"
)

// testEnv is a small stack: a web service published on a host port and
// routed by an Ingress, depending on a database (healthy) and optionally
// on a cache, the database with a volume and a secret (as an env var and
// as a file), on two networks.
func testEnv() *model.Environment {
	s := func(name string, nets ...string) *model.Service {
		return &model.Service{Name: name, Kind: "deployment", Replicas: 1, Networks: nets, Enabled: true}
	}
	web := s("web", "front", "back")
	web.Ports = []model.Port{{Name: "http", ContainerPort: 80, HostPort: 8080, Protocol: "TCP"}, {Name: "admin", ContainerPort: 9000, Protocol: "TCP"}}
	web.Ingress = &model.Ingress{Path: "/app", Port: "http"}
	web.DependsOn = map[string]model.Dependency{
		"db":    {Condition: "service_healthy", Required: true},
		"cache": {Condition: "service_started"},
	}
	db := s("db", "back")
	db.Kind, db.Replicas = "statefulset", 3
	db.Env = map[string]model.EnvVar{"PASSWORD": {Secret: "db-password"}}
	db.Mounts = []model.Mount{{Target: "/data", Volume: "db-data"}, {Target: "/run/pw", Secret: "db-password"}}
	cache := s("cache")
	return &model.Environment{
		Name:       "dev",
		Services:   map[string]*model.Service{"web": web, "db": db, "cache": cache},
		Secrets:    map[string]model.Secret{"db-password": {EnvVar: "DB_PASSWORD"}},
		Volumes:    map[string]model.Volume{"db-data": {Name: "db-data", Size: "10Gi"}},
		Kubernetes: model.Kubernetes{IngressHost: "dev.example.com"},
	}
}

func TestMermaidOfSmallStack(t *testing.T) {
	got := Of(testEnv()).Mermaid()
	want := `flowchart LR
  subgraph c_default["default network"]
    s_cache["cache"]
  end
  subgraph c_back["network back"]
    s_db["db (statefulset ×3)"]
  end
  subgraph c_back_front["networks back, front"]
    s_web["web"]
  end
  r_web>"dev.example.com/app"]
  p_web_TCP_80(["host 8080 → 80/TCP"])
  k_db_password[/"secret db-password"/]
  v_db_data[("volume db-data 10Gi")]
  r_web -->|"http"| s_web
  p_web_TCP_80 --> s_web
  s_db -.-> k_db_password
  s_db --> v_db_data
  s_web -.->|"service_started"| s_cache
  s_web -->|"service_healthy"| s_db
`
	if got != want {
		t.Errorf("Mermaid:\n%s\nwant:\n%s", got, want)
	}
}

func TestDOTOfSmallStack(t *testing.T) {
	got := Of(testEnv()).DOT()
	for _, want := range []string{
		"digraph \"dev\" {\n  rankdir=LR;\n",
		"  subgraph cluster_c_back {\n    label=\"network back\";\n    s_db [label=\"db (statefulset ×3)\"];\n  }\n",
		"  v_db_data [label=\"volume db-data 10Gi\", shape=cylinder];\n",
		"  s_web -> s_cache [label=\"service_started\", style=dashed];\n",
		"  s_db -> k_db_password [style=dashed];\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("DOT lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "}\n") {
		t.Errorf("DOT does not end the digraph:\n%s", got)
	}
}

func TestID(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"api", "s_api"},
		{"graphql-api", "s_graphql_api"},
		{"end", "s_end"},
		{"a..b--c", "s_a_b_c"},
		{"ünï\x1b[31m\"x\"", "s_n_31m_x"},
		{"-x-", "s_x"},
		{"", "s"},
	} {
		if got := ID("s_", c.in); got != c.want {
			t.Errorf("ID(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := ID("s_", c.in); !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`).MatchString(got) {
			t.Errorf("ID(%q) = %q holds more than letters, digits and underscores", c.in, got)
		}
	}
}

func TestIDsDistinct(t *testing.T) {
	env := &model.Environment{Name: "x", Services: map[string]*model.Service{}}
	for _, n := range []string{"a-b", "a.b", "a_b", "a-b-2"} {
		env.Services[n] = &model.Service{Name: n}
	}
	g := Of(env)
	id := ids(g)
	seen := map[string]string{}
	for k, v := range id {
		if o, ok := seen[v]; ok {
			t.Errorf("%s and %s share the id %s", k, o, v)
		}
		seen[v] = k
	}
	// Given in key order: a-b first, so it keeps the plain id.
	if id["service/a-b"] != "s_a_b" || id["service/a-b-2"] != "s_a_b_2" || id["service/a.b"] != "s_a_b_3" || id["service/a_b"] != "s_a_b_4" {
		t.Errorf("ids = %v", id)
	}
}

func TestEscaping(t *testing.T) {
	hostile := "a\"b#c%d&e<f>g`h\x1b[31mi\r\nj\u202ek;l|m[n]o{p}"
	m := MermaidText(hostile)
	if strings.ContainsAny(m, "\"%&<>`\x1b\r\n\u202e") {
		t.Errorf("MermaidText(%q) = %q keeps a character Mermaid reads", hostile, m)
	}
	if want := `a#quot;b#35;c#37;d#amp;e#lt;f#gt;g#96;h\x1b[31mi\r\nj\u202ek;l|m[n]o{p}`; m != want {
		t.Errorf("MermaidText = %q, want %q", m, want)
	}
	d := DOTText(hostile)
	if want := `a\"b#c%d&e<f>g` + "`" + `h\\x1b[31mi\\r\\nj\\u202ek;l|m[n]o{p}`; d != want {
		t.Errorf("DOTText = %q, want %q", d, want)
	}
}

func TestDeterministic(t *testing.T) {
	first := Of(testEnv()).Mermaid() + Of(testEnv()).DOT()
	for range 20 {
		if got := Of(testEnv()).Mermaid() + Of(testEnv()).DOT(); got != first {
			t.Fatalf("output differs between runs:\n%s\nthen:\n%s", first, got)
		}
	}
	big := bigEnv(CollapseAbove + 10)
	firstBig := Of(big).Mermaid()
	for range 10 {
		if got := Of(bigEnv(CollapseAbove + 10)).Mermaid(); got != firstBig {
			t.Fatalf("collapsed output differs between runs")
		}
	}
}

func TestChangesMarks(t *testing.T) {
	old, new := testEnv(), testEnv()
	new.Services["web"].Image = "web:2"                                               // changed
	delete(new.Services, "cache")                                                     // removed, with its edge
	new.Services["queue"] = &model.Service{Name: "queue", Networks: []string{"back"}} // added
	new.Volumes["db-data"] = model.Volume{Name: "db-data", Size: "20Gi"}              // changed
	g := Changes(old, new)
	marks := map[string]Mark{}
	for _, n := range g.Nodes {
		marks[n.Key] = n.Mark
	}
	want := map[string]Mark{
		"service/web": Changed, "service/cache": Removed, "service/queue": Added,
		"service/db": Unmarked, "volume/db-data": Changed, "secret/db-password": Unmarked,
		"port/web/TCP/80": Unmarked, "ingress/web": Unmarked,
	}
	for k, m := range want {
		if marks[k] != m {
			t.Errorf("%s marked %q, want %q (all: %v)", k, marks[k], m, marks)
		}
	}
	md := g.Mermaid()
	for _, want := range []string{
		"  class s_queue added\n", "  class s_cache removed\n", "  class s_web,v_db_data changed\n",
		"classDef removed", "s_web -.->|\"service_started\"| s_cache", // the removed edge is drawn
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, md)
		}
	}
	if Of(new).Mermaid() == md || strings.Contains(Of(new).Mermaid(), "classDef") {
		t.Errorf("Of marks nodes:\n%s", Of(new).Mermaid())
	}
	// A new environment: everything added; a removed one: everything removed.
	for _, n := range Changes(nil, new).Nodes {
		if n.Mark != Added {
			t.Errorf("Changes(nil, new): %s marked %q", n.Key, n.Mark)
		}
	}
	for _, n := range Changes(old, nil).Nodes {
		if n.Mark != Removed {
			t.Errorf("Changes(old, nil): %s marked %q", n.Key, n.Mark)
		}
	}
}

func TestChangesKeyed(t *testing.T) {
	old, new := testEnv(), testEnv()
	old.Services["web"].Hostname = "web.staging.svc"
	new.Services["web"].Hostname = "web.prod.svc"
	key := func(env string) func(string) string {
		return func(s string) string { return strings.ReplaceAll(s, "."+env+".", ".{env}.") }
	}
	for _, n := range ChangesKeyed(old, new, key("staging"), key("prod")).Nodes {
		if n.Mark != Unmarked {
			t.Errorf("%s marked %q although it differs only by the environment's name", n.Key, n.Mark)
		}
	}
	if got := Changes(old, new).Mermaid(); !strings.Contains(got, "class s_web changed") {
		t.Errorf("without keys the host name change is not marked:\n%s", got)
	}
}

// bigEnv is n services on four networks, each depending on the one
// before, every fifth published and using a secret and a volume.
func bigEnv(n int) *model.Environment {
	env := &model.Environment{Name: "big", Services: map[string]*model.Service{}, Secrets: map[string]model.Secret{}, Volumes: map[string]model.Volume{}}
	for i := range n {
		s := &model.Service{Name: fmt.Sprintf("svc-%03d", i), Networks: []string{fmt.Sprintf("net-%d", i%4)}}
		if i > 0 {
			s.DependsOn = map[string]model.Dependency{fmt.Sprintf("svc-%03d", i-1): {Condition: "service_started", Required: true}}
		}
		if i%5 == 0 {
			sec, vol := fmt.Sprintf("secret-%d", i), fmt.Sprintf("vol-%d", i)
			env.Secrets[sec] = model.Secret{}
			env.Volumes[vol] = model.Volume{Name: vol}
			s.Env = map[string]model.EnvVar{"S": {Secret: sec}}
			s.Mounts = []model.Mount{{Target: "/d", Volume: vol}}
			s.Ports = []model.Port{{ContainerPort: 80, HostPort: 10000 + i}}
		}
		env.Services[s.Name] = s
	}
	return env
}

func TestCollapse(t *testing.T) {
	if g := Of(bigEnv(CollapseAbove)); g.Collapsed || len(g.Nodes) < CollapseAbove {
		t.Errorf("%d services collapsed (%d nodes)", CollapseAbove, len(g.Nodes))
	}
	g := Of(bigEnv(CollapseAbove + 1))
	if !g.Collapsed {
		t.Fatalf("%d services not collapsed", CollapseAbove+1)
	}
	got := g.Mermaid()
	for _, want := range []string{
		`  g_networks_net_0["network net-0: 11 services, 3 published ports"]`,
		`  g_networks_net_1["network net-1: 10 services, 2 published ports"]`,
		`  ks_secrets[/"9 secrets"/]`,
		`  vs_volumes[("9 volumes")]`,
		"  g_networks_net_0 -.-> ks_secrets\n",
		"  g_networks_net_0 --> vs_volumes\n",
		"  g_networks_net_1 --> g_networks_net_0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("collapsed Mermaid lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "subgraph") || strings.Contains(got, "s_svc") {
		t.Errorf("collapsed graph draws services:\n%s", got)
	}
	if n := strings.Count(got, "\n"); n > 30 {
		t.Errorf("collapsed graph has %d lines", n)
	}
	// Marks: one changed service marks its group changed; a group of
	// added services only is added.
	old, new := bigEnv(CollapseAbove+1), bigEnv(CollapseAbove+1)
	new.Services["svc-001"].Image = "x:2"
	new.Services["extra"] = &model.Service{Name: "extra", Networks: []string{"fresh"}}
	marks := map[string]Mark{}
	for _, n := range Changes(old, new).Nodes {
		marks[n.Key] = n.Mark
	}
	if marks["group/networks/net-1"] != Changed || marks["group/networks/fresh"] != Added || marks["group/networks/net-0"] != Unmarked || marks["secrets"] != Unmarked {
		t.Errorf("collapsed marks = %v", marks)
	}
}
