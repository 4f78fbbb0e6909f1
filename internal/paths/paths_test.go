package paths

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.wf", "b_test.wf", "sub/c.wf", "sub/d.txt"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Expand([]string{filepath.Join(dir, "sub", "d.txt"), dir}, ".wf")
	want := []string{"sub/d.txt", "a.wf", "b_test.wf", "sub/c.wf"}
	for i := range want {
		want[i] = filepath.Join(dir, want[i])
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Expand = %v, %v; want %v", got, err, want)
	}
	if _, err := Expand([]string{filepath.Join(dir, "missing")}, ".wf"); err == nil {
		t.Error("a missing path is no error")
	}
}
