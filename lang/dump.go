// This file defines Dump, the compact text form of syntax trees.

package lang

import (
	"fmt"
	"strconv"
	"strings"
)

// Dump returns n as an S-expression, for tests: one line, no positions.
//
//	(let x (+ 1 (* 2 3)))
//	(if (< a b) (block (call print a)) (block))
//
// Statements and expressions print as (head children...): binary and
// unary expressions use their operator as the head; a nil child prints
// as _. Literals print as Go literals (strings quoted, floats with %g).
// A *File prints its statements one per line.
func Dump(n Node) string {
	var b strings.Builder
	dump(&b, n)
	return b.String()
}

// DumpFile returns the statements of f, one Dump per line.
func DumpFile(f *File) string {
	var b strings.Builder
	for _, s := range f.Stmts {
		dump(&b, s)
		b.WriteByte('\n')
	}
	return b.String()
}

func dump(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case nil:
		b.WriteString("_")
	case *Ident:
		if n == nil {
			b.WriteString("_")
		} else {
			b.WriteString(n.Name)
		}
	case *NilLit:
		b.WriteString("nil")
	case *BoolLit:
		b.WriteString(strconv.FormatBool(n.Value))
	case *IntLit:
		b.WriteString(strconv.FormatInt(n.Value, 10))
	case *FloatLit:
		b.WriteString(fmtFloat(n.Value))
	case *StringLit:
		b.WriteString(strconv.Quote(n.Value))
	default:
		head, kids := parts(n)
		b.WriteString("(" + head)
		for _, k := range kids {
			b.WriteByte(' ')
			dump(b, k)
		}
		b.WriteString(")")
	}
}

func fmtFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

// parts returns the head and children of a composite node.
func parts(n Node) (string, []Node) { return head(n), appendChildren(nil, n) }

// head names a composite node in Dump's output.
func head(n Node) string {
	switch n := n.(type) {
	case *Block:
		return "block"
	case *LetStmt:
		return "let"
	case *AssignStmt:
		return n.Op
	case *ExprStmt:
		return "expr"
	case *IfStmt:
		return "if"
	case *WhileStmt:
		return "while"
	case *ForStmt:
		return "for"
	case *BranchStmt:
		return n.Tok
	case *ReturnStmt:
		return "return"
	case *ThrowStmt:
		return "throw"
	case *TryStmt:
		return "try"
	case *FnDecl:
		return "fndecl " + n.Name.Name
	}
	return exprHead(n)
}

func exprHead(n Node) string {
	switch n := n.(type) {
	case *InterpString:
		return "interp"
	case *ListLit:
		return "list"
	case *MapLit:
		return "map"
	case *FuncLit:
		params := make([]string, len(n.Params))
		for i, p := range n.Params {
			params[i] = p.Name
		}
		return fmt.Sprintf("fn (%s)", strings.Join(params, " "))
	case *UnaryExpr, *BinaryExpr:
		return opOf(n)
	case *CallExpr:
		return "call"
	case *IndexExpr:
		return "index"
	case *SliceExpr:
		return "slice"
	case *DotExpr:
		return "dot " + n.Name
	case *YieldExpr:
		if n.From {
			return "yield-from"
		}
		return "yield"
	}
	return fmt.Sprintf("?%T", n)
}

func opOf(n Node) string {
	if u, ok := n.(*UnaryExpr); ok {
		return u.Op
	}
	return n.(*BinaryExpr).Op
}

// appendChildren appends the children of n to dst, in source order, with
// nil for an absent optional child (Dump prints it as _), and returns
// the extended slice. Leaves have none. Dump and the depth bound both
// walk the tree through it.
func appendChildren(dst []Node, n Node) []Node {
	switch n := n.(type) {
	case *Block:
		for _, s := range n.Stmts {
			dst = append(dst, s)
		}
		return dst
	case *LetStmt:
		return append(dst, n.Name, orNil(n.Value))
	case *AssignStmt:
		return append(dst, n.Target, n.Value)
	case *ExprStmt:
		return append(dst, n.X)
	case *IfStmt:
		return append(dst, n.Cond, n.Then, orNil(n.Else))
	case *WhileStmt:
		return append(dst, n.Cond, n.Body)
	case *ForStmt:
		return append(dst, n.Key, orNil(n.Value), n.Iter, n.Body)
	case *ReturnStmt:
		return append(dst, orNil(n.Value))
	case *ThrowStmt:
		return append(dst, n.Value)
	case *TryStmt:
		return append(dst, n.Body, orNil(n.CatchName), orNilBlock(n.Catch), orNilBlock(n.Finally))
	case *FnDecl:
		return append(dst, n.Func)
	}
	return appendExprChildren(dst, n)
}

func appendExprChildren(dst []Node, n Node) []Node {
	switch n := n.(type) {
	case *InterpString:
		return appendExprs(dst, n.Parts)
	case *ListLit:
		return appendExprs(dst, n.Elems)
	case *MapLit:
		for _, e := range n.Entries {
			dst = append(dst, e.Key, e.Value)
		}
		return dst
	case *FuncLit:
		return append(dst, n.Body)
	case *UnaryExpr:
		return append(dst, n.X)
	case *BinaryExpr:
		return append(dst, n.X, n.Y)
	case *CallExpr:
		return appendExprs(append(dst, n.Fn), n.Args)
	case *IndexExpr:
		return append(dst, n.X, n.Index)
	case *SliceExpr:
		return append(dst, n.X, orNil(n.Lo), orNil(n.Hi))
	case *DotExpr:
		return append(dst, n.X)
	case *YieldExpr:
		return append(dst, orNil(n.Value))
	}
	return dst
}

func appendExprs(dst []Node, es []Expr) []Node {
	for _, e := range es {
		dst = append(dst, e)
	}
	return dst
}

// orNil turns a typed nil interface value into an untyped nil.
func orNil[T comparable](v T) Node {
	var zero T
	if v == zero {
		return nil
	}
	return any(v).(Node)
}

func orNilBlock(b *Block) Node {
	if b == nil {
		return nil
	}
	return b
}

// Children returns n's child nodes in source order, with nil where an
// optional part is absent. A FnDecl's child is its FuncLit and a FuncLit's
// its body, so a walk that must stay inside one function stops at
// *FuncLit.
func Children(n Node) []Node { return appendChildren(nil, n) }
