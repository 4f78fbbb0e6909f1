// This file defines lowering: grammar structs to AST nodes.

package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// lowerer turns the grammar tree into the AST. The scanner has already
// validated every literal, so the only errors lowering reports are what the
// grammar accepts too generously: assignment targets that are not a name,
// an index or a field.
type lowerer struct {
	errs ErrorList
}

func (l *lowerer) pos(p lexer.Position) Pos { return toPos(p) }

// at is the position of a grammar struct: that of its first token. (A
// struct captures its Tokens only when it matches; a Pos field would be
// filled, at the cost of an allocation, on every attempt.)
func (l *lowerer) at(toks []lexer.Token) Pos { return toPos(toks[0].Pos) }

func (l *lowerer) errorAt(p Pos, msg string) { l.errs.Add(p, msg) }

func (l *lowerer) stmts(in []stmt) []Stmt {
	out := make([]Stmt, 0, len(in))
	for _, s := range in {
		if s != nil {
			out = append(out, s.lowerStmt(l))
		}
	}
	return out
}

// expr lowers an optional expression.
func (l *lowerer) expr(e expr) Expr {
	if e == nil {
		return nil
	}
	return e.lowerExpr(l)
}

func (l *lowerer) ident(n *name) *Ident {
	if n == nil {
		return nil
	}
	return &Ident{Pos: l.at(n.Tokens), Name: n.Name}
}

func (b *block) lower(l *lowerer) *Block {
	if b == nil {
		return nil
	}
	out := &Block{Pos: l.at(b.Tokens), Stmts: l.stmts(b.Stmts)}
	out.End = l.pos(b.Tokens[len(b.Tokens)-1].Pos) // the "}"
	return out
}

func (b *block) lowerStmt(l *lowerer) Stmt { return b.lower(l) }

func (s *fnDecl) lowerStmt(l *lowerer) Stmt {
	fn := &FuncLit{Pos: l.at(s.Tokens), Name: s.Name.Name, Params: s.Params.lower(l), Body: s.Body.lower(l)}
	return &FnDecl{Pos: l.at(s.Tokens), Name: l.ident(s.Name), Func: fn}
}

func (p *params) lower(l *lowerer) []*Ident {
	out := make([]*Ident, len(p.Names))
	for i, n := range p.Names {
		out[i] = l.ident(n)
	}
	return out
}

func (s *letStmt) lowerStmt(l *lowerer) Stmt {
	return &LetStmt{Pos: l.at(s.Tokens), Name: l.ident(s.Name), Value: l.expr(s.Value)}
}

// lowerStmt nests the else-if chain from the inside out, without recursion.
func (s *ifStmt) lowerStmt(l *lowerer) Stmt {
	var els Stmt
	if s.Else != nil {
		els = s.Else.lower(l)
	}
	for i := len(s.Elifs) - 1; i >= 0; i-- {
		els = s.Elifs[i].If.lower(l, els)
	}
	return s.If.lower(l, els)
}

func (c *ifClause) lower(l *lowerer, els Stmt) *IfStmt {
	return &IfStmt{Pos: l.at(c.Tokens), Cond: l.expr(c.Cond), Then: c.Then.lower(l), Else: els}
}

func (s *whileStmt) lowerStmt(l *lowerer) Stmt {
	return &WhileStmt{Pos: l.at(s.Tokens), Cond: l.expr(s.Cond), Body: s.Body.lower(l)}
}

func (s *forStmt) lowerStmt(l *lowerer) Stmt {
	return &ForStmt{Pos: l.at(s.Tokens), Key: l.ident(s.Key), Value: l.ident(s.Value),
		Iter: l.expr(s.Iter), Body: s.Body.lower(l)}
}

func (s *branchStmt) lowerStmt(l *lowerer) Stmt {
	return &BranchStmt{Pos: l.at(s.Tokens), Tok: s.Tok}
}

func (s *returnStmt) lowerStmt(l *lowerer) Stmt {
	return &ReturnStmt{Pos: l.at(s.Tokens), Value: l.expr(s.Value)}
}

func (s *throwStmt) lowerStmt(l *lowerer) Stmt {
	return &ThrowStmt{Pos: l.at(s.Tokens), Value: l.expr(s.Value)}
}

