package compiler

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wf-lang/wf/lang"
)

// withMaxStack runs f with the Go stack limited to n bytes, so that a test
// fails (with a fatal stack overflow) if its program costs more stack
// than the limits' documentation says.
func withMaxStack(n int, f func()) {
	defer debug.SetMaxStack(debug.SetMaxStack(n))
	f()
}

// TestNestingCeilingCompiles: a program nested to lang.MaxNestingCeiling
// in the costliest shape measured (a function literal returning the
// next: 6.2 KB of stack per level, 62 MB in all) parses and compiles in
// twice that stack; one level more is a clean error.
func TestNestingCeilingCompiles(t *testing.T) {
	chain := func(n int) []byte {
		return []byte("let v = 1\nlet f = " + strings.Repeat("fn() { return ", n) + "v" + strings.Repeat(" }", n))
	}
	opts := Options{Parse: lang.Options{MaxNesting: lang.MaxNestingCeiling}}
	withMaxStack(128<<20, func() {
		if _, err := CompileSource("c.wf", chain(lang.MaxNestingCeiling), opts); err != nil {
			t.Errorf("at the ceiling: %.300v", err)
		}
	})
	_, err := CompileSource("c.wf", chain(lang.MaxNestingCeiling+1), opts)
	if err == nil || !strings.HasSuffix(err.Error(), ": nesting too deep (limit 10000)") {
		t.Errorf("past the ceiling: err = %.300v", err)
	}
}

// TestTreeDepthCompiles: a chain of calls as deep as lang.MaxTreeDepth
// allows (496 bytes of stack per level, about 25 MB) compiles in 64 MB of
// stack. The tree is built directly: parsing 100,000 tokens would cost
// the test seconds and hundreds of megabytes.
func TestTreeDepthCompiles(t *testing.T) {
	pos := lang.Pos{File: "d.wf", Line: 1, Col: 1}
	var x lang.Expr = &lang.Ident{Pos: pos, Name: "print"}
	for range lang.MaxTreeDepth - 2 { // the statement and the name make two levels more
		x = &lang.CallExpr{Pos: pos, Fn: x}
	}
	f := &lang.File{Name: "d.wf", Stmts: []lang.Stmt{&lang.ExprStmt{X: x}}}
	withMaxStack(64<<20, func() {
		if _, err := Compile(f, Options{Predeclared: []string{"print"}}); err != nil {
			t.Errorf("compile: %v", err)
		}
	})
}
