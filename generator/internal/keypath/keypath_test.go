package keypath

import (
	"reflect"
	"testing"
)

func TestMatch(t *testing.T) {
	keys := []string{"services", "web", "deploy", "resources", "limits", "cpus"}
	stars, rest, ok := Match(keys, "services", "*", "deploy")
	if !ok || !reflect.DeepEqual(stars, []string{"web"}) || !reflect.DeepEqual(rest, []string{"resources", "limits", "cpus"}) {
		t.Fatalf("Match = %v %v %v", stars, rest, ok)
	}
	if _, _, ok := Match(keys, "services", "*", "image"); ok {
		t.Fatal("Match accepted a different key")
	}
	if _, _, ok := Match(keys[:1], "services", "*"); ok {
		t.Fatal("Match accepted a shorter path")
	}
}

func TestElements(t *testing.T) {
	if n, ok := Name("[name=web]"); !ok || n != "web" {
		t.Fatalf("Name = %q %v", n, ok)
	}
	if _, ok := Name("[3]"); ok {
		t.Fatal("Name accepted an index")
	}
	if i, ok := Index("[3]"); !ok || i != 3 {
		t.Fatalf("Index = %d %v", i, ok)
	}
	if _, ok := Index("[name=web]"); ok {
		t.Fatal("Index accepted a name")
	}
	if got := Parts([]string{"ports", "[0]", "env", "[name=A]"}); !reflect.DeepEqual(got, []any{"ports", 0, "env", "A"}) {
		t.Fatalf("Parts = %v", got)
	}
	for in, want := range map[string]string{"stop_grace_period": "stopGracePeriod", "ephemeral-storage": "ephemeralStorage", "image": "image"} {
		if got := Camel(in); got != want {
			t.Errorf("Camel(%q) = %q, want %q", in, got, want)
		}
	}
}
