package progcache

import (
	"os"
	"testing"

	"github.com/wf-lang/wf/compiler"
)

// BenchmarkStartup compares what wf run does before running a program:
// parse and compile it (a cache miss, or --no-cache), or load it from the
// cache (read, checksum, decode, Verify), for a one-line program and for
// the largest example. A process's first parse also builds the parser
// (go test ./lang -bench BuildParser); a cache hit never does.
//
//	go test ./progcache -run '^$' -bench Startup -benchmem
func BenchmarkStartup(b *testing.B) {
	big, err := os.ReadFile("../examples/expense_workflow.wf")
	if err != nil {
		b.Fatal(err)
	}
	for _, prog := range []struct{ name, src string }{{"oneline", "print(6 * 7)\n"}, {"expense_workflow", string(big)}} {
		src := []byte(prog.src)
		opts := compiler.Options{Predeclared: names()}
		b.Run(prog.name+"/compile", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compiler.CompileSource("p.wf", src, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(prog.name+"/cached", func(b *testing.B) {
			c := OpenDir(b.TempDir())
			p, err := compiler.CompileSource("p.wf", src, opts)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Store(p, "bench"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if c.Load("p.wf", src, "bench") == nil {
					b.Fatal("miss")
				}
			}
		})
	}
}
