package vm_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

func newMachine(t testing.TB, src string, opts vm.Options) *vm.Machine {
	t.Helper()
	p, err := compiler.CompileSource("limits.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Stdout == nil {
		opts.Stdout = &bytes.Buffer{}
	}
	m, err := vm.New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runErr(t testing.TB, src string, opts vm.Options) error {
	t.Helper()
	_, err := newMachine(t, src, opts).Run()
	return err
}

// wantKind checks err is a runtime error of the given wf error kind.
func wantKind(t *testing.T, err error, kind string) {
	t.Helper()
	var e *vm.Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("got %v, want a %s error", err, kind)
	}
}

const spin = `let i = 0
while true { i += 1 }`

func TestStepLimitIsDeterministic(t *testing.T) {
	var steps []int64
	for range 3 {
		m := newMachine(t, spin, vm.Options{MaxSteps: 10_001})
		_, err := m.Run()
		wantKind(t, err, vm.ErrLimit)
		steps = append(steps, m.Steps())
	}
	if steps[0] != 10_001 || steps[1] != steps[0] || steps[2] != steps[0] {
		t.Errorf("stopped at steps %v, want 10001 each time", steps)
	}
}

// Steps run by .wf code that a Go builtin calls back (a sort comparator)
// count toward the budget: each sort below takes about 3,000 steps, under
// the budget, but a hundred of them do not fit.
func TestStepLimitCountsCallbacks(t *testing.T) {
	src := `fn slow(a, b) { let i = 0; while i < 500 { i += 1 }; return a - b }
let n = 0
while n < 100 { [2, 1].sort(slow); n += 1 }`
	m := newMachine(t, src, vm.Options{MaxSteps: 50_000})
	_, err := m.Run()
	wantKind(t, err, vm.ErrLimit)
	if got := m.Steps(); got != 50_000 {
		t.Errorf("stopped at step %d, want 50000", got)
	}
}

func TestStepLimitIsNotCatchable(t *testing.T) {
	err := runErr(t, `try { while true {} } catch e { print("caught") }`, vm.Options{MaxSteps: 1000})
	wantKind(t, err, vm.ErrLimit)
}

func TestContextCancelsLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	wantKind(t, runErr(t, spin, vm.Options{Context: ctx}), vm.ErrCancelled)
}

func TestContextCancelsLongBuiltin(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A single sort of a million elements runs in one step; it must poll.
	src := `let l = []
for i in range(300000) { l.push(300000 - i) }
l.sort()`
	wantKind(t, runErr(t, src, vm.Options{Context: ctx}), vm.ErrCancelled)
}

func TestCallDepthCeilingIsCatchable(t *testing.T) {
	var out bytes.Buffer
	src := `fn down(n) { return down(n + 1) }
try { down(0) } catch e { print(e.kind) }`
	if err := runErr(t, src, vm.Options{Stdout: &out, MaxCallDepth: 50}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != vm.ErrStackOverflow {
		t.Errorf("printed %q, want %q", got, vm.ErrStackOverflow)
	}
}

func TestDefaultCallDepthNoGoStackOverflow(t *testing.T) {
	err := runErr(t, `fn down(n) { return down(n + 1) }
down(0)`, vm.Options{})
	wantKind(t, err, vm.ErrStackOverflow)
}

func TestAllocationBudget(t *testing.T) {
	bombs := map[string]string{
		"string doubling": `let s = "x"
while true { s = s + s }`,
		"string repeat": `let s = "x" * 1000000000`,
		"list growth": `let l = []
while true { l.push(1) }`,
		"map growth": `let m = {}
let i = 0
while true { m[i] = i; i += 1 }`,
		"list repeat": `let l = [1, 2, 3] * 10000000`,
	}
	for name, src := range bombs {
		t.Run(name, func(t *testing.T) {
			wantKind(t, runErr(t, src, vm.Options{MaxAlloc: 1 << 20, MaxSteps: 50_000_000}), vm.ErrLimit)
		})
	}
}
