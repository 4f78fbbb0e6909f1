package vm_test

// This file tests what the snapshot decoder builds from slabs: small maps
// left without lookup tables until used, and strings and slices that
// share chunks.

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestRestoredMapsWork: maps restored below and above the size that
// keeps its lookup tables for later (8 entries) answer lookups, updates,
// new keys, deletions and iteration as before the restore, with keys of
// every hashable kind and 1 and 1.0 the same key.
func TestRestoredMapsWork(t *testing.T) {
	for _, n := range []int{0, 1, 3, 8, 9, 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sameAfterRestarts(t, fmt.Sprintf(`
let m = {}
for i in range(%d) { m["k" + str(i)] = i }
let mixed = {1: "one", 2.5: "two and a half", true: "yes", nil: "nil", bytes("x"): "bytes", "s": "str"}
ask("x")
print(m.get("k0", -1), m.get("k7", -1), m.get("missing", -1), len(m))
print(mixed[1.0], mixed[2.5], mixed[true], mixed[nil], mixed[bytes("x")], mixed["s"])
m["k1"] = "changed"
m["new"] = "new"
ask("y")
print(m.get("k1", -1), m["new"], len(m))
m.delete("k0")
mixed[1] = "uno"
ask("z")
print(m.get("k0", -1), len(m), mixed[1.0], keys(m))
`, n))
		})
	}
}

// TestRestoreSmallMapDuplicateKeys: a snapshot whose map holds one key
// twice is refused whatever the map's size, 1 and 1.0 counting as one
// key, as they do in a running program.
func TestRestoreSmallMapDuplicateKeys(t *testing.T) {
	p, data := hostileBase(t)
	for _, n := range []int{1, 5, 7, 20} {
		for _, dup := range []any{uint64(0), 0.0, "k0"} {
			t.Run(fmt.Sprintf("%d/%v", n, dup), func(t *testing.T) {
				s := decodeTree(t, data, p)
				o := s.obj(s.find(t, tagMap, nil))
				var kv []any
				for i := range n {
					kv = append(kv, "k"+fmt.Sprint(i), uint64(i))
				}
				kv = append(kv, uint64(0), "int zero")
				kv = append(kv, dup, "again")
				o[1] = kv
				_, err := restoreGuarded(t, "duplicate", p, s.encode(t), budget())
				if !errors.Is(err, vm.ErrBadSnapshot) {
					t.Fatalf("got %v, want a bad snapshot", err)
				}
			})
		}
	}
}

// TestFiberAllocationAmplification: a snapshot of many minimal fibers,
// each of which the decoder gives a Fiber and a stack with room to grow
// before verification refuses them, allocates at most 200 bytes per
// input byte, as TestAllocationAmplification holds lists to.
func TestFiberAllocationAmplification(t *testing.T) {
	p, data := hostileBase(t)
	s := decodeTree(t, data, p)
	const n = 50_000
	heap := s.heap()
	for range n {
		heap = append(heap, []any{uint64(tagFiber), uint64(2), uint64(0), []any{nil}, []any{}, []any{}, nil, nil, nil, uint64(0)})
	}
	s.body()[5] = heap
	b := s.encode(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := restoreGuarded(t, "many fibers", p, b, budget())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, vm.ErrBadSnapshot) {
		t.Fatalf("got %v, want a bad snapshot (a new coroutine with a stack)", err)
	}
	ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(b))
	t.Logf("%d-byte input with %d fibers allocated %.0f bytes per input byte", len(b), n, ratio)
	if ratio > 200 {
		t.Errorf("allocation amplification %.0fx", ratio)
	}
}