func (s *tryStmt) lowerStmt(l *lowerer) Stmt {
	out := &TryStmt{Pos: l.at(s.Tokens), Body: s.Body.lower(l), Finally: s.Finally.lower(l)}
	if s.Catch != nil {
		out.CatchName = l.ident(s.Catch.Name)
		out.Catch = s.Catch.Body.lower(l)
	}
	return out
}

func (s *simpleStmt) lowerStmt(l *lowerer) Stmt {
	x := l.expr(s.X)
	if s.Assign == nil {
		return &ExprStmt{X: x}
	}
	switch x.(type) {
	case *Ident, *IndexExpr, *DotExpr:
	default:
		l.errorAt(x.Position(), "cannot assign to "+describe(x))
	}
	return &AssignStmt{Pos: l.at(s.Assign.Tokens), Op: s.Assign.Op, Target: x, Value: l.expr(s.Assign.Value)}
}

// describe names an expression kind for error messages.
func describe(x Expr) string {
	switch x.(type) {
	case *CallExpr:
		return "a call"
	case *SliceExpr:
		return "a slice"
	case *BinaryExpr, *UnaryExpr:
		return "an operator expression"
	case *YieldExpr:
		return "a yield"
	case *FuncLit:
		return "a function"
	}
	return "a literal"
}

func (e *yieldExpr) lowerExpr(l *lowerer) Expr {
	return &YieldExpr{Pos: l.at(e.Tokens), Value: l.expr(e.Value), From: e.From}
}

