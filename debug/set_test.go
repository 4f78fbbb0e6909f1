package debug

import (
	"io"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// TestSetGlobalHidden: frame -1 sets the global even where a local of
// the same name hides it; frame 0 sets the local. Data only.
func TestSetGlobalHidden(t *testing.T) {
	src := "let x = 1\nfn f() {\n    let x = 2\n    return x\n}\nlet y = f()\nprint(x + y)\n"
	p, err := compiler.CompileSource("s.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Program: p, Options: vm.Options{Stdout: io.Discard}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Break("4"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	if old, err := s.Set(-1, "x", "x * 100"); err != nil || old.AsInt() != 1 {
		t.Fatalf("set the global: %v %v", old, err)
	}
	if old, err := s.Set(0, "x", "x + 1"); err != nil || old.AsInt() != 2 {
		t.Fatalf("set the local: %v %v", old, err)
	}
	if _, err := s.Set(0, "x", "len"); err == nil {
		t.Fatal("a function was set")
	}
	g, _ := s.Machine().Global("x")
	l, _ := s.Machine().Local(0, "x")
	if g.AsInt() != 200 || l.AsInt() != 3 {
		t.Fatalf("global %v (want 200: the expression saw the local 2), local %v", g, l)
	}
	if st, err := s.Continue(); err != nil || !st.Ended {
		t.Fatal(st, err)
	}
	if y, _ := s.Machine().Global("y"); y.AsInt() != 3 {
		t.Fatalf("y = %v, want the set local's 3", y)
	}
}
