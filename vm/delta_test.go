package vm_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// deltaProgram holds a book of records and, at each reply, changes one,
// logs a generator's next value, and now and then deletes a record and
// adds another: a few objects change per step, most do not.
const deltaProgram = `
let book = {}
for i in range(N) { book["k" + str(i)] = {"qty": i, "tags": ["a", "b"]} }
let log = []
fn counter() {
    let n = 0
    while true {
        n += 1
        yield n
    }
}
let g = counter()
let bump = fn(k) { book[k]["qty"] += 1 }
while true {
    let cmd = ask(len(log))
    let k = "k" + str(len(log) * 37 % N)
    if book.has(k) { bump(k) }
    log.push(g.next())
    if len(log) % 5 == 0 {
        book.delete(k)
        book["new" + str(len(log))] = [cmd, len(log)]
    }
}
`

// deltaMachine starts deltaProgram with n records, suspended at its
// first ask, and returns its program and full snapshot.
func deltaMachine(t testing.TB, n int) (*compiler.Program, []byte) {
	t.Helper()
	p := compile(t, "let N = "+itoa(n)+"\n"+deltaProgram, "ask")
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
	return p, data
}

func itoa(n int) string { return vm.Repr(vm.Int(int64(n))) }

// deltaOpts are the options of a machine that writes deltas.
func deltaOpts() vm.Options {
	return vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}, Deltas: true}
}

