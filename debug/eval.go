package debug

// This file defines Eval: an expression evaluated in a frame of the
// machine at the cursor, on a copy, so that the debuggee is untouched.
//
// A snapshot restores only into the program it came from, so the
// expression cannot run in the debuggee's machine. Instead it is compiled
// as a small program of its own, in which each variable the expression
// names is a top-level let holding a copy (vm.Dump, then Load) of the
// variable's value in the frame (a deep copy: the expression may change
// it freely), a local of that frame hiding a global of the same name:
//
//	let total = __var(0)
//	let x = __var(1)
//	__result((
//	EXPR
//	))
//
// That program runs in a new machine with no host functions but those
// two, within a step and allocation budget; its errors are moved back to
// the expression's own line and column ("<expr>:1:5") and shown with the
// expression and a caret. Only data is copied (nil, bools, numbers,
// strings, lists and maps of them): functions, fibers and other values
// tied to the debuggee's program are left out, and an expression naming
// one is refused with a message that says so.

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// ExprFile is the file name an expression's errors are reported in.
const ExprFile = "<expr>"

// Budgets of one evaluation: an expression that loops runs out of steps
// rather than hanging the debugger.
const (
	evalMaxSteps = 10_000_000
	evalMaxAlloc = 64 << 20
)

// Result is an expression's value, in the machine that computed it.
type Result struct {
	Value vm.Value
	M     *vm.Machine
}

// Repr is the value's one-line text.
func (r Result) Repr() string { return vm.Repr(r.Value) }

// Expr is an expression to evaluate at any stop. It is compiled for the
// variables it names that the frame has, and the compiled program is
// kept for the next evaluation with the same ones (a breakpoint's
// condition is evaluated at every hit).
type Expr struct {
	Text   string
	idents []string                     // the identifiers it mentions, in order, once each
	progs  map[string]*compiler.Program // by the names declared, joined
}

// identRE finds the identifiers an expression may name.
var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// NewExpr prepares text for evaluation. It must be one line.
func NewExpr(text string) (*Expr, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errors.New("no expression")
	}
	if strings.ContainsAny(text, "\n\r") {
		return nil, errors.New("an expression is one line")
	}
	e := &Expr{Text: text, progs: map[string]*compiler.Program{}}
	if _, err := lang.Parse(ExprFile, []byte("__result((\n"+text+"\n))\n")); err != nil {
		return nil, e.explain(err, 2, nil)
	}
	for _, id := range identRE.FindAllString(stripStrings(text), -1) {
		if !slices.Contains(e.idents, id) {
			e.idents = append(e.idents, id)
		}
	}
	return e, nil
}

// stripStrings blanks the insides of string literals, whose words are
// not names, but for their interpolations ("${x}"), whose words are.
func stripStrings(s string) string {
	b := []byte(s)
	var quote byte
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote != 0 && c == '$' && i+1 < len(b) && b[i+1] == '{':
			depth := 0
			for i++; i < len(b); i++ { // keep the interpolation as it is
				if b[i] == '{' {
					depth++
				} else if b[i] == '}' {
					if depth--; depth == 0 {
						break
					}
				}
			}
		case quote != 0 && c == '\\':
			b[i] = ' '
			if i+1 < len(b) {
				i++
				b[i] = ' '
			}
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b[i] = ' '
		}
	}
	return string(b)
}

// Eval evaluates e in frame number frame of m (0 the innermost) and its
// globals.
func (e *Expr) Eval(m *vm.Machine, frame int) (Result, error) {
	var names []string
	var data []vm.Value
	uncopied := map[string]error{}
	for _, id := range e.idents {
		v, ok := m.Local(frame, id)
		if !ok {
			v, ok = m.Global(id)
		}
		if !ok {
			continue
		}
		d, err := copyData(v, map[any]vm.Value{}, 0)
		if err != nil {
			uncopied[id] = err
			continue
		}
		names, data = append(names, id), append(data, d)
	}
	prog, err := e.compile(names, uncopied)
	if err != nil {
		return Result{}, err
	}
	return e.run(prog, data, uncopied)
}

// compile compiles the program that evaluates e with names declared.
func (e *Expr) compile(names []string, uncopied map[string]error) (*compiler.Program, error) {
	key := strings.Join(names, ",")
	if p, ok := e.progs[key]; ok {
		return p, nil
	}
	var src strings.Builder
	for i, n := range names {
		fmt.Fprintf(&src, "let %s = __var(%d)\n", n, i)
	}
	src.WriteString("__result((\n" + e.Text + "\n))\n")
	first := len(names) + 2 // the expression's line
	p, err := compiler.CompileSource(ExprFile, []byte(src.String()), compiler.Options{Predeclared: append(vm.Universe(), "__var", "__result")})
	if err != nil {
		return nil, e.explain(err, first, uncopied)
	}
	e.progs[key] = p
	return p, nil
}

