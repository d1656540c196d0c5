package compose_test

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/targets/compose"
)

// composeServices are the services the Compose files of env must hold, by
// Compose service name. An ordinal service is one service per replica, as
// docs/TARGETS.md says; the rules are written out here, not taken from the
// package under test: replica k (ordinal start+k) is <name>-<ordinal>, with
// hostname and container name suffixed alike, host ports hostPort + k ×
// hostPortStep, its per-replica variables rendered, its volumes
// <volume>-<ordinal>, and a dependency on an ordinal service is one on each
// of its replicas.
func composeServices(env *model.Environment) map[string]*model.Service {
	out := map[string]*model.Service{}
	for name, s := range env.Services {
		if s.Ordinal == nil {
			out[name] = s
			continue
		}
		for k := 0; k < s.Ordinal.Replicas; k++ {
			o := s.Ordinal.Start + k
			suffix := "-" + strconv.Itoa(o)
			r := *s
			r.Name, r.Hostname, r.Replicas, r.Ordinal = name+suffix, s.Hostname+suffix, 1, nil
			if s.ContainerName != "" {
				r.ContainerName = s.ContainerName + suffix
			}
			r.Ports = nil
			hostPorts := map[string]int{}
			for _, p := range s.Ports {
				if p.HostPort != 0 {
					p.HostPort += k * s.Ordinal.HostPortStep
				}
				hostPorts[p.Name] = p.HostPort
				r.Ports = append(r.Ports, p)
			}
			published := func(port string) string {
				if hp := hostPorts[port]; hp != 0 {
					return "localhost:" + strconv.Itoa(hp)
				}
				p, _ := s.Port(port)
				return r.Hostname + ":" + strconv.Itoa(p.ContainerPort)
			}
			r.Env = map[string]model.EnvVar{}
			for n, e := range s.Env {
				r.Env[n] = e
			}
			for n, tmpl := range s.Ordinal.Env {
				v := publishedRE.ReplaceAllStringFunc(tmpl, func(m string) string {
					return published(publishedRE.FindStringSubmatch(m)[1])
				})
				v = strings.NewReplacer("{{ordinal}}", strconv.Itoa(o), "{{host}}", r.Hostname).Replace(v)
				r.Env[n] = model.EnvVar{Value: &v}
			}
			r.Mounts = nil
			for _, m := range s.Mounts {
				if m.Volume != "" {
					m.Volume += suffix
				}
				r.Mounts = append(r.Mounts, m)
			}
			out[r.Name] = &r
		}
	}
	for name, s := range out {
		deps := map[string]model.Dependency{}
		for dep, d := range s.DependsOn {
			if t := env.Services[dep]; t != nil && t.Ordinal != nil {
				for k := 0; k < t.Ordinal.Replicas; k++ {
					deps[dep+"-"+strconv.Itoa(t.Ordinal.Start+k)] = d
				}
				continue
			}
			deps[dep] = d
		}
		c := *s
		c.DependsOn = deps
		out[name] = &c
	}
	return out
}

var publishedRE = regexp.MustCompile(`\{\{published:([a-z0-9-]+)\}\}`)

