package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// bigState holds a few hundred KB of records and changes one per
// signal: its versions are stored as deltas.
const bigState = `let book = {}
for i in range(4000) { book["k" + str(i)] = {"qty": i, "note": "record number " + str(i)} }
let n = 0
while true {
    let v = wait("tick")
    n += 1
    book["k" + str(n * 7 % 4000)]["qty"] += v
    print("tick " + str(n) + " " + str(book["k" + str(n * 7 % 4000)]["qty"]))
}
`

// TestDeltaStorage: the versions of an instance with a large state are
// stored as deltas against an earlier full snapshot; every version reads
// back as the exact full snapshot of its state, history checks, rewind,
// fork and prune behave as with full snapshots.
func TestDeltaStorage(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(bigState, "")
	for i := range 12 {
		f.signal(id, "tick", fmt.Sprint(i))
	}
	h := f.head(id)
	if h.Stored == nil {
		t.Fatalf("head version %d is stored in full (%d bytes), want a delta", h.Version, len(h.Snapshot))
	}
	prog, err := compiler.CompileSource("test.wf", []byte(bigState), compiler.Options{Predeclared: f.e.predeclared(nil)})
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, f, id, prog)
	if hc, err := f.e.CheckHistory(ctx, id, "test.wf", []byte(bigState)); err != nil || hc.Diverged || hc.Checked != h.Version {
		t.Fatalf("history check: %+v, %v", hc, err)
	}
	if _, err := f.e.Rewind(ctx, id, 5, false); err != nil {
		t.Fatal(err)
	}
	f.signal(id, "tick", "100")
	if out := f.head(id).Output; !strings.HasSuffix(out, "tick 5 135\n") {
		t.Errorf("after rewinding to version 5 and a tick: output ends %q", out[max(0, len(out)-40):])
	}
	fork, err := f.e.Fork(ctx, id, 9)
	if err != nil {
		t.Fatal(err)
	}
	f.signal(fork, "tick", "1")
	if out := f.head(fork).Output; !strings.HasSuffix(out, "tick 9 64\n") {
		t.Errorf("fork at version 9: output ends %q", out[max(0, len(out)-40):])
	}
	if err := f.e.Cancel(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Prune(ctx, 4, time.Time{}); err != nil {
		t.Fatal(err)
	}
	checkVersions(t, f, id, prog)
}

// checkVersions restores every version with a snapshot of instance id
// and checks that the store gave a canonical full snapshot: restored
// and snapshotted again, the same bytes.
func checkVersions(t *testing.T, f *fixture, id string, prog *compiler.Program) {
	t.Helper()
	ctx := context.Background()
	hist, err := f.e.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, hv := range hist {
		v, err := f.e.Store().Version(ctx, id, hv.Number)
		if err != nil {
			t.Fatalf("version %d: %v", hv.Number, err)
		}
		if v.Snapshot == nil {
			continue
		}
		m, err := vm.Restore(prog, v.Snapshot, vm.Options{Hosts: Builtins(Env{ID: id, Now: f.clock.Now}, nil)})
		if err != nil {
			t.Fatalf("version %d: %v", hv.Number, err)
		}
		again, err := m.Snapshot(vm.SnapshotOptions{})
		if err != nil || !bytes.Equal(again, v.Snapshot) {
			t.Fatalf("version %d: not the canonical snapshot of its state (%v)", hv.Number, err)
		}
	}
}

// TestStoredDeltaCorrupt: a stored delta whose base is missing, newer
// or itself a delta reads as ErrCorrupt.
func TestStoredDeltaCorrupt(t *testing.T) {
	fetch := func(m map[int64][]byte) func(int64) ([]byte, error) {
		return func(n int64) ([]byte, error) {
			if b, ok := m[n]; ok {
				return b, nil
			}
			return nil, ErrNotFound
		}
	}
	d := encodeStoredDelta(3, []byte("x"))
	for name, c := range map[string]struct {
		n     int64
		store map[int64][]byte
	}{
		"base missing":         {5, nil},
		"base not older":       {3, map[int64][]byte{3: []byte{0x86}}},
		"base is a delta":      {5, map[int64][]byte{3: encodeStoredDelta(1, nil)}},
		"delta does not apply": {5, map[int64][]byte{3: []byte{0x86}}},
	} {
		if _, _, err := resolveSnapshot("i", c.n, d, fetch(c.store)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
}
