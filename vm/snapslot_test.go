// This file tests that the index fields objects keep for the snapshot
// encoder never change a snapshot's bytes.
package vm_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestSnapFieldsMatchIndex runs one program on two machines, one that
// numbers objects in their own fields and one (with Deltas, which needs
// every object in the pointer index) that does not, and compares their
// snapshots at three suspensions. Between them the program renumbers its
// objects (shared ones, cells, generators, errors), so the second and
// third snapshots meet fields left over from the one before, and the
// restored machine meets fields left by no snapshot at all.
func TestSnapFieldsMatchIndex(t *testing.T) {
	src := `let shared = [1, 2]
let m = {"a": shared, "b": shared}
let k = 0
let f = fn() { k += 1
return k }
let g = fn() { return k }
fn gen(n) { let i = 0
while true { yield i + n
i += 1 } }
let gs = [gen(1), gen(2)]
gs[0].next()
let e = error("E", "boom")
let heap = [m, shared, f, g, gs, gs[1], e]
let r = ask(1)
heap = [e, gs[1], {"x": m, "y": [heap, shared]}, f, gen(3), shared]
heap[4].next()
r = ask(2)
heap = [heap[2], [e, e], heap]
r = ask(3)
`
	p := compile(t, src, "ask")
	machine := func(deltas bool) *vm.Machine {
		ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
		m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{ask}, Deltas: deltas})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	fields, index := machine(false), machine(true)
	for step := 1; step <= 3; step++ {
		a, err := fields.Snapshot(vm.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := index.Snapshot(vm.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("step %d: snapshots differ:\n%x\n%x", step, a, b)
		}
		again, err := fields.Snapshot(vm.SnapshotOptions{})
		if err != nil || !bytes.Equal(a, again) {
			t.Fatalf("step %d: a second snapshot differs (%v)", step, err)
		}
		if step == 3 {
			break
		}
		if _, err := fields.Resume(vm.Int(int64(step))); err != nil {
			t.Fatal(err)
		}
		if _, err := index.Resume(vm.Int(int64(step))); err != nil {
			t.Fatal(err)
		}
	}
}
