package compose

// obj is an ordered CUE struct under construction: the import builds the
// model as these and emit turns them into CUE syntax, so field order and
// comments are the import's choice, not a map's.
type obj struct {
	fields []fld
}

type fld struct {
	label string
	value any // string, int, bool, []any, *obj, expr
	doc   []string
}

// expr is CUE syntax written as is (a reference such as schema.#Environment).
type expr string

// unify is the unification of its elements (a & b).
type unify []any

func (o *obj) set(label string, v any, doc ...string) *obj {
	o.fields = append(o.fields, fld{label: label, value: v, doc: doc})
	return o
}

func (o *obj) get(label string) *obj {
	for _, f := range o.fields {
		if f.label == label {
			if c, ok := f.value.(*obj); ok {
				return c
			}
		}
	}
	c := &obj{}
	o.set(label, c)
	return c
}

func (o *obj) empty() bool { return o == nil || len(o.fields) == 0 }

func strList(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
