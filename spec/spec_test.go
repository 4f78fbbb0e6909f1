// Package spec runs the conformance suite: every .wf file under spec/ with
// inline expectations.
//
// A case file states what it expects in comments:
//
//	print(1 + 2)   // expect: 3
//	print(1 / 0)   // error: zero_division
//	let x = }      // compile error: unexpected "}"
//
// "expect:" lines give the program's output lines in order (the text after
// "expect: " must equal the whole output line; "expect:" alone expects an
// empty line). "error:" marks the line where an uncaught throw escapes: the
// run must fail with an error whose text contains the given substring and
// whose innermost traceback entry is on that line. "compile error:" marks a
// line where compilation must fail with a message containing the text.
//
// A case NAME.wf may have a golden file NAME.stderr: the whole report of
// its compile error (lang.Render) or uncaught runtime error
// (vm.RuntimeError.Render), as wf prints it, with notes and hints. Run with
// -update to rewrite the golden files.
package spec

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

var update = flag.Bool("update", false, "rewrite the .stderr golden files")

// Case is a parsed conformance file.
type Case struct {
	Path         string
	Src          []byte
	Output       []string
	ErrLine      int
	ErrText      string
	CompileLines map[int]string
}

var directive = regexp.MustCompile(`//\s*(expect|error|compile error):(.*)$`)

// ParseCase reads the expectations out of a case file.
func ParseCase(path string) (*Case, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &Case{Path: path, Src: src, CompileLines: map[int]string{}}
	for i, line := range strings.Split(string(src), "\n") {
		m := directive.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text := strings.TrimPrefix(m[2], " ")
		switch m[1] {
		case "expect":
			c.Output = append(c.Output, text)
		case "error":
			c.ErrLine, c.ErrText = i+1, strings.TrimSpace(text)
		case "compile error":
			c.CompileLines[i+1] = strings.TrimSpace(text)
		}
	}
	return c, nil
}

// Files returns every case file of the suite.
func Files(t testing.TB) []string {
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == filepath.Join("conformance", "workflow") {
			return filepath.SkipDir // workflow cases need the engine: engine/workflow_conformance_test.go
		}
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wf") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Mode is one way of executing a case; every mode must give the same
// observable result.
type Mode struct {
	Name    string
	Options func(*vm.Options)
}

// Modes are the execution modes the suite runs under.
var Modes = []Mode{
	{Name: "direct", Options: func(*vm.Options) {}},
	{Name: "snapshot-every-1", Options: func(o *vm.Options) { o.SnapshotEvery = 1 }},
	{Name: "snapshot-every-97", Options: func(o *vm.Options) { o.SnapshotEvery = 97 }},
}

func TestConformance(t *testing.T) {
	for _, path := range Files(t) {
		c, err := ParseCase(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range Modes {
			t.Run(mode.Name+"/"+path, func(t *testing.T) { c.Check(t, mode) })
		}
	}
}

// TestReports compares the report of each case that has a NAME.stderr
// golden file with it.
func TestReports(t *testing.T) {
	n := 0
	for _, path := range Files(t) {
		golden := strings.TrimSuffix(path, ".wf") + ".stderr"
		if _, err := os.Stat(golden); err != nil && !*update {
			continue
		}
		n++
		t.Run(path, func(t *testing.T) { checkReport(t, path, golden) })
	}
	if n == 0 {
		t.Fatal("no .stderr golden files")
	}
}

// checkReport compiles and runs the case at path and compares the report
// of its error with the golden file.
func checkReport(t *testing.T, path, golden string) {
	c, err := ParseCase(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CompileLines) == 0 && c.ErrLine == 0 {
		return // not an error case
	}
	got := report(t, c)
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("report mismatch (-want +got):\n%s", diff)
	}
}

// report returns what wf reports for the case: its compile errors, or
// its uncaught runtime error.
func report(t *testing.T, c *Case) string {
	prog, err := compiler.CompileSource(c.Path, c.Src, compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		return lang.Render(err, c.Src)
	}
	m, err := vm.New(prog, vm.Options{Stdout: new(bytes.Buffer), MaxSteps: 50_000_000})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run()
	var re *vm.RuntimeError
	if !errors.As(err, &re) {
		t.Fatalf("want a runtime error, got %v", err)
	}
	return re.Render(c.Src) + "\n"
}

// Check runs the case in one mode and compares the result with the
// expectations.
func (c *Case) Check(t *testing.T, mode Mode) {
	prog, err := compiler.CompileSource(c.Path, c.Src, compiler.Options{Predeclared: vm.Universe()})
	if len(c.CompileLines) > 0 {
		c.checkCompileErrors(t, err)
		return
	}
	if err != nil {
		t.Fatalf("compile: %s", lang.Render(err, c.Src))
	}
	var out bytes.Buffer
	opts := vm.Options{Stdout: &out, MaxSteps: 50_000_000}
	mode.Options(&opts)
	m, err := vm.New(prog, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, runErr := m.Run()
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if out.Len() == 0 {
		got = nil
	}
	if diff := cmp.Diff(c.Output, got); diff != "" {
		t.Errorf("output mismatch (-want +got):\n%s", diff)
	}
	c.checkRuntimeError(t, runErr)
}

func (c *Case) checkRuntimeError(t *testing.T, err error) {
	if c.ErrLine == 0 {
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Errorf("want an error containing %q at line %d, got none", c.ErrText, c.ErrLine)
		return
	}
	if !strings.Contains(err.Error(), c.ErrText) {
		t.Errorf("error %q does not contain %q", err, c.ErrText)
	}
	var re *vm.RuntimeError
	if !errors.As(err, &re) || len(re.Trace) == 0 {
		t.Errorf("error has no traceback: %v", err)
		return
	}
	if line := re.Trace[len(re.Trace)-1].Pos.Line; line != c.ErrLine {
		t.Errorf("error at line %d, want line %d: %v", line, c.ErrLine, err)
	}
}

func (c *Case) checkCompileErrors(t *testing.T, err error) {
	var list lang.ErrorList
	var one *lang.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = lang.ErrorList{one}
	default:
		t.Fatalf("want compile errors at lines %v, got %v", c.CompileLines, err)
	}
	got := map[int][]string{}
	for _, e := range list {
		got[e.Pos.Line] = append(got[e.Pos.Line], e.Msg)
	}
	for line, want := range c.CompileLines {
		if !slices.ContainsFunc(got[line], func(msg string) bool { return strings.Contains(msg, want) }) {
			t.Errorf("line %d: want compile error containing %q; got errors:\n%s", line, want, fmtErrors(list))
		}
	}
}

func fmtErrors(list lang.ErrorList) string {
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "  %v\n", e)
	}
	return b.String()
}
