package vm_test

// Tests that the Go API answers misuse with an error or a documented zero
// result, never a panic: accessors on the wrong kind, nil receivers, calls
// on machines in every state, bad arguments.

import (
	"io"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// sampleValues returns a value of every kind a Go caller can hold,
// including the kinds only .wf code makes (functions, ranges, generators,
// coroutines), which a host function receives as arguments.
func sampleValues(t *testing.T) []vm.Value {
	t.Helper()
	var kept []vm.Value
	keep := &vm.Builtin{Name: "keep", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		kept = append(kept, args...)
		return vm.Nil, nil
	}}
	src := `fn gen() { yield 1 }
keep(fn() {}, range(3), gen(), coroutine(fn() {}), len)`
	m, err := vm.New(compile(t, src, "keep"), vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{keep}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	mp := vm.NewMap(1)
	mp.Set(vm.String("k"), vm.Int(1))
	return append([]vm.Value{vm.Nil, vm.True, vm.Int(3), vm.Float(1.5), vm.String("s"), vm.Bytes([]byte("b")),
		vm.NewList([]vm.Value{vm.Int(1)}), vm.MapValue(mp), vm.ErrorValue(vm.Errorf(vm.ErrValue, "e"))}, kept...)
}

// TestAccessorsOnOtherKinds is the regression test for vm.Int(3).AsString()
// panicking (unsafe.String: ptr is nil) and AsBytes/AsList/AsMap reading
// another kind's object as theirs: each accessor gives its zero value for
// every other kind.
func TestAccessorsOnOtherKinds(t *testing.T) {
	for _, v := range sampleValues(t) {
		k := v.Kind()
		check := func(name string, own Kind, isZero bool) {
			t.Helper()
			if k != own && !isZero {
				t.Errorf("%s of %s: want the zero value", name, k)
			}
			if k == own && isZero && name != "AsBool" {
				t.Errorf("%s of its own kind %s gave the zero value", name, k)
			}
		}
		check("AsBool", vm.KindBool, !v.AsBool())
		check("AsInt", vm.KindInt, v.AsInt() == 0)
		check("AsFloat", vm.KindFloat, v.AsFloat() == 0)
		check("AsString", vm.KindString, v.AsString() == "")
		check("AsBytes", vm.KindBytes, v.AsBytes() == nil)
		check("AsList", vm.KindList, v.AsList() == nil)
		check("AsMap", vm.KindMap, v.AsMap() == nil)
		check("AsError", vm.KindError, v.AsError() == nil)
		check("AsBuiltin", vm.KindBuiltin, v.AsBuiltin() == nil)
		_, _ = v.Number()
		_ = v.Truth()
		_ = vm.Repr(v) + vm.Str(v) + v.TypeName()
	}
}

// Kind is vm.Kind, shorter in the tables.
type Kind = vm.Kind
