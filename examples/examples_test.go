// Package examples_test runs every example program and compares what it
// prints with its golden file NAME.out. Run with -update to rewrite the
// golden files from the current output.
//
// Examples that need host functions the plain VM does not provide (files,
// a workflow engine) do not compile here; they are skipped, not failed,
// unless they have a golden file.
package examples_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

var update = flag.Bool("update", false, "rewrite the golden .out files")

func TestExamples(t *testing.T) {
	files, err := filepath.Glob("*.wf")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(path, ".wf"), func(t *testing.T) { check(t, path) })
	}
}

func check(t *testing.T, path string) {
	golden := strings.TrimSuffix(path, ".wf") + ".out"
	want, err := os.ReadFile(golden)
	haveGolden := err == nil
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := compiler.CompileSource(path, src, compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		if !haveGolden && undefinedOnly(err) {
			t.Skipf("needs host functions: %v", err)
		}
		t.Fatalf("compile: %s", lang.Render(err, src))
	}
	var out bytes.Buffer
	m, err := vm.New(prog, vm.Options{Stdout: &out, MaxSteps: 500_000_000})
	if err != nil {
		t.Fatal(err)
	}
	susp, err := m.Run()
	if err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, out.Bytes())
	}
	if susp != nil {
		t.Fatalf("run: suspended in host function %s", susp.Host)
	}
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !haveGolden {
		t.Fatalf("no golden file %s; run go test -update", golden)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// undefinedOnly reports whether a compile error is only about undefined
// names, which is what a missing host function looks like.
func undefinedOnly(err error) bool {
	var list lang.ErrorList
	if !errors.As(err, &list) {
		return false
	}
	for _, e := range list {
		if !strings.HasPrefix(e.Msg, "undefined: ") {
			return false
		}
	}
	return len(list) > 0
}
