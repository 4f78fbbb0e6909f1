package debug

import (
	"io"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// TestGotoVersion: a session from a stored state (version 3 here, waiting
// on its first ask) reaches each later version at the next suspension,
// the last at the end, forwards and backwards; VersionBefore says which
// version a step comes after.
func TestGotoVersion(t *testing.T) {
	src := "let a = ask(1)\nlet b = ask(2)\nprint(a + b)\n"
	p, err := compiler.CompileSource("v.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), "ask")})
	if err != nil {
		t.Fatal(err)
	}
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) { return m.Suspend("ask", args[0]) }}
	opts := vm.Options{Hosts: []*vm.Builtin{ask}, Stdout: io.Discard}
	m, err := vm.New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Program: p, Options: opts, Snapshot: snap, Version: 3,
		Reply: func(susp *vm.Suspension) (vm.Value, error) { return vm.Int(susp.Request.AsInt() * 10), nil }})
	if err != nil {
		t.Fatal(err)
	}
	start := s.Steps()
	if _, err := s.GotoVersion(2); err == nil {
		t.Fatal("a version before the start was reached")
	}
	st, err := s.GotoVersion(4)
	if err != nil || st.Loc.Line() != 2 || st.Reason != "version 4" {
		t.Fatalf("v4: %+v %v", st, err)
	}
	if a, _ := s.Machine().Global("a"); a.AsInt() != 10 {
		t.Fatalf("a = %v at version 4", a)
	}
	v4 := s.Steps()
	if st, err := s.GotoVersion(5); err != nil || !st.Ended {
		t.Fatalf("v5, the end: %+v %v", st, err)
	}
	if st, err := s.GotoVersion(3); err != nil || !st.Reversed || s.Steps() != start {
		t.Fatalf("back to v3: %+v %v", st, err)
	}
	if _, err := s.GotoVersion(6); err == nil {
		t.Fatal("a version past the end was reached")
	}
	hits, versions, err := s.LineHits(2)
	if err != nil || len(hits) != 1 || len(versions) != 1 || versions[0] != (VersionPoint{Version: 4, Step: v4}) {
		t.Errorf("line 2: hits %v, versions %+v, %v", hits, versions, err)
	}
	for step, want := range map[int64]int64{start: 3, start + 1: 3, v4 - 1: 3, v4: 4, v4 + 1: 4} {
		if got := s.VersionBefore(step); got != want {
			t.Errorf("VersionBefore(%d) = %d, want %d", step, got, want)
		}
	}
}
