package lang

import "testing"

// checkPositions fails if any node under n has no position.
func checkPositions(t *testing.T, n Node) {
	t.Helper()
	if id, ok := n.(*Ident); n == nil || ok && id == nil {
		return
	}
	if p := n.Position(); p.Line < 1 || p.Col < 1 {
		t.Fatalf("%T %s has no position", n, Dump(n))
	}
	if _, ok := n.(*FnDecl); ok {
		checkPositions(t, n.(*FnDecl).Func)
		return
	}
	switch n.(type) {
	case *Ident, *NilLit, *BoolLit, *IntLit, *FloatLit, *StringLit:
		return
	}
	_, kids := parts(n)
	for _, k := range kids {
		checkPositions(t, k)
	}
}

func TestAllPositions(t *testing.T) {
	for _, tt := range parseTests {
		f, err := Parse("t.wf", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range f.Stmts {
			checkPositions(t, s)
		}
	}
}
