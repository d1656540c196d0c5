package load

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/model"
)

func loadDefault(t *testing.T, envs ...string) *model.Model {
	t.Helper()
	var want []string
	if len(envs) > 0 {
		want = envs
	}
	m, err := Load(Options{Dir: "../..", Envs: want})
	if err != nil {
		t.Fatalf("loading the default model: %s", Format(err, "../.."))
	}
	return m
}

// TestSeedLimits checks the local environment against the seed's §3.13
// "Resource Limits Summary", row by row (Compose's 512 MB is 512Mi here).
func TestSeedLimits(t *testing.T) {
	local := loadDefault(t, "local").Envs["local"]
	want := map[string][2]string{
		"zookeeper":                  {"512Mi", "500m"},
		"kafka":                      {"1Gi", "1"},
		"schema-registry":            {"512Mi", "500m"},
		"kafka-ui":                   {"256Mi", "500m"},
		"flink-jobmanager":           {"1Gi", "1"},
		"flink-taskmanager":          {"2Gi", "2"},
		"minio":                      {"1Gi", "1"},
		"iceberg-rest-catalog":       {"512Mi", "500m"},
		"dagster-postgres":           {"256Mi", "500m"},
		"dagster-webserver":          {"512Mi", "500m"},
		"dagster-daemon":             {"512Mi", "500m"},
		"prometheus":                 {"512Mi", "500m"},
		"grafana":                    {"256Mi", "500m"},
		"node-exporter":              {"64Mi", "250m"},
		"openmetadata-mysql":         {"512Mi", "500m"},
		"openmetadata-elasticsearch": {"1Gi", "1"},
		"openmetadata":               {"1Gi", "1"},
		"trade-generator":            {"256Mi", "500m"},
		"kafka-consumer":             {"512Mi", "500m"},
		"graphql-api":                {"512Mi", "500m"},
		"superset-postgres":          {"256Mi", "500m"},
		"superset-redis":             {"128Mi", "250m"},
		"superset":                   {"1Gi", "1"},
	}
	for name, lim := range want {
		s, ok := local.Services[name]
		if !ok {
			t.Errorf("service %s missing from local", name)
			continue
		}
		if got := [2]string{s.Resources.Limits.Memory, s.Resources.Limits.CPU}; got != lim {
			t.Errorf("%s limits = %v, want %v", name, got, lim)
		}
	}
	// minio-init is the only container of §3.3–3.10 without a §3.13 row;
	// kafka-exporter is the model's own addition, for Kafka's metrics.
	if len(local.Services) != len(want)+2 {
		t.Errorf("local has %d services, want %d (§3.3–3.10, minio-init and kafka-exporter): %v", len(local.Services), len(want)+2, local.ServiceNames())
	}
	if _, ok := local.Services["kafka-exporter"]; !ok {
		t.Error("kafka-exporter is missing: nothing would serve Kafka's metrics")
	}
}

// TestSeedPorts checks the host ports of the seed's "Port Reference Table"
// (plus the internal broker listeners §3.3 publishes): the brokers are the
// replicas of one ordinal service, each on its own host ports.
func TestSeedPorts(t *testing.T) {
	local := loadDefault(t, "local").Envs["local"]
	want := map[int]string{
		// ZooKeeper is an ordinal service (an ensemble of 3 beyond local):
		// local's one member is the Compose service zookeeper-1.
		2181: "zookeeper-1", 8000: "graphql-api", 8080: "kafka-ui", 8081: "schema-registry",
		8082: "flink-jobmanager", 8088: "superset", 8181: "iceberg-rest-catalog", 8585: "openmetadata",
		8765: "trade-generator", 9000: "minio", 9001: "minio", 9090: "prometheus",
		9092: "kafka-0", 9093: "kafka-1", 9094: "kafka-2", 9100: "node-exporter",
		9200: "openmetadata-elasticsearch", 3000: "dagster-webserver", 3001: "grafana",
		3306: "openmetadata-mysql", 5432: "dagster-postgres", 5433: "superset-postgres",
		6123: "flink-jobmanager", 6379: "superset-redis",
		29092: "kafka-0", 29093: "kafka-1", 29094: "kafka-2",
	}
	got := map[int]string{}
	for _, name := range local.ServiceNames() {
		s := local.Services[name]
		for _, p := range s.Ports {
			if p.HostPort == 0 {
				continue
			}
			if s.Ordinal == nil {
				got[p.HostPort] = name
				continue
			}
			for _, o := range s.Ordinals() {
				got[s.ReplicaHostPort(p, o)] = s.ReplicaName(o)
			}
		}
	}
	for port, svc := range want {
		if got[port] != svc {
			t.Errorf("host port %d: published by %q, want %q", port, got[port], svc)
		}
	}
	for port, svc := range got {
		if _, ok := want[port]; !ok {
			t.Errorf("host port %d published by %s is not in the seed", port, svc)
		}
	}
}

