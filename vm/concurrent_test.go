package vm_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// A compiled program is shared: machines of one program may run on many
// goroutines at once (each machine on one). Run with -race.
func TestProgramSharedAcrossGoroutines(t *testing.T) {
	p := compileBench(t, `
fn gen(n) { let i = 0; while i < n { yield i; i += 1 } }
fn fib(n) { if n < 2 { return n }; return fib(n - 1) + fib(n - 2) }
let s = 0
for x in gen(100) { s += x }
let words = {}
for w in "a b a c".split(" ") { words[w] = words.get(w, 0) + 1 }
print(s, fib(15), words)
`)
	want := "4950 610 {\"a\": 2, \"b\": 1, \"c\": 1}\n"
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				var out bytes.Buffer
				m, err := vm.New(p, vm.Options{Stdout: &out, SnapshotEvery: 37})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := m.Run(); err != nil {
					t.Error(err)
					return
				}
				if out.String() != want {
					t.Errorf("got %q, want %q", out.String(), want)
					return
				}
			}
		})
	}
	wg.Wait()
}
