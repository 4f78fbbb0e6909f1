package engine

// A benchmark of futures: a race of two activity calls against a signal.

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wf-lang/wf/vm"
)

const benchRace = `let a = start(quote, ["ups"])
let b = start(quote, ["fedex"])
let ev = wait_any([a, b, "cancel"], "1h")
print(ev.value, await(b))
`

// BenchmarkFutureRace measures a whole race per op: start two futures,
// run both (concurrently, in one step) and take the first, then await
// the other; three versions (start, the attempts with the answer, the
// end), committed in the caller of Start.
//
//	go test ./engine -run '^$' -bench FutureRace -benchmem
func BenchmarkFutureRace(b *testing.B) {
	quote := Activity{Name: "quote", Fn: func(_ context.Context, _ string, args []vm.Value) (vm.Value, error) {
		return vm.Int(int64(len(vm.Str(args[0])))), nil
	}}
	e, err := Open(filepath.Join(b.TempDir(), "wf.db"), Options{Activities: []Activity{quote}}, SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		id, err := e.Start(ctx, "race.wf", []byte(benchRace), nil)
		if err != nil {
			b.Fatal(err)
		}
		if h, err := e.store.State(ctx, id); err != nil || h.Status != Completed {
			b.Fatalf("%s %v", h.Status, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "races/s")
}
