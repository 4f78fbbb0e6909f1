package engine

// Tests of each step's budgets (Options.MaxSteps and MaxAlloc).

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStepOverBudgetFailsInstance: a step that allocates without bound,
// or loops without end, fails its instance with the limit in the reason;
// its failed version keeps the last good state; a worker does not claim
// it again, and goes on with the other instances. Such a step used to run
// the worker out of memory, and was claimed again after the lease.
func TestStepOverBudgetFailsInstance(t *testing.T) {
	f := newFixture(t, Options{MaxAlloc: 1 << 20, MaxSteps: 1_000_000})
	ctx := context.Background()
	hog := f.start(`wait("go")
let keep = []
while true { keep.push([1, 2, 3]) }
`, "")
	spin := f.start(`wait("go")
while true {}
`, "")
	good := f.start(`print(wait("go"))`, "")
	viaSignal := f.start(`wait("go")
let s = "x"
while true { s = s + s }
`, "")
	for _, id := range []string{hog, spin, good} {
		if _, err := f.e.Store().Send(ctx, id, "go", "1", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.work()
	if _, err := f.e.Signal(ctx, viaSignal, "go", []byte("1")); err != nil {
		t.Errorf("Signal: %v", err)
	}
	f.work()
	for _, c := range []struct {
		id     string
		status Status
		err    string
	}{
		{hog, Failed, "step went over its budget (Options.MaxSteps and MaxAlloc, per step): limit_exceeded: memory limit of 1048576 bytes exceeded"},
		{spin, Failed, "step went over its budget (Options.MaxSteps and MaxAlloc, per step): limit_exceeded: step limit of 1000000 exceeded"},
		{viaSignal, Failed, "memory limit of 1048576 bytes exceeded"},
		{good, Completed, ""},
	} {
		h := f.head(c.id)
		if h.Status != c.status || !strings.Contains(h.Error, c.err) {
			t.Errorf("%s: %s %q, want %s with %q", c.id, h.Status, h.Error, c.status, c.err)
		}
		if c.status == Failed && (h.Version != 2 || h.SnapVersion != 1 || h.Snapshot == nil) {
			t.Errorf("%s: version %d with the snapshot of version %d, want version 2 keeping version 1's state", c.id, h.Version, h.SnapVersion)
		}
	}
}

// TestBudgetsArePerStep: the budgets bound each step, not an instance's
// life: five steps that each use more than half of both complete, though
// two of them in one step would not. (A snapshot carries the machine's
// step and allocation totals; the engine restores each step's machine
// with fresh budgets.)
func TestBudgetsArePerStep(t *testing.T) {
	const work = `fn step() {
    let keep = []
    for i in range(4000) { keep.push("x" * 100) }
}
`
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"steps", Options{MaxSteps: 100_000}},
		{"allocation", Options{MaxAlloc: 1 << 20}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts)
			id := f.start(work+"for n in range(5) {\n    step()\n    wait(\"next\")\n}\nprint(\"done\")\n", "")
			for range 5 {
				f.signal(id, "next", "null")
			}
			if h := f.head(id); h.Status != Completed || h.Output != "done\n" {
				t.Errorf("after five steps: %s %q", h.Status, h.Error)
			}
			if h := f.head(f.start(work+"step()\nstep()\n", "")); h.Status != Failed {
				t.Errorf("two steps' work in one step: %s, want failed (the test's step is too small)", h.Status)
			}
		})
	}
}

// TestBudgetDefaults: zero gives the default budgets, a negative value
// none (vm.Options' zero).
func TestBudgetDefaults(t *testing.T) {
	e, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := []int64{e.opts.MaxSteps, e.opts.MaxAlloc}
	if diff := cmp.Diff([]int64{DefaultMaxSteps, DefaultMaxAlloc}, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if e, _ = New(nil, Options{MaxSteps: -1, MaxAlloc: -5}); e.opts.MaxSteps != 0 || e.opts.MaxAlloc != 0 {
		t.Errorf("negative budgets: %d %d, want 0 (no limit)", e.opts.MaxSteps, e.opts.MaxAlloc)
	}
}
