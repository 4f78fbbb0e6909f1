package vm_test

import (
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// Benchmarks of whole-machine snapshots of large heaps, by shape: the
// cost of Snapshot (encode) and Restore (decode and verify) per object
// and per byte. Reproduce with
//
//	go test ./vm -run '^$' -bench 'Heap' -benchtime 5x

var heapShapes = []struct{ name, build string }{
	{"ints", `let heap = list(range(N))`},
	{"maps", `let heap = []
for i in range(N) { heap.push({"id": i, "name": "item " + str(i), "ok": true}) }`},
	{"nested", `let heap = []
for i in range(N / 4) { heap.push({"order": {"id": i, "lines": [i, i + 1]}, "tags": ["a", "b"]}) }`},
	{"closures", `let heap = []
for i in range(N) { let k = i
heap.push(fn() { return k }) }`},
	{"generators", `fn gen(n) { let i = 0
while true { yield i + n
i += 1 } }
let heap = []
for i in range(N) { let g = gen(i)
g.next()
heap.push(g) }`},
}

// heapMachine runs a program that builds n objects of a shape and waits.
func heapMachine(b *testing.B, build string, n int) (*vm.Machine, *compiler.Program, []byte) {
	b.Helper()
	src := fmt.Sprintf("let N = %d\n%s\nlet r = ask(len(heap))\n", n, build)
	p := compile(b, src, "ask")
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{ask}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		b.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return m, p, data
}

func BenchmarkHeapSnapshot(b *testing.B) {
	for _, sh := range heapShapes {
		for _, n := range []int{1000, 100000} {
			b.Run(fmt.Sprintf("%s/%d", sh.name, n), func(b *testing.B) {
				m, _, data := heapMachine(b, sh.build, n)
				benchSnapshot(b, m, data, n)
			})
		}
	}
}

func BenchmarkHeapRestore(b *testing.B) {
	for _, sh := range heapShapes {
		for _, n := range []int{1000, 100000} {
			b.Run(fmt.Sprintf("%s/%d", sh.name, n), func(b *testing.B) {
				_, p, data := heapMachine(b, sh.build, n)
				benchRestore(b, p, data, n)
			})
		}
	}
}

// BenchmarkHeapCurve: Snapshot and Restore of every shape from 10 to
// 1,000,000 objects, to show the cost per object staying flat (-short
// stops at 100,000). Reproduce with
//
//	go test ./vm -run '^$' -bench 'HeapCurve' -benchtime 2x
func BenchmarkHeapCurve(b *testing.B) {
	for _, sh := range heapShapes {
		for _, n := range []int{10, 100, 1000, 10000, 100000, 1000000} {
			if n > 100000 && testing.Short() {
				continue
			}
			b.Run(fmt.Sprintf("%s/%d", sh.name, n), func(b *testing.B) {
				m, p, data := heapMachine(b, sh.build, n)
				b.Run("snapshot", func(b *testing.B) { benchSnapshot(b, m, data, n) })
				b.Run("restore", func(b *testing.B) { benchRestore(b, p, data, n) })
			})
		}
	}
}

// benchSnapshot times m.Snapshot, whose result is data, for a heap of n
// objects.
func benchSnapshot(b *testing.B, m *vm.Machine, data []byte, n int) {
	b.SetBytes(int64(len(data)))
	perObject(b, n, func() {
		if _, err := m.Snapshot(vm.SnapshotOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

// benchRestore times Restore (decoding and verifying) of data, a
// snapshot of a heap of n objects made by p.
func benchRestore(b *testing.B, p *compiler.Program, data []byte, n int) {
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
	b.SetBytes(int64(len(data)))
	perObject(b, n, func() {
		if _, err := vm.Restore(p, data, vm.Options{Hosts: []*vm.Builtin{ask}}); err != nil {
			b.Fatal(err)
		}
	})
}

// perObject runs op b.N times and reports its cost per object of a heap
// of n: time, CPU time (of every thread, the collector's included: on a
// busy machine steadier than wall time), bytes allocated and allocations.
func perObject(b *testing.B, n int, op func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		op()
	}
	cpu1, _ := cpuTime()
	runtime.ReadMemStats(&after)
	per := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/object")
	if cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/per, "cpu-ns/object")
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/per, "B/object")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/per, "allocs/object")
}

// deltaBench holds about 5 MB of records and, at each reply, changes 1%
// of them.
const deltaBench = `let N = 150000
let heap = []
for i in range(N) { heap.push({"id": i, "name": "item " + str(i), "ok": true}) }
let t = 0
while true {
    ask(t)
    for j in range(N / 100) { heap[(j * 97 + t) % N]["id"] += 1 }
    t += 1
}
`

// BenchmarkDelta: after 1% of a 5 MB state changed, the time to write a
// delta (Delta, which also takes the new base), to apply it (ApplyDelta)
// and the delta's size, against a full Snapshot of the same machine.
// Reproduce with
//
//	go test ./vm -run '^$' -bench 'Delta' -benchtime 5x
func BenchmarkDelta(b *testing.B) {
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
	p := compile(b, deltaBench, "ask")
	opts := vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{ask}, Deltas: true}
	m, err := vm.New(p, opts)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		b.Fatal(err)
	}
	full, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var size int
	b.Run("delta", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if _, err := m.Resume(vm.Nil); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			d, err := m.Delta()
			if err != nil {
				b.Fatal(err)
			}
			size = len(d)
		}
		b.ReportMetric(float64(size), "delta-bytes")
		b.ReportMetric(float64(len(full)), "state-bytes")
	})
	b.Run("full", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if _, err := m.Resume(vm.Nil); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := m.Snapshot(vm.SnapshotOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(full)), "bytes")
	})
	base, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Resume(vm.Nil); err != nil {
		b.Fatal(err)
	}
	d, err := m.Delta()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("apply", func(b *testing.B) {
		b.SetBytes(int64(len(base)))
		for b.Loop() {
			if _, err := vm.ApplyDelta(base, d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
