// Package graph draws one environment of the plain model (package model) as
// a picture of its stack: services grouped by the networks they join, their
// dependencies (depends_on), published ports and ingress routes, and the
// secrets and volumes they use. It reads the model only, never CUE, and
// returns text: a Mermaid flowchart (GitHub renders it in comments) or a
// Graphviz DOT graph.
//
// Changes compares two sides of an environment and marks each node added,
// removed or changed; Of draws one side with no marks. A stack of more than
// CollapseAbove services is drawn collapsed: one node per group of
// services, one for all secrets and one for all volumes, each with its
// count. Output is deterministic: nodes, edges and groups are sorted by
// their keys, and node ids are derived from those keys.
package graph

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// CollapseAbove is the largest number of services drawn one node each. A
// graph of more is collapsed into its groups: past about 40 services a
// flowchart is no longer readable in a pull-request comment, and GitHub's
// Mermaid stops at 500 edges and 50,000 characters.
const CollapseAbove = 40

// Kind is what a node stands for.
type Kind string

// The kinds of nodes.
const (
	Service Kind = "service"
	Port    Kind = "port"
	Route   Kind = "ingress"
	Secret  Kind = "secret"
	Volume  Kind = "volume"
	// Group stands for the services of a group in a collapsed graph.
	Group Kind = "group"
	// Secrets and Volumes stand for every secret and every volume of a
	// collapsed graph.
	Secrets Kind = "secrets"
	Volumes Kind = "volumes"
)

// Mark says how a node differs from the other side of a comparison.
type Mark string

// The marks of a node; a node the same on both sides has none.
const (
	Unmarked Mark = ""
	Added    Mark = "added"
	Removed  Mark = "removed"
	Changed  Mark = "changed"
)

// Node is one box of the picture.
type Node struct {
	// Key names the node on both sides of a comparison: kind/name, e.g.
	// service/api, port/api/TCP/8080.
	Key   string
	Kind  Kind
	Label string
	// Cluster is the key of the group of services drawn around the node,
	// or "".
	Cluster string
	Mark    Mark
	// sum is what the node stands for, encoded: a node whose sum differs
	// between the sides has changed.
	sum string
}

// Edge is an arrow between two nodes (by key).
type Edge struct {
	From, To string
	Label    string
	// Dashed draws a use (a secret, an optional dependency) rather than
	// a dependency or a route.
	Dashed bool
}

// Cluster is a group of services drawn together: those that join the same
// networks.
type Cluster struct {
	Key   string
	Label string
}

// Graph is the picture of one environment.
type Graph struct {
	Env      string
	Clusters []Cluster
	Nodes    []Node
	Edges    []Edge
	// Services counts the services drawn (both sides' in a comparison).
	Services int
	// Collapsed is set when there were more than CollapseAbove services.
	Collapsed bool
}

// Of draws env with no marks.
func Of(env *model.Environment) *Graph {
	g := &Graph{}
	if env != nil {
		g = layout(env)
	}
	return g.finish()
}

// Changes draws new with each node marked against old: added when old has
// no such node, changed when it stands for a different value, and the
// nodes only old has drawn as removed. A nil old (an environment the
// change adds) marks every node added, a nil new every node of old
// removed.
func Changes(old, new *model.Environment) *Graph { return ChangesKeyed(old, new, nil, nil) }

// ChangesKeyed is Changes comparing what each node stands for through
// oldKey and newKey (nil keeps it as it is), which map every string of the
// old and the new side: diff.Env.ValueKey of two environments makes their
// names and namespaces equal, so that comparing staging with prod does not
// mark every node that differs only by them.
func ChangesKeyed(old, new *model.Environment, oldKey, newKey func(string) string) *Graph {
	g, o := &Graph{}, &Graph{}
	if new != nil {
		g = layout(new)
	}
	if old != nil {
		o = layout(old)
	}
	if g.Env == "" {
		g.Env = o.Env
	}
	if oldKey == nil {
		oldKey = same
	}
	if newKey == nil {
		newKey = same
	}
	mark(g, o, oldKey, newKey)
	return g.finish()
}

// finish sorts g, and collapses it when it has more than CollapseAbove
// services.
func (g *Graph) finish() *Graph {
	g.sort()
	if g.Services > CollapseAbove {
		g = collapse(g)
		g.sort()
	}
	return g
}

func same(s string) string { return s }

