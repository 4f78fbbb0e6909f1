// Package statediff compares two JSON views of wf state (vm.Inspection,
// vm.StackView, vm.ValueReport, or any JSON) structurally: it reports
// each path where they differ, with the value on either side, so that a
// debugger, a console or a CLI can say what changed between two points
// of a run without comparing text.
//
// Lists of records are matched by key rather than by position when every
// record has one: "name" (globals, locals, captured variables) or "id"
// (the object table). So a local that appears shows as one addition, not
// as every later local shifting by one. Other lists compare by index.
package statediff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Change is one difference: at Path, Old became New. An addition has no
// Old (nil), a removal no New. Both are compact JSON.
type Change struct {
	Path string          `json:"path"`
	Old  json.RawMessage `json:"old,omitempty"`
	New  json.RawMessage `json:"new,omitempty"`
}

func (c Change) String() string {
	switch {
	case c.Old == nil:
		return fmt.Sprintf("+ %s: %s", c.Path, c.New)
	case c.New == nil:
		return fmt.Sprintf("- %s: %s", c.Path, c.Old)
	}
	return fmt.Sprintf("~ %s: %s -> %s", c.Path, c.Old, c.New)
}

// Diff returns the changes from a to b, two values that marshal to JSON,
// in path order.
func Diff(a, b any) ([]Change, error) {
	ta, err := tree(a)
	if err != nil {
		return nil, err
	}
	tb, err := tree(b)
	if err != nil {
		return nil, err
	}
	var out []Change
	walk("", ta, tb, &out)
	return out, nil
}

// tree turns v into the generic form of its JSON.
func tree(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var t any
	err = json.Unmarshal(data, &t)
	return t, err
}

func walk(path string, a, b any, out *[]Change) {
	switch x := a.(type) {
	case map[string]any:
		if y, ok := b.(map[string]any); ok {
			walkMap(path, x, y, out)
			return
		}
	case []any:
		if y, ok := b.([]any); ok {
			walkList(path, x, y, out)
			return
		}
	}
	if ja, jb := compact(a), compact(b); string(ja) != string(jb) {
		*out = append(*out, Change{Path: path, Old: ja, New: jb})
	}
}

func walkMap(path string, a, b map[string]any, out *[]Change) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		va, oka := a[k]
		vb, okb := b[k]
		p := join(path, k)
		switch {
		case !oka:
			*out = append(*out, Change{Path: p, New: compact(vb)})
		case !okb:
			*out = append(*out, Change{Path: p, Old: compact(va)})
		default:
			walk(p, va, vb, out)
		}
	}
}

// walkList matches records by key when both lists allow it, else by
// index.
func walkList(path string, a, b []any, out *[]Change) {
	for _, key := range []string{"name", "id"} {
		ka, oka := keyed(a, key)
		kb, okb := keyed(b, key)
		if oka && okb {
			walkMap(path, ka, kb, out)
			return
		}
	}
	for i := 0; i < max(len(a), len(b)); i++ {
		p := path + "[" + strconv.Itoa(i) + "]"
		switch {
		case i >= len(a):
			*out = append(*out, Change{Path: p, New: compact(b[i])})
		case i >= len(b):
			*out = append(*out, Change{Path: p, Old: compact(a[i])})
		default:
			walk(p, a[i], b[i], out)
		}
	}
}

// keyed indexes a list of records by the field key, if every record has
// a distinct scalar one.
func keyed(list []any, key string) (map[string]any, bool) {
	m := make(map[string]any, len(list))
	for _, e := range list {
		rec, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		k, ok := rec[key]
		if !ok {
			return nil, false
		}
		s := fmt.Sprint(k)
		if _, dup := m[s]; dup {
			return nil, false
		}
		m[s] = e
	}
	return m, true
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func compact(v any) json.RawMessage {
	data, _ := json.Marshal(v) // v came from json.Unmarshal: it marshals
	return data
}
