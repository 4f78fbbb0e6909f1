package vm_test

// Fuzz targets for the snapshot decoder: raw bytes to Restore, raw bytes
// to load from .wf, and mutations of real snapshots. Each input must give
// an error wrapping ErrBadSnapshot or ErrWrongProgram, or a machine that
// runs under a small budget without panicking or hanging.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// fuzzBudget bounds a machine restored from fuzzed bytes.
func fuzzBudget(ctx context.Context, hosts ...*vm.Builtin) vm.Options {
	return vm.Options{
		Stdout:       io.Discard,
		Context:      ctx,
		MaxSteps:     5_000,
		MaxAlloc:     1 << 20,
		MaxCallDepth: 50,
		Hosts:        append([]*vm.Builtin{askHost}, hosts...),
	}
}

// runBriefly runs or resumes a restored machine through a few
// suspensions; any error is fine.
func runBriefly(m *vm.Machine) {
	s, err := m.Resume(vm.String("reply"))
	if errors.Is(err, vm.ErrNotSuspended) {
		s, err = m.Run()
	}
	for i := 0; i < 5 && s != nil && err == nil; i++ {
		s, err = m.Resume(vm.Int(int64(i)))
	}
}

// restoreAndRun is the property every fuzzed snapshot must have.
func restoreAndRun(t *testing.T, p *compiler.Program, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := vm.Restore(p, data, fuzzBudget(ctx))
	if err != nil {
		if !errors.Is(err, vm.ErrBadSnapshot) && !errors.Is(err, vm.ErrWrongProgram) {
			t.Fatalf("error wraps neither ErrBadSnapshot nor ErrWrongProgram: %v", err)
		}
		return
	}
	if _, err := vm.Inspect(p, data, vm.InspectOptions{}); err != nil {
		t.Fatalf("Restore accepted what Inspect refuses: %v", err)
	}
	runBriefly(m)
	if ctx.Err() != nil {
		t.Fatal("restored machine ran past its deadline")
	}
}

// seedSnap is a real snapshot and the program it belongs to.
type seedSnap struct {
	prog *compiler.Program
	data []byte
}

