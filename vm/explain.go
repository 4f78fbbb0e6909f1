package vm

// This file defines RuntimeError.Render: a runtime error shown like a
// compile error, with the names of the values involved. It runs only once
// an error has escaped the program, never while the program runs: the
// interpreter records nothing for it beyond the traceback it always keeps.

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/lang"
)

// Render returns e as wf shows it to people: the place where it was
// thrown, as "file:line:col: kind: message" with the source line and a
// caret, as compile errors are shown; notes that name the values
// involved where the source shows them ("note is nil") and a hint for a
// common mistake; then the traceback. src is the source of the program
// the traceback's innermost position is in; with none, Render is Error.
func (e *RuntimeError) Render(src []byte) string {
	if e == nil || len(e.Trace) == 0 || len(src) == 0 {
		return e.Error()
	}
	head, _, _ := strings.Cut(e.Error(), "\n")
	at := e.Trace[len(e.Trace)-1].Pos
	var notes []lang.Note
	if e.Value.Kind() == KindError {
		if f, err := lang.Parse(at.File, src); err == nil {
			at, notes = explain(e.Value.AsError().Msg, nodeAt(f, at), at)
		}
	}
	var b strings.Builder
	b.WriteString(lang.Render(&lang.Error{Pos: at, Msg: head, Notes: notes}, src))
	b.WriteString("traceback (most recent call last):")
	writeTrace(&b, e.Trace)
	return b.String()
}

// Moved returns a copy of e whose traceback positions are passed through
// f, as lang.ErrorList.Moved does for compile errors.
func (e *RuntimeError) Moved(f func(lang.Pos) lang.Pos) *RuntimeError {
	if e == nil {
		return nil
	}
	e2 := *e
	e2.Trace = make([]TraceEntry, len(e.Trace))
	for i, t := range e.Trace {
		t.Pos = f(t.Pos)
		e2.Trace[i] = t
	}
	return &e2
}

// nodeAt returns the innermost operation of f at pos that explain knows
// about, or nil.
func nodeAt(f *lang.File, pos lang.Pos) lang.Node {
	var found lang.Node
	for _, s := range f.Stmts {
		lang.Inspect(s, func(n lang.Node) bool {
			switch n.(type) {
			case *lang.CallExpr, *lang.DotExpr, *lang.IndexExpr, *lang.SliceExpr, *lang.BinaryExpr, *lang.UnaryExpr,
				*lang.ForStmt, *lang.AssignStmt:
				if samePlace(n.Position(), pos) {
					found = n
				}
			}
			if a, ok := n.(*lang.AssignStmt); ok && samePlace(a.Target.Position(), pos) {
				found = n // an augmented assignment to a name is placed at the name
			}
			return true
		})
	}
	return found
}

func samePlace(a, b lang.Pos) bool { return a.Line == b.Line && a.Col == b.Col }

// The messages explain recognizes, with the type names they carry.
var (
	noMember  = regexp.MustCompile(`^(\S+) has no (method|field) (\S+)$`)
	cannot    = regexp.MustCompile(`^cannot (?:call|index|slice|iterate over) an? (\S+) value$`)
	operands  = regexp.MustCompile(`^(?:unsupported operand types for \S+: (\S+) and (\S+)|cannot compare (\S+) with (\S+))$`)
	unaryType = regexp.MustCompile(`^unsupported operand type for unary \S+: (\S+)$`)
)

// explain returns where to point for an error with message msg thrown by
// node n at pos, and notes naming the operands: the operand itself when
// there is one culprit, the operation when there are two.
func explain(msg string, n lang.Node, pos lang.Pos) (lang.Pos, []lang.Note) {
	if m := operands.FindStringSubmatch(msg); m != nil {
		if a, ok := n.(*lang.AssignStmt); ok && a.Op != "=" {
			n = &lang.BinaryExpr{Pos: a.Pos, Op: strings.TrimSuffix(a.Op, "="), X: a.Target, Y: a.Value}
		}
		if b, ok := n.(*lang.BinaryExpr); ok {
			x, y := m[1]+m[3], m[2]+m[4]
			return pos, binaryNotes(b, x, y)
		}
	}
	var typ string
	var hints []lang.Note
	if m := noMember.FindStringSubmatch(msg); m != nil {
		typ = m[1]
		if m[2] == "method" {
			hints = methodHint(typ, m[3], exprName(culprit(n)))
		}
	} else if m := cannot.FindStringSubmatch(msg); m != nil {
		typ = m[1]
	} else if m := unaryType.FindStringSubmatch(msg); m != nil {
		typ = m[1]
	}
	subject := culprit(n)
	name := exprName(subject)
	if typ == "" || name == "" {
		return pos, hints
	}
	return start(subject), append([]lang.Note{{Msg: name + " is " + describeType(typ)}}, hints...)
}

