package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkSignalWarm measures one signal to a waiting instance that
// holds a map of n entries, with the warm cache (the step's machine
// kept from the last one) and without (the snapshot restored at every
// signal):
//
//	go test ./engine -run '^$' -bench SignalWarm
func BenchmarkSignalWarm(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		for _, mode := range []struct {
			name string
			warm int
		}{{"full", -1}, {"warm", 0}} {
			b.Run(fmt.Sprintf("entries=%d/%s", n, mode.name), func(b *testing.B) {
				e, err := Open(filepath.Join(b.TempDir(), "wf.db"), Options{WarmMachines: mode.warm}, SQLiteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				ctx := context.Background()
				src := fmt.Sprintf("let m = {}\nfor i in range(%d) { m[\"k\" + str(i)] = i }\nlet total = 0\nwhile true {\n    total += wait(\"add\")\n}\n", n)
				id, err := e.Start(ctx, "big.wf", []byte(src), nil)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := e.Signal(ctx, id, "add", []byte("1")); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(e.warm.restores.Load())/float64(b.N), "restores/op")
			})
		}
	}
}
