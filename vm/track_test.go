package vm_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// mutationProgram runs, at each reply to ask, one of many changes to a
// state of lists, maps, cells, errors, generators, iterators and a
// coroutine: every builtin method that changes its receiver, every
// opcode that writes into an object, generator resumes, throws of stored
// errors, iterators moving inside suspended generators and in the for
// loop around the ask, and a coroutine that suspends in ask itself. A
// reply is [code, a, b].
const mutationProgram = `
let lists = [[1, 2, 3], [4, 5], [], [9, [8, 7]], [3, 1, 2], ["b", "a"], [6], [[1], [2]]]
let maps = [{"a": 1}, {"b": [1]}, {}, {"z": {"y": 2}}, {"k1": 1, "k2": 2}, {"k3": [3]}, {"k4": 4, "k5": 5, "k6": 6}, {"k0": 0}]
let errs = [error("value_error", "boom"), error("value_error", "bang")]
fn mk() {
    let c = 0
    return fn(d) {
        c += d
        return c
    }
}
let counters = [mk(), mk()]
fn cellgen() {
    let c = 0
    let get = fn() { return c }
    while true {
        c += 1
        yield get
    }
}
fn walk(xs) {
    for x in xs { yield x }
}
fn walkm(m) {
    for k, v in m { yield k }
}
let gens = [cellgen(), walk(lists[0]), walk(range(1000)), walkm(maps[0]), walk("abcdef")]
let main = current()
let co = coroutine(fn(x) {
    while true {
        lists[1].push(x)
        let v = ask("co")
        maps[2]["co" + str(len(lists[1]))] = v
        x = main.switch(nil)
    }
})
let total = 0
let caught = []
for step in range(1000000) {
    let op = ask(step)
    let code = op[0]
    let a = op[1]
    let b = op[2]
    let l = lists[a % len(lists)]
    let mp = maps[a % len(maps)]
    let k = "k" + str(b % 7)
    try {
        if code == 0 { l.push(b) }
        else if code == 1 { if len(l) > 0 { l.pop() } }
        else if code == 2 { l.insert(0, b) }
        else if code == 3 { if len(l) > 0 { l.remove(l[b % len(l)]) } }
        else if code == 4 { l.extend([b, [b]]) }
        else if code == 5 { l.reverse() }
        else if code == 6 { lists[a % len(lists)] = [b, b + 1, b - 1]; lists[a % len(lists)].sort() }
        else if code == 7 { if len(l) > 0 { l[0] = b } }
        else if code == 8 { if len(l) > 0 { l[-1] = {"v": b} } }
        else if code == 9 { mp[k] = b }
        else if code == 10 { mp.set(k, [b]) }
        else if code == 11 { mp.delete(k) }
        else if code == 12 { mp.remove(k) }
        else if code == 13 { mp.pop(k, nil) }
        else if code == 14 { mp.update({k: b, "u": [b]}) }
        else if code == 15 { mp.field = b }
        else if code == 16 { total += counters[a % 2](b) }
        else if code == 17 { let g = gens[a % len(gens)].next(); if type(g) == "function" { total += g() } }
        else if code == 18 { l.push([b, {"x": b, "l": [b]}]) }
        else if code == 19 { l.push(maps[b % len(maps)]) }
        else if code == 20 { throw errs[a % len(errs)] }
        else if code == 21 { errs.push(error("value_error", "e" + str(b))) }
        else if code == 22 { co.switch(b) }
        else if code == 23 { push(l, b); pop(l) }
        else if code == 24 { l.sort(fn(x, y) { return len(repr(y)) - len(repr(x)) }) }
        else if code == 25 { maps[a % len(maps)] = json_decode("{\"j\": [1, {\"k\": 2}]}") }
        else if code == 26 { gens[a % len(gens)] = walk(l) }
        else if code == 27 { gens[a % len(gens)] = walkm(mp) }
        else if code == 28 { mp["n"] = {"inner": [b]}; mp["n"]["inner"].push(b) }
        else if code == 29 { l.push(mp); mp["back"] = l }
        else if code == 30 { for x in range(3) { total += x; if b % 2 == 0 { let s = ask("nested") } } }
        else if code == 31 { lists[a % len(lists)] = [] }
        else if code == 32 { total = b }
    } catch e {
        caught.push(e)
        if len(caught) > 20 { caught = [] }
    }
}
`

// mutationCodes is how many operations mutationProgram knows.
const mutationCodes = 33

// TestDeltaTracksEveryChange: random sequences of every kind of change a
// program can make, on a machine that writes deltas by its change marks,
// give deltas that turn the base into exactly the machine's full
// snapshot, byte for byte, at every step; so do machines restored from
// a base and delta, and ones whose base moved on (Delta). A machine
// without Options.Deltas run the same way ends in the same state.
func TestDeltaTracksEveryChange(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	p := compile(t, mutationProgram, "ask")
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkTracking(t, p, uint64(seed)) })
	}
}

