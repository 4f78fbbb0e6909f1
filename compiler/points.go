package compiler

// This file names program points in a way that survives edits: functions
// by where they are declared, suspension points by what they call. An
// upgrade maps a suspended frame of one program onto another by these
// names, so they must not depend on bytecode, pcs or line numbers.
//
// A function's id is its name, prefixed by the ids of the functions it is
// nested in ("review/check"); the top level is "<main>" and is no prefix.
// Anonymous functions are named "fn". When siblings share a name the
// second is "name#2", the third "name#3", in source order; anonymous
// ones are always numbered ("fn#1").
//
// A suspension point is an instruction a frame can stop after: a call
// (which may wait in a host function or run a function that does), a
// method call (g.next(), c.switch(v)), a yield, or the step of a for loop
// (which may resume a generator). Its id is a key saying what it does,
// then "#" and the key's ordinal among the function's points with the
// same key, in source order:
//
//	wait("approval")#1    a call of wait whose first argument is that string
//	charge(…)#2           the second call of charge with another first argument
//	g.send(…)#1           a method call (the receiver as written, if a name)
//	yield#3               the third plain yield
//	for item#1            the step of "for item in …"
//	yield from#1          a yield from (with /send, /each, /next for its inner steps)
//
// Inserting a statement before a point does not change its id; inserting
// another call with the same key before it does (its ordinal grows). Code
// that the compiler emits more than once (a finally body, once per way
// out of its try) gets "~2", "~3" on the later copies.

import (
	"sort"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/lang"
)

// Point is a suspension point of a function: a pc after an instruction
// that can suspend the frame, and its stable id.
type Point struct {
	PC int    // the pc the frame resumes at
	ID string // see the file comment
}

// Hidden is a compiler temporary slot and what it holds, named after the
// construct that needs it: "yield from#1.gen", "try#2.finally".
type Hidden struct {
	Slot int
	Role string
}

// PointAt returns the id of the suspension point a frame resuming at pc
// is at, or "" if pc is none.
func (f *Function) PointAt(pc int) string {
	i := sort.Search(len(f.Points), func(i int) bool { return f.Points[i].PC >= pc })
	if i < len(f.Points) && f.Points[i].PC == pc {
		return f.Points[i].ID
	}
	return ""
}

// pointNames numbers one function's points and nested functions by key,
// in source order.
type pointNames struct {
	ids    map[lang.Node]string // point node → key#ordinal
	funcs  map[*lang.FuncLit]string
	copies map[string]int // ids handed out so far
}

// namePoints walks one function body (not the functions nested in it) in
// source order, giving each point node and nested function its id.
func namePoints(fnID string, stmts []lang.Stmt) *pointNames {
	pn := &pointNames{ids: map[lang.Node]string{}, funcs: map[*lang.FuncLit]string{}, copies: map[string]int{}}
	seen := map[string]int{}
	var walk func(n lang.Node)
	walk = func(n lang.Node) {
		if isNil(n) {
			return
		}
		if lit, ok := n.(*lang.FuncLit); ok {
			pn.funcs[lit] = childID(fnID, lit.Name, seen)
			return
		}
		if _, ok := n.(*lang.TryStmt); ok {
			seen["try"]++
			pn.ids[n] = "try#" + strconv.Itoa(seen["try"])
		}
		if key := pointKey(n); key != "" {
			seen[key]++
			pn.ids[n] = key + "#" + strconv.Itoa(seen[key])
		}
		for _, k := range lang.Children(n) {
			walk(k)
		}
	}
	for _, s := range stmts {
		walk(s)
	}
	return pn
}

func isNil(n lang.Node) bool {
	if n == nil {
		return true
	}
	switch n := n.(type) {
	case *lang.Ident:
		return n == nil
	case *lang.Block:
		return n == nil
	}
	return false
}

