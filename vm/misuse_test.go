package vm_test

// Tests that the Go API answers misuse with an error or a documented zero
// result, never a panic: accessors on the wrong kind, nil receivers, calls
// on machines in every state, bad arguments.

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
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

// misuse is one wrong use of an exported identifier (api names it, as
// "Machine.Run" or "New") and what it must give: check returns an error
// describing a wrong outcome, nil for the documented one.
type misuse struct {
	api   string
	what  string
	check func() error
}

// wantErr checks that err is not nil and mentions each of parts.
func wantErr(err error, parts ...string) error {
	if err == nil {
		return errors.New("no error")
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			return fmt.Errorf("error %q does not mention %q", err, p)
		}
	}
	return nil
}

// wantIs checks that errors.Is(err, target).
func wantIs(err, target error) error {
	if !errors.Is(err, target) {
		return fmt.Errorf("got %v, want %v", err, target)
	}
	return nil
}

// wantOK checks that err is nil.
func wantOK(err error) error {
	if err != nil {
		return fmt.Errorf("unexpected error %v", err)
	}
	return nil
}

// want returns nil when ok, an error saying what was got otherwise.
func want(ok bool, got ...any) error {
	if !ok {
		return fmt.Errorf("got %v", got)
	}
	return nil
}

// machineStates returns machines of one program in each state a caller
// can hold one in: new, suspended in a host call, finished, and stopped
// by a runtime error.
func machineStates(t *testing.T) (p *compiler.Program, fresh, suspended, finished, failed *vm.Machine) {
	t.Helper()
	src := `fn f(x) { return x }
let r = ask("q")
if r == "fail" { throw error("boom") }`
	p = compile(t, src, "ask")
	ms := make([]*vm.Machine, 4)
	for i := range ms {
		m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
		if err != nil {
			t.Fatal(err)
		}
		ms[i] = m
	}
	for _, m := range ms[1:] {
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ms[2].Resume(vm.String("ok")); err != nil {
		t.Fatal(err)
	}
	if _, err := ms[3].Resume(vm.String("fail")); err == nil {
		t.Fatal("the failing machine did not fail")
	}
	return p, ms[0], ms[1], ms[2], ms[3]
}

// TestMisuse calls exported identifiers with bad receivers, arguments
// and machine states: each gives an error or its documented zero result,
// and none panics.
func TestMisuse(t *testing.T) {
	for _, c := range misuses(t) {
		t.Run(c.api+"/"+c.what, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("panic: %v", r)
				}
			}()
			if err := c.check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func misuses(t *testing.T) []misuse {
	p, fresh, suspended, finished, failed := machineStates(t)
	snap, err := suspended.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dump, err := finished.Dump(vm.NewList(nil))
	if err != nil {
		t.Fatal(err)
	}
	var nilM *vm.Machine
	zeroM := &vm.Machine{}
	var nilMap *vm.Map
	unhashable := vm.NewList(nil)
	cases := []misuse{
		{"ListValue", "nil", func() error { return want(vm.ListValue(nil).IsNil()) }},
		{"MapValue", "nil", func() error { return want(vm.MapValue(nil).IsNil()) }},
		{"ErrorValue", "nil", func() error { return want(vm.ErrorValue(nil).IsNil()) }},
		{"BuiltinValue", "nil", func() error { return want(vm.BuiltinValue(nil).IsNil()) }},
		{"Map.Len", "nil", func() error { return want(nilMap.Len() == 0) }},
		{"Map.Get", "nil", func() error {
			v, ok, err := nilMap.Get(vm.String("k"))
			return want(v.IsNil() && !ok && err == nil, v, ok, err)
		}},
		{"Map.Get", "unhashable key", func() error { _, _, err := vm.NewMap(0).Get(unhashable); return wantErr(err, "unhashable") }},
		{"Map.GetString", "nil", func() error { _, ok := nilMap.GetString("k"); return want(!ok) }},
		{"Map.Set", "nil", func() error { _, err := nilMap.Set(vm.String("k"), vm.Nil); return wantErr(err, "nil *Map") }},
		{"Map.Set", "unhashable key", func() error { _, err := vm.NewMap(0).Set(unhashable, vm.Nil); return wantErr(err, "unhashable") }},
		{"Map.Delete", "nil", func() error { _, ok, err := nilMap.Delete(vm.Int(1)); return want(!ok && err == nil, ok, err) }},
		{"Map.Delete", "unhashable key", func() error { _, _, err := vm.NewMap(0).Delete(unhashable); return wantErr(err, "unhashable") }},
		{"Map.Each", "nil map and nil func", func() error { nilMap.Each(nil); vm.NewMap(0).Each(nil); return nil }},
		{"Map.HasFuncs", "nil", func() error { return want(!nilMap.HasFuncs()) }},
		{"NewMap", "negative size", func() error { return want(vm.NewMap(-1).Len() == 0) }},
		{"Error.Error", "nil", func() error { return want((*vm.Error)(nil).Error() == "<nil>") }},
		{"Error.Is", "nil", func() error { return want(!errors.Is((*vm.Error)(nil), vm.ErrStepLimit)) }},
		{"RuntimeError.Error", "nil", func() error { return want((*vm.RuntimeError)(nil).Error() == "<nil>") }},
		{"RuntimeError.Unwrap", "nil", func() error { return want((*vm.RuntimeError)(nil).Unwrap() == nil) }},
		{"RuntimeError.Error", "zero", func() error { return want((&vm.RuntimeError{}).Error() == "uncaught throw: nil") }},
		{"RuntimeError.Moved", "nil", func() error { return want((*vm.RuntimeError)(nil).Moved(nil) == nil) }},
		{"RuntimeError.Render", "nil", func() error { return want((*vm.RuntimeError)(nil).Render([]byte("x")) == "<nil>") }},
		{"RuntimeError.Render", "no source", func() error {
			e := &vm.RuntimeError{Value: vm.String("x"), Trace: []vm.TraceEntry{{Func: "f", Pos: lang.Pos{Line: 9, Col: 9}}}}
			return want(e.Render(nil) == e.Error())
		}},
		{"RuntimeError.Render", "source that does not parse or match", func() error {
			e := &vm.RuntimeError{Value: vm.String("x"), Trace: []vm.TraceEntry{{Func: "f", Pos: lang.Pos{Line: 9, Col: 9}}}}
			return want(strings.HasPrefix(e.Render([]byte("let = }")), "9:9: uncaught throw: \"x\"\ntraceback"))
		}},
		{"Kind.String", "out of range", func() error { return want(vm.Kind(200).String() == "invalid") }},
		{"FiberStatus.String", "out of range", func() error { return want(vm.FiberStatus(200).String() == "invalid") }},
		{"Compare", "unordered kinds", func() error { _, err := vm.Compare(vm.Int(1), vm.String("a")); return wantErr(err, "type_error") }},
		{"Equal", "functions and builtins", func() error { _, err := vm.Equal(vm.BuiltinValue(lenBuiltin(t)), vm.Nil); return wantOK(err) }},
		{"FormatFloat", "nan", func() error { return want(vm.FormatFloat(math.NaN()) == "nan") }},

		{"New", "nil program", func() error { _, err := vm.New(nil, vm.Options{}); return wantErr(err, "nil program") }},
		{"New", "program without code", func() error {
			_, err := vm.New(&compiler.Program{File: "x.wf"}, vm.Options{})
			return wantErr(err, "no code")
		}},
		{"New", "nil host", func() error {
			_, err := vm.New(p, vm.Options{Hosts: []*vm.Builtin{nil}})
			return wantErr(err, "Hosts[0]", "Name and a Fn")
		}},
		{"New", "host without Fn", func() error {
			_, err := vm.New(p, vm.Options{Hosts: []*vm.Builtin{{Name: "ask"}}})
			return wantErr(err, "Hosts[0]")
		}},
		{"New", "missing host", func() error { _, err := vm.New(p, vm.Options{}); return wantErr(err, `"ask" is not registered`) }},
		{"New", "negative limits", func() error {
			m, err := vm.New(p, vm.Options{MaxSteps: -1, MaxAlloc: -1, MaxCallDepth: -1, SnapshotEvery: -1, Hosts: []*vm.Builtin{askHost}})
			if err != nil {
				return err
			}
			_, err = m.Run()
			return wantOK(err)
		}},
		{"Restore", "nil program", func() error { _, err := vm.Restore(nil, snap, vm.Options{}); return wantErr(err, "nil program") }},
		{"Restore", "nil data", func() error { _, err := vm.Restore(p, nil, vm.Options{}); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Restore", "a dumped value", func() error { _, err := vm.Restore(p, dump, vm.Options{}); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Restore", "missing host", func() error { _, err := vm.Restore(p, snap, vm.Options{}); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Restore", "another program", func() error {
			_, err := vm.Restore(compile(t, "1", "ask"), snap, vm.Options{})
			return wantIs(err, vm.ErrWrongProgram)
		}},
		{"Inspect", "nil program", func() error { _, err := vm.Inspect(nil, snap, vm.InspectOptions{}); return wantErr(err, "nil program") }},
		{"Inspect", "garbage", func() error {
			_, err := vm.Inspect(p, []byte("garbage"), vm.InspectOptions{})
			return wantIs(err, vm.ErrBadSnapshot)
		}},
		{"SetVariable", "nil program", func() error { _, _, err := vm.SetVariable(nil, snap, "r", vm.Nil); return wantErr(err, "nil program") }},
		{"SetVariable", "no such variable", func() error { _, _, err := vm.SetVariable(p, snap, "zz", vm.Nil); return wantIs(err, vm.ErrNoVariable) }},
		{"SetVariable", "garbage", func() error { _, _, err := vm.SetVariable(p, nil, "r", vm.Nil); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Upgrade", "nil program", func() error {
			_, _, err := vm.Upgrade(nil, p.Map(), snap, vm.Options{})
			return wantErr(err, "nil program")
		}},
		{"Upgrade", "nil map", func() error { _, _, err := vm.Upgrade(p, nil, snap, vm.Options{}); return wantErr(err, "no map") }},
		{"Upgrade", "garbage", func() error {
			_, _, err := vm.Upgrade(p, p.Map(), []byte("x"), vm.Options{})
			return wantIs(err, vm.ErrBadSnapshot)
		}},
		{"Upgrade", "a dumped value", func() error {
			_, _, err := vm.Upgrade(p, p.Map(), dump, vm.Options{})
			return wantIs(err, vm.ErrBadSnapshot)
		}},
		{"PlanUpgrade", "nil program", func() error {
			_, err := vm.PlanUpgrade(nil, p.Map(), snap, vm.Options{})
			return wantErr(err, "nil program")
		}},
		{"PlanUpgrade", "garbage", func() error {
			_, err := vm.PlanUpgrade(p, p.Map(), nil, vm.Options{})
			return wantIs(err, vm.ErrBadSnapshot)
		}},
		{"Markers", "garbage", func() error { _, err := vm.Markers([]byte("x")); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Markers", "a dumped value", func() error { _, err := vm.Markers(dump); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Report.Reason", "nil report", func() error {
			if (*vm.Report)(nil).Reason() != "" {
				return errors.New("a nil report gave a reason")
			}
			return nil
		}},
		{"UnpackArgs", "odd pairs", func() error { return wantErr(vm.UnpackArgs("f", nil, "x"), "alternate names and pointers") }},
		{"UnpackArgs", "nil pointer", func() error {
			return wantErr(vm.UnpackArgs("f", []vm.Value{vm.Int(1)}, "x", (*int)(nil)), "nil *int")
		}},
		{"UnpackArgs", "nil args", func() error { return wantErr(vm.UnpackArgs("f", nil, "x", new(int)), "argument_error") }},
		{"Compile", "nil host", func() error {
			_, err := vm.Compile("x.wf", nil, vm.CompileOptions{Hosts: []*vm.Builtin{nil}})
			return wantErr(err, "Hosts[0]")
		}},
		{"Compile", "nil source", func() error { _, err := vm.Compile("x.wf", nil, vm.CompileOptions{}); return wantOK(err) }},
		{"FromJSON", "nil", func() error { _, err := vm.FromJSON(nil); return wantErr(err, "unexpected end of input") }},
		{"ToJSON", "a function", func() error {
			_, err := vm.ToJSON(vm.BuiltinValue(lenBuiltin(t)))
			return wantErr(err, "cannot encode")
		}},
		{"EmbeddedProgram", "nil", func() error { _, _, _, err := vm.EmbeddedProgram(nil); return wantIs(err, vm.ErrBadSnapshot) }},
		{"EmbeddedProgram", "none embedded", func() error { _, _, ok, err := vm.EmbeddedProgram(snap); return want(!ok && err == nil, ok, err) }},
		{"ApplyDelta", "garbage", func() error { _, err := vm.ApplyDelta(snap, []byte("x")); return wantIs(err, vm.ErrBadSnapshot) }},
		{"ApplyDelta", "a snapshot as the delta", func() error { _, err := vm.ApplyDelta(snap, snap); return wantIs(err, vm.ErrBadSnapshot) }},
		{"RestoreDelta", "nil program", func() error {
			_, err := vm.RestoreDelta(nil, snap, nil, vm.Options{})
			return wantErr(err, "nil program")
		}},
		{"RestoreApplied", "no state", func() error { _, err := vm.RestoreApplied(p, nil, vm.Options{}); return wantErr(err, "no state") }},
		{"ApplyDeltaState", "garbage", func() error { _, err := vm.ApplyDeltaState(snap, nil); return wantIs(err, vm.ErrBadSnapshot) }},
		{"RestoreDelta", "garbage", func() error {
			_, err := vm.RestoreDelta(p, snap, []byte("x"), vm.Options{})
			return wantIs(err, vm.ErrBadSnapshot)
		}},
		{"DeltaBase", "nil", func() error { _, err := vm.DeltaBase(nil); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Machine.Delta", "no base", func() error { _, err := suspended.Delta(); return wantIs(err, vm.ErrNoBase) }},
		{"Machine.DeltaKeepBase", "no base", func() error { _, err := suspended.DeltaKeepBase(); return wantIs(err, vm.ErrNoBase) }},
	}
	cases = append(cases, nilMachineMisuses(nilM, "nil")...)
	cases = append(cases, nilMachineMisuses(zeroM, "zero")...)
	return append(cases, stateMisuses(t, fresh, suspended, finished, failed, snap)...)
}

// nilMachineMisuses: every method of a nil *Machine, or of one not made
// by New, reports that it has no machine or gives its zero result.
func nilMachineMisuses(m *vm.Machine, what string) []misuse {
	noMachine := func(err error) error { return wantErr(err, "no machine") }
	cases := []misuse{
		{"Machine.Run", what, func() error { _, err := m.Run(); return noMachine(err) }},
		{"Machine.Resume", what, func() error { _, err := m.Resume(vm.Nil); return noMachine(err) }},
		{"Machine.SetPending", what, func() error { return noMachine(m.SetPending(vm.Nil)) }},
		{"Machine.ResumeError", what, func() error { _, err := m.ResumeError(vm.NewError("k", "m")); return noMachine(err) }},
		{"Machine.Snapshot", what, func() error { _, err := m.Snapshot(vm.SnapshotOptions{}); return noMachine(err) }},
		{"Machine.Delta", what, func() error { _, err := m.Delta(); return noMachine(err) }},
		{"Machine.SnapshotDelta", what, func() error { _, _, err := m.SnapshotDelta(); return noMachine(err) }},
		{"Machine.SnapshotDeltaKeepBase", what, func() error { _, _, err := m.SnapshotDeltaKeepBase(); return noMachine(err) }},
		{"Machine.DeltaKeepBase", what, func() error { _, err := m.DeltaKeepBase(); return noMachine(err) }},
		{"Machine.BaseSize", what, func() error { return want(m.BaseSize() == 0) }},
		{"Machine.Dump", what, func() error { _, err := m.Dump(vm.Nil); return noMachine(err) }},
		{"Machine.Load", what, func() error { _, err := m.Load(nil); return noMachine(err) }},
		{"Machine.Pending", what, func() error { s, ok := m.Pending(); return want(s == nil && !ok) }},
		{"Machine.Global", what, func() error { _, ok := m.Global("x"); return want(!ok) }},
		{"Machine.Globals", what, func() error { return want(m.Globals() == nil) }},
		{"Machine.Steps", what, func() error { return want(m.Steps() == 0) }},
		{"Machine.Renew", what, func() error { return noMachine(m.Renew(context.Background(), nil)) }},
	}
	if m != nil {
		return cases
	}
	return append(cases,
		misuse{"Machine.Call", what, func() error { _, err := m.Call(vm.Nil); return noMachine(err) }},
		misuse{"Machine.Suspend", what, func() error { _, err := m.Suspend("ask", vm.Nil); return noMachine(err) }},
		misuse{"Machine.Charge", what, func() error { return noMachine(m.Charge(1)) }},
		misuse{"Machine.Poll", what, func() error { return noMachine(m.Poll()) }},
		misuse{"Machine.Output", what, func() error { return want(m.Output() == nil) }},
	)
}

// stateMisuses: the entry points of machines in each state.
func stateMisuses(t *testing.T, fresh, suspended, finished, failed *vm.Machine, snap []byte) []misuse {
	f := func(m *vm.Machine) vm.Value {
		v, ok := m.Global("f")
		if !ok {
			t.Fatal("no f")
		}
		return v
	}
	noFn := vm.BuiltinValue(&vm.Builtin{Name: "nofn"})
	typedNil := vm.BuiltinValue(&vm.Builtin{Name: "typednil", Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
		var e *vm.Error
		return vm.Int(1), e
	}})
	return []misuse{
		{"Machine.Resume", "new", func() error { _, err := fresh.Resume(vm.Nil); return wantIs(err, vm.ErrNotSuspended) }},
		{"Machine.Resume", "finished", func() error { _, err := finished.Resume(vm.Nil); return wantIs(err, vm.ErrNotSuspended) }},
		{"Machine.Resume", "failed", func() error { _, err := failed.Resume(vm.Nil); return wantIs(err, vm.ErrNotSuspended) }},
		{"Machine.SetPending", "finished", func() error { return wantIs(finished.SetPending(vm.Nil), vm.ErrNotSuspended) }},
		{"Machine.ResumeError", "finished", func() error {
			_, err := finished.ResumeError(vm.NewError("k", "m"))
			return wantIs(err, vm.ErrNotSuspended)
		}},
		{"Machine.Run", "suspended", func() error { _, err := suspended.Run(); return wantErr(err, "call Resume") }},
		{"Machine.Run", "finished", func() error { _, err := finished.Run(); return wantIs(err, vm.ErrFinished) }},
		{"Machine.Run", "failed", func() error { _, err := failed.Run(); return wantErr(err, "boom") }},
		{"Machine.Snapshot", "failed", func() error {
			_, err := failed.Snapshot(vm.SnapshotOptions{})
			return wantErr(err, "stopped with an error")
		}},
		{"Machine.Snapshot", "finished", func() error { _, err := finished.Snapshot(vm.SnapshotOptions{}); return wantOK(err) }},
		{"Machine.Suspend", "outside a host function", func() error {
			_, err := finished.Suspend("ask", vm.Nil)
			return wantErr(err, "Suspend is for a host function")
		}},
		{"Machine.Call", "new", func() error { _, err := fresh.Call(f(finished), vm.Int(1)); return wantOK(err) }},
		{"Machine.Call", "suspended", func() error { _, err := suspended.Call(f(finished), vm.Int(1)); return wantOK(err) }},
		{"Machine.Call", "finished", func() error { _, err := finished.Call(f(finished), vm.Int(1)); return wantOK(err) }},
		{"Machine.Call", "failed", func() error { _, err := failed.Call(f(failed), vm.Int(1)); return wantOK(err) }},
		{"Machine.Call", "a function of another program", func() error {
			other, err := vm.New(compile(t, "fn g() { return 1 }"), vm.Options{})
			if err != nil {
				return err
			}
			if _, err := other.Run(); err != nil {
				return err
			}
			g, _ := other.Global("g")
			_, err = finished.Call(g)
			return wantErr(err, "cannot call a function of another program")
		}},
		{"Machine.Call", "a function of another machine of the program", func() error {
			v, err := finished.Call(f(suspended), vm.Int(5))
			return want(err == nil && v.AsInt() == 5, v, err)
		}},
		{"Machine.Call", "nil function", func() error { _, err := finished.Call(vm.Nil); return wantErr(err, "cannot call a nil value") }},
		{"Machine.Call", "wrong argument count", func() error { _, err := finished.Call(f(finished)); return wantErr(err, "takes 1 argument, got 0") }},
		{"Machine.Call", "builtin without Fn", func() error { _, err := finished.Call(noFn); return wantErr(err, "no Go function") }},
		{"Machine.Call", "host returning a nil *Error", func() error {
			v, err := finished.Call(typedNil)
			return want(err == nil && v.AsInt() == 1, v, err)
		}},
		{"Machine.Load", "machine snapshot", func() error { _, err := finished.Load(snap); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Machine.Load", "nil", func() error { _, err := finished.Load(nil); return wantIs(err, vm.ErrBadSnapshot) }},
		{"Machine.Dump", "undefined kinds", func() error { _, err := finished.Dump(vm.Value{}); return wantOK(err) }},
		{"Machine.Charge", "negative", func() error { return wantOK(finished.Charge(-5)) }},
		{"Machine.Poll", "no context", func() error { return wantOK(finished.Poll()) }},
		{"Machine.Pending", "finished", func() error { _, ok := finished.Pending(); return want(!ok) }},
		{"Machine.Output", "default", func() error { return want(finished.Output() != nil) }},
		{"Machine.AllocLeft", "nil machine", func() error { _, limited := (*vm.Machine)(nil).AllocLeft(); return want(!limited) }},
		{"Machine.AllocLeft", "no budget", func() error { _, limited := finished.AllocLeft(); return want(!limited) }},
		{"Machine.Pause", "nil machine", func() error { return wantErr((*vm.Machine)(nil).Pause(5, nil), "no machine") }},
		{"Machine.Pause", "finished", func() error {
			if err := finished.Pause(1, nil); err != nil {
				return err
			}
			_, err := finished.Run()
			finished.Pause(0, nil)
			return wantIs(err, vm.ErrFinished)
		}},
		{"Machine.Pause", "negative step, no predicate: disarmed", func() error {
			m, err := vm.New(fresh.Program(), vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
			if err != nil {
				return err
			}
			if err := m.Pause(-3, nil); err != nil {
				return err
			}
			susp, err := m.Run()
			return want(err == nil && susp != nil, susp, err)
		}},
		{"Machine.Location", "nil machine", func() error { return want((*vm.Machine)(nil).Location().Fn == nil) }},
		{"Machine.Location", "finished", func() error { return want(finished.Location().Fn == nil) }},
		{"Location.Line", "no function", func() error { return want(vm.Location{PC: 3}.Line() == 0) }},
		{"Machine.Finished", "nil machine", func() error { return want(!(*vm.Machine)(nil).Finished()) }},
		{"Machine.Finished", "states", func() error {
			return want(!fresh.Finished() && !suspended.Finished() && finished.Finished())
		}},
		{"Machine.Local", "nil machine", func() error { _, ok := (*vm.Machine)(nil).Local(0, "x"); return want(!ok) }},
		{"Machine.Local", "finished", func() error { _, ok := finished.Local(-1, "x"); return want(!ok) }},
		{"Machine.Stack", "nil machine", func() error { return want(len((*vm.Machine)(nil).Stack(vm.ViewOptions{}).Frames) == 0) }},
		{"Machine.Stack", "finished", func() error { return want(len(finished.Stack(vm.ViewOptions{}).Frames) == 0) }},
		{"Machine.Program", "nil machine", func() error { return want((*vm.Machine)(nil).Program() == nil) }},
		{"Methods", "unknown type", func() error { return want(vm.Methods("nope") == nil && vm.Methods("") == nil) }},
		{"Inspection.Object", "nil inspection", func() error { return want((*vm.Inspection)(nil).Object(1) == nil) }},
		{"Inspection.Object", "id out of range", func() error { return want((&vm.Inspection{}).Object(0) == nil) }},
	}
}

// anyInput lists the exported identifiers with no misuse to test: every
// argument of their types is valid (the accessors have their own test).
var anyInput = map[string]string{
	"Bool": "", "Int": "", "Float": "", "String": "", "Bytes": "nil is an empty bytes value",
	"NewList": "nil is an empty list", "Universe": "", "ProgramHash": "", "StateHash": "", "Repr": "", "Str": "", "Errorf": "", "NewError": "any kind and message make an error value",
	"Value.Kind": "", "Value.IsNil": "", "Value.Number": "", "Value.Truth": "", "Value.TypeName": "",
	"Value.AsBool": "TestAccessorsOnOtherKinds", "Value.AsInt": "", "Value.AsFloat": "", "Value.AsString": "",
	"Value.AsBytes": "", "Value.AsList": "", "Value.AsMap": "", "Value.AsError": "", "Value.AsBuiltin": "",
	"Range.Len":      "no API hands out a *Range; a Range is made only by range()",
	"View":           "every value can be viewed; zero options mean the defaults",
	"InternalError":  "any recovered value can be wrapped",
	"Verdict.String": "every verdict has a name; others are \"cannot move\"",
	"Problem.String": "a plain record: any field values print",
	"IsSuspension":   "any error, nil included, is or is not a suspension",
	"Machine.Touch":  "any value, on any machine, nil included: without a base the mark means nothing",
}

// TestMisuseCoversAPI: every exported function and method of package vm
// has a case in TestMisuse or a reason in anyInput, so a new entry point
// gets its misuse considered.
func TestMisuseCoversAPI(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range misuses(t) {
		covered[c.api] = true
	}
	for _, name := range exportedAPI(t) {
		if _, ok := anyInput[name]; !ok && !covered[name] {
			t.Errorf("%s has no misuse case", name)
		}
	}
}

// exportedAPI lists the exported functions and the exported methods of
// exported types declared in the package's non-test files.
func exportedAPI(t *testing.T) []string {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.IsExported() {
				names = append(names, apiName(fd))
			}
		}
	}
	return slices.DeleteFunc(names, func(s string) bool { return s == "" })
}

// apiName is "Func" or "Type.Method", or "" for a method of an
// unexported type.
func apiName(fd *ast.FuncDecl) string {
	if fd.Recv == nil {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	id, ok := typ.(*ast.Ident)
	if !ok || !id.IsExported() {
		return ""
	}
	return id.Name + "." + fd.Name.Name
}
