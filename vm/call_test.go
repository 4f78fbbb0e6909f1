package vm_test

// Tests of the embedder's view of a machine's program: reading globals by
// name and calling .wf functions from Go in every machine state.

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

const handlerSrc = `
let calls = 0
let log = []
fn handler(x) {
    calls += 1
    log.push(x)
    return "handled " + str(x)
}
fn fails(x) { throw error("bad_input", "no " + str(x)) }
fn counter() { yield 1; yield 2 }
fn switcher() { let main = current(); return main.switch() }
fn asks() { return ask("from call") }
fn sorts() { return sort([2, 1], fn(a, b) { return ask("in cmp") }) }
fn nested() { return sort([3, 1, 2], fn(a, b) { return a - b }) }
fn gen_inside() {
    let total = 0
    for x in counter() { total += x }
    return total
}
fn deep(n) {
    if n == 0 { return 0 }
    return deep(n - 1) + 1
}
`

// global returns the global name of m or fails the test.
func global(t *testing.T, m *vm.Machine, name string) vm.Value {
	t.Helper()
	v, ok := m.Global(name)
	if !ok {
		t.Fatalf("no global %s", name)
	}
	return v
}

// callRepr calls the global fn with args and returns the result's Repr.
func callRepr(t *testing.T, m *vm.Machine, fn string, args ...vm.Value) string {
	t.Helper()
	v, err := m.Call(global(t, m, fn), args...)
	if err != nil {
		t.Fatalf("Call %s: %v", fn, err)
	}
	return vm.Repr(v)
}

// TestCallFinishedMachine is the regression test for Machine.Call on a
// machine whose top level had finished (index out of range [-1]): the
// function runs, its effects stay in the machine's heap, and the machine
// can still be snapshotted and restored.
func TestCallFinishedMachine(t *testing.T) {
	p := compile(t, handlerSrc, "ask")
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got, want := callRepr(t, m, "handler", vm.Int(int64(i))), `"handled `+string(rune('0'+i))+`"`; got != want {
			t.Errorf("call %d: %s, want %s", i, got, want)
		}
	}
	if got := vm.Repr(global(t, m, "log")); got != "[0, 1, 2]" {
		t.Errorf("log after three calls: %s", got)
	}
	if got := callRepr(t, m, "gen_inside"); got != "3" {
		t.Errorf("gen_inside: %s", got)
	}
	if got := callRepr(t, m, "nested"); got != "[1, 2, 3]" {
		t.Errorf("nested: %s", got)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot after calls: %v", err)
	}
	m2, err := vm.Restore(p, data, vm.Options{Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatalf("restore after calls: %v", err)
	}
	if got := callRepr(t, m2, "handler", vm.String("x")); got != `"handled x"` || vm.Repr(global(t, m2, "calls")) != "4" {
		t.Errorf("restored machine: %s, calls=%s", got, vm.Repr(global(t, m2, "calls")))
	}
	if _, err := m.Run(); !errors.Is(err, vm.ErrFinished) {
		t.Errorf("Run after calls: %v, want ErrFinished", err)
	}
}

// TestCallErrors: what a function called from outside may not do is
// refused with a precise error, returned as a *RuntimeError with a
// traceback; the machine stays usable.
func TestCallErrors(t *testing.T) {
	m := newAskMachine(t, handlerSrc, new(bytes.Buffer))
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fn   string
		args []vm.Value
		want string
	}{
		{"fails", []vm.Value{vm.Int(7)}, "bad_input: no 7\ntraceback (most recent call last):\n  test.wf:9:15: in fails"},
		{"handler", nil, "argument_error: handler takes 1 argument, got 0"},
		{"switcher", nil, "coroutine_error: cannot switch from a function called from Go by Machine.Call"},
		{"asks", nil, "value_error: ask cannot suspend inside a function called from Go by Machine.Call"},
		{"sorts", nil, "value_error: ask cannot suspend inside a function called by a Go builtin (such as a sort comparator)"},
	}
	for _, c := range cases {
		_, err := m.Call(global(t, m, c.fn), c.args...)
		var re *vm.RuntimeError
		if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %T %v\nwant a *RuntimeError starting %q", c.fn, err, err, c.want)
		}
	}
	if _, err := m.Call(vm.Int(1)); err == nil || err.Error() != "type_error: cannot call an int value" {
		t.Errorf("Call of an int: %v", err)
	}
	g, err := m.Call(global(t, m, "counter"))
	if err != nil || g.Kind() != vm.KindGenerator {
		t.Errorf("Call of a generator function: %s %v", vm.Repr(g), err)
	}
	if got := callRepr(t, m, "handler", vm.Int(1)); got != `"handled 1"` {
		t.Errorf("after the errors: %s", got)
	}
}