// mark marks g's nodes against o's, comparing what they stand for through
// oKey and gKey, and adds what only o has.
func mark(g, o *Graph, oKey, gKey func(string) string) {
	had := map[string]Node{}
	for _, n := range o.Nodes {
		had[n.Key] = n
	}
	has := map[string]bool{}
	for i, n := range g.Nodes {
		has[n.Key] = true
		switch p, ok := had[n.Key]; {
		case !ok:
			g.Nodes[i].Mark = Added
		case oKey(p.sum) != gKey(n.sum):
			g.Nodes[i].Mark = Changed
		}
	}
	clusters := map[string]bool{}
	for _, c := range g.Clusters {
		clusters[c.Key] = true
	}
	for _, n := range o.Nodes {
		if has[n.Key] {
			continue
		}
		n.Mark = Removed
		g.Nodes = append(g.Nodes, n)
		if n.Kind == Service {
			g.Services++
		}
		if n.Cluster != "" && !clusters[n.Cluster] {
			clusters[n.Cluster] = true
			g.Clusters = append(g.Clusters, clusterOf(o, n.Cluster))
		}
	}
	seen := map[Edge]bool{}
	for _, e := range g.Edges {
		seen[e] = true
	}
	for _, e := range o.Edges {
		if !seen[e] {
			seen[e] = true
			g.Edges = append(g.Edges, e)
		}
	}
}

func clusterOf(g *Graph, key string) Cluster {
	for _, c := range g.Clusters {
		if c.Key == key {
			return c
		}
	}
	return Cluster{Key: key, Label: key}
}

// layout draws env, one node per service, port, route, secret and volume.
func layout(env *model.Environment) *Graph {
	g := &Graph{Env: env.Name}
	nodes := map[string]Node{}
	add := func(n Node, v any) {
		data, _ := json.Marshal(v)
		n.sum = string(data)
		nodes[n.Key] = n
	}
	clusters := map[string]string{}
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		key := "service/" + name
		ck, cl := clusterKey(s)
		clusters[ck] = cl
		add(Node{Key: key, Kind: Service, Label: serviceLabel(s, name), Cluster: ck}, s)
		for _, p := range s.Ports {
			if p.HostPort == 0 && p.NodePort == 0 {
				continue
			}
			pk := fmt.Sprintf("port/%s/%s/%d", name, cmp.Or(p.Protocol, "TCP"), p.ContainerPort)
			add(Node{Key: pk, Kind: Port, Label: portLabel(p)}, p)
			g.Edges = append(g.Edges, Edge{From: pk, To: key})
		}
		if in := s.Ingress; in != nil {
			rk := "ingress/" + name
			add(Node{Key: rk, Kind: Route, Label: cmp.Or(in.Host, env.Kubernetes.IngressHost) + in.Path}, in)
			g.Edges = append(g.Edges, Edge{From: rk, To: key, Label: in.Port})
		}
		for _, dep := range model.SortedKeys(s.DependsOn) {
			d := s.DependsOn[dep]
			g.Edges = append(g.Edges, Edge{From: key, To: "service/" + dep, Label: d.Condition, Dashed: !d.Required})
		}
		uses := map[string]bool{}
		for _, v := range s.Env {
			if v.Secret != "" {
				uses["secret/"+v.Secret] = true
			}
		}
		for _, m := range s.Mounts {
			switch {
			case m.Secret != "":
				uses["secret/"+m.Secret] = true
			case m.Volume != "":
				uses["volume/"+m.Volume] = true
			}
		}
		for _, u := range slices.Sorted(maps.Keys(uses)) {
			g.Edges = append(g.Edges, Edge{From: key, To: u, Dashed: strings.HasPrefix(u, "secret/")})
		}
	}
	for _, name := range model.SortedKeys(env.Secrets) {
		add(Node{Key: "secret/" + name, Kind: Secret, Label: "secret " + name}, env.Secrets[name])
	}
	for _, name := range model.SortedKeys(env.Volumes) {
		v := env.Volumes[name]
		add(Node{Key: "volume/" + name, Kind: Volume, Label: strings.TrimSpace("volume " + name + " " + v.Size)}, v)
	}
	// An edge to a node the model does not define (the loader refuses
	// such a model) is left out rather than drawn to nothing.
	edges := g.Edges[:0]
	for _, e := range g.Edges {
		if _, ok := nodes[e.To]; ok {
			edges = append(edges, e)
		}
	}
	g.Edges = edges
	g.Nodes = slices.Collect(maps.Values(nodes))
	for _, k := range slices.Sorted(maps.Keys(clusters)) {
		g.Clusters = append(g.Clusters, Cluster{Key: k, Label: clusters[k]})
	}
	g.Services = len(env.Services)
	return g
}

