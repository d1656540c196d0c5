package diff

import (
	"fmt"
	"regexp"
	"strings"
)

// Ignore is a rule that leaves objects or fields out of a report, written
// KIND/NAME or KIND/NAME:FIELD (degen diff --ignore). KIND and NAME are
// patterns in which * stands for any text, on the object's kind (any
// case) and name:
// Deployment/api, ConfigMap/*, service/kafka, job/*, variable/LOG_*
// (the kind of a Kubernetes object is its kind, without apiVersion and
// namespace; of other objects the first word of the ID). FIELD, when
// given, is a field path: the rule leaves out that field and every field
// under it (spec.replicas, data["prometheus.yml"], metadata.labels,
// spec.template.spec.containers[name=*].resources), * standing for any
// text there too; without it, the whole object.
type Ignore struct {
	Kind, Name, Field string
}

// ParseIgnore reads a rule KIND/NAME[:FIELD].
func ParseIgnore(s string) (Ignore, error) {
	obj, field, _ := strings.Cut(s, ":")
	kind, name, ok := strings.Cut(obj, "/")
	if !ok || kind == "" || name == "" {
		return Ignore{}, fmt.Errorf("ignore rule %q: want KIND/NAME or KIND/NAME:FIELD, e.g. Deployment/api:spec.replicas or 'ConfigMap/*'", s)
	}
	return Ignore{Kind: kind, Name: name, Field: field}, nil
}

// glob compiles a pattern in which * stands for any text; prefix also
// matches a text the pattern matches up to a . or a [.
func glob(pattern string, prefix, fold bool) *regexp.Regexp {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	expr := "^" + strings.Join(parts, ".*")
	if prefix {
		expr += `([.\[].*)?`
	}
	expr += "$"
	if fold {
		expr = "(?i)" + expr
	}
	return regexp.MustCompile(expr)
}

// kindName splits an object's ID into the kind and name rules match:
// "apps/v1 Deployment de-prod/api" is Deployment and api,
// "service queue" is kind service and name queue; an ID of one word has no kind.
func kindName(id string) (kind, name string) {
	words := strings.Fields(id)
	switch {
	case len(words) == 3 && strings.Contains(words[0], "/") || len(words) == 3 && words[0] == "v1":
		name = words[2]
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		return words[1], name
	case len(words) >= 2:
		return words[0], strings.Join(words[1:], " ")
	}
	return "", id
}

func (r Ignore) matchesObject(id string) bool {
	kind, name := kindName(id)
	return glob(r.Kind, false, true).MatchString(kind) && glob(r.Name, false, false).MatchString(name)
}

func (r Ignore) matchesField(field string) bool {
	return r.Field == "" || glob(r.Field, true, false).MatchString(field)
}

// applyIgnore drops the objects the rules leave out whole and the fields
// they leave out of changed objects; a changed object left with no field
// is dropped. An added or removed object is only left out by a rule
// without a field.
func applyIgnore(objs []Object, rules []Ignore) []Object {
	if len(rules) == 0 {
		return objs
	}
	var out []Object
	for _, o := range objs {
		var match []Ignore
		whole := false
		for _, r := range rules {
			if r.matchesObject(o.ID) {
				match = append(match, r)
				whole = whole || r.Field == ""
			}
		}
		if whole {
			continue
		}
		if len(match) > 0 && o.Status == Changed {
			var kept []Change
			for _, c := range o.Changes {
				drop := false
				for _, r := range match {
					drop = drop || r.matchesField(c.Field)
				}
				if !drop {
					kept = append(kept, c)
				}
			}
			if len(kept) == 0 {
				continue
			}
			o.Changes = kept
		}
		out = append(out, o)
	}
	return out
}
