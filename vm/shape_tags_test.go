package vm

// This file tests what checkShape records for the decoder: each fiber's
// kind with its tag.

import (
	"errors"
	"io"
	"testing"

	"github.com/wf-lang/wf/compiler"
)

// TestCheckShapeRecordsFiberKinds: checkHeap records a fiber's tag as
// tagFiberOf plus the kind the fiber's first field holds, for every
// fiber of a snapshot holding the main program, a generator and a
// coroutine; a fiber whose kind is no FiberKind keeps objFiber, and
// Restore refuses it.
func TestCheckShapeRecordsFiberKinds(t *testing.T) {
	src := `fn gen() { yield 1 }
let g = gen()
let co = coroutine(fn() { return 2 })
print(ask("q"), g, co)`
	p, err := compiler.CompileSource("kinds.wf", []byte(src), compiler.Options{Predeclared: append(Universe(), "ask")})
	if err != nil {
		t.Fatal(err)
	}
	ask := &Builtin{Name: "ask", Fn: func(m *Machine, args []Value) (Value, error) { return m.Suspend("ask", args[0]) }}
	opts := Options{Stdout: io.Discard, Hosts: []*Builtin{ask}}
	m, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); s == nil || err != nil {
		t.Fatalf("run: %v %v", s, err)
	}
	data, err := m.Snapshot(SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env, err := decodeEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[FiberKind]int{}
	gen := -1
	for i, off := range env.heap {
		r := cborReader{b: data, off: int(off)}
		r.array()
		if tag, _ := r.int(); tag != objFiber {
			if env.tags[i] != uint8(tag) {
				t.Errorf("object %d: tag %d recorded as %d", i, tag, env.tags[i])
			}
			continue
		}
		kind, _ := r.int()
		if env.tags[i] != tagFiberOf+uint8(kind) {
			t.Errorf("fiber %d of kind %d: tag recorded as %d, want %d", i, kind, env.tags[i], tagFiberOf+kind)
		}
		if seen[FiberKind(kind)]++; FiberKind(kind) == fiberGenerator {
			gen = int(off)
		}
	}
	if seen[fiberRoot] != 1 || seen[fiberGenerator] != 1 || seen[fiberCoroutine] != 1 {
		t.Fatalf("fibers by kind: %v, want one of each", seen)
	}
	// The generator's kind, after its array head and tag, made 7.
	bad := append([]byte(nil), data...)
	if bad[gen+2] != byte(fiberGenerator) {
		t.Fatalf("no generator kind at byte %d", gen+2)
	}
	bad[gen+2] = 7
	env, err = decodeEnvelope(bad)
	if err != nil {
		t.Fatal(err)
	}
	fibers := 0
	for _, tag := range env.tags {
		if tag == objFiber {
			fibers++
		}
	}
	if fibers != 1 {
		t.Errorf("%d fibers left as objFiber, want the one of kind 7", fibers)
	}
	if _, err := Restore(p, bad, opts); !errors.Is(err, ErrBadSnapshot) {
		t.Errorf("Restore of a fiber of kind 7: got %v, want %v", err, ErrBadSnapshot)
	}
}