// clusterKey is the key and label of the group of services that join the
// same networks as s.
func clusterKey(s *model.Service) (key, label string) {
	nets := slices.Sorted(slices.Values(s.Networks))
	nets = slices.Compact(nets)
	switch {
	case len(nets) > 0:
		word := "network "
		if len(nets) > 1 {
			word = "networks "
		}
		return "networks/" + strings.Join(nets, "+"), word + strings.Join(nets, ", ")
	case s.NetworkMode != "":
		return "mode/" + s.NetworkMode, "network mode " + s.NetworkMode
	}
	return "default", "default network"
}

func serviceLabel(s *model.Service, name string) string {
	var extra []string
	if s.Kind != "" && s.Kind != "deployment" {
		extra = append(extra, s.Kind)
	}
	if s.Replicas > 1 {
		extra = append(extra, fmt.Sprintf("×%d", s.Replicas))
	}
	if len(extra) == 0 {
		return name
	}
	return name + " (" + strings.Join(extra, " ") + ")"
}

func portLabel(p model.Port) string {
	var from []string
	if p.HostPort != 0 {
		from = append(from, fmt.Sprintf("host %s%d", hostIP(p.HostIP), p.HostPort))
	}
	if p.NodePort != 0 {
		from = append(from, fmt.Sprintf("node port %d", p.NodePort))
	}
	return fmt.Sprintf("%s → %d/%s", strings.Join(from, ", "), p.ContainerPort, cmp.Or(p.Protocol, "TCP"))
}

func hostIP(ip string) string {
	if ip == "" {
		return ""
	}
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:"
	}
	return ip + ":"
}

// sort orders clusters, nodes and edges by their keys.
func (g *Graph) sort() {
	slices.SortFunc(g.Clusters, func(a, b Cluster) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(g.Nodes, func(a, b Node) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(strings.Compare(a.From, b.From), strings.Compare(a.To, b.To), strings.Compare(a.Label, b.Label), boolCmp(a.Dashed, b.Dashed))
	})
	g.Edges = slices.Compact(g.Edges)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// collapse draws g's services as one node per cluster, its secrets and its
// volumes as one node each, ports and routes as counts on their cluster's
// node. A collapsed node is marked changed when any node it stands for is
// marked, added or removed when all are.
func collapse(g *Graph) *Graph {
	type group struct {
		n                      Node
		members, ports, routes int
		marks                  map[Mark]bool
	}
	c := &Graph{Env: g.Env, Services: g.Services, Collapsed: true}
	labels := map[string]string{}
	for _, cl := range g.Clusters {
		labels[cl.Key] = cl.Label
	}
	owner := map[string]string{} // node key -> collapsed node key
	for _, n := range g.Nodes {
		switch n.Kind {
		case Service:
			owner[n.Key] = "group/" + n.Cluster
		case Secret:
			owner[n.Key] = "secrets"
		case Volume:
			owner[n.Key] = "volumes"
		}
	}
	for _, e := range g.Edges {
		if o, ok := owner[e.To]; ok && owner[e.From] == "" {
			owner[e.From] = o // a port or route belongs to its service's group
		}
	}
	groups := map[string]*group{}
	for _, n := range g.Nodes {
		key := owner[n.Key]
		gr := groups[key]
		if gr == nil {
			gr = &group{n: Node{Key: key, Kind: Group}, marks: map[Mark]bool{}}
			switch key {
			case "secrets":
				gr.n.Kind = Secrets
			case "volumes":
				gr.n.Kind = Volumes
			}
			groups[key] = gr
		}
		switch n.Kind {
		case Port:
			gr.ports++
		case Route:
			gr.routes++
		default:
			gr.members++
			if n.Kind == Service {
				gr.n.Label = labels[n.Cluster]
			}
		}
		gr.marks[n.Mark] = true
	}
	for _, gr := range groups {
		n := gr.n
		if len(gr.marks) == 1 {
			for m := range gr.marks {
				n.Mark = m
			}
		} else {
			n.Mark = Changed
		}
		switch n.Kind {
		case Group:
			n.Label = fmt.Sprintf("%s: %s", n.Label, count(gr.members, "service"))
			if gr.ports > 0 {
				n.Label += ", " + count(gr.ports, "published port")
			}
			if gr.routes > 0 {
				n.Label += ", " + count(gr.routes, "ingress route")
			}
		case Secrets:
			n.Label = count(gr.members, "secret")
		case Volumes:
			n.Label = count(gr.members, "volume")
		}
		c.Nodes = append(c.Nodes, n)
	}
	for _, e := range g.Edges {
		from, to := owner[e.From], owner[e.To]
		if from == "" || to == "" || from == to {
			continue
		}
		c.Edges = append(c.Edges, Edge{From: from, To: to, Dashed: to == "secrets"})
	}
	return c
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