// Binary operator precedence, from loosest. "not" sits between "and" and
// the comparisons: not a == b is not (a == b).
var precedence = map[string]int{
	"or": 1, "and": 2,
	"==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4, "not in": 4,
	"|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

const notPrecedence = 3

func (e *binExpr) lowerExpr(l *lowerer) Expr {
	if len(e.Tail) == 0 && e.nots() == 0 {
		return e.lower(l) // a lone operand: what climber would make of it, without one
	}
	c := &climber{l: l, ops: e.Tail, operands: make([]*operand, 0, len(e.Tail)+1), nots: make([]int, len(e.Tail)+1)}
	c.operands = append(c.operands, &e.operand)
	for _, t := range e.Tail {
		c.operands = append(c.operands, &t.operand)
	}
	return c.expr(0)
}

// climber applies precedence to a flat run of operands and operators by
// precedence climbing: operator i sits between operands i and i+1; every
// operator is left-associative.
type climber struct {
	l        *lowerer
	ops      []*binTail
	operands []*operand
	nots     []int // how many of each operand's "not"s are applied
	next     int   // the next operator to consider (and the current operand)
}

// expr lowers the operand at c.next and the operators after it that bind
// at least as tightly as min.
func (c *climber) expr(min int) Expr {
	x := c.operand(min)
	for c.next < len(c.ops) {
		t := c.ops[c.next]
		op := t.Op
		p := precedence[op]
		if p < min {
			break
		}
		c.next++
		y := c.expr(p + 1)
		x = &BinaryExpr{Pos: c.l.at(t.Tokens), Op: op, X: x, Y: y}
	}
	return x
}

// operand lowers operand c.next. A leading "not" applies to the operand
// and the operators after it that bind more tightly than not; it may only
// stand where a not-expression may (not after a comparison or arithmetic
// operator: a == not b needs parentheses).
func (c *climber) operand(min int) Expr {
	o := c.operands[c.next]
	if k := c.nots[c.next]; k < o.nots() {
		n := o.Ops[k]
		if min > notPrecedence && k == 0 { // "not not x" is fine
			c.l.errorAt(c.l.at(n.Tokens), `unexpected "not" (put the not-expression in parentheses)`)
		}
		c.nots[c.next]++
		x := c.expr(notPrecedence + 1)
		return &UnaryExpr{Pos: c.l.at(n.Tokens), Op: "not", X: x}
	}
	return o.lower(c.l)
}

// nots counts the operand's leading "not"s.
func (o *operand) nots() int {
	n := 0
	for n < len(o.Ops) && o.Ops[n].Op == "not" {
		n++
	}
	return n
}

// lower lowers the operand without its leading "not"s: the primary, its
// postfix operators, then the prefix operators, innermost (last) first.
// A "not" after another prefix operator is an error, as in -not x.
func (o *operand) lower(l *lowerer) Expr {
	x := o.X.lowerExpr(l)
	for _, op := range o.Post {
		x = op.lowerPostfix(l, x)
	}
	first := o.nots()
	for i := len(o.Ops) - 1; i >= first; i-- {
		op := o.Ops[i]
		if op.Op == "not" {
			l.errorAt(l.at(op.Tokens), `unexpected "not" (expected an expression)`)
		}
		x = &UnaryExpr{Pos: l.at(op.Tokens), Op: op.Op, X: x}
	}
	return x
}

func (c *call) lowerPostfix(l *lowerer, fn Expr) Expr {
	args := make([]Expr, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.lowerExpr(l)
	}
	return &CallExpr{Pos: l.at(c.Tokens), Fn: fn, Args: args}
}

func (ix *index) lowerPostfix(l *lowerer, x Expr) Expr {
	p := l.at(ix.Tokens)
	if ix.Slice != nil {
		return &SliceExpr{Pos: p, X: x, Lo: l.expr(ix.Lo), Hi: l.expr(ix.Slice.Hi)}
	}
	return &IndexExpr{Pos: p, X: x, Index: l.expr(ix.Lo)}
}

func (d *dot) lowerPostfix(l *lowerer, x Expr) Expr {
	return &DotExpr{Pos: l.at(d.Tokens), X: x, Name: d.Name}
}

func (e *fnLit) lowerExpr(l *lowerer) Expr {
	return &FuncLit{Pos: l.at(e.Tokens), Params: e.Params.lower(l), Body: e.Body.lower(l)}
}

func (e *parenExpr) lowerExpr(l *lowerer) Expr { return e.X.lowerExpr(l) }

func (e *listLit) lowerExpr(l *lowerer) Expr {
	out := &ListLit{Pos: l.at(e.Tokens), Elems: make([]Expr, len(e.Elems))}
	for i, x := range e.Elems {
		out.Elems[i] = x.lowerExpr(l)
	}
	return out
}

func (e *mapLit) lowerExpr(l *lowerer) Expr {
	out := &MapLit{Pos: l.at(e.Tokens), Entries: make([]MapEntry, len(e.Entries))}
	for i, ent := range e.Entries {
		var key Expr
		if ent.Name != nil {
			key = &StringLit{Pos: l.at(ent.Name.Tokens), Value: ent.Name.Name}
		} else {
			key = ent.Key.lowerExpr(l)
		}
		out.Entries[i] = MapEntry{Key: key, Value: ent.Value.lowerExpr(l)}
	}
	return out
}

// lowerExpr gives a *StringLit for a string without interpolation and an
// *InterpString otherwise.
func (e *stringLit) lowerExpr(l *lowerer) Expr {
	var parts []Expr
	interp := false
	for _, p := range e.Parts {
		if p.Interp != nil {
			interp = true
			parts = append(parts, p.Interp.lowerExpr(l))
		} else {
			parts = append(parts, &StringLit{Pos: l.at(p.Tokens), Value: p.Text})
		}
	}
	if !interp {
		var s strings.Builder
		for _, p := range e.Parts {
			s.WriteString(p.Text)
		}
		return &StringLit{Pos: l.at(e.Tokens), Value: s.String()}
	}
	return &InterpString{Pos: l.at(e.Tokens), Parts: parts}
}

func (e *rawString) lowerExpr(l *lowerer) Expr {
	return &StringLit{Pos: l.at(e.Tokens), Value: e.Text}
}

// lowerExpr cannot fail: the scanner rejected invalid and overflowing ints.
func (e *intLit) lowerExpr(l *lowerer) Expr {
	v, _ := parseInt(e.Text)
	return &IntLit{Pos: l.at(e.Tokens), Value: v}
}

func (e *floatLit) lowerExpr(l *lowerer) Expr {
	v, _ := parseFloat(e.Text)
	return &FloatLit{Pos: l.at(e.Tokens), Value: v}
}

func (e *nilLit) lowerExpr(l *lowerer) Expr { return &NilLit{Pos: l.at(e.Tokens)} }
func (e *boolLit) lowerExpr(l *lowerer) Expr {
	return &BoolLit{Pos: l.at(e.Tokens), Value: e.Value == "true"}
}
func (e *name) lowerExpr(l *lowerer) Expr { return l.ident(e) }