// methodHint suggests what to write instead of recv.method() on a value
// of type typ that has no such method: the builtin function of that
// name, or the type's method with the closest name.
func methodHint(typ, method, recv string) []lang.Note {
	if recv == "" {
		recv = "x"
	}
	if slices.Contains(Universe(), method) {
		return []lang.Note{{Msg: "help: " + method + " is a function: " + method + "(" + recv + ")"}}
	}
	for k := range numKinds {
		if k.String() != typ || methods[k] == nil {
			continue
		}
		if s := lang.Closest(method, slices.Sorted(maps.Keys(methods[k]))); s != "" {
			return []lang.Note{{Msg: "help: did you mean " + recv + "." + s + "()?"}}
		}
	}
	return nil
}

// culprit returns the operand an operation on one value failed on: the
// receiver of a method call, the function called, the value indexed,
// sliced, or negated.
func culprit(n lang.Node) lang.Expr {
	switch n := n.(type) {
	case *lang.CallExpr:
		if d, ok := n.Fn.(*lang.DotExpr); ok {
			return d.X
		}
		return n.Fn
	case *lang.DotExpr:
		return n.X
	case *lang.IndexExpr:
		return n.X
	case *lang.SliceExpr:
		return n.X
	case *lang.UnaryExpr:
		return n.X
	case *lang.ForStmt:
		return n.Iter
	}
	return nil
}

// binaryNotes names the operands of b, whose types are x and y, and
// suggests how to join a string and a number.
func binaryNotes(b *lang.BinaryExpr, x, y string) []lang.Note {
	var notes []lang.Note
	for _, o := range []struct {
		e   lang.Expr
		typ string
	}{{b.X, x}, {b.Y, y}} {
		if name := exprName(o.e); name != "" && !isLiteral(o.e) {
			notes = append(notes, lang.Note{Msg: name + " is " + describeType(o.typ)})
		}
	}
	num := map[string]bool{"int": true, "float": true}
	if b.Op != "+" {
		return notes
	}
	switch {
	case x == "string" && num[y]:
		n := nameOr(b.Y, "x")
		notes = append(notes, lang.Note{Msg: "help: to join a string and a number, convert it with str(" + n +
			") or put it in the string: \"...${" + n + "}\""})
	case num[x] && y == "string":
		n, t := nameOr(b.X, "x"), nameOr(b.Y, "s")
		notes = append(notes, lang.Note{Msg: "help: to add numbers, convert the string with int(" + t + ") or float(" +
			t + "); to join strings, write str(" + n + ")"})
	}
	return notes
}

// nameOr returns exprName(e), or alt when the source does not name e.
func nameOr(e lang.Expr, alt string) string {
	if name := exprName(e); name != "" {
		return name
	}
	return alt
}

func describeType(typ string) string {
	if typ == "nil" {
		return "nil"
	}
	return article(typ)
}

// exprName returns how the source writes e, for the simple forms a
// person recognizes at once (a name, a field, an index by a literal or a
// name, a call without arguments, a literal), or "".
func exprName(e lang.Expr) string {
	switch e := e.(type) {
	case *lang.Ident:
		return e.Name
	case *lang.DotExpr:
		if x := exprName(e.X); x != "" {
			return x + "." + e.Name
		}
	case *lang.IndexExpr:
		x, i := exprName(e.X), exprName(e.Index)
		if x != "" && i != "" {
			return x + "[" + i + "]"
		}
	case *lang.CallExpr:
		if f := exprName(e.Fn); f != "" && len(e.Args) == 0 {
			return f + "()"
		}
	case *lang.IntLit:
		return strconv.FormatInt(e.Value, 10)
	case *lang.StringLit:
		return strconv.Quote(e.Value)
	}
	return ""
}

func isLiteral(e lang.Expr) bool {
	switch e.(type) {
	case *lang.IntLit, *lang.StringLit, *lang.FloatLit, *lang.NilLit, *lang.BoolLit:
		return true
	}
	return false
}

// start returns the position of the first byte of e: the leftmost operand
// of a postfix chain.
func start(e lang.Expr) lang.Pos {
	for {
		switch x := e.(type) {
		case *lang.DotExpr:
			e = x.X
		case *lang.IndexExpr:
			e = x.X
		case *lang.SliceExpr:
			e = x.X
		case *lang.CallExpr:
			e = x.Fn
		case *lang.BinaryExpr:
			e = x.X
		default:
			return e.Position()
		}
	}
}