// TestSeedEnvironments checks the per-environment values of §4.3, §5.7, §7.1,
// §7.2 and §7.4.
func TestSeedEnvironments(t *testing.T) {
	m := loadDefault(t)
	type row struct {
		partitions                  int
		retentionMs                 int64
		graphqlReplicas, tmReplicas int
		logLevel                    string
		brokerLimits                model.Quantities
		anomaly                     bool
		hasGenerator                bool
		namespace                   string
	}
	want := map[string]row{
		"dev":     {6, 604800000, 1, 1, "DEBUG", model.Quantities{CPU: "500m", Memory: "512Mi", EphemeralStorage: "2Gi"}, true, true, "de-dev"},
		"staging": {6, 604800000, 2, 2, "INFO", model.Quantities{CPU: "1", Memory: "1Gi", EphemeralStorage: "2Gi"}, true, true, "de-staging"},
		"prod":    {12, 2592000000, 3, 4, "WARNING", model.Quantities{CPU: "2", Memory: "4Gi", EphemeralStorage: "2Gi"}, false, false, "de-prod"},
	}
	for name, w := range want {
		e := m.Envs[name]
		sd := seedDataOf(t, e)
		// §4.3: the brokers are one StatefulSet of three.
		if k := e.Services["kafka"]; k.Replicas != 3 || k.Ordinal == nil || k.Ordinal.Replicas != 3 {
			t.Errorf("%s: kafka runs %d replicas (ordinal %+v), want 3 with ordinal identity", name, k.Replicas, k.Ordinal)
		}
		got := row{
			sd.Kafka.Partitions, sd.Kafka.RetentionMs,
			e.Services["graphql-api"].Replicas, e.Services["flink-taskmanager"].Replicas,
			*e.Services["graphql-api"].Env["LOG_LEVEL"].Value,
			e.Services["kafka"].Resources.Limits,
			e.Flags["enable_anomaly_detection"].Value.(bool),
			e.Services["trade-generator"] != nil,
			e.Namespace,
		}
		if got != w {
			t.Errorf("%s:\n got  %+v\n want %+v", name, got, w)
		}
		if rt := sd.Topics["raw-trades"]; rt.Partitions != w.partitions || rt.Config["retention.ms"] == "" {
			t.Errorf("%s raw-trades = %+v", name, rt)
		}
	}
	prod := m.Envs["prod"]
	prodData := seedDataOf(t, prod)
	hpa := prod.Services["graphql-api"].Autoscaling
	if hpa == nil || hpa.MinReplicas != 3 || hpa.MaxReplicas != 8 || hpa.CPUUtilization != 70 || hpa.MemoryUtilization != 80 {
		t.Errorf("prod graphql-api HPA = %+v, want 3-8 at 70%% CPU / 80%% memory", hpa)
	}
	if c := prod.Services["kafka-consumer"]; c.Autoscaling == nil || c.Autoscaling.MaxReplicas != 6 {
		t.Errorf("prod kafka-consumer HPA = %+v, want max 6", c.Autoscaling)
	}
	if _, ok := prod.Services["kafka-consumer"].DependsOn["trade-generator"]; ok {
		t.Error("prod kafka-consumer still depends on the disabled trade-generator")
	}
	if ws := prod.Services["kafka-consumer"].Env["WS_URL"]; ws.Secret != "market-feed-url" {
		t.Errorf("prod WS_URL = %+v, want the market-feed-url secret", ws)
	}
	if got := m.Envs["staging"].Flags["trade_generator_symbols"].String(); got != "AAPL,GOOGL,MSFT,AMZN,META,TSLA,NVDA,JPM,V,WMT" {
		t.Errorf("staging symbols = %s", got)
	}
	if got := prod.Flags["trade_generator_symbols"].String(); got != "ALL" {
		t.Errorf("prod symbols = %s", got)
	}
	if got := prodData.Buckets["prod-raw-data"].Lifecycle.ExpirationDays; got != 90 {
		t.Errorf("prod raw-data expiration = %d, want 90", got)
	}
	if got := prodData.Topics["dead-letter-queue"]; got.Partitions != 3 || got.Config["min.insync.replicas"] != "1" || got.Config["retention.ms"] != "604800000" {
		t.Errorf("dead-letter-queue = %+v", got)
	}
	if got := prodData.Topics["trade-aggregates"].Config; got["cleanup.policy"] != "compact" || got["retention.ms"] != "-1" {
		t.Errorf("trade-aggregates config = %v", got)
	}
}

