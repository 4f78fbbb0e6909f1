package vm

// This file defines the harness of the standard library tests: value
// shorthands, Go forms of values for go-cmp, and a table runner that calls
// builtins and methods through the registry.

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func sv(s string) Value       { return String(s) }
func iv(i int64) Value        { return Int(i) }
func fv(f float64) Value      { return Float(f) }
func bv(s string) Value       { return Bytes([]byte(s)) }
func lv(elems ...Value) Value { return NewList(elems) }

// mv builds a map from alternating keys and values.
func mv(kv ...Value) Value {
	mp := NewMap(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		if _, err := mp.Set(kv[i], kv[i+1]); err != nil {
			panic(err)
		}
	}
	return MapValue(mp)
}

// entry is one key and value of a map in Go form; a map's Go form is an
// []entry in insertion order, so tests see the order too.
type entry struct{ K, V any }

// goForm converts v to plain Go data for comparison: nil, bool, int64,
// float64, string, []byte, []any, []entry; errors and other kinds as text.
func goForm(v Value) any {
	switch v.k {
	case KindNil:
		return nil
	case KindBool:
		return v.AsBool()
	case KindInt:
		return v.AsInt()
	case KindFloat:
		return v.AsFloat()
	case KindString:
		return v.AsString()
	case KindBytes:
		return append([]byte{}, v.AsBytes()...)
	case KindList:
		out := []any{}
		for _, e := range v.AsList().Elems {
			out = append(out, goForm(e))
		}
		return out
	case KindMap:
		out := []entry{}
		v.AsMap().Each(func(k, x Value) bool {
			out = append(out, entry{goForm(k), goForm(x)})
			return true
		})
		return out
	}
	return Repr(v)
}

// testMachine returns a machine fit for calling builtins that do not call
// back into .wf code.
func testMachine() *Machine { return &Machine{out: io.Discard} }

// libCall calls a global builtin ("split") or a method ("string.split",
// whose first argument is the receiver) through the registry.
func libCall(m *Machine, fn string, args []Value) (Value, error) {
	kind, name, isMethod := strings.Cut(fn, ".")
	if !isMethod {
		b := universe[fn]
		if b == nil {
			return Nil, fmt.Errorf("no builtin %s", fn)
		}
		return b.Fn(m, args)
	}
	for k := range numKinds {
		if k.String() == kind {
			mt := methods[k][name]
			if mt.fn == nil {
				return Nil, fmt.Errorf("no method %s", fn)
			}
			if err := wantArgs(fn, args[1:], mt.lo, mt.hi); err != nil {
				return Nil, err
			}
			return mt.fn(m, args[0], args[1:])
		}
	}
	return Nil, fmt.Errorf("no kind %s", kind)
}

// libCase is a call and its expected result or error.
type libCase struct {
	fn   string  // a builtin, or kind.method with the receiver as args[0]
	args []Value //
	want any     // the goForm of the result, when err is ""
	err  string  // a substring of the error's "kind: message"
	recv any     // if not nil, the goForm of args[0] after the call
}

var cmpOpts = []cmp.Option{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}

func runLibCases(t *testing.T, cases []libCase) {
	t.Helper()
	for _, c := range cases {
		reprs := make([]string, len(c.args))
		for i, a := range c.args {
			reprs[i] = Repr(a)
		}
		name := c.fn + "(" + strings.Join(reprs, ", ") + ")"
		got, err := libCall(testMachine(), c.fn, c.args)
		if c.err != "" {
			if err == nil {
				t.Errorf("%s = %s, want error containing %q", name, Repr(got), c.err)
				continue
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("%s: error %v is a %T, want *Error", name, err, err)
			}
			if !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %q does not contain %q", name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
			continue
		}
		if diff := cmp.Diff(c.want, goForm(got), cmpOpts...); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
		if c.recv != nil {
			if diff := cmp.Diff(c.recv, goForm(c.args[0]), cmpOpts...); diff != "" {
				t.Errorf("%s: first argument afterwards (-want +got):\n%s", name, diff)
			}
		}
	}
}

// strs is the Go form of a list of strings.
func strs(ss ...string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ints is the Go form of a list of ints.
func ints(is ...int64) []any {
	out := make([]any, len(is))
	for i, n := range is {
		out[i] = n
	}
	return out
}
