package vm_test

// Tests of the buffers Snapshot writes into: a machine whose heap grows
// and shrinks between snapshots gets exact snapshots that do not hold on
// to room from earlier ones.

import (
	"bytes"
	"io"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// shrinkGrow builds many closures (one captured variable each, sharing
// one more), drops them, then builds maps, asking between the phases.
const shrinkGrow = `let shared = 0
let heap = []
for i in range(20000) { let k = i
heap.push(fn() { shared += 1
return k + shared }) }
let a = ask(heap[7]())
heap = []
let b = ask(a)
for i in range(30000) { heap.push({"k": i, "s": "v" + str(i)}) }
let c = ask(len(heap))
print(a, b, c, shared)
`

// TestSnapshotBuffersFollowTheHeap snapshots a machine as its heap grows,
// shrinks and grows again, several times at each stop: each snapshot
// re-encodes to itself after a restore, a restored machine finishes as
// the original does, and no result keeps more than a quarter of its
// length (plus a page) of spare capacity.
func TestSnapshotBuffersFollowTheHeap(t *testing.T) {
	p := compile(t, shrinkGrow, "ask")
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
	var out bytes.Buffer
	m, err := vm.New(p, vm.Options{Stdout: &out, Hosts: []*vm.Builtin{ask}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Run()
	var snaps [][]byte
	for s != nil && err == nil {
		for range 3 {
			data, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: len(snaps)%2 == 0})
			if err != nil {
				t.Fatal(err)
			}
			if spare := cap(data) - len(data); spare > len(data)/4+4096 {
				t.Errorf("snapshot %d: %d bytes with %d spare", len(snaps), len(data), spare)
			}
			snaps = append(snaps, data)
		}
		s, err = m.Resume(s.Request)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, data := range snaps {
		r, err := vm.Restore(p, data, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{ask}})
		if err != nil {
			t.Fatalf("snapshot %d: %v", i, err)
		}
		again, err := r.Snapshot(vm.SnapshotOptions{EmbedProgram: i%2 == 0})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("snapshot %d re-encodes differently after a restore", i)
		}
	}
	var rout bytes.Buffer
	r, err := vm.Restore(p, snaps[0], vm.Options{Stdout: &rout, Hosts: []*vm.Builtin{ask}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := r.Resume(vm.Int(8)) // the reply the original got at its first stop
	for rs != nil && err == nil {
		rs, err = r.Resume(rs.Request)
	}
	if err != nil {
		t.Fatal(err)
	}
	if rout.String() != out.String() || out.String() != "8 8 30000 1\n" {
		t.Errorf("restored run printed %q, original %q", rout.String(), out.String())
	}
}