// childID names a function nested in parent.
func childID(parent, name string, seen map[string]int) string {
	if name == "" {
		name = "fn"
	}
	seen["fn "+name]++
	n := seen["fn "+name]
	id := name
	if name == "fn" || n > 1 {
		id += "#" + strconv.Itoa(n)
	}
	if parent == "<main>" {
		return id
	}
	return parent + "/" + id
}

// pointKey returns the key of a node that compiles to a suspension point,
// or "" for any other node.
func pointKey(n lang.Node) string {
	switch n := n.(type) {
	case *lang.CallExpr:
		return callKey(n)
	case *lang.YieldExpr:
		if n.From {
			return "yield from"
		}
		return "yield"
	case *lang.ForStmt:
		if n.Value != nil {
			return "for " + n.Key.Name + ", " + n.Value.Name
		}
		return "for " + n.Key.Name
	}
	return ""
}

// callKey is the callee as written (a name or a dotted path of names) and
// the first argument when it is a string literal: wait("approval").
func callKey(c *lang.CallExpr) string {
	var b strings.Builder
	b.WriteString(calleeText(c.Fn))
	switch {
	case len(c.Args) == 0:
		b.WriteString("()")
	case isStringLit(c.Args[0]):
		b.WriteString("(" + strconv.Quote(c.Args[0].(*lang.StringLit).Value) + ")")
	default:
		b.WriteString("(…)")
	}
	return b.String()
}

func isStringLit(e lang.Expr) bool {
	_, ok := e.(*lang.StringLit)
	return ok
}

func calleeText(e lang.Expr) string {
	switch e := e.(type) {
	case *lang.Ident:
		return e.Name
	case *lang.DotExpr:
		return calleeText(e.X) + "." + e.Name
	}
	return "(…)"
}

// point records that the instruction just emitted is a suspension point
// of node n (suffix names an inner step of it, such as "/send").
func (fc *fcomp) point(n lang.Node, suffix string) {
	id, ok := fc.names.ids[n]
	if !ok {
		id = "?" + strconv.Itoa(len(fc.fn.Points)+1)
	}
	id += suffix
	fc.names.copies[id]++
	if c := fc.names.copies[id]; c > 1 {
		id += "~" + strconv.Itoa(c)
	}
	fc.fn.Points = append(fc.fn.Points, Point{PC: len(fc.fn.Code), ID: id})
}

// hidden records the role of a compiler temporary slot, once.
func (fc *fcomp) hidden(slot int, role string) {
	for _, h := range fc.fn.Hidden {
		if h.Slot == slot {
			return
		}
	}
	fc.fn.Hidden = append(fc.fn.Hidden, Hidden{Slot: slot, Role: role})
}

// funcID returns the id of a nested function literal, with "~n" for the
// later copies of one compiled more than once.
func (fc *fcomp) funcID(lit *lang.FuncLit) string {
	id := fc.names.funcs[lit]
	if id == "" {
		id = "fn?"
	}
	fc.c.litCopies[lit]++
	if c := fc.c.litCopies[lit]; c > 1 {
		id += "~" + strconv.Itoa(c)
	}
	return id
}

// MarkerBuiltin is the builtin whose calls name version markers: fixed
// per instance, so each must be a string literal the compiler can list.
const MarkerBuiltin = "version"

// marker records the name of a call of the version builtin.
func (fc *fcomp) marker(e *lang.CallExpr) {
	id, ok := e.Fn.(*lang.Ident)
	if !ok || id.Name != MarkerBuiltin || fc.c.r.uses[id].scope != Builtin {
		return
	}
	if len(e.Args) != 1 || !isStringLit(e.Args[0]) {
		fc.c.errorf(e.Pos, "version() takes one string literal: the markers a program can ask for are fixed when it is compiled")
		return
	}
	name := e.Args[0].(*lang.StringLit).Value
	for _, m := range fc.c.prog.Markers {
		if m == name {
			return
		}
	}
	fc.c.prog.Markers = append(fc.c.prog.Markers, name)
	sort.Strings(fc.c.prog.Markers)
}
