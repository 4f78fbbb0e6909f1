package engine

// Tests of the warm cache (warm.go): a kept machine spares the restore
// and changes nothing else; a stale one is never used.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// adder sums the numbers it is sent and prints each total.
const adder = `let total = 0
while true {
    total += wait("add")
    print(total)
}
`

// TestWarmBurstRestoresNothing: a burst of signals to one instance runs
// on the machine each step kept, restoring no snapshot, and leaves the
// same state and output as an engine that restores at every step.
func TestWarmBurstRestoresNothing(t *testing.T) {
	warm := newFixture(t, Options{})
	cold := newFixture(t, Options{WarmMachines: -1})
	var heads []Head
	for _, f := range []*fixture{warm, cold} {
		id := f.start(adder, "")
		for i := 1; i <= 20; i++ {
			f.signal(id, "add", fmt.Sprint(i))
		}
		heads = append(heads, f.head(id))
	}
	if n := warm.e.warm.restores.Load(); n != 0 {
		t.Errorf("warm engine restored %d snapshots, want 0", n)
	}
	if n := cold.e.warm.restores.Load(); n != 20 {
		t.Errorf("engine without warm machines restored %d snapshots, want 20", n)
	}
	if heads[0].Version != 21 || !bytes.Equal(heads[0].Snapshot, heads[1].Snapshot) {
		t.Errorf("warm: version %d; the states differ: %v", heads[0].Version, !bytes.Equal(heads[0].Snapshot, heads[1].Snapshot))
	}
	out := strings.Fields(lastOutput(t, warm, heads[0].ID))
	if len(out) != 20 || out[19] != "210" {
		t.Errorf("output %v, want the totals up to 210", out)
	}
}

// lastOutput is everything instance id printed.
func lastOutput(t *testing.T, f *fixture, id string) string {
	t.Helper()
	r, err := f.e.Show(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r.Version.Output
}

// TestWarmStaleEntryIsNotUsed: when another process commits a step of an
// instance, the machine this one kept is of an older version: it is
// dropped and the snapshot restored, and the other step's signal counts.
func TestWarmStaleEntryIsNotUsed(t *testing.T) {
	a := newFixture(t, Options{})
	b, err := Open(a.path, Options{Now: a.clock.Now}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	id := a.start(adder, "")
	a.signal(id, "add", "1") // a keeps version 2
	if _, err := b.Signal(context.Background(), id, "add", []byte("10")); err != nil {
		t.Fatal(err) // b commits version 3
	}
	before := a.e.warm.restores.Load()
	a.signal(id, "add", "100")
	if n := a.e.warm.restores.Load() - before; n != 1 {
		t.Errorf("a restored %d snapshots after b's commit, want 1", n)
	}
	if out := strings.Fields(lastOutput(t, a, id)); strings.Join(out, " ") != "1 11 111" {
		t.Errorf("output %v, want 1 11 111", out)
	}
	a.signal(id, "add", "1000") // warm again
	if n := a.e.warm.restores.Load() - before; n != 1 {
		t.Errorf("a restored %d snapshots in all, want 1", n)
	}
}

// TestWarmConcurrentSignals: signals sent at once from many goroutines to
// a few instances all count, each exactly once, whichever step finds a
// kept machine; a machine is never run by two steps at once (the race
// detector watches).
func TestWarmConcurrentSignals(t *testing.T) {
	f := newFixture(t, Options{WarmMachines: 2})
	ids := []string{f.start(adder, ""), f.start(adder, ""), f.start(adder, "")}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := ids[(g+i)%len(ids)]
				if _, err := f.e.Signal(context.Background(), id, "add", []byte("1")); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	f.work() // signals queued by a step that lost a race
	total := 0
	for _, id := range ids {
		out := strings.Fields(lastOutput(t, f, id))
		var last int
		if len(out) > 0 {
			fmt.Sscan(out[len(out)-1], &last)
		}
		total += last
		if h := f.head(id); h.Version != int64(len(out))+1 {
			t.Errorf("%s: version %d after %d totals", id, h.Version, len(out))
		}
	}
	if total != 60 {
		t.Errorf("the instances counted %d signals, want 60", total)
	}
}

// TestWarmCacheBounds: the cache holds at most its count and its bytes,
// one machine per instance, and drops the least recently kept first.
func TestWarmCacheBounds(t *testing.T) {
	c := newWarmCache(2, 1000)
	snap := make([]byte, 100) // 400 approximate bytes
	c.keep(&warmEntry{key: warmKey{"a", 1}, snap: snap})
	c.keep(&warmEntry{key: warmKey{"b", 1}, snap: snap})
	c.keep(&warmEntry{key: warmKey{"c", 1}, snap: snap})
	if c.lru.Len() != 2 || c.byID["a"] != nil {
		t.Fatalf("%d entries, a kept: %v", c.lru.Len(), c.byID["a"] != nil)
	}
	c.keep(&warmEntry{key: warmKey{"c", 2}, snap: make([]byte, 200)}) // 800 bytes: b goes too
	if c.lru.Len() != 1 || c.bytes != 800 {
		t.Fatalf("%d entries of %d bytes, want c alone", c.lru.Len(), c.bytes)
	}
	c.keep(&warmEntry{key: warmKey{"d", 1}, snap: make([]byte, 300)}) // larger than the cache: not kept
	if c.byID["d"] != nil || c.byID["c"] == nil {
		t.Fatal("a machine larger than the cache was kept")
	}
	if c.take("c", 1, nil, make([]byte, 200), 0) != nil || c.byID["c"] != nil {
		t.Fatal("a stale entry was used or kept")
	}
}

// TestWarmWithDeltas: an instance whose versions are stored as deltas
// keeps its machine warm too. The machine kept tracks its changes against
// the same base a restore would take (from Start on), so no snapshot is
// restored, and every version (deltas and their bases) reads
// back as exactly the state an engine restoring at every step stores.
func TestWarmWithDeltas(t *testing.T) {
	warm := newFixture(t, Options{})
	cold := newFixture(t, Options{WarmMachines: -1})
	ids := []string{warm.start(bigState, ""), cold.start(bigState, "")}
	for i := range 12 {
		warm.signal(ids[0], "tick", fmt.Sprint(i))
		cold.signal(ids[1], "tick", fmt.Sprint(i))
	}
	if n := warm.e.warm.restores.Load(); n != 0 {
		t.Errorf("warm engine restored %d snapshots over 12 signals, want none (Start's machine tracks its changes against version 1)", n)
	}
	if h := warm.head(ids[0]); h.Stored == nil {
		t.Fatalf("head version %d is stored in full, want a delta", h.Version)
	}
	ctx := context.Background()
	for n := int64(1); n <= 13; n++ {
		a, err := warm.e.store.Version(ctx, ids[0], n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := cold.e.store.Version(ctx, ids[1], n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Snapshot, b.Snapshot) || a.Printed != b.Printed {
			t.Errorf("version %d differs between the warm and the cold engine", n)
		}
	}
}
