package bench

import (
	"io"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"

	"github.com/wf-lang/wf/bench/workloads"
)

// BenchmarkStartupPhases splits wf's startup workload into its phases:
// parsing, compiling the parsed file, and running the program in a fresh
// VM. Their sum is about the startup row of the table.
func BenchmarkStartupPhases(b *testing.B) {
	src, ok := workloads.Source("startup", "wf")
	if !ok {
		b.Fatal("no startup.wf")
	}
	opts := compiler.Options{Predeclared: append(vm.Universe(), "result")}
	b.Run("phase=parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := lang.Parse("bench.wf", []byte(src)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("phase=compile", func(b *testing.B) {
		f, err := lang.Parse("bench.wf", []byte(src))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compiler.Compile(f, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("phase=run", func(b *testing.B) {
		p, err := wfCompile(src)
		if err != nil {
			b.Fatal(err)
		}
		var out int64
		hosts := []*vm.Builtin{wfResult(&out)}
		b.ReportAllocs()
		for b.Loop() {
			m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: hosts})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Run(); err != nil || out != 42 {
				b.Fatalf("result %d, error %v", out, err)
			}
		}
	})
}
