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
func parts(n Node) (string, []Node) {
	switch n := n.(type) {
	case *Block:
		return "block", stmtNodes(n.Stmts)
	case *LetStmt:
		return "let", []Node{n.Name, n.Value}
	case *AssignStmt:
		return n.Op, []Node{n.Target, n.Value}
	case *ExprStmt:
		return "expr", []Node{n.X}
	case *IfStmt:
		return "if", []Node{n.Cond, n.Then, orNil(n.Else)}
	case *WhileStmt:
		return "while", []Node{n.Cond, n.Body}
	case *ForStmt:
		return "for", []Node{n.Key, n.Value, n.Iter, n.Body}
	case *BranchStmt:
		return n.Tok, nil
	case *ReturnStmt:
		return "return", []Node{n.Value}
	case *ThrowStmt:
		return "throw", []Node{n.Value}
	case *TryStmt:
		return "try", []Node{n.Body, n.CatchName, orNilBlock(n.Catch), orNilBlock(n.Finally)}
	case *FnDecl:
		return "fndecl " + n.Name.Name, []Node{n.Func}
	}
	return exprParts(n)
}

func exprParts(n Node) (string, []Node) {
	switch n := n.(type) {
	case *InterpString:
		return "interp", exprNodes(n.Parts)
	case *ListLit:
		return "list", exprNodes(n.Elems)
	case *MapLit:
		var kids []Node
		for _, e := range n.Entries {
			kids = append(kids, e.Key, e.Value)
		}
		return "map", kids
	case *FuncLit:
		params := make([]string, len(n.Params))
		for i, p := range n.Params {
			params[i] = p.Name
		}
		return fmt.Sprintf("fn (%s)", strings.Join(params, " ")), []Node{n.Body}
	case *UnaryExpr:
		return n.Op, []Node{n.X}
	case *BinaryExpr:
		return n.Op, []Node{n.X, n.Y}
	case *CallExpr:
		return "call", append([]Node{n.Fn}, exprNodes(n.Args)...)
	case *IndexExpr:
		return "index", []Node{n.X, n.Index}
	case *SliceExpr:
		return "slice", []Node{n.X, orNil(n.Lo), orNil(n.Hi)}
	case *DotExpr:
		return "dot " + n.Name, []Node{n.X}
	case *YieldExpr:
		if n.From {
			return "yield-from", []Node{n.Value}
		}
		return "yield", []Node{orNil(n.Value)}
	}
	return fmt.Sprintf("?%T", n), nil
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

func stmtNodes(s []Stmt) []Node {
	out := make([]Node, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func exprNodes(s []Expr) []Node {
	out := make([]Node, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
