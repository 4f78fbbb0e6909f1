// Package wftest runs the tests of .wf programs; it is what "wf test"
// does.
//
// # Test files
//
// A test file is named NAME_test.wf. Its functions named test_* are its
// tests, run in the order they are declared. If NAME.wf is beside it, the
// two are compiled as one program, NAME.wf first, so the tests see its
// functions and globals, as a Go test sees its package. The program's top
// level (both files' statements outside functions) runs once, before the
// tests, with its output kept and shown only with -v or when it fails.
//
// Each test then runs on a machine of its own, restored from a snapshot
// taken when the top level finished: a test cannot see what another test
// changed, and the top level does not run again for each test. This is
// wf's snapshot machinery at work (spec/snapshot.md): the state after the
// top level is plain data, restored as many times as there are tests.
//
// # Assertions
//
// Test files may call two functions that only wf test provides; they are
// not builtins of the language, and a program run with wf run cannot call
// them:
//
//	assert(cond)              assert(cond, msg)
//	assert_eq(got, want)      assert_eq(got, want, msg)
//
// assert fails when cond is false (by wf's truth rules); assert_eq when
// got != want (by ==). Failing throws an error of kind
// "assertion_error", which ends the test unless it is caught. When got
// and want are lists or maps too long for a line, the failure shows a
// diff of their layouts, one element per line.
//
// # Workflow tests
//
// When NAME.wf is a durable workflow (it calls the engine's builtins:
// wait, sleep, input, now, instance_id), it is not compiled with the
// tests. The tests start instances of it instead, through host functions
// that drive a real engine (package engine, on SQLite in a temporary
// directory) the way the engine's own Go tests do: each test gets an
// engine of its own with a clock that starts at 2030-01-01 09:00 UTC and
// moves only with workflow_advance, and activities answered by stubs.
//
//	workflow_stub(name, result)        workflow_start([input]) -> id
//	workflow_signal(id, name, value)   workflow_advance(id, duration)
//	workflow_status(id)                workflow_output(id)
//	workflow_cancel(id)
//
// A stub whose result is an error value fails every call, with the
// error's kind and message (engine.ActivityError); workflow_cancel
// cancels an instance as wf cancel does, running its cleanup.
//
// See examples/expense_workflow_test.wf.
//
// # Results
//
// A test fails if it throws anything uncaught. Run prints, for each file,
// "ok" or "FAIL" and, for each failed test, its name, what it printed and
// the error with its source line, as "wf run" shows errors. Exit codes
// are those of go test: 0 when every test passed, 1 when one failed, 2
// for a file that does not compile or bad usage.
package wftest

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/wf-lang/wf/internal/paths"
	"github.com/wf-lang/wf/vm"
)

