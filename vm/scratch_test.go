package vm_test

// This file tests that snapshots which reuse an earlier snapshot's
// emptied tables (encoderScratch) write the same bytes as fresh ones.

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestSnapshotReusesScratch: snapshots of three machines with different
// heaps, taken in turn and twice in a row so that each reuses the tables
// another machine or its own last snapshot left, stay byte for byte what
// each machine's first snapshot was.
func TestSnapshotReusesScratch(t *testing.T) {
	var ms []*vm.Machine
	var firsts [][]byte
	for _, sh := range heapShapes[1:4] {
		src := fmt.Sprintf("let N = 300\n%s\nlet r = ask(len(heap))\n", sh.build)
		p := compile(t, src, "ask")
		m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
		data, err := m.Snapshot(vm.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vm.Restore(p, data, vm.Options{Hosts: []*vm.Builtin{askHost}}); err != nil {
			t.Fatal(err)
		}
		ms, firsts = append(ms, m), append(firsts, data)
	}
	for round := range 3 {
		for i, m := range ms {
			for again := range 2 { // the second reuses what the first left
				data, err := m.Snapshot(vm.SnapshotOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, firsts[i]) {
					t.Fatalf("round %d, machine %d, snapshot %d: it changed (%d bytes, first %d)", round, i, again, len(data), len(firsts[i]))
				}
			}
		}
	}
}
