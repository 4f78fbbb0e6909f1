package vm_test

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// TestScalarsDoNotAllocate runs an arithmetic loop over nil, bool, int and
// float values at two sizes: the allocations must not grow with the
// number of iterations.
func TestScalarsDoNotAllocate(t *testing.T) {
	allocs := func(n int) float64 {
		src := fmt.Sprintf(`
fn f(n) {
    let i = 0
    let x = 0.5
    let acc = 0
    let flag = false
    let none = nil
    while i < n {
        acc = acc + i * 3 %% 7 - 1
        x = x * 1.000001 + 0.25 / 2.0
        flag = not flag and i >= 0 or none == nil
        i += 1
    }
    return acc
}
f(%d)`, n)
		p, err := compiler.CompileSource("alloc.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(5, func() {
			m, _ := vm.New(p, vm.Options{Stdout: io.Discard})
			if _, err := m.Run(); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(10), allocs(100_000)
	if large != small {
		t.Errorf("allocations grow with iterations: %v for 10, %v for 100000", small, large)
	}
}

// TestSnapshotSizeIndependentOfRunLength snapshots the same live state
// after a short and a long run: the sizes must be equal.
func TestSnapshotSizeIndependentOfRunLength(t *testing.T) {
	size := func(n int) int {
		src := fmt.Sprintf(`
fn busy(n) {
    let total = 0
    for i in range(n) { total += i %% 3 }
    return total
}
busy(%d)
fn worker(state) {
    let answer = yield state
    return answer
}
let g = worker({"step": "approval", "tries": [1, 2, 3]})
g.next()
stop(g)`, n)
		var data []byte
		hosts := []*vm.Builtin{{Name: "stop", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			var err error
			data, err = m.Dump(args[0])
			return vm.Nil, err
		}}}
		p, err := compiler.CompileSource("size.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), "stop")})
		if err != nil {
			t.Fatal(err)
		}
		m, err := vm.New(p, vm.Options{Hosts: hosts})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
		return len(data)
	}
	// The snapshot holds the program's hash, not its source, so the sizes
	// compare the live state alone.
	if short, long := size(10), size(1_000_000); short != long {
		t.Errorf("snapshot after 10 iterations: %d bytes, after 1000000: %d", short, long)
	}
}

// TestSmallDumpAndLoadAllocateLittle: dumping a suspended generator that
// holds a few values, and loading it back, allocate a small multiple of
// its snapshot's size, not tables sized for a large heap (they did: 5 KB
// to dump 78 bytes, and a 4 KB string table to load them).
func TestSmallDumpAndLoadAllocateLittle(t *testing.T) {
	m := newAskMachine(t, `fn approval(order) {
    let answer = yield "ask " + order
    return answer == "yes"
}
let g = approval("o-1")
g.next()
let a = ask(g)`, &bytes.Buffer{})
	susp, err := m.Run()
	if err != nil || susp == nil {
		t.Fatalf("Run: %v, %v", susp, err)
	}
	g := susp.Request
	data, err := m.Dump(g)
	if err != nil {
		t.Fatal(err)
	}
	dump := bytesPerRun(func() {
		if _, err := m.Dump(g); err != nil {
			t.Fatal(err)
		}
	})
	load := bytesPerRun(func() {
		if _, err := m.Load(data); err != nil {
			t.Fatal(err)
		}
	})
	if limit := 32 * float64(len(data)); dump > limit || load > 2*limit {
		t.Errorf("a %d-byte snapshot: dump allocates %.0f bytes, load %.0f; want under %.0f and %.0f",
			len(data), dump, load, limit, 2*limit)
	}
}

// bytesPerRun returns the bytes f allocates a run, over 100 runs.
func bytesPerRun(f func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 100 {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / 100
}
