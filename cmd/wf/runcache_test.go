package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cacheFiles lists the compiled programs in the cache under dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "wf", "programs", "*.wfc"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// runOut runs wf with args and returns its exit code, stdout and stderr.
func runOut(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestRunCache: wf run stores a compiled program, uses it the next time,
// compiles again past a damaged file, and leaves the cache alone with
// --no-cache or WF_NO_CACHE.
func TestRunCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	prog := filepath.Join(t.TempDir(), "p.wf")
	if err := os.WriteFile(prog, []byte("fn f(n) { return n * 6 }\nprint(f(7))\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runOut("run", "--no-cache", prog); code != 0 || out != "42\n" || len(cacheFiles(t, dir)) != 0 {
		t.Fatalf("--no-cache: exit %d, %q, %d cache files", code, out, len(cacheFiles(t, dir)))
	}
	t.Setenv("WF_NO_CACHE", "1")
	if runOut("run", prog); len(cacheFiles(t, dir)) != 0 {
		t.Fatal("WF_NO_CACHE: a cache file was written")
	}
	t.Setenv("WF_NO_CACHE", "")
	for i := range 2 {
		if code, out, errs := runOut("run", prog); code != 0 || out != "42\n" {
			t.Fatalf("run %d: exit %d, %q, %s", i, code, out, errs)
		}
	}
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("%d cache files, want 1", len(files))
	}
	good, _ := os.ReadFile(files[0])
	damaged := bytes.Repeat([]byte{0xff}, len(good))
	if err := os.WriteFile(files[0], damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runOut("run", prog); code != 0 || out != "42\n" {
		t.Fatalf("damaged cache: exit %d, %q, %s", code, out, errs)
	}
	if again, _ := os.ReadFile(files[0]); !bytes.Equal(again, good) {
		t.Error("the damaged cache file was not written again")
	}
	os.WriteFile(prog, []byte("print(1 +)\n"), 0o600)
	if code, _, errs := runOut("run", prog); code != exitUsage || !strings.Contains(errs, "p.wf:1:") {
		t.Errorf("a changed source with an error: exit %d, %s", code, errs)
	}
}