// checkTracking runs one random sequence of mutationProgram's changes.
func checkTracking(t *testing.T, p *compiler.Program, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	plain, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Run(); err != nil {
		t.Fatal(err)
	}
	base, err := plain.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := vm.Restore(p, base, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	for step := range 60 {
		reply := vm.NewList([]vm.Value{vm.Int(rnd.Int64N(mutationCodes)), vm.Int(rnd.Int64N(100)), vm.Int(rnd.Int64N(100))})
		for _, mm := range []*vm.Machine{plain, m} {
			if _, err := mm.Resume(reply); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		full, delta, err := m.SnapshotDeltaKeepBase()
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		want, err := plain.Snapshot(vm.SnapshotOptions{})
		if err != nil || !bytes.Equal(full, want) {
			t.Fatalf("step %d (op %s): the tracking machine's state differs from the plain one's (%v)", step, vm.Repr(reply), err)
		}
		got, err := vm.ApplyDelta(base, delta)
		if err != nil || !bytes.Equal(got, full) {
			t.Fatalf("step %d (op %s): the delta does not give the full snapshot (%v)", step, vm.Repr(reply), err)
		}
		switch rnd.IntN(6) {
		case 0, 1: // go on from a machine restored from the base and the delta
			if m, err = vm.RestoreDelta(p, base, delta, deltaOpts()); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		case 2, 3: // move the base on to this state
			d, err := m.Delta()
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if got, err := vm.ApplyDelta(base, d); err != nil || !bytes.Equal(got, full) {
				t.Fatalf("step %d: Delta does not give the full snapshot (%v)", step, err)
			}
			base = full
		}
	}
}

// asVersion1 rewrites a version 2 delta as the version 1 delta of the
// same changes: version 1 recorded, where version 2 has the checksum of
// its body, the state hash of the snapshot it gives (full).
func asVersion1(t testing.TB, d, full []byte) []byte {
	t.Helper()
	// [0x86, "wf-delta" (9 bytes), version, 3 × (0x58 0x20, 32 bytes), body]
	const versionAt, sumAt = 10, 11 + 2*34 + 2
	if len(d) < sumAt+32 || d[versionAt] != 2 {
		t.Fatalf("not a version 2 delta: % x", d[:min(len(d), 16)])
	}
	v1 := bytes.Clone(d)
	v1[versionAt] = 1
	h := vm.StateHash(full)
	copy(v1[sumAt:], h[:])
	return v1
}

// TestDeltaVersions: a delta of format version 1, which records the hash
// of the state it gives, still applies, and is refused when the state it
// gives is not that one; a version 2 delta whose contents do not match
// its checksum is refused.
func TestDeltaVersions(t *testing.T) {
	p, base := deltaMachine(t, 50)
	m, err := vm.Restore(p, base, deltaOpts())
	if err != nil {
		t.Fatal(err)
	}
	m.Resume(vm.String("x"))
	full, d, err := m.SnapshotDeltaKeepBase()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := vm.ApplyDelta(base, asVersion1(t, d, full)); err != nil || !bytes.Equal(got, full) {
		t.Fatalf("version 1: %v", err)
	}
	if _, err := vm.ApplyDelta(base, asVersion1(t, d, base)); !errors.Is(err, vm.ErrBadSnapshot) {
		t.Errorf("version 1 with another state's hash: %v, want ErrBadSnapshot", err)
	}
	bad := bytes.Clone(d)
	bad[len(bad)-3] ^= 1
	if _, err := vm.ApplyDelta(base, bad); !errors.Is(err, vm.ErrBadSnapshot) {
		t.Errorf("a changed byte: %v, want ErrBadSnapshot", err)
	}
	if got, err := vm.DeltaBase(d); err != nil || got != vm.StateHash(base) {
		t.Errorf("DeltaBase: %x, %v", got[:4], err)
	}
}

// TestCheckDeltas: a change the machine cannot see (a host function
// writing into a list it did not make, which Options.Deltas forbids) is
// missing from the delta; with Options.CheckDeltas writing that delta
// fails with ErrInternal instead.
func TestCheckDeltas(t *testing.T) {
	sneak := &vm.Builtin{Name: "sneak", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		args[0].AsList().Elems[0] = vm.Int(99)
		return vm.Nil, nil
	}}
	p := compile(t, "let xs = [1, 2]\nask(0)\nsneak(xs)\nask(1)\n", "ask", "sneak")
	base := func(check bool) (*vm.Machine, []byte) {
		opts := vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost, sneak}, Deltas: true, CheckDeltas: check}
		m, err := vm.New(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		m.Run()
		data, err := m.Snapshot(vm.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m.Resume(vm.Nil)
		return m, data
	}
	m, data := base(false)
	full, d, err := m.SnapshotDeltaKeepBase()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := vm.ApplyDelta(data, d); err != nil || bytes.Equal(got, full) {
		t.Fatalf("the unmarked change reached the delta (%v): the test sees nothing", err)
	}
	m, _ = base(true)
	if _, err := m.DeltaKeepBase(); !errors.Is(err, vm.ErrInternal) {
		t.Errorf("CheckDeltas: %v, want ErrInternal", err)
	}
}
