// This file defines the depth bound on syntax trees.

package lang

import "fmt"

// MaxTreeDepth bounds the depth of the syntax tree of a parsed File, which
// the compiler walks recursively. MaxNesting bounds brackets before the
// parser recurses, but chains nest the tree one level per link without a
// bracket: "a + b + c …" and "a and b and c …" (left-deep), "f()()…",
// "x.a.b…", "x[0][0]…" and "else if" chains. Compiling takes up to about
// 550 bytes of Go stack per level (a function literal returning the next;
// 496 for a chain of calls, 368 for one of operators), so the 512 MB a
// goroutine may grow to held about a million levels, which participle
// allows in one chain and a 2 MB source holds. A tree nested to
// MaxNestingCeiling by brackets and blocks alone is at most about 30,000
// deep; this bound costs the compiler at most about 28 MB of stack.
const MaxTreeDepth = 50_000

// checkDepth returns an error at the first node found deeper than limit,
// or nil. It walks the tree with a stack of its own, so that a tree too
// deep for the compiler is not too deep for it.
func checkDepth(stmts []Stmt, limit int) *Error {
	type item struct {
		n     Node
		depth int
	}
	// Room for a small tree's walk on the Go stack; a larger one grows.
	stack, kids := make([]item, 0, 32), make([]Node, 0, 16)
	for i := len(stmts) - 1; i >= 0; i-- {
		stack = append(stack, item{stmts[i], 1})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.depth > limit {
			return &Error{Pos: it.n.Position(), Msg: fmt.Sprintf(
				"nesting too deep: over %d levels of operators, calls, fields and blocks", limit)}
		}
		kids = appendChildren(kids[:0], it.n)
		for _, k := range kids {
			if k != nil {
				stack = append(stack, item{k, it.depth + 1})
			}
		}
	}
	return nil
}