// explain turns an error of the evaluation program into one about the
// expression: positions moved to its line, shown with a caret.
func (e *Expr) explain(err error, first int, uncopied map[string]error) error {
	move := func(p lang.Pos) lang.Pos {
		p.File, p.Line = ExprFile, max(p.Line-first+1, 1)
		if p.Line > 1 { // the closing parentheses: the end of the expression
			p.Line, p.Col = 1, len(e.Text)+1
		}
		return p
	}
	var list lang.ErrorList
	if errors.As(err, &list) {
		msg := strings.TrimRight(lang.Render(list.Moved(move), []byte(e.Text)), "\n")
		for _, n := range slices.Sorted(maps.Keys(uncopied)) {
			msg += fmt.Sprintf("\n    note: %s holds a value that cannot be copied out of the program (%v)", n, uncopied[n])
		}
		return errors.New(msg)
	}
	var re *vm.RuntimeError
	if errors.As(err, &re) && len(re.Trace) > 0 {
		re = re.Moved(move)
		head, _, _ := strings.Cut(re.Error(), "\n")
		at := re.Trace[len(re.Trace)-1].Pos
		return errors.New(strings.TrimRight(lang.Render(&lang.Error{Pos: at, Msg: head}, []byte(e.Text)), "\n"))
	}
	return err
}

// run runs the evaluation program with the copied values.
func (e *Expr) run(prog *compiler.Program, data []vm.Value, uncopied map[string]error) (Result, error) {
	var res Result
	got := false
	hosts := []*vm.Builtin{
		{Name: "__var", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			return data[args[0].AsInt()], nil
		}},
		{Name: "__result", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			res.Value, got = args[0], true
			return vm.Nil, nil
		}},
	}
	m, err := vm.New(prog, vm.Options{MaxSteps: evalMaxSteps, MaxAlloc: evalMaxAlloc, Hosts: hosts, Stdout: discard{}})
	if err != nil {
		return res, err
	}
	res.M = m
	susp, err := m.Run()
	switch {
	case err != nil:
		return res, e.explain(err, len(data)+2, uncopied)
	case susp != nil || !got:
		return res, errors.New("the expression did not give a value")
	}
	return res, nil
}

// copyData returns a deep copy of v, which must be data; seen maps the
// lists and maps copied so far to their copies, so that sharing and
// cycles are kept.
func copyData(v vm.Value, seen map[any]vm.Value, depth int) (vm.Value, error) {
	if depth > maxSetDepth {
		return vm.Nil, fmt.Errorf("it nests deeper than %d", maxSetDepth)
	}
	switch v.Kind() {
	case vm.KindNil, vm.KindBool, vm.KindInt, vm.KindFloat, vm.KindString:
		return v, nil
	case vm.KindList:
		l := v.AsList()
		if c, ok := seen[l]; ok {
			return c, nil
		}
		elems := make([]vm.Value, len(l.Elems))
		c := vm.NewList(elems)
		seen[l] = c
		for i, e := range l.Elems {
			x, err := copyData(e, seen, depth+1)
			if err != nil {
				return vm.Nil, err
			}
			elems[i] = x
		}
		return c, nil
	case vm.KindMap:
		src := v.AsMap()
		if c, ok := seen[src]; ok {
			return c, nil
		}
		dst := vm.NewMap(src.Len())
		c := vm.MapValue(dst)
		seen[src] = c
		var err error
		src.Each(func(k, x vm.Value) bool {
			if x, err = copyData(x, seen, depth+1); err == nil {
				_, err = dst.Set(k, x)
			}
			return err == nil
		})
		return c, err
	}
	return vm.Nil, fmt.Errorf("it is a %s, which only its own program can use", v.TypeName())
}

// discard drops what an expression prints.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Truthy reports whether a condition's value lets a breakpoint stop: any
// value but nil and false.
func (r Result) Truthy() bool {
	switch r.Value.Kind() {
	case vm.KindNil:
		return false
	case vm.KindBool:
		return r.Value.AsBool()
	}
	return true
}

// Eval evaluates text in frame number frame at the cursor.
func (s *Session) Eval(text string, frame int) (Result, error) {
	e, err := NewExpr(text)
	if err != nil {
		return Result{}, err
	}
	return e.Eval(s.m, frame)
}
