package compiler_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
)

var update = flag.Bool("update", false, "rewrite the .disasm golden files")

var predeclared = []string{"print", "len", "range", "str"}

// TestCodegen compiles each testdata/*.wf and compares the disassembly with
// the .disasm file next to it.
func TestCodegen(t *testing.T) {
	files, err := filepath.Glob("testdata/*.wf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no codegen cases: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compiler.CompileSource(filepath.Base(path), src, compiler.Options{Predeclared: predeclared})
			if err != nil {
				t.Fatal(err)
			}
			got := compiler.Disassemble(p)
			golden := strings.TrimSuffix(path, ".wf") + ".disasm"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("disassembly mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMaxStack checks the computed stack depth of every function covers
// what Analyze finds at every pc.
func TestMaxStack(t *testing.T) {
	src := `fn f(a, b) { return [a, b, {"k": a + b * (a - b)}, f] }
let g = fn(x) { try { return x } finally { print(x) } }`
	p, err := compiler.CompileSource("t.wf", []byte(src), compiler.Options{Predeclared: predeclared})
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range p.Funcs {
		fl, err := compiler.Analyze(fn)
		if err != nil {
			t.Fatal(err)
		}
		for pc, d := range fl.Depth {
			if d >= fn.MaxStack {
				t.Errorf("%s pc %d: depth %d, max stack %d", fn.Name, pc, d, fn.MaxStack)
			}
		}
	}
}