// seedSnapshots are real snapshots of hostileProgram (first) and
// suspendingProgram: every few steps and at each suspension, computed once.
var seedSnapshots = sync.OnceValue(func() []seedSnap {
	var snaps []seedSnap
	for _, src := range []string{hostileProgram, suspendingProgram} {
		p, err := compiler.CompileSource("test.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), "ask")})
		if err != nil {
			panic(err)
		}
		for n := int64(1); n < 400; n += 13 {
			m, err := vm.New(p, vm.Options{Stdout: io.Discard, MaxSteps: n, Hosts: []*vm.Builtin{askHost}})
			if err != nil {
				panic(err)
			}
			s, err := m.Run()
			for s != nil && err == nil {
				if b, err := m.Snapshot(vm.SnapshotOptions{}); err == nil {
					snaps = append(snaps, seedSnap{p, b})
				}
				s, err = m.Resume(vm.String("r"))
			}
			if b, err := m.Snapshot(vm.SnapshotOptions{}); err == nil {
				snaps = append(snaps, seedSnap{p, b})
			}
		}
	}
	return snaps
})

func FuzzRestore(f *testing.F) {
	snaps := seedSnapshots()
	p := snaps[0].prog
	for _, s := range snaps {
		if s.prog == p {
			f.Add(s.data)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x86})
	f.Fuzz(func(t *testing.T, data []byte) {
		restoreAndRun(t, p, data)
	})
}

// FuzzSnapshotMutation edits real snapshots at fuzzer-chosen offsets: op
// picks xor, overwrite, insert or delete of the byte at off.
func FuzzSnapshotMutation(f *testing.F) {
	snaps := seedSnapshots()
	for i := range snaps {
		f.Add(uint16(i), uint32(i*7), byte(1), byte(i%4), uint32(i*13), byte(0x80))
	}
	f.Fuzz(func(t *testing.T, which uint16, off uint32, val, op byte, off2 uint32, val2 byte) {
		s := snaps[int(which)%len(snaps)]
		data := mutate(mutate(bytes.Clone(s.data), off, val, op), off2, val2, op>>2)
		restoreAndRun(t, s.prog, data)
	})
}

func mutate(b []byte, off uint32, val, op byte) []byte {
	if len(b) == 0 {
		return b
	}
	i := int(off % uint32(len(b)))
	switch op % 4 {
	case 0:
		b[i] ^= val
	case 1:
		b[i] = val
	case 2:
		b = append(b[:i], append([]byte{val}, b[i:]...)...)
	default:
		b = append(b[:i], b[i+1:]...)
	}
	return b
}

// loadProgram loads the bytes its host function input gives and pokes at
// the value; with no input it emits dumps of assorted values instead,
// which seed FuzzLoad (a dump loads only into the program that made it).
const loadProgram = `
fn gen(n) {
    let c = 0
    let f = fn() { c += 1; return c }
    try {
        for i in range(n) { yield [i, f()] }
    } finally { print("gen done") }
}
fn poke(v, depth) {
    if depth > 3 { return }
    print(type(v), str(v), len(dump(v)))
    if type(v) == "generator" {
        for x in v { print(x) }
    } else if type(v) == "coroutine" {
        print(v.status, v.switch(1))
    } else if type(v) == "function" {
        try { print(v()) } catch e { print(e.kind) }
    } else if type(v) == "list" {
        for x in v { poke(x, depth + 1) }
    } else if type(v) == "map" {
        for k, x in v { print(k); poke(x, depth + 1) }
    }
}
let data = input()
if data == nil {
    let g = gen(4)
    g.next()
    emit(dump(g))
    let l = [1, "s", 2.5, nil, true, bytes("b")]
    l.push(l)
    emit(dump(l))
    emit(dump({"a": l, "b": [l, g], "r": range(1, 9, 2)}))
    let main = current()
    let co = coroutine(fn(x) { let y = main.switch(x); return [x, y] })
    co.switch(5)
    emit(dump(co))
    emit(dump(fn() { return g.next() }))
    emit(dump(error("k", "m")))
    emit(dump([main, print, gen]))
} else {
    poke(load(data), 0)
}
`

// loadHosts returns input, giving data (nil when data is nil), and emit,
// collecting into out.
func loadHosts(data []byte, out *[][]byte) []*vm.Builtin {
	return []*vm.Builtin{
		{Name: "input", Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
			if data == nil {
				return vm.Nil, nil
			}
			return vm.Bytes(data), nil
		}},
		{Name: "emit", Fn: func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
			*out = append(*out, bytes.Clone(args[0].AsBytes()))
			return vm.Nil, nil
		}},
	}
}

func FuzzLoad(f *testing.F) {
	p, err := compiler.CompileSource("load.wf", []byte(loadProgram), compiler.Options{Predeclared: append(vm.Universe(), "input", "emit")})
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: loadHosts(nil, &seeds)})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if data == nil {
			data = []byte{}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m, err := vm.New(p, fuzzBudget(ctx, loadHosts(data, nil)...))
		if err != nil {
			t.Fatal(err)
		}
		m.Run()
		if ctx.Err() != nil {
			t.Fatal("load ran past its deadline")
		}
	})
}

// TestLoadSeeds checks that FuzzLoad's seeds are real: each dump loads and
// is poked at without error.
func TestLoadSeeds(t *testing.T) {
	p, err := compiler.CompileSource("load.wf", []byte(loadProgram), compiler.Options{Predeclared: append(vm.Universe(), "input", "emit")})
	if err != nil {
		t.Fatal(err)
	}
	var seeds [][]byte
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: loadHosts(nil, &seeds)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 7 {
		t.Fatalf("%d seeds, want 7", len(seeds))
	}
	for i, s := range seeds {
		var out bytes.Buffer
		m, err := vm.New(p, vm.Options{Stdout: &out, MaxSteps: 100_000, Hosts: loadHosts(s, nil)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Run(); err != nil {
			t.Errorf("seed %d: %v\noutput:\n%s", i, err, out.String())
		}
	}
}

// TestRegressionSnapshots restores the doctored snapshots kept in
// testdata/snapshots, each named after the program it belongs to
// (hostile-* or suspending-*): each must fail cleanly or run.
func TestRegressionSnapshots(t *testing.T) {
	files, err := filepath.Glob("testdata/snapshots/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no regression snapshots: %v", err)
	}
	progs := map[string]string{"hostile": hostileProgram, "suspending": suspendingProgram}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, ok := progs[strings.SplitN(filepath.Base(file), "-", 2)[0]]
			if !ok {
				t.Fatalf("%s: name must start with a program: hostile- or suspending-", file)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			restoreAndRun(t, compile(t, src, "ask"), data)
		})
	}
}
