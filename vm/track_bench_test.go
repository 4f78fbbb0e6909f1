package vm_test

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/wf-lang/wf/vm"
)

// BenchmarkDeltaKeepBase: the time to write a delta against a kept base
// (DeltaKeepBase, what the durable engine's warm machines write) after
// 1% of a 5 MB state changed, and after one record did; BenchmarkDelta's
// Delta also writes the full snapshot that becomes the new base.
//
//	go test ./vm -run '^$' -bench DeltaKeepBase -benchtime 20x
func BenchmarkDeltaKeepBase(b *testing.B) {
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
	for _, c := range []struct {
		name  string
		reply vm.Value
	}{{"1%", vm.Nil}, {"one", vm.Int(1)}} {
		b.Run(c.name, func(b *testing.B) {
			p := compile(b, deltaKeepBench, "ask")
			m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{ask}, Deltas: true})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Run(); err != nil {
				b.Fatal(err)
			}
			var size int
			var spent time.Duration
			for i := 0; i < b.N; i++ {
				if _, err := m.Snapshot(vm.SnapshotOptions{}); err != nil { // a new base
					b.Fatal(err)
				}
				if _, err := m.Resume(c.reply); err != nil {
					b.Fatal(err)
				}
				runtime.GC() // not the collection of the snapshot's garbage
				start := time.Now()
				d, err := m.DeltaKeepBase()
				spent += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				size = len(d)
			}
			// The loop's own time is mostly the new bases: the delta's is
			// measured alone.
			b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "ns/delta")
			b.ReportMetric(float64(size), "delta-bytes")
			b.ReportMetric(float64(m.BaseSize()), "state-bytes")
		})
	}
}

// deltaKeepBench is deltaBench, where a reply of 1 changes one record
// instead of 1%.
const deltaKeepBench = `let N = 150000
let heap = []
for i in range(N) { heap.push({"id": i, "name": "item " + str(i), "ok": true}) }
let t = 0
while true {
    let one = ask(t)
    if one == 1 {
        heap[t % N]["id"] += 1
    } else {
        for j in range(N / 100) { heap[(j * 97 + t) % N]["id"] += 1 }
    }
    t += 1
}
`