// Exit codes, as go test's.
const (
	ExitPass  = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Options configure Run.
type Options struct {
	Run      *regexp.Regexp // run only the tests whose names match; nil runs all
	Verbose  bool           // print every test, its output and its time
	Stdout   io.Writer      // where results go
	MaxSteps int64          // step budget of the top level and of each test; 0 means DefaultMaxSteps
}

// DefaultMaxSteps bounds each test, so that a test that loops forever
// fails instead of hanging the run.
const DefaultMaxSteps = 1_000_000_000

// Run runs the tests of every test file that paths name: a file, or a
// directory for every *_test.wf file under it. It returns the exit code.
func Run(names []string, opts Options) int {
	if opts.MaxSteps == 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	files, err := Find(names)
	if err != nil {
		fmt.Fprintf(opts.Stdout, "wf test: %v\n", err)
		return ExitUsage
	}
	if len(files) == 0 {
		fmt.Fprintf(opts.Stdout, "wf test: no *_test.wf files in %s\n", strings.Join(names, " "))
		return ExitUsage
	}
	code := ExitPass
	for _, f := range files {
		code = max(code, runFile(f, opts))
	}
	return code
}

// Find returns the test files paths name: each file as it is, and the
// *_test.wf files under each directory, in lexical order.
func Find(names []string) ([]string, error) { return paths.Expand(names, "_test.wf") }

// runFile loads and runs one test file and prints its results.
func runFile(path string, opts Options) int {
	start := time.Now()
	s, report := load(path)
	if s == nil {
		fmt.Fprint(opts.Stdout, report)
		fmt.Fprintf(opts.Stdout, "FAIL\t%s [does not compile]\n", path)
		return ExitUsage
	}
	failed := s.run(opts)
	status, code := "ok  ", ExitPass
	if failed {
		fmt.Fprintln(opts.Stdout, "FAIL")
		status, code = "FAIL", ExitFail
	}
	fmt.Fprintf(opts.Stdout, "%s\t%s\t%.3fs\n", status, path, time.Since(start).Seconds())
	return code
}

// run runs the suite's top level, then each test selected, printing as
// it goes. It reports whether anything failed.
func (s *suite) run(opts Options) bool {
	a := &asserts{}
	hosts, release := s.hosts(a)
	defer release()
	var setupOut bytes.Buffer
	m, err := vm.New(s.prog, vm.Options{Stdout: &setupOut, MaxSteps: opts.MaxSteps, Hosts: hosts})
	if err == nil {
		err = finish(m.Run())
	}
	var snap []byte
	if err == nil {
		snap, err = m.Snapshot(vm.SnapshotOptions{})
	}
	if err != nil {
		fmt.Fprintf(opts.Stdout, "--- FAIL: the top level of %s\n", s.test.path)
		s.printFailure(opts.Stdout, setupOut.String(), err, a)
		return true
	}
	if opts.Verbose && setupOut.Len() > 0 {
		fmt.Fprint(opts.Stdout, setupOut.String())
	}
	failed := false
	for _, name := range s.tests {
		if opts.Run != nil && !opts.Run.MatchString(name) {
			continue
		}
		if !s.runTest(name, snap, opts) {
			failed = true
		}
	}
	return failed
}

// runTest runs one test on a machine restored from snap and prints its
// result. It reports whether the test passed.
func (s *suite) runTest(name string, snap []byte, opts Options) bool {
	if opts.Verbose {
		fmt.Fprintf(opts.Stdout, "=== RUN   %s\n", name)
	}
	start := time.Now()
	a := &asserts{}
	hosts, release := s.hosts(a)
	defer release()
	var out bytes.Buffer
	m, err := vm.Restore(s.prog, snap, vm.Options{Stdout: &out, MaxSteps: opts.MaxSteps,
		FreshBudgets: true, Hosts: hosts})
	if err == nil {
		fn, _ := m.Global(name)
		_, err = m.Call(fn)
	}
	took := time.Since(start).Seconds()
	if err != nil {
		fmt.Fprintf(opts.Stdout, "--- FAIL: %s (%.2fs)\n", name, took)
		s.printFailure(opts.Stdout, out.String(), err, a)
		return false
	}
	if opts.Verbose {
		fmt.Fprint(opts.Stdout, indent(out.String()))
		fmt.Fprintf(opts.Stdout, "--- PASS: %s (%.2fs)\n", name, took)
	}
	return true
}

// finish turns a suspension of the top level (a host function that
// waits, which wf test cannot answer) into an error.
func finish(susp *vm.Suspension, err error) error {
	if err == nil && susp != nil {
		return fmt.Errorf("the program waits in %s, which wf test cannot answer", susp.Host)
	}
	return err
}

// printFailure prints what a failed test printed and its error, indented.
func (s *suite) printFailure(w io.Writer, out string, err error, a *asserts) {
	fmt.Fprint(w, indent(out))
	fmt.Fprint(w, indent(s.render(err)))
	if a.detail != "" {
		fmt.Fprint(w, indent(indent(a.detail)))
	}
}

// indent indents each line of s by four spaces.
func indent(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimSuffix(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}