// seedData is the default model's own data, which lives in its data
// (the general schema knows no Kafka, topics or buckets).
type seedData struct {
	Kafka struct {
		Partitions  int   `json:"partitions"`
		RetentionMs int64 `json:"retentionMs"`
	} `json:"kafka"`
	Topics map[string]struct {
		Partitions int               `json:"partitions"`
		Config     map[string]string `json:"config"`
	} `json:"topics"`
	Buckets map[string]struct {
		Lifecycle *struct {
			ExpirationDays int `json:"expirationDays"`
		} `json:"lifecycle"`
	} `json:"buckets"`
}

func seedDataOf(t *testing.T, e *model.Environment) seedData {
	t.Helper()
	var sd seedData
	data, err := json.Marshal(e.Data)
	if err == nil {
		err = json.Unmarshal(data, &sd)
	}
	if err != nil {
		t.Fatalf("%s data: %v", e.Name, err)
	}
	return sd
}

// TestSeedNetworks checks §3.12: who joins which network.
func TestSeedNetworks(t *testing.T) {
	local := loadDefault(t, "local").Envs["local"]
	members := map[string][]string{}
	for _, name := range local.ServiceNames() {
		for _, n := range local.Services[name].Networks {
			members[n] = append(members[n], name)
		}
	}
	want := map[string]string{
		"de-governance": "openmetadata,openmetadata-elasticsearch,openmetadata-mysql",
		"de-ingestion":  "dagster-daemon,flink-taskmanager,kafka,kafka-consumer,kafka-exporter,kafka-ui,schema-registry,trade-generator,zookeeper",
		"de-processing": "dagster-daemon,flink-jobmanager,flink-taskmanager,iceberg-rest-catalog,kafka",
		"de-serving":    "dagster-webserver,grafana,graphql-api,openmetadata,superset,superset-postgres,superset-redis",
		"de-storage":    "dagster-daemon,dagster-postgres,dagster-webserver,flink-taskmanager,graphql-api,iceberg-rest-catalog,minio,minio-init,superset",
	}
	for n, w := range want {
		sort.Strings(members[n])
		if got := strings.Join(members[n], ","); got != w {
			t.Errorf("%s:\n got  %s\n want %s", n, got, w)
		}
	}
	// Every service with metrics can be reached by Prometheus.
	for _, name := range local.ServiceNames() {
		s := local.Services[name]
		if s.Metrics == nil {
			continue
		}
		found := false
		for _, n := range s.Networks {
			found = found || n == "de-monitoring"
		}
		if !found {
			t.Errorf("%s exposes metrics but is not on de-monitoring", name)
		}
	}
}

func TestBaseIsConcrete(t *testing.T) {
	m := loadDefault(t)
	if m.Base == nil || m.Base.Name != model.BaseName || len(m.Base.Services) == 0 {
		t.Fatalf("base = %+v", m.Base)
	}
}

