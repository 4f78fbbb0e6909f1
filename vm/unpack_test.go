package vm_test

// Tests of UnpackArgs: every destination type, optional parameters, and
// the errors for wrong counts, kinds and malformed pairs.

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

func TestUnpackArgs(t *testing.T) {
	var (
		s   string
		i64 int64
		i   int
		f   float64
		fi  float64
		b   bool
		bs  []byte
		v   vm.Value
		els []vm.Value
		l   *vm.List
		mp  *vm.Map
	)
	list := vm.NewList([]vm.Value{vm.Int(1)})
	m := vm.NewMap(0)
	args := []vm.Value{vm.String("s"), vm.Int(-3), vm.Int(4), vm.Float(2.5), vm.Int(7), vm.True,
		vm.Bytes([]byte("by")), vm.Nil, list, list, vm.MapValue(m)}
	err := vm.UnpackArgs("f", args, "s", &s, "i64", &i64, "i", &i, "f", &f, "fi", &fi, "b", &b,
		"bs", &bs, "v", &v, "els", &els, "l", &l, "m", &mp)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{s, i64, i, f, fi, b, string(bs), vm.Repr(v), vm.Repr(vm.NewList(els)), l == list.AsList(), mp == m}
	want := []any{"s", int64(-3), 4, 2.5, 7.0, true, "by", "nil", "[1]", true, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unpacked (-want +got):\n%s", diff)
	}
}

func TestUnpackArgsOptional(t *testing.T) {
	for _, c := range []struct {
		args    []vm.Value
		name    string
		timeout vm.Value
	}{
		{[]vm.Value{vm.String("a")}, "a", vm.Int(-1)},
		{[]vm.Value{vm.String("a"), vm.String("5s")}, "a", vm.String("5s")},
	} {
		name, timeout := "", vm.Int(-1)
		if err := vm.UnpackArgs("wait", c.args, "name", &name, "timeout?", &timeout); err != nil {
			t.Fatal(err)
		}
		if name != c.name || vm.Repr(timeout) != vm.Repr(c.timeout) {
			t.Errorf("%v: name %q timeout %s", c.args, name, vm.Repr(timeout))
		}
	}
}

// TestUnpackArgsErrors: wrong counts and kinds are wf errors in the
// standard library's words; malformed pairs are Go errors.
func TestUnpackArgsErrors(t *testing.T) {
	var s string
	var f float64
	var n int
	cases := []struct {
		args  []vm.Value
		pairs []any
		want  string // the error text; a kind prefix means a *vm.Error
	}{
		{nil, []any{"name", &s, "timeout?", &f}, "argument_error: wait takes at least 1 argument, got 0"},
		{[]vm.Value{vm.String("a"), vm.Int(1), vm.Int(2)}, []any{"name", &s, "timeout?", &f}, "argument_error: wait takes at most 2 arguments, got 3"},
		{[]vm.Value{vm.String("a")}, nil, "argument_error: wait takes 0 arguments, got 1"},
		{[]vm.Value{vm.String("a"), vm.String("x")}, []any{"name", &s, "timeout?", &f}, "type_error: wait: argument 2 (timeout) must be a number, got string"},
		{[]vm.Value{vm.Int(1)}, []any{"name", &s}, "type_error: wait: argument 1 (name) must be a string, got int"},
		{[]vm.Value{vm.Float(1)}, []any{"n", &n}, "type_error: wait: argument 1 (n) must be an int, got float"},
		{[]vm.Value{vm.Nil}, []any{"name", &s, "timeout?"}, "vm.UnpackArgs for wait: pairs must alternate names and pointers, got 3 items"},
		{[]vm.Value{vm.Nil}, []any{&s, "name"}, "vm.UnpackArgs for wait: item 0 must be a parameter name, got *string"},
		{[]vm.Value{vm.Nil}, []any{"a?", &s, "b", &s}, "vm.UnpackArgs for wait: required parameter b follows an optional one"},
		{[]vm.Value{vm.Nil}, []any{"a", &f32}, "vm.UnpackArgs for wait: parameter a: cannot store into a *float32"},
		{[]vm.Value{vm.String("x")}, []any{"a", (*string)(nil)}, "vm.UnpackArgs for wait: parameter a: nil *string"},
		{[]vm.Value{vm.Nil}, []any{"a", nil}, "vm.UnpackArgs for wait: parameter a: cannot store into a <nil>"},
	}
	for _, c := range cases {
		err := vm.UnpackArgs("wait", c.args, c.pairs...)
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v\nwant %s", c.pairs, err, c.want)
			continue
		}
		var e *vm.Error
		if isWf := errors.As(err, &e); isWf != (c.want[0] != 'v') {
			t.Errorf("%s: a *vm.Error: %v", c.want, isWf)
		}
	}
}

var f32 float32

// TestUnpackArgsNoAlloc: the usual call in a host function allocates
// nothing.
func TestUnpackArgsNoAlloc(t *testing.T) {
	args := []vm.Value{vm.String("approval"), vm.Float(2.5)}
	allocs := testing.AllocsPerRun(100, func() {
		name, timeout := "", 0.0
		if err := vm.UnpackArgs("wait", args, "name", &name, "timeout?", &timeout); err != nil || name != "approval" {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("UnpackArgs allocates %v times per call", allocs)
	}
}
