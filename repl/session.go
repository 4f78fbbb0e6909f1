// Package repl is wf's interactive prompt: what "wf repl" runs.
//
// # A session
//
// A Session is the program typed so far: the inputs it accepted, in
// order, as one .wf text named "<repl>", and the machine that ran it. An
// input is accepted when it compiles and runs without an uncaught error;
// one that fails leaves the session exactly as it was (no half-done
// assignments). An input that is a single expression prints its value
// (nothing for nil), as Python's prompt does. Typing "let x" or "fn f"
// again for a name the session already has assigns it instead, so
// definitions can be corrected.
//
// # How an input runs
//
// wf compiles whole programs and a snapshot restores only into the exact
// program it came from (vm.Restore checks the program's hash), so an
// input cannot simply be added to a running machine. Instead each input
// is compiled with everything accepted before it, and the whole program
// runs again from the start, with the output of the earlier inputs held
// back: the language has no clock, no randomness and (at this prompt) no
// files, so running it again rebuilds the same state. This costs time in
// proportion to the session's work, which at a prompt is small.
//
// # :dump and :load
//
// ":dump FILE" writes the session as one ordinary wf machine snapshot
// (spec/snapshot.md) with the session's source embedded in it; "wf
// inspect FILE" can read it. ":load FILE" restores it with vm.Restore,
// which verifies every value against the program, and the session goes
// on from there. Tests read and write sessions through Run's no-edit
// mode, which reads plain lines and prints no prompts.
package repl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// File is the name a session's source has in positions and snapshots.
const File = "<repl>"

// Session is the state of a prompt: see the package documentation.
type Session struct {
	src      []byte // the accepted inputs, joined by newlines
	globals  map[string]bool
	out      io.Writer
	maxSteps int64
}

// NewSession returns an empty session that prints to out, each input
// within maxSteps instructions (0: no limit).
func NewSession(out io.Writer, maxSteps int64) *Session {
	return &Session{globals: map[string]bool{}, out: out, maxSteps: maxSteps}
}

// Source returns the program the session has accepted so far.
func (s *Session) Source() []byte { return bytes.Clone(s.src) }

// The host functions that frame an input when it runs: begin starts its
// output (what the earlier inputs print is held back), show prints the
// value of an expression input.
const (
	beginName = "__repl_begin"
	showName  = "__repl_show"
)

// Eval runs one input. Its output, and its value when it is an
// expression, go to the session's writer. An error (a syntax, compile or
// runtime error, rendered with the source line) leaves the session as it
// was.
func (s *Session) Eval(input string) error {
	f, err := lang.Parse(File, []byte(input))
	if err != nil {
		return errors.New(s.renderSyntax(err, s.join(input)))
	}
	input = s.redeclare(input, f)
	show := len(f.Stmts) == 1 && isExpr(f.Stmts[0])
	next := s.join(input)
	run := s.framed(input, show)
	prog, err := compile(run)
	if err != nil {
		return errors.New(s.render(err, next))
	}
	gate := &gate{w: s.out}
	m, err := vm.New(prog, vm.Options{Stdout: gate, MaxSteps: s.maxSteps, Hosts: s.hosts(gate)})
	if err == nil {
		_, err = m.Run()
	}
	if err != nil {
		return errors.New(s.render(err, next))
	}
	s.src = next
	for _, st := range f.Stmts {
		if name := lang.Declared(st); name != "" {
			s.globals[name] = true
		}
	}
	return nil
}

// join returns the session's source with input added.
func (s *Session) join(input string) []byte {
	if len(s.src) == 0 {
		return []byte(input)
	}
	return append(append(bytes.Clone(s.src), '\n'), input...)
}

// framed returns the text to run for input: the session so far, a line
// that opens the output (and, for an expression, the call that shows its
// value), then input on the lines it will have in the session.
func (s *Session) framed(input string, show bool) []byte {
	var b bytes.Buffer
	if len(s.src) > 0 {
		b.Write(s.src)
		b.WriteByte('\n')
	}
	b.WriteString(beginName + "()")
	if show {
		b.WriteString("; " + showName + "(\n" + input + "\n)")
	} else {
		b.WriteString("\n" + input)
	}
	return b.Bytes()
}

// inputLine is the first line of the input in the framed text; lines
// after the framing line map back one line up.
func (s *Session) inputLine() int {
	if len(s.src) == 0 {
		return 2
	}
	return bytes.Count(s.src, []byte("\n")) + 3
}

func compile(src []byte) (*compiler.Program, error) {
	return compiler.CompileSource(File, src, compiler.Options{
		Predeclared: append(vm.Universe(), beginName, showName)})
}

// hosts binds the framing functions for one run.
func (s *Session) hosts(g *gate) []*vm.Builtin {
	return []*vm.Builtin{
		{Name: beginName, Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
			g.open = true
			return vm.Nil, nil
		}},
		{Name: showName, Fn: func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
			if len(args) == 1 && !args[0].IsNil() {
				fmt.Fprintln(g, vm.Repr(args[0]))
			}
			return vm.Nil, nil
		}},
	}
}

// gate passes writes through once open, and drops them before.
type gate struct {
	w    io.Writer
	open bool
}

func (g *gate) Write(p []byte) (int, error) {
	if !g.open {
		return len(p), nil
	}
	return g.w.Write(p)
}

// render shows an error of the framed text against next, the session's
// source with the input, mapping the input's positions back over the
// framing line.
func (s *Session) render(err error, next []byte) string {
	first := s.inputLine()
	return renderMoved(err, next, func(p lang.Pos) lang.Pos {
		if p.Line >= first {
			p.Line--
		}
		return p
	})
}

// renderSyntax shows the syntax errors of an input, parsed alone, at
// their lines in next, the session's source with the input.
func (s *Session) renderSyntax(err error, next []byte) string {
	shift := s.inputLine() - 2
	return renderMoved(err, next, func(p lang.Pos) lang.Pos {
		p.Line += shift
		return p
	})
}

// renderMoved renders a compile or runtime error with its positions
// passed through move.
func renderMoved(err error, src []byte, move func(lang.Pos) lang.Pos) string {
	var list lang.ErrorList
	var re *vm.RuntimeError
	switch {
	case errors.As(err, &list):
		return lang.Render(list.Moved(move), src)
	case errors.As(err, &re):
		return re.Moved(move).Render(src) + "\n"
	}
	return err.Error() + "\n"
}

func isExpr(st lang.Stmt) bool {
	_, ok := st.(*lang.ExprStmt)
	return ok
}

// redeclare rewrites the top-level "let x = …" and "fn f(…)" of input
// that name a global the session already has into assignments, "x = …"
// and "f = fn(…)", so that a definition can be typed again.
func (s *Session) redeclare(input string, f *lang.File) string {
	lines := strings.Split(input, "\n")
	for i := len(f.Stmts) - 1; i >= 0; i-- {
		name := lang.Declared(f.Stmts[i])
		if name == "" || !s.globals[name] {
			continue
		}
		p := f.Stmts[i].Position()
		line := lines[p.Line-1]
		switch st := f.Stmts[i].(type) {
		case *lang.LetStmt:
			if st.Value != nil {
				lines[p.Line-1] = line[:p.Col-1] + "    " + line[p.Col-1+len("let "):]
			}
		case *lang.FnDecl:
			end := st.Name.Pos.Col - 1 + len(name)
			if st.Name.Pos.Line == p.Line {
				lines[p.Line-1] = line[:p.Col-1] + name + " = fn" + line[end:]
			}
		}
	}
	return strings.Join(lines, "\n")
}
