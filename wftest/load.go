package wftest

// This file defines how a test file and the program beside it are
// compiled as one.

import (
	"bytes"
	"errors"
	"os"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// source is one file of a suite.
type source struct {
	path string
	src  []byte
}

// suite is a test file compiled with the program it tests. The compiler
// takes one file, so the two sources are compiled as one text, the
// program's lines first; positions are mapped back to their own file
// (place) before anything is shown.
type suite struct {
	impl     *source // NAME.wf, or nil
	workflow *source // NAME.wf when it is a workflow: started by the tests, not joined
	test     source  // NAME_test.wf
	lines    int     // the lines of the joined text that come from impl
	prog     *compiler.Program
	tests    []string // the test_* functions, in order
}

// load reads and compiles the test file at path with the program beside
// it. It returns the suite, or nil and the errors, rendered.
func load(path string) (*suite, string) {
	s := &suite{test: source{path: path}}
	var err error
	if s.test.src, err = os.ReadFile(path); err != nil {
		return nil, "wf test: " + err.Error() + "\n"
	}
	implPath := strings.TrimSuffix(path, "_test.wf") + ".wf"
	if src, err := os.ReadFile(implPath); err == nil && implPath != path {
		s.impl = &source{path: implPath, src: src}
	}
	for _, f := range s.files() {
		parsed, err := lang.Parse(f.path, f.src)
		if err != nil {
			return nil, lang.Render(err, f.src)
		}
		if s.impl != nil && f.path == s.impl.path && usesWorkflow(parsed) {
			s.workflow, s.impl = s.impl, nil
		}
	}
	joined := s.join()
	f, err := lang.Parse(path, joined)
	if err == nil {
		s.prog, err = compiler.Compile(f, compiler.Options{Predeclared: s.predeclared()})
	}
	if err != nil {
		return nil, s.render(err)
	}
	s.tests = testNames(f, s.lines)
	return s, ""
}

// predeclared are the names the joined program may use undeclared.
func (s *suite) predeclared() []string {
	names := append(vm.Universe(), assertNames...)
	if s.workflow != nil {
		names = append(names, workflowNames...)
	}
	return names
}

// hosts returns the host functions of one machine of the suite, and a
// function that releases what they hold.
func (s *suite) hosts(a *asserts) ([]*vm.Builtin, func()) {
	if s.workflow == nil {
		return a.builtins(), func() {}
	}
	h := &harness{prog: *s.workflow}
	return append(a.builtins(), h.builtins()...), h.close
}

func (s *suite) files() []source {
	if s.impl == nil {
		return []source{s.test}
	}
	return []source{*s.impl, s.test}
}

// join returns the program's source and the test file's as one text, and
// records where the test file starts.
func (s *suite) join() []byte {
	if s.impl == nil {
		return s.test.src
	}
	impl := s.impl.src
	if !bytes.HasSuffix(impl, []byte("\n")) {
		impl = append(bytes.Clone(impl), '\n')
	}
	s.lines = bytes.Count(impl, []byte("\n"))
	return append(bytes.Clone(impl), s.test.src...)
}

// testNames returns the names of the top-level functions test_* that
// come from the test file (from line lines+1 of the joined text on).
func testNames(f *lang.File, lines int) []string {
	var names []string
	for _, st := range f.Stmts {
		if d, ok := st.(*lang.FnDecl); ok && d.Pos.Line > lines && strings.HasPrefix(d.Name.Name, "test_") {
			names = append(names, d.Name.Name)
		}
	}
	return names
}

// place maps a position in the joined text to its own file.
func (s *suite) place(p lang.Pos) lang.Pos {
	switch {
	case p.Line == 0:
	case s.impl != nil && p.Line <= s.lines:
		p.File = s.impl.path
	default:
		p.File, p.Line = s.test.path, p.Line-s.lines
	}
	return p
}

// srcOf returns the source of the file named file.
func (s *suite) srcOf(file string) []byte {
	if s.impl != nil && file == s.impl.path {
		return s.impl.src
	}
	return s.test.src
}

// render shows a compile or runtime error of the joined program with the
// positions and source lines of the files they are in.
func (s *suite) render(err error) string {
	var list lang.ErrorList
	var re *vm.RuntimeError
	switch {
	case errors.As(err, &list):
		var b strings.Builder
		for _, e := range list.Moved(s.place) {
			b.WriteString(lang.Render(e, s.srcOf(e.Pos.File)))
		}
		return b.String()
	case errors.As(err, &re):
		re = re.Moved(s.place)
		return re.Render(s.srcOf(re.Trace[len(re.Trace)-1].Pos.File)) + "\n"
	}
	return err.Error() + "\n"
}
