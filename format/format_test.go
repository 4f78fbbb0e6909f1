package format_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/format"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// TestGolden formats each testdata/NAME.input, an ugly program, and
// compares the result with testdata/NAME.golden.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.input")
	if len(inputs) == 0 {
		t.Fatal("no testdata/*.input files")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := mustFormat(t, in, src)
			golden := strings.TrimSuffix(in, ".input") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			checkSame(t, in, src, got)
		})
	}
}

// TestRepository checks every .wf file of the repository that parses:
// it is formatted already (CI runs "wf fmt -l" too, this says why when
// it fails), and formatting it keeps its meaning.
func TestRepository(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../examples/*.wf", "../examples/*/*.wf", "../bench/workloads/*.wf",
		"../spec/conformance/*.wf", "../spec/conformance/*/*.wf"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 40 {
		t.Fatalf("found only %d .wf files", len(files))
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lang.Parse(path, src); err != nil {
			continue // a case of the syntax-error suite
		}
		got := mustFormat(t, path, src)
		if !bytes.Equal(got, src) {
			t.Errorf("%s is not formatted: run wf fmt -w %s", path, path)
		}
		checkSame(t, path, src, got)
	}
}

func mustFormat(t *testing.T, path string, src []byte) []byte {
	t.Helper()
	out, err := format.Source(path, src)
	if err != nil {
		t.Fatalf("%s", lang.Render(err, src))
	}
	return out
}

// checkSame checks that formatted, the result of formatting src, parses
// to the same tree, compiles to the same code as src (when src compiles),
// and does not change when formatted again.
func checkSame(t *testing.T, path string, src, formatted []byte) {
	t.Helper()
	if again := mustFormat(t, path, formatted); !bytes.Equal(again, formatted) {
		t.Errorf("%s: formatting twice changes it:\nonce:\n%s\ntwice:\n%s", path, formatted, again)
	}
	a, b := tree(t, path, src), tree(t, path, formatted)
	if a != b {
		t.Errorf("%s: formatting changed the tree:\nbefore:\n%s\nafter:\n%s\nformatted:\n%s", path, a, b, formatted)
	}
	if x, ok := code(path, src); ok {
		if y, _ := code(path, formatted); x != y {
			t.Errorf("%s: formatting changed the code:\nbefore:\n%s\nafter:\n%s", path, x, y)
		}
	}
}

func tree(t *testing.T, path string, src []byte) string {
	t.Helper()
	f, err := lang.Parse(path, src)
	if err != nil {
		t.Fatalf("%s", lang.Render(err, src))
	}
	return lang.DumpFile(f)
}

// sourceLine matches the lines of a disassembly that show source.
var sourceLine = regexp.MustCompile(`(?m)^  ; \d+: .*\n`)

// code returns the disassembly of src without its source lines, and
// whether src compiled. Names src uses but does not declare (host
// functions of some examples) are predeclared.
func code(path string, src []byte) (string, bool) {
	f, err := lang.Parse(path, src)
	if err != nil {
		return "", false
	}
	names := vm.Universe()
	seen := map[string]bool{}
	for _, s := range f.Stmts {
		lang.Inspect(s, func(n lang.Node) bool {
			if id, ok := n.(*lang.Ident); ok && !seen[id.Name] {
				seen[id.Name] = true
				names = append(names, id.Name)
			}
			return true
		})
	}
	for _, pre := range [][]string{vm.Universe(), names} {
		if p, err := compiler.Compile(f, compiler.Options{Predeclared: pre}); err == nil {
			return sourceLine.ReplaceAllString(compiler.Disassemble(p), ""), true
		}
	}
	return "", false
}

// FuzzFormat checks, for any source that parses, that formatting it
// gives source that parses to the same tree, compiles to the same code,
// and is formatted already.
func FuzzFormat(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.input")
	for _, pattern := range []string{"../examples/*.wf", "../spec/conformance/*.wf"} {
		m, _ := filepath.Glob(pattern)
		inputs = append(inputs, m...)
	}
	for _, path := range inputs {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := lang.ParseWith("fuzz.wf", src, lang.Options{MaxNesting: 50}); err != nil {
			return
		}
		checkSame(t, "fuzz.wf", src, mustFormat(t, "fuzz.wf", src))
	})
}
