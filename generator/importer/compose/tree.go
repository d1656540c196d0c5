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

// overridable is a value an environment may replace: *v | _ (a default,
// so that environments.<env> can give another value without a conflict).
type overridable struct{ v any }

// overridable wraps the values at path (labels; "*" matches every field)
// below o, where they exist.
func (o *obj) overridable(path ...string) {
	if o == nil {
		return
	}
	for i := range o.fields {
		f := &o.fields[i]
		if path[0] != "*" && path[0] != f.label {
			continue
		}
		if len(path) == 1 {
			if _, done := f.value.(overridable); !done {
				f.value = overridable{f.value}
			}
			continue
		}
		if c, ok := f.value.(*obj); ok {
			c.overridable(path[1:]...)
		}
	}
}

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

// setAfter sets label right after the field after (at the end when o has
// none).
func (o *obj) setAfter(after, label string, v any) {
	for i, f := range o.fields {
		if f.label == after {
			o.fields = append(o.fields[:i+1], append([]fld{{label: label, value: v}}, o.fields[i+1:]...)...)
			return
		}
	}
	o.set(label, v)
}

// value is the value of label, nil when o has none.
func (o *obj) value(label string) any {
	if o == nil {
		return nil
	}
	for _, f := range o.fields {
		if f.label == label {
			return f.value
		}
	}
	return nil
}

// labels are o's labels in order.
func (o *obj) labels() []string {
	out := make([]string, len(o.fields))
	for i, f := range o.fields {
		out[i] = f.label
	}
	return out
}

func (o *obj) empty() bool { return o == nil || len(o.fields) == 0 }

func strList(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