// BenchmarkLoad is loading and resolving the default model's environments
// (and its base), without targets.
func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Load(Options{Dir: "../.."}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOneEnvironmentAlone: loading one environment gives the environment
// of the whole model, and the model still knows every environment.
func TestOneEnvironmentAlone(t *testing.T) {
	all, err := Load(Options{Dir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range all.EnvNames() {
		one, err := Load(Options{Dir: "../..", Envs: []string{name}})
		if err != nil {
			t.Fatal(err)
		}
		if got := one.EnvNames(); len(got) != 1 || got[0] != name {
			t.Fatalf("loading %s gave %v", name, got)
		}
		if fmt.Sprint(one.Defined) != fmt.Sprint(all.Defined) || len(all.Defined) != 4 {
			t.Errorf("loading %s: the model defines %v, want %v", name, one.Defined, all.Defined)
		}
		a, _ := json.Marshal(all.Envs[name])
		b, _ := json.Marshal(one.Envs[name])
		if string(a) != string(b) {
			t.Errorf("%s loaded alone differs from %s in the whole model", name, name)
		}
	}
}

// TestInstancePerEnvironment: the instance of an environment reads the
// untagged files and its own, and the base instance the untagged files
// alone: no environment's file is evaluated with another's.
func TestInstancePerEnvironment(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(plan.Names()); got != "[dev local prod staging]" {
		t.Fatalf("the default model tags %s", got)
	}
	repo, err := OpenRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	for _, name := range append([]string{""}, plan.Names()...) {
		var tags []string
		if name != "" {
			tags = []string{name}
		}
		inst, err := parse(repo, root, tags, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range inst.BuildFiles {
			rel, _ := filepath.Rel(root, f.Filename)
			got = append(got, filepath.ToSlash(rel))
		}
		sort.Strings(got)
		want := append(slices.Clone(plan.Shared), plan.Tagged[name]...)
		sort.Strings(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the instance of %q reads %v, want %v", name, got, want)
		}
	}
}

// TestEveryEnvironmentsErrors: two environments that fail are both
// reported, each at its own file and line, and an environment that is
// fine loads alone.
func TestEveryEnvironmentsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "envs", "infra"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			t.Fatal(err)
		}
	}
	for _, env := range []string{"dev", "staging"} {
		f := filepath.Join(dir, "envs", env+".cue")
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, []byte("environments: "+env+": data: kafka: partitions: \"many\"\n")...)
		if err := os.WriteFile(f, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(Options{Dir: dir})
	if err == nil {
		t.Fatal("the model loaded")
	}
	msg := Format(err, dir)
	for _, env := range []string{"dev", "staging"} {
		if !strings.Contains(msg, "./envs/"+env+".cue:") {
			t.Errorf("the error does not name %s's bad value in ./envs/%s.cue:\n%s", env, env, msg)
		}
	}
	if _, err := Load(Options{Dir: dir, Envs: []string{"prod"}}); err != nil {
		t.Errorf("prod alone: %s", Format(err, dir))
	}
}

// TestPositionsAfterDrop: an environment whose CUE context was let go
// after loading gives, when a position is asked for, the position the
// kept context gives, from the syntax trees: nothing is evaluated again.
func TestPositionsAfterDrop(t *testing.T) {
	kept, err := Load(Options{Dir: "../..", Envs: []string{"prod"}, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := Load(Options{Dir: "../..", Envs: []string{"prod"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"services.\"graphql-api\".replicas", "params.appTag", "kubernetes.quota.pods"} {
		want := Line(kept.Envs["prod"], path)
		got := Line(dropped.Envs["prod"], path)
		if !want.IsValid() || !strings.HasSuffix(want.Filename(), "prod.cue") {
			t.Fatalf("%s: the kept context gives %v", path, want)
		}
		if got.String() != want.String() {
			t.Errorf("%s: %v after the drop, %v kept", path, got, want)
		}
	}
	if got, want := Line(dropped.Base, "services.grafana.image"), Line(kept.Base, "services.grafana.image"); !want.IsValid() || got.String() != want.String() {
		t.Errorf("base: %v after the drop, %v kept", got, want)
	}
	if src := dropped.Envs["prod"].Source.(*source); !src.dropped {
		t.Error("looking up positions evaluated the dropped instance again")
	}
}

// TestUntaggedErrorsOfOthers: an environment defined in an untagged file
// is evaluated with the base; its errors stop a build of it, not a build
// of another environment.
func TestUntaggedErrorsOfOthers(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "envs", "infra"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			t.Fatal(err)
		}
	}
	bad := "package envs\n\nenvironments: qa: data: kafka: partitions: \"many\"\n"
	if err := os.WriteFile(filepath.Join(dir, "envs", "qa.cue"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{Dir: dir, Envs: []string{"prod"}}); err != nil {
		t.Errorf("prod alone: %s", Format(err, dir))
	}
	_, err := Load(Options{Dir: dir, Envs: []string{"qa"}})
	if err == nil || !strings.Contains(Format(err, dir), "./envs/qa.cue:3:") {
		t.Errorf("qa's error is not reported at ./envs/qa.cue:3: %v", err)
	}
}