// composeVolumes are the top-level volumes env's Compose files declare,
// sorted: an ordinal service's volumes once per replica.
func composeVolumes(env *model.Environment) []string {
	perReplica := map[string]bool{}
	out := []string{}
	for _, s := range env.Services {
		for _, m := range s.Mounts {
			if m.Volume != "" && s.Ordinal != nil {
				perReplica[m.Volume] = true
				for k := 0; k < s.Ordinal.Replicas; k++ {
					out = append(out, m.Volume+"-"+strconv.Itoa(s.Ordinal.Start+k))
				}
			}
		}
	}
	for v := range env.Volumes {
		if !perReplica[v] {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// replicaOf is the ordinal service whose replica the Compose service name
// is, or "".
func replicaOf(env *model.Environment, name string) string {
	for n, s := range env.Services {
		if s.Ordinal == nil {
			continue
		}
		for k := 0; k < s.Ordinal.Replicas; k++ {
			if name == n+"-"+strconv.Itoa(s.Ordinal.Start+k) {
				return n
			}
		}
	}
	return ""
}

// TestOrdinalReplicas reads what docker compose sees of dev's brokers, one
// ordinal service of three, through compose-go, against values written out
// by hand: each replica a service of its own with its id, listeners, host
// ports, container name and volume, every replica answering kafka and
// kafka-headless, and a dependency on kafka one on each broker.
func TestOrdinalReplicas(t *testing.T) {
	m := defaultModel(t)
	env := m.Envs["dev"]
	res := generate(t, m, "dev")
	root := writeOut(t, res)
	p, err := loadProject(t, root, "dev", []string{compose.SingleFile}, composeEnv(t, root, env))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetService("kafka"); err == nil {
		t.Error("Compose runs a service kafka besides its replicas")
	}
	for i, want := range []struct{ external, internal string }{{"9092", "29092"}, {"9093", "29093"}, {"9094", "29094"}} {
		name := fmt.Sprintf("kafka-%d", i)
		k, err := p.GetService(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check := func(field string, want, got any) {
			t.Helper()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s (-want +loaded):\n%s", name, field, diff)
			}
		}
		check("KAFKA_BROKER_ID", strconv.Itoa(i), *k.Environment["KAFKA_BROKER_ID"])
		check("KAFKA_ADVERTISED_LISTENERS", fmt.Sprintf("PLAINTEXT://kafka-%d:29092,PLAINTEXT_HOST://localhost:%s", i, want.external), *k.Environment["KAFKA_ADVERTISED_LISTENERS"])
		check("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092", *k.Environment["KAFKA_LISTENERS"])
		var ports []string
		for _, pc := range k.Ports {
			ports = append(ports, fmt.Sprintf("%s->%d", pc.Published, pc.Target))
		}
		check("ports", []string{want.external + "->9092", want.internal + "->29092"}, ports)
		check("hostname", name, k.Hostname)
		check("container_name", "de-"+name, k.ContainerName)
		check("volume", "kafka-data-"+strconv.Itoa(i), k.Volumes[0].Source)
		for _, n := range []string{"de-ingestion", "de-processing"} {
			check("aliases on "+n, []string{"kafka", "kafka-headless", name + ".kafka-headless"}, k.Networks[n].Aliases)
		}
	}
	// The ZooKeeper ensemble: each member a replica numbered from 1, and
	// every name in the servers and in the brokers' connect string the
	// alias of exactly one member on a network the brokers share.
	broker, _ := p.GetService("kafka-0")
	member := map[string]string{}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("zookeeper-%d", i)
		z, err := p.GetService(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := *z.Environment["ZOOKEEPER_SERVER_ID"]; got != strconv.Itoa(i) {
			t.Errorf("%s ZOOKEEPER_SERVER_ID = %s, want %d", name, got, i)
		}
		for n, net := range z.Networks {
			if _, ok := broker.Networks[n]; !ok {
				continue
			}
			for _, a := range net.Aliases {
				if a == name+".zookeeper-headless" {
					member[a] = name
				}
			}
		}
	}
	z, _ := p.GetService("zookeeper-1")
	var servers, connect []string
	for _, s := range strings.Split(*z.Environment["ZOOKEEPER_SERVERS"], ";") {
		servers = append(servers, strings.TrimSuffix(s, ":2888:3888"))
	}
	for _, s := range strings.Split(*broker.Environment["KAFKA_ZOOKEEPER_CONNECT"], ",") {
		connect = append(connect, strings.TrimSuffix(s, ":2181"))
	}
	for _, hosts := range [][]string{servers, connect} {
		if len(hosts) != 3 {
			t.Errorf("ZooKeeper members %v, want 3", hosts)
		}
		for _, h := range hosts {
			if member[h] == "" {
				t.Errorf("%s is no ZooKeeper replica's alias on a broker's network", h)
			}
		}
	}
	consumer, err := p.GetService("kafka-consumer")
	if err != nil {
		t.Fatal(err)
	}
	var deps []string
	for d, c := range consumer.DependsOn {
		deps = append(deps, d+" "+c.Condition)
	}
	sort.Strings(deps)
	if diff := cmp.Diff([]string{"kafka-0 service_healthy", "kafka-1 service_healthy", "kafka-2 service_healthy", "trade-generator service_healthy"}, deps); diff != "" {
		t.Errorf("kafka-consumer depends_on (-want +loaded):\n%s", diff)
	}
	if got := *consumer.Environment["KAFKA_BOOTSTRAP_SERVERS"]; got != "kafka:29092" {
		t.Errorf("kafka-consumer bootstraps from %q, want kafka:29092 (every broker's alias)", got)
	}
	for _, v := range []string{"kafka-data-0", "kafka-data-1", "kafka-data-2"} {
		if _, ok := p.Volumes[v]; !ok {
			t.Errorf("no volume %s", v)
		}
	}
	if _, ok := p.Volumes["kafka-data"]; ok {
		t.Error("the brokers' shared volume kafka-data is declared, which no replica mounts")
	}
}
