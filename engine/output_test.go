package engine

// Tests of how versions store their output.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// printer prints a line of n bytes (newline included) in each of steps
// steps, each ended by a wait.
func printer(steps, n int) string {
	return fmt.Sprintf("for i in range(%d) {\n    print(\"x\" * %d)\n    wait(\"tick\")\n}\n", steps, n-1)
}

// runPrinter starts printer(steps, n) on e and signals it to the end.
func runPrinter(tb testing.TB, e *Engine, steps, n int) string {
	tb.Helper()
	ctx := context.Background()
	id, err := e.Start(ctx, "printer.wf", []byte(printer(steps, n)), nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < steps; i++ {
		if _, err := e.Signal(ctx, id, "tick", nil); err != nil {
			tb.Fatal(err)
		}
	}
	return id
}

// TestOutputStorageIsLinear: the database grows with what the steps
// print, not with the square of it. 300 steps printing 2 KiB each used
// to make a 91 MB database: every version stored the whole output so
// far.
func TestOutputStorageIsLinear(t *testing.T) {
	const steps, n = 300, 2048
	f := newFixture(t, Options{})
	db := f.e.Store().(*SQLite).DB()
	before := dbBytes(t, db)
	id := runPrinter(t, f.e, steps, n)
	grown := dbBytes(t, db) - before
	printed := int64(steps * n)
	if limit := 2*printed + steps*2048; grown > limit {
		t.Errorf("%d steps printing %d bytes each grew the database by %d bytes, over %d", steps, n, grown, limit)
	}
	t.Logf("%d steps of %d bytes: the database grew by %d bytes (%.2f per byte printed)", steps, n, grown, float64(grown)/float64(printed))
	if got := f.head(id).Output; got != strings.Repeat(strings.Repeat("x", n-1)+"\n", steps) {
		t.Errorf("head output: %d bytes, want %d", len(got), printed)
	}
}

// TestOutputAtEveryVersion: each version's output is exactly what was
// printed up to it, through steps that print nothing, an edit, rewinds
// and a fork; History, Version (show --at) and Head agree.
func TestOutputAtEveryVersion(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(`let n = 0
while true {
    let s = wait("go")
    if s != "" { print(s) }
    n += 1
}
`, "")
	f.signal(id, "go", `"a"`)
	f.signal(id, "go", `""`)
	f.signal(id, "go", `"b"`)
	if err := f.e.Set(ctx, id, "n", []byte("7"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Rewind(ctx, id, 2, false); err != nil {
		t.Fatal(err)
	}
	f.signal(id, "go", `"c"`)
	fork, err := f.e.Fork(ctx, id, 4)
	if err != nil {
		t.Fatal(err)
	}
	f.signal(fork, "go", `"d"`)
	want := map[string][]string{
		id:   {"", "a\n", "a\n", "a\nb\n", "a\nb\n", "a\n", "a\nc\n"},
		fork: {"a\nb\n", "a\nb\nd\n"},
	}
	for id, outs := range want {
		vs, err := f.e.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var history, at []string
		for _, v := range vs {
			history = append(history, v.Output)
			got, err := f.e.Store().Version(ctx, id, v.Number)
			if err != nil {
				t.Fatal(err)
			}
			at = append(at, got.Output)
		}
		if diff := cmp.Diff(outs, history); diff != "" {
			t.Errorf("%s: history outputs (-want +got):\n%s", id, diff)
		}
		if diff := cmp.Diff(outs, at); diff != "" {
			t.Errorf("%s: outputs at each version (-want +got):\n%s", id, diff)
		}
		if h := f.head(id); h.Output != outs[len(outs)-1] {
			t.Errorf("%s: head output %q", id, h.Output)
		}
	}
}

// TestTamperedOutputPartsAreCorrupt: stored output parts that do not add
// up to their stored length, or a reference that points forward, are
// ErrCorrupt for every reader; nothing loops or returns a wrong output.
func TestTamperedOutputPartsAreCorrupt(t *testing.T) {
	for _, tamper := range []string{
		`UPDATE versions SET output_len = output_len + 1 WHERE version = 3`,
		`UPDATE versions SET output_from = 3 WHERE version = 2`,
		`UPDATE versions SET output_from = 3 WHERE version = 3`,
		`UPDATE versions SET output_from = 9 WHERE version = 3`,
	} {
		f := newFixture(t, Options{})
		ctx := context.Background()
		id := runPrinter(t, f.e, 2, 4)
		if _, err := f.e.Store().(*SQLite).DB().Exec(tamper); err != nil {
			t.Fatal(err)
		}
		_, vErr := f.e.Store().Version(ctx, id, 3)
		_, hErr := f.e.Store().Head(ctx, id)
		_, histErr := f.e.History(ctx, id)
		_, showErr := f.e.Show(ctx, id, 3)
		for what, err := range map[string]error{"Version": vErr, "Head": hErr, "History": histErr, "Show": showErr} {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s, then %s: %v, want ErrCorrupt", tamper, what, err)
			}
		}
	}
}
