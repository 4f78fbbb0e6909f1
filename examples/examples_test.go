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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
	"github.com/wf-lang/wf/wftest"
)

var update = flag.Bool("update", false, "rewrite the golden .out files")

func TestExamples(t *testing.T) {
	files, err := filepath.Glob("*.wf")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.wf") {
			continue // run by TestWfTests
		}
		t.Run(strings.TrimSuffix(path, ".wf"), func(t *testing.T) { check(t, path) })
	}
}

// TestWfTests runs the examples' own tests, the NAME_test.wf files, as
// wf test does, and fails if one fails.
func TestWfTests(t *testing.T) {
	var out bytes.Buffer
	if code := wftest.Run([]string{"."}, wftest.Options{Stdout: &out, Verbose: true}); code != wftest.ExitPass {
		t.Fatalf("wf test exited %d:\n%s", code, out.String())
	}
	if n := strings.Count(out.String(), "--- PASS"); n < 10 {
		t.Errorf("only %d tests passed:\n%s", n, out.String())
	}
}

// compileExample compiles an example, skipping it when it needs host
// functions and has no golden file.
func compileExample(t *testing.T, path string, haveGolden bool) *compiler.Program {
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
	return prog
}

// run runs prog with opts and returns its output and error.
func run(t *testing.T, prog *compiler.Program, opts vm.Options) (string, error) {
	var out bytes.Buffer
	opts.Stdout = &out
	m, err := vm.New(prog, opts)
	if err != nil {
		t.Fatal(err)
	}
	susp, err := m.Run()
	if susp != nil {
		t.Fatalf("run: suspended in host function %s", susp.Host)
	}
	return out.String(), err
}

func check(t *testing.T, path string) {
	golden := strings.TrimSuffix(path, ".wf") + ".out"
	want, err := os.ReadFile(golden)
	haveGolden := err == nil
	prog := compileExample(t, path, haveGolden)
	out, err := run(t, prog, vm.Options{MaxSteps: 500_000_000})
	if err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, out)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !haveGolden {
		t.Fatalf("no golden file %s; run go test -update", golden)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// everyStepPrefix bounds the snapshot-every-instruction run of an example:
// the heaviest examples run millions of instructions over large heaps, so
// by default the every-step round trip covers their first 5,000 steps
// (compared with a direct run cut at the same step) and the every-97 round
// trip their first 100,000: a few seconds in all. With WF_TEST_FULL set
// (.ci/run sets it) they cover 20,000 steps and the whole run: about three
// minutes on a two-core machine, most of it binarytrees' large heap.
func prefixes() (everyStep, every97 int64) {
	if os.Getenv("WF_TEST_FULL") != "" {
		return 20_000, 500_000_000
	}
	return 5_000, 100_000
}

// TestExamplesSnapshotTransparency reruns every example while the machine
// is snapshotted and restored from the bytes every N steps: the output must
// not change.
func TestExamplesSnapshotTransparency(t *testing.T) {
	files, err := filepath.Glob("*.wf")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(path, ".wf"), func(t *testing.T) {
			t.Parallel()
			golden := strings.TrimSuffix(path, ".wf") + ".out"
			_, err := os.Stat(golden)
			prog := compileExample(t, path, err == nil)
			everyStep, every97 := prefixes()
			direct, derr := run(t, prog, vm.Options{MaxSteps: everyStep})
			every1, err1 := run(t, prog, vm.Options{MaxSteps: everyStep, SnapshotEvery: 1})
			if diff := cmp.Diff(direct, every1); diff != "" || fmt.Sprint(derr) != fmt.Sprint(err1) {
				t.Errorf("every step: output or error differs: %v vs %v (-direct +every1):\n%s", derr, err1, diff)
			}
			if testing.Short() {
				return
			}
			full, ferr := run(t, prog, vm.Options{MaxSteps: every97})
			rounds, err97 := run(t, prog, vm.Options{MaxSteps: every97, SnapshotEvery: 97})
			if diff := cmp.Diff(full, rounds); diff != "" || fmt.Sprint(ferr) != fmt.Sprint(err97) {
				t.Errorf("every 97 steps: output or error differs: %v vs %v (-direct +every97):\n%s", ferr, err97, diff)
			}
		})
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

// TestReadmeShowsApprovalOutput keeps the output the README shows for its
// first command equal to what examples/approval.wf prints.
func TestReadmeShowsApprovalOutput(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("approval.out")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "`examples/approval.wf` prints:\n\n```\n")
	if !ok {
		t.Fatal("README.md no longer shows what examples/approval.wf prints")
	}
	shown, _, _ := strings.Cut(after, "```")
	if diff := cmp.Diff(string(want), shown); diff != "" {
		t.Errorf("README.md shows other output than approval.out (-want +README):\n%s", diff)
	}
}