// TestDeltaChain: a machine restored from a snapshot and resumed writes
// a delta that, applied to that snapshot, gives exactly the bytes of a
// full snapshot of the machine; so does a chain of deltas, each against
// the state the last one gave, whether the machine stays in memory or is
// restored from the applied result each time. The deltas stay small.
func TestDeltaChain(t *testing.T) {
	p, full := deltaMachine(t, 500)
	warm, err := vm.Restore(p, full, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	state := full
	for step := range 12 {
		cold, err := vm.Restore(p, state, deltaOpts())
		if err != nil {
			t.Fatalf("step %d: restoring the applied state: %v", step, err)
		}
		var deltas [][]byte
		for _, m := range []*vm.Machine{warm, cold} {
			if _, err := m.Resume(vm.String("r" + itoa(step))); err != nil {
				t.Fatal(err)
			}
			d, err := m.Delta()
			if err != nil {
				t.Fatal(err)
			}
			deltas = append(deltas, d)
		}
		if !bytes.Equal(deltas[0], deltas[1]) {
			t.Fatalf("step %d: the warm and the restored machine wrote different deltas", step)
		}
		next, err := vm.ApplyDelta(state, deltas[0])
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		want, err := cold.Snapshot(vm.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(next, want) {
			t.Fatalf("step %d: applied delta gives %d bytes, a full snapshot %d, and they differ", step, len(next), len(want))
		}
		if vm.StateHash(next) != vm.StateHash(want) {
			t.Fatal("same bytes, different state hash")
		}
		// Every fifth step changes the book's keys, which rewrites the
		// book (one object); the others change a record and the log.
		if frac := map[bool]int{false: 10, true: 2}[(step+1)%5 == 0]; len(deltas[0])*frac > len(next) {
			t.Errorf("step %d: delta of %d bytes for a state of %d; want under 1/%d", step, len(deltas[0]), len(next), frac)
		}
		if base, err := vm.DeltaBase(deltas[0]); err != nil || base != vm.StateHash(state) {
			t.Errorf("step %d: DeltaBase = %x, %v; want the state's hash", step, base[:4], err)
		}
		state = next
	}
}

// TestDeltaWrongBase: a delta applied to any snapshot but its base is
// refused with ErrWrongBase, and a machine without Options.Deltas has no
// base to write a delta against.
func TestDeltaWrongBase(t *testing.T) {
	p, full := deltaMachine(t, 50)
	m, err := vm.Restore(p, full, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	m.Resume(vm.String("a"))
	d1, err := m.Delta()
	if err != nil {
		t.Fatal(err)
	}
	s1, err := vm.ApplyDelta(full, d1)
	if err != nil {
		t.Fatal(err)
	}
	m.Resume(vm.String("b"))
	d2, err := m.Delta()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.ApplyDelta(full, d2); !errors.Is(err, vm.ErrWrongBase) {
		t.Errorf("delta 2 on the first state: got %v, want ErrWrongBase", err)
	}
	if _, err := vm.ApplyDelta(s1, d2); err != nil {
		t.Errorf("delta 2 on its base: %v", err)
	}
	plain, err := vm.Restore(p, full, vm.Options{Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Delta(); !errors.Is(err, vm.ErrNoBase) {
		t.Errorf("Delta without Options.Deltas: got %v, want ErrNoBase", err)
	}
}

// TestDeltaAfterSnapshot: Snapshot with Options.Deltas makes the written
// snapshot the base, as restoring does.
func TestDeltaAfterSnapshot(t *testing.T) {
	p := compile(t, "let N = 20\n"+deltaProgram, "ask")
	m, err := vm.New(p, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	m.Run()
	base, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Resume(vm.String("x"))
	d, err := m.Delta()
	if err != nil {
		t.Fatal(err)
	}
	got, err := vm.ApplyDelta(base, d)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if !bytes.Equal(got, want) {
		t.Fatal("applied delta differs from a full snapshot")
	}
}

// deltaSeeds are a base snapshot and deltas against it, for the fuzzer.
func deltaSeeds(t testing.TB) (*compiler.Program, []byte, [][]byte) {
	p, full := deltaMachine(t, 8)
	var ds [][]byte
	for i := range 3 {
		m, err := vm.Restore(p, full, deltaOpts())
		if err != nil {
			t.Fatal(err)
		}
		for range i + 1 {
			m.Resume(vm.String("s"))
		}
		d, err := m.Delta()
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	return p, full, ds
}

// FuzzRestoreDelta applies mutated deltas to their base: each must be
// refused with ErrBadSnapshot or ErrWrongBase, or give a snapshot that
// restores (or is refused) and runs like any fuzzed snapshot. A mutation
// nearly always breaks a delta's checksum (or, version 1, changes the
// state it gives, which its result hash then refuses), so the fuzzer
// applies deltas without that check.
func FuzzRestoreDelta(f *testing.F) {
	p, base, ds := deltaSeeds(f)
	for i, d := range ds {
		f.Add(d, uint32(i*11), byte(1), byte(i))
		if full, err := vm.ApplyDelta(base, d); err == nil {
			f.Add(asVersion1(f, d, full), uint32(i*7), byte(2), byte(i))
		}
	}
	f.Add([]byte{0x86}, uint32(0), byte(0), byte(0))
	f.Fuzz(func(t *testing.T, d []byte, off uint32, val, op byte) {
		d = mutate(bytes.Clone(d), off, val, op)
		full, err := vm.ApplyDeltaUnchecked(base, d)
		if err != nil {
			if !errors.Is(err, vm.ErrBadSnapshot) && !errors.Is(err, vm.ErrWrongBase) {
				t.Fatalf("error wraps neither ErrBadSnapshot nor ErrWrongBase: %v", err)
			}
			return
		}
		restoreAndRun(t, p, full)
	})
}

// TestHostileDeltas: every truncation and single-byte change of a real
// delta is refused with a typed error or gives a snapshot that passes
// Restore's checks; none panics.
func TestHostileDeltas(t *testing.T) {
	p, base, ds := deltaSeeds(t)
	d := ds[2]
	try := func(what string, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		full, err := vm.ApplyDelta(base, b)
		if err != nil {
			if !errors.Is(err, vm.ErrBadSnapshot) && !errors.Is(err, vm.ErrWrongBase) {
				t.Fatalf("%s: untyped error %v", what, err)
			}
			return
		}
		if _, err := vm.Restore(p, full, fuzzBudget(ctx)); err != nil && !errors.Is(err, vm.ErrBadSnapshot) {
			t.Fatalf("%s: restore: %v", what, err)
		}
	}
	for i := range d {
		try("truncated", d[:i])
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(d)
			b[i] ^= x
			try("flipped", b)
		}
	}
}

// TestRestoreDeltaKeepsBase: a machine restored from a base and a delta
// writes its next delta against that same base, so a store applies
// every version's delta to one full snapshot, never a chain.
func TestRestoreDeltaKeepsBase(t *testing.T) {
	p, base := deltaMachine(t, 300)
	state := base
	var d []byte
	for step := range 6 {
		var m *vm.Machine
		var err error
		if d == nil {
			m, err = vm.Restore(p, base, deltaOpts())
		} else {
			m, err = vm.RestoreDelta(p, base, d, deltaOpts())
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if _, err := m.Resume(vm.String("s")); err != nil {
			t.Fatal(err)
		}
		full, delta, err := m.SnapshotDelta()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := vm.DeltaBase(delta); b != vm.StateHash(base) {
			t.Fatalf("step %d: delta against %x, want the first base", step, b[:4])
		}
		got, err := vm.ApplyDelta(base, delta)
		if err != nil || !bytes.Equal(got, full) {
			t.Fatalf("step %d: applied delta differs from the full snapshot (%v)", step, err)
		}
		if bytes.Equal(full, state) {
			t.Fatalf("step %d: the state did not change", step)
		}
		state, d = full, delta
	}
}

// TestDeltaIDsAscend: objects that move in breadth-first order (a list
// whose elements are reordered and replaced) still make a delta whose ids
// ascend, as ApplyDelta requires.
func TestDeltaIDsAscend(t *testing.T) {
	p := compile(t, `let xs = []
for i in range(50) { xs.push([i]) }
while true {
    ask(len(xs))
    xs.reverse()
    xs[3] = {"new": len(xs)}
    xs.push([0])
}
`, "ask")
	m, err := vm.New(p, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	m.Run()
	base, _ := m.Snapshot(vm.SnapshotOptions{})
	for step := range 4 {
		m.Resume(vm.Nil)
		full, d, err := m.SnapshotDelta()
		if err != nil {
			t.Fatal(err)
		}
		got, err := vm.ApplyDelta(base, d)
		if err != nil || !bytes.Equal(got, full) {
			t.Fatalf("step %d: %v", step, err)
		}
		base = full
	}
}

// TestSnapshotDeltaKeepBase: a machine that keeps its base writes each
// later delta against the snapshot it was restored from; so does the
// machine RestoreDelta makes of that base and the previous delta,
// resumed the same way. Their deltas may differ (the kept machine also
// writes objects it changed that are no longer reachable), but each
// applies to the base to give the same full snapshot.
func TestSnapshotDeltaKeepBase(t *testing.T) {
	p, base := deltaMachine(t, 500)
	warm, err := vm.Restore(p, base, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	var prev []byte // the last delta against base
	for step := range 6 {
		cold, err := vm.Restore(p, base, deltaOpts())
		if prev != nil {
			cold, err = vm.RestoreDelta(p, base, prev, deltaOpts())
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		var fulls, deltas [][]byte
		for _, m := range []*vm.Machine{warm, cold} {
			if _, err := m.Resume(vm.String("r" + itoa(step))); err != nil {
				t.Fatal(err)
			}
			full, d, err := m.SnapshotDeltaKeepBase()
			if err != nil {
				t.Fatal(err)
			}
			fulls, deltas = append(fulls, full), append(deltas, d)
		}
		if !bytes.Equal(fulls[0], fulls[1]) {
			t.Fatalf("step %d: the kept and the restored machine are in different states", step)
		}
		for i, d := range deltas {
			got, err := vm.ApplyDelta(base, d)
			if err != nil || !bytes.Equal(got, fulls[0]) {
				t.Fatalf("step %d, machine %d: the delta against the first base gives another state: %v", step, i, err)
			}
		}
		prev = deltas[0]
	}
}
