package model

import (
	"strings"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	render := func(parts []TemplatePart) string {
		return RenderTemplate(parts, func(p TemplatePart) string { return "<" + p.Placeholder + ":" + p.Arg + ">" }, strings.ToUpper)
	}
	for tmpl, want := range map[string]string{
		"":                                   "",
		"plain $x":                           "PLAIN $X",
		"id-{{ordinal}}":                     "ID-<ordinal:>",
		"{{ host }}:1,x://{{published:ext}}": "<host:>:1,X://<published:ext>",
		"a}}b{{ordinal}}{{ordinal}}":         "A}}B<ordinal:><ordinal:>",
	} {
		parts, err := ParseTemplate(tmpl)
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tmpl, err)
			continue
		}
		if got := render(parts); got != want {
			t.Errorf("ParseTemplate(%q) renders %q, want %q", tmpl, got, want)
		}
	}
	for tmpl, want := range map[string]string{
		"x{{ordinal":        "never closes it",
		"{{index}}":         "holds the placeholder {{index}}, which is none of",
		"{{published}}":     "holds the placeholder {{published}}",
		"{{published:}}":    "holds the placeholder {{published:}}",
		"{{host:external}}": "holds the placeholder {{host:external}}",
	} {
		if _, err := ParseTemplate(tmpl); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTemplate(%q) = %v, want an error containing %q", tmpl, err, want)
		}
	}
}

func TestReplicaNames(t *testing.T) {
	s := &Service{Name: "broker", Hostname: "mq", ContainerName: "app-broker",
		Ordinal: &Ordinal{Replicas: 3, Start: 2, HostPortStep: 10}}
	if got := s.Ordinals(); len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Errorf("Ordinals() = %v, want [2 3 4]", got)
	}
	for got, want := range map[string]string{
		s.ReplicaName(3):          "broker-3",
		s.ReplicaHostname(3):      "mq-3",
		s.ReplicaContainerName(3): "app-broker-3",
		s.HeadlessService():       "mq-headless",
		s.PodsService():           "mq-headless",
		ReplicaVolume("data", 4):  "data-4",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if got := s.ReplicaHostPort(Port{HostPort: 8000}, 4); got != 8020 {
		t.Errorf("ReplicaHostPort(8000, ordinal 4 of start 2, step 10) = %d, want 8020", got)
	}
	if got := s.ReplicaHostPort(Port{}, 4); got != 0 {
		t.Errorf("a port without hostPort gets host port %d", got)
	}
}