// TestCallEveryState: Call works on a machine that has not started (with
// values the embedder has), that waits for Resume (leaving the wait as it
// was), that stopped with a runtime error, and from a host function.
func TestCallEveryState(t *testing.T) {
	var out bytes.Buffer
	m := newAskMachine(t, `fn double(x) { return 2 * x }
let r = ask(double)
print("resumed with", r)
throw error("late")`, &out)
	if v, err := m.Call(vm.BuiltinValue(lenBuiltin(t)), vm.String("abc")); err != nil || vm.Repr(v) != "3" {
		t.Errorf("before Run: %s %v", vm.Repr(v), err)
	}
	s, err := m.Run()
	if err != nil || s == nil {
		t.Fatalf("run: %v %v", s, err)
	}
	if v, err := m.Call(s.Request, vm.Int(21)); err != nil || vm.Repr(v) != "42" {
		t.Errorf("while suspended: %s %v", vm.Repr(v), err)
	}
	if s, err := m.Resume(vm.String("ok")); s != nil || err == nil || !strings.Contains(err.Error(), "late") {
		t.Fatalf("resume: %v %v", s, err)
	}
	if out.String() != "resumed with ok\n" {
		t.Errorf("output %q", out.String())
	}
	if v, err := m.Call(global(t, m, "double"), vm.Int(4)); err != nil || vm.Repr(v) != "8" {
		t.Errorf("after a runtime error: %s %v", vm.Repr(v), err)
	}
}

// lenBuiltin fetches the standard library's len through a program.
func lenBuiltin(t *testing.T) *vm.Builtin {
	m, err := vm.New(compile(t, `let f = len`), vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	return global(t, m, "f").AsBuiltin()
}

// TestCallRespectsBudgets: steps run by Call count toward the machine's
// budget and depth limit, and a limit stops the call, not the process.
func TestCallRespectsBudgets(t *testing.T) {
	m, err := vm.New(compile(t, handlerSrc, "ask"), vm.Options{MaxSteps: 5000, MaxCallDepth: 50, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Call(global(t, m, "deep"), vm.Int(100)); err == nil || !strings.Contains(err.Error(), "stack_overflow") {
		t.Errorf("deep(100) with depth 50: %v", err)
	}
	if got := callRepr(t, m, "deep", vm.Int(10)); got != "10" {
		t.Errorf("deep(10): %s", got)
	}
	var err2 error
	for range 1000 {
		if _, err2 = m.Call(global(t, m, "deep"), vm.Int(40)); err2 != nil {
			break
		}
	}
	if !errors.Is(err2, vm.ErrStepLimit) {
		t.Errorf("repeated calls past the step budget: %v, want ErrStepLimit", err2)
	}
}

// TestRunFromHostRefused: Run or Resume called from one of the machine's
// own host functions is an error, not a second loop over the same state.
func TestRunFromHostRefused(t *testing.T) {
	var inner error
	reenter := &vm.Builtin{Name: "reenter", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		_, inner = m.Run()
		if _, err := m.Resume(vm.Nil); err == nil {
			inner = errors.New("Resume from a host function succeeded")
		}
		return vm.Nil, nil
	}}
	m, err := vm.New(compile(t, `reenter()
print("done")`, "reenter"), vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{reenter}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if inner == nil || !strings.Contains(inner.Error(), "machine is running") {
		t.Errorf("Run from a host function: %v", inner)
	}
}

// TestGlobals: Global and Globals see the globals that hold a value, in
// declaration order; a let that has not run yet is not there.
func TestGlobals(t *testing.T) {
	m := newAskMachine(t, `let a = 1
fn f() { return a }
let b = ask("x")
let c = [b]`, new(bytes.Buffer))
	if names := m.Globals(); len(names) != 0 {
		t.Errorf("before Run: %v", names)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if names := m.Globals(); !slices.Equal(names, []string{"a", "f"}) {
		t.Errorf("while suspended: %v", names)
	}
	if _, ok := m.Global("b"); ok {
		t.Error("b is set before its let ran")
	}
	if _, ok := m.Global("nope"); ok {
		t.Error("an undeclared name is found")
	}
	if _, err := m.Resume(vm.String("y")); err != nil {
		t.Fatal(err)
	}
	if names := m.Globals(); !slices.Equal(names, []string{"a", "f", "b", "c"}) {
		t.Errorf("after Run: %v", names)
	}
	if got := vm.Repr(global(t, m, "c")); got != `["y"]` {
		t.Errorf("c = %s", got)
	}
	if got := callRepr(t, m, "f"); got != "1" {
		t.Errorf("f() = %s", got)
	}
}
