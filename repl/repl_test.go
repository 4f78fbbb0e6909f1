package repl

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// session runs lines through Run in no-edit mode and returns the output.
func session(t *testing.T, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	in := strings.NewReader(strings.Join(lines, "\n") + "\n")
	if code := Run(Options{In: in, Out: &out, NoEdit: true, MaxSteps: 1_000_000}); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	return out.String()
}

func TestSession(t *testing.T) {
	got := session(t,
		`let x = 1 + 2`,
		`x * 10`,
		`print("printed once")`,
		`fn sq(n) {`,
		`    return n * n`,
		`}`,
		`sq(x)`,
		`nil`,
		`let x = 5`, // typed again: an assignment
		`fn sq(n) { return -n }`,
		`sq(x)`,
	)
	want := "30\nprinted once\n9\n-5\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestFailedInputChangesNothing checks that an input that throws leaves
// no part of its work behind, and that errors show their source line.
func TestFailedInputChangesNothing(t *testing.T) {
	got := session(t,
		`let xs = [1]`,
		`xs.push(2); xs[5]`,
		`xs`,
		`let y = )`,
		`nope`,
	)
	for _, want := range []string{
		"<repl>:2:15: index_error: list index 5 out of range (length 2)\n    xs.push(2); xs[5]\n",
		"[1]\n",
		"<repl>:3:9: unexpected \")\"",
		"<repl>:3:1: undefined: nope",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestDumpLoad saves a session with a suspended generator in it and
// restores it in another, which goes on where the first stopped.
func TestDumpLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.snap")
	first := session(t,
		`fn count() {`,
		`    let i = 0`,
		`    while true {`,
		`        i += 1`,
		`        yield i`,
		`    }`,
		`}`,
		`let g = count()`,
		`g.next()`,
		`g.next()`,
		`:dump `+path,
	)
	if !strings.Contains(first, "1\n2\nsaved the session") {
		t.Fatalf("first session:\n%s", first)
	}
	second := session(t, `:load `+path, `g.next()`, `:source`)
	if !strings.Contains(second, "restored the session") || !strings.Contains(second, "\n3\n") ||
		!strings.HasSuffix(second, "g.next()\ng.next()\ng.next()\n") {
		t.Errorf("second session:\n%s", second)
	}
	bad := session(t, `:load `+filepath.Join(t.TempDir(), "missing"), `:load`, `:frob`)
	for _, want := range []string{"no such file", ":load needs a file name", "unknown command :frob"} {
		if !strings.Contains(bad, want) {
			t.Errorf("output lacks %q:\n%s", want, bad)
		}
	}
}

// TestMultiLine checks that an unfinished input continues on the next
// line and that an empty line ends it.
func TestMultiLine(t *testing.T) {
	got := session(t, `[1,`, `2,`, `3]`, `let s = (`, ``, `"after"`)
	if !strings.HasPrefix(got, "[1, 2, 3]\n") || !strings.Contains(got, "unexpected end of file") ||
		!strings.HasSuffix(got, "\"after\"\n") {
		t.Errorf("got:\n%s", got)
	}
}

// TestEndlessInputStops checks that an input over the step budget fails
// and the prompt goes on.
func TestEndlessInputStops(t *testing.T) {
	got := session(t, `while true {}`, `1`)
	if !strings.Contains(got, "limit_exceeded") || !strings.HasSuffix(got, "1\n") {
		t.Errorf("got:\n%s", got)
	}
}
