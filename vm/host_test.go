package vm_test

// Tests of host suspension: where a host function may suspend the machine,
// what Run and Resume do in each state, and that suspension points inside
// generators and coroutines survive Snapshot and Restore.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// newAskMachine returns a machine running src with the suspending ask.
func newAskMachine(t *testing.T, src string, out *bytes.Buffer) *vm.Machine {
	t.Helper()
	m, err := vm.New(compile(t, src, "ask"), vm.Options{Stdout: out, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestResumeInCoroutineKeepsRootSuspended is the regression test for
// Resume marking the root fiber running although the suspension happened
// inside a coroutine, while the root waited at a switch: the coroutine
// could then no longer switch back to the main program.
func TestResumeInCoroutineKeepsRootSuspended(t *testing.T) {
	const src = `
let main = current()
let co = coroutine(fn() {
    let r = ask("q")
    print("main is", main.status)
    return main.switch(r)
})
print("main got", co.switch())
`
	for _, restart := range []bool{false, true} {
		h := &hostRun{src: src, restart: restart}
		h.run(t)
		want := "main is suspended\nmain got re:\"q\"\n"
		if diff := cmp.Diff(want, h.out.String()); diff != "" {
			t.Errorf("restart=%v: output (-want +got):\n%s", restart, diff)
		}
	}
}

// TestSuspendInGenerator: a host suspension inside a generator, driven
// both by a for loop and by next/send, survives snapshot and restore.
func TestSuspendInGenerator(t *testing.T) {
	sameAfterRestarts(t, `
fn ticker(n) {
    for i in range(n) {
        let got = yield ask("tick " + str(i))
        print("ticker got", got)
    }
}
for x in ticker(3) { print("loop", x) }
let g = ticker(2)
print(g.next())
print(g.send("sent"))
try { g.send("last") } catch e { print(e.kind) }
print(g.status)
fn outer() { yield from ticker(2); return ask("outer end") }
for y in outer() { print("outer", y) }
`)
}

// TestSuspendInCoroutine: a host suspension inside nested coroutines, and
// in a generator a coroutine resumes, survives snapshot and restore.
func TestSuspendInCoroutine(t *testing.T) {
	sameAfterRestarts(t, `
let main = current()
let inner
let outer = coroutine(fn() {
    inner = coroutine(fn(x) {
        let a = ask("inner " + str(x))
        let b = outer.switch(a)
        return ask("inner again " + str(b))
    })
    let r = inner.switch(1)
    print("outer got", r)
    let s = main.switch(r)
    print("outer resumed", s, inner.status)
    return inner.switch(ask("outer"))
})
print("main got", outer.switch())
print("main got", outer.switch("hello"))
print(outer.status, inner.status)
let co = coroutine(fn() {
    fn g() { yield ask("in gen in co") }
    for v in g() { print("co gen", v) }
    return "co done"
})
print(co.switch())
`)
}

// TestSuspendInComparator: a Go builtin's callback cannot suspend; the
// refusal is a catchable error, and the machine goes on.
func TestSuspendInComparator(t *testing.T) {
	const src = `
try {
    print(sort([3, 1, 2], fn(a, b) { ask("cmp"); return a - b }))
} catch e { print(e.kind, e.message) }
try {
    let l = [2, 1]
    l.sort(fn(a, b) { return ask("cmp") })
} catch e { print(e.kind) }
print(sort([3, 1, 2], fn(a, b) { return a - b }), ask("after"))
`
	var out bytes.Buffer
	m := newAskMachine(t, src, &out)
	s, err := m.Run()
	if err != nil || s == nil || vm.Repr(s.Request) != `"after"` {
		t.Fatalf("run: %v %v (output %q)", s, err, out.String())
	}
	if s, err := m.Resume(vm.String("ok")); s != nil || err != nil {
		t.Fatalf("resume: %v %v", s, err)
	}
	want := "value_error ask cannot suspend inside a function called by a Go builtin (such as a sort comparator)\nvalue_error\n[1, 2, 3] ok\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestSnapshotInComparator: a host function may not snapshot the machine
// while a Go builtin's callback runs; outside one it may.
func TestSnapshotInComparator(t *testing.T) {
	snap := &vm.Builtin{Name: "snap", Fn: func(m *vm.Machine, _ []vm.Value) (vm.Value, error) {
		if _, err := m.Snapshot(vm.SnapshotOptions{}); err != nil {
			return vm.String("refused"), nil
		}
		return vm.String("taken"), nil
	}}
	const src = `
let seen = []
sort([2, 1], fn(a, b) { seen.push(snap()); return a - b })
print(seen, snap())
`
	p := compile(t, src, "snap")
	var out bytes.Buffer
	m, err := vm.New(p, vm.Options{Stdout: &out, Hosts: []*vm.Builtin{snap}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); s != nil || err != nil {
		t.Fatalf("run: %v %v", s, err)
	}
	if got, want := out.String(), "[\"refused\"] taken\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// TestRunResumeStates checks Run and Resume in each machine state.
func TestRunResumeStates(t *testing.T) {
	var out bytes.Buffer
	m := newAskMachine(t, `print(ask([1, {"k": "v"}]))`, &out)
	if _, err := m.Resume(vm.Nil); !errors.Is(err, vm.ErrNotSuspended) {
		t.Errorf("Resume before Run: %v, want ErrNotSuspended", err)
	}
	if _, ok := m.Pending(); ok {
		t.Error("a new machine reports a pending call")
	}
	s, err := m.Run()
	if err != nil || s == nil {
		t.Fatalf("run: %v %v", s, err)
	}
	if s.Host != "ask" || vm.Repr(s.Request) != `[1, {"k": "v"}]` {
		t.Errorf("suspension %s %s", s.Host, vm.Repr(s.Request))
	}
	if p, ok := m.Pending(); !ok || p.Host != "ask" || vm.Repr(p.Request) != vm.Repr(s.Request) {
		t.Errorf("Pending: %v %v", p, ok)
	}
	if _, err := m.Run(); err == nil || !strings.Contains(err.Error(), "Resume") {
		t.Errorf("Run while suspended: %v, want an error pointing to Resume", err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out2 bytes.Buffer
	m2, err := vm.Restore(compile(t, `print(ask([1, {"k": "v"}]))`, "ask"), data, vm.Options{Stdout: &out2, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := m2.Pending(); !ok || vm.Repr(p.Request) != vm.Repr(s.Request) {
		t.Errorf("restored Pending: %v %v", p, ok)
	}
	if _, err := m2.Run(); err == nil {
		t.Error("Run of a restored suspended machine succeeded")
	}
	if s, err := m2.Resume(vm.String("answer")); s != nil || err != nil || out2.String() != "answer\n" {
		t.Errorf("resume: %v %v %q", s, err, out2.String())
	}
	if _, err := m2.Resume(vm.Nil); !errors.Is(err, vm.ErrNotSuspended) {
		t.Errorf("Resume after the end: %v, want ErrNotSuspended", err)
	}
	if _, err := m2.Run(); !errors.Is(err, vm.ErrFinished) {
		t.Errorf("Run after the end: %v, want ErrFinished", err)
	}
}

// TestRenewStartsFreshBudgets: a renewed machine prints to its new
// writer and counts its steps and allocations from zero, as a copy
// restored from its snapshot with FreshBudgets would.
func TestRenewStartsFreshBudgets(t *testing.T) {
	src := `let n = 0
while true {
    n += wait_for()
    print(n)
}`
	wait := &vm.Builtin{Name: "wait_for", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		return m.Suspend("wait_for", vm.Nil)
	}}
	p, err := vm.Compile("renew.wf", []byte(src), vm.CompileOptions{Hosts: []*vm.Builtin{wait}})
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	m, err := vm.New(p, vm.Options{Stdout: &first, MaxSteps: 40})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ { // each run needs ~10 steps: over 40 in all
		var out bytes.Buffer
		if err := m.Renew(context.Background(), &out); err != nil {
			t.Fatal(err)
		}
		if m.Steps() != 0 {
			t.Fatalf("renewed machine at step %d", m.Steps())
		}
		if _, err := m.Resume(vm.Int(1)); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got := out.String(); got != fmt.Sprintf("%d\n", i) {
			t.Fatalf("run %d printed %q", i, got)
		}
	}
	if first.Len() != 0 {
		t.Errorf("the first writer got %q after renewals", first.String())
	}
}
