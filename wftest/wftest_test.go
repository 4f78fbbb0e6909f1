package wftest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// write creates the files in dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTopLevelFails checks that an error in the top level fails the file
// and runs no test.
func TestTopLevelFails(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"p.wf":      "let x = 1\nprint(x / 0)\n",
		"p_test.wf": "fn test_never() {\n    print(\"ran\")\n}\n",
	})
	var out bytes.Buffer
	code := Run([]string{dir}, Options{Stdout: &out, Verbose: true})
	s := out.String()
	if code != ExitFail || !strings.Contains(s, "--- FAIL: the top level of") ||
		!strings.Contains(s, "p.wf:2:9: zero_division") || strings.Contains(s, "ran") {
		t.Fatalf("exit %d:\n%s", code, s)
	}
}

// TestEndlessTestStops checks that a test that never ends fails at the
// step budget instead of hanging.
func TestEndlessTestStops(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"loop_test.wf": "fn test_loop() {\n    while true {}\n}\n"})
	var out bytes.Buffer
	code := Run([]string{dir}, Options{Stdout: &out, MaxSteps: 10_000})
	if code != ExitFail || !strings.Contains(out.String(), "limit_exceeded") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}

// TestLayout checks the one-element-per-line layout behind assert_eq's
// diffs: short values stay on a line, long lists and maps open up.
func TestLayout(t *testing.T) {
	long := vm.String(strings.Repeat("x", 70))
	m := vm.NewMap(0)
	if _, err := m.Set(vm.String("k"), vm.NewList([]vm.Value{long})); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		v    vm.Value
		want string
	}{
		{vm.NewList([]vm.Value{vm.Int(1), vm.Int(2)}), "[1, 2]\n"},
		{vm.MapValue(m), "{\n    \"k\": [\n        " + vm.Repr(long) + ",\n    ],\n}\n"},
	} {
		if got := layout(tt.v); got != tt.want {
			t.Errorf("layout = %q, want %q", got, tt.want)
		}
	}
}
