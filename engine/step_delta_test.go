package engine

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// sameVersions checks that instances a of engine fa and b of fb have the
// same versions 1 to n: the same full snapshots and output.
func sameVersions(t *testing.T, fa *fixture, a string, fb *fixture, b string, n int64) {
	t.Helper()
	ctx := context.Background()
	for v := int64(1); v <= n; v++ {
		x, err := fa.e.store.Version(ctx, a, v)
		if err != nil {
			t.Fatal(err)
		}
		y, err := fb.e.store.Version(ctx, b, v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x.Snapshot, y.Snapshot) || x.Printed != y.Printed {
			t.Fatalf("version %d differs from the engine that restores at every step", v)
		}
	}
}

// bulkState holds a few hundred KB of records; a tick of v changes the
// first v of them, so a large tick makes a delta too large a share of
// its base and the step compacts.
const bulkState = `let book = {}
for i in range(4000) { book["k" + str(i)] = {"qty": i, "note": "record number " + str(i)} }
while true {
    let v = wait("tick")
    for i in range(v) { book["k" + str(i)]["qty"] += 1 }
    print("tick " + str(v) + " " + str(book["k0"]["qty"]))
}
`

// TestWarmCompaction: a step whose delta is too large stores a full
// snapshot, which becomes the base of the warm machine's next deltas:
// the burst restores nothing (the machine Start ran tracks its changes
// from its first snapshot on), and every version is what an engine
// restoring at every step stores.
func TestWarmCompaction(t *testing.T) {
	warm := newFixture(t, Options{})
	cold := newFixture(t, Options{WarmMachines: -1})
	ids := []string{warm.start(bulkState, ""), cold.start(bulkState, "")}
	ticks := []int{1, 2, 3, 3000, 1, 2, 3500, 5, 1}
	var full []int64 // the versions stored in full after the first
	for i, v := range ticks {
		warm.signal(ids[0], "tick", fmt.Sprint(v))
		cold.signal(ids[1], "tick", fmt.Sprint(v))
		if h := warm.head(ids[0]); h.Stored == nil {
			full = append(full, int64(i+2))
		}
	}
	if fmt.Sprint(full) != "[5 8]" {
		t.Errorf("versions stored in full: %v, want [5 8] (the large ticks)", full)
	}
	if n := warm.e.warm.restores.Load(); n != 0 {
		t.Errorf("warm engine restored %d snapshots over %d signals, want none", n, len(ticks))
	}
	if h := warm.head(ids[0]); h.Stored == nil || h.Stored.BaseVersion != 8 {
		t.Errorf("the head is not a delta against version 8: %+v", h.Stored)
	}
	sameVersions(t, warm, ids[0], cold, ids[1], int64(len(ticks)+1))
}

// TestWarmStaleDelta: two engines on one database take turns at an
// instance kept by delta; each finds its kept machine stale after the
// other's commit (the stored delta differs), restores, and every version
// is what an engine restoring at every step stores.
func TestWarmStaleDelta(t *testing.T) {
	a := newFixture(t, Options{})
	b, err := Open(a.path, Options{Now: a.clock.Now}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cold := newFixture(t, Options{WarmMachines: -1})
	ids := []string{a.start(bigState, ""), cold.start(bigState, "")}
	ctx := context.Background()
	for i := range 8 {
		v := fmt.Sprint(i + 1)
		if i%3 == 2 {
			if _, err := b.Signal(ctx, ids[0], "tick", []byte(v)); err != nil {
				t.Fatal(err)
			}
		} else {
			a.signal(ids[0], "tick", v)
		}
		cold.signal(ids[1], "tick", v)
	}
	if n := a.e.warm.restores.Load(); n != 2 {
		t.Errorf("engine a restored %d times, want 2 (after each of b's signals)", n)
	}
	sameVersions(t, a, ids[0], cold, ids[1], 9)
}

// TestWarmFullSnapshots: with every version stored in full, a large
// state's machine is kept warm too: a burst of signals restores nothing.
func TestWarmFullSnapshots(t *testing.T) {
	f := newFixture(t, Options{FullSnapshots: true})
	id := f.start(bigState, "")
	for i := range 4 {
		f.signal(id, "tick", fmt.Sprint(i))
	}
	if n := f.e.warm.restores.Load(); n != 0 {
		t.Errorf("restored %d snapshots over 4 signals, want none", n)
	}
	if h := f.head(id); h.Stored != nil {
		t.Errorf("head version %d is a delta, want a full snapshot", h.Version)
	}
}
