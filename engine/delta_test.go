package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
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

// bigStateSignals holds about 5 MB of records and, at each signal,
// changes one of them.
const bigStateSignals = `let book = []
for i in range(150000) { book.push({"id": i, "name": "item " + str(i), "ok": true}) }
let n = 0
while true {
    let v = wait("tick")
    n += 1
    book[n * 7919 % len(book)]["id"] += v
}
`

// BenchmarkBigStateSignals: signals to one instance holding about 5 MB,
// each changing one record; signals per second and the database's size
// per signal, with versions stored as deltas and in full. Reproduce with
//
//	go test ./engine -run '^$' -bench BigStateSignals -benchtime 200x
func BenchmarkBigStateSignals(b *testing.B) {
	for _, full := range []bool{false, true} {
		b.Run(map[bool]string{false: "delta", true: "full"}[full], func(b *testing.B) {
			e, err := Open(filepath.Join(b.TempDir(), "wf.db"), Options{FullSnapshots: full}, SQLiteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			ctx := context.Background()
			id, err := e.Start(ctx, "book.wf", []byte(bigStateSignals), nil)
			if err != nil {
				b.Fatal(err)
			}
			db := e.Store().(*SQLite).DB()
			before := dbBytes(b, db)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Signal(ctx, id, "tick", []byte("1")); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			h, _ := e.Store().State(ctx, id)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signals/s")
			b.ReportMetric(float64(dbBytes(b, db)-before)/float64(b.N), "db-bytes/signal")
			b.ReportMetric(float64(len(h.Snapshot)), "state-bytes")
		})
	}
}
