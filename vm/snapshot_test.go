package vm_test

// Tests that snapshots are exact: a machine restored from its snapshot, in
// a fresh machine with a freshly compiled program, goes on exactly as the
// original would have, and re-encodes to the same bytes.

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// askHost suspends the machine with its argument as the request.
var askHost = &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	if len(args) != 1 {
		return vm.Nil, vm.Errorf(vm.ErrArgs, "ask takes 1 argument")
	}
	return m.Suspend("ask", args[0])
}}

// directAsk answers at once with the reply askHost's caller would deliver.
var directAsk = &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	return reply(args[0]), nil
}}

// reply is the host's answer to a request: deterministic, so a suspended
// run and an uninterrupted one see the same replies.
func reply(req vm.Value) vm.Value {
	return vm.String("re:" + vm.Repr(req))
}

// compile compiles src with the standard library and host names.
func compile(t testing.TB, src string, hosts ...string) *compiler.Program {
	t.Helper()
	p, err := compiler.CompileSource("test.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), hosts...)})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

// suspendingProgram exercises everything a snapshot must capture at once:
// globals, closures sharing a captured variable, a generator driving a
// generator, coroutines with parent links, aliased and self-containing
// lists, a try/finally in progress and a for loop over a map in progress,
// each with a host suspension inside.
const suspendingProgram = `
fn counter() {
    let n = 0
    let inc = fn() { n += 1; return n }
    let get = fn() { return n }
    return [inc, get]
}
let pair = counter()
let inc = pair[0]
let get = pair[1]
inc()
let shared = [1, 2]
let both = {"a": shared, "b": shared}
let self = [0]
self.push(self)

fn inner(k) {
    for i in range(k) {
        let r = ask("inner " + str(i) + " n=" + str(inc()))
        yield r
    }
    return "inner done"
}
fn outer() {
    for x in inner(2) { yield "outer saw " + x }
    let r = yield from inner(1)
    yield r
}
for y in outer() { print(y) }

let main = current()
let co = coroutine(fn(a) {
    let sub = coroutine(fn() {
        print("sub parent is co:", current().parent == co)
        return ask("in sub " + a)
    })
    let got = sub.switch()
    print("co got", got)
    let back = main.switch("co paused")
    return ask("co resumed with " + str(back))
})
print(co.switch("x"))
shared.push(3)
print(co.switch(42))

fn guarded() {
    try {
        print("in try", ask("try body"))
        throw error("boom", "thrown after ask")
    } catch e {
        print("caught", e.kind, ask("in catch"))
    } finally {
        print("finally", ask("in finally"))
    }
}
guarded()

let ages = {"ann": 31, "bob": 42, "cy": 7}
let seen = []
for k, v in ages {
    seen.push(k + "=" + str(v) + ":" + ask("map " + k))
}
print(seen)
print(both, both["a"] == both["b"], get(), len(self), self[1][1][0])
both["a"].push(4)
print(both["b"], shared)
`

// hostRun drives a machine through its suspensions, answering each with
// reply. Before each answer, when restart is set, the machine is
// snapshotted, dropped and restored into a fresh machine compiled anew.
type hostRun struct {
	src      string
	restart  bool
	out      bytes.Buffer
	requests []string
	snaps    [][]byte
}

func (h *hostRun) run(t *testing.T) {
	t.Helper()
	opts := vm.Options{Stdout: &h.out, Hosts: []*vm.Builtin{askHost}}
	m, err := vm.New(compile(t, h.src, "ask"), opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Run()
	for i := 0; s != nil && err == nil; i++ {
		if i > 1000 {
			t.Fatal("too many suspensions")
		}
		if s.Host != "ask" {
			t.Fatalf("suspended by %q, want ask", s.Host)
		}
		h.requests = append(h.requests, vm.Repr(s.Request))
		if h.restart {
			m = h.restore(t, m, opts)
		}
		s, err = m.Resume(reply(s.Request))
	}
	if err != nil {
		t.Fatalf("run: %v", err)
	}
}

// restore snapshots m and returns a machine restored from the bytes with
// a freshly compiled program; the original is not used again.
func (h *hostRun) restore(t *testing.T, m *vm.Machine, opts vm.Options) *vm.Machine {
	t.Helper()
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	h.snaps = append(h.snaps, data)
	m2, err := vm.Restore(compile(t, h.src, "ask"), data, opts)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	s, ok := m2.Pending()
	if !ok || s.Host != "ask" {
		t.Fatalf("restored machine is not waiting on ask: %v %v", s, ok)
	}
	again, err := m2.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot of restored machine: %v", err)
	}
	if !bytes.Equal(again, data) {
		t.Fatalf("snapshot of the restored machine differs from the original (%d vs %d bytes)", len(again), len(data))
	}
	return m2
}

// directOutput runs src with an ask that answers at once.
func directOutput(t *testing.T, src string) string {
	t.Helper()
	var out bytes.Buffer
	m, err := vm.New(compile(t, src, "ask"), vm.Options{Stdout: &out, Hosts: []*vm.Builtin{directAsk}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); s != nil || err != nil {
		t.Fatalf("direct run: %v %v", s, err)
	}
	return out.String()
}

func TestHostSuspensionRoundTrip(t *testing.T) {
	want := directOutput(t, suspendingProgram)
	plain := &hostRun{src: suspendingProgram}
	plain.run(t)
	restarted := &hostRun{src: suspendingProgram, restart: true}
	restarted.run(t)
	if diff := cmp.Diff(want, plain.out.String()); diff != "" {
		t.Errorf("suspended run differs from a direct one (-direct +suspended):\n%s", diff)
	}
	if diff := cmp.Diff(want, restarted.out.String()); diff != "" {
		t.Errorf("restored run differs from a direct one (-direct +restored):\n%s", diff)
	}
	wantReqs := []string{
		`"inner 0 n=2"`, `"inner 1 n=3"`, `"inner 0 n=4"`,
		`"in sub x"`, `"co resumed with 42"`,
		`"try body"`, `"in catch"`, `"in finally"`,
		`"map ann"`, `"map bob"`, `"map cy"`,
	}
	if diff := cmp.Diff(wantReqs, restarted.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(plain.requests, restarted.requests); diff != "" {
		t.Errorf("requests differ between plain and restored runs:\n%s", diff)
	}
	t.Logf("output:\n%s", want)
}
