package vm_test

// Tests of Pause: a paused machine is whole, continues as if it had never
// stopped, and stops where the step budget would.

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

const pauseProgram = `
fn fib(n) { if n < 2 { return n }; return fib(n - 1) + fib(n - 2) }
fn gen(n) { for i in range(n) { yield i * i } }
let total = 0
for x in gen(5) { total += x }
let co = coroutine(fn(a) { let b = current().parent.switch(a + 1); return b * 2 })
print(fib(8), total, co.switch(1), co.switch(5))
`

// TestPauseAtStepEqualsStepLimit: pausing at step n leaves the machine in
// exactly the state (snapshot bytes) the step budget stops it in at n
// (the first boundary at or after n: allocations charge work, so steps
// jump), and a machine paused every few steps prints what a plain run prints.
func TestPauseAtStepEqualsStepLimit(t *testing.T) {
	var plain bytes.Buffer
	if _, err := newMachine(t, pauseProgram, vm.Options{Stdout: &plain}).Run(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := newMachine(t, pauseProgram, vm.Options{Stdout: &out})
	for n := int64(7); ; n = m.Steps() + 7 {
		if err := m.Pause(n, nil); err != nil {
			t.Fatal(err)
		}
		_, err := m.Run()
		if err == nil {
			break
		}
		if !errors.Is(err, vm.ErrPaused) {
			t.Fatalf("step %d: %v", n, err)
		}
		if m.Steps() < n {
			t.Fatalf("paused at step %d, before %d", m.Steps(), n)
		}
		limited := newMachine(t, pauseProgram, vm.Options{MaxSteps: n})
		if _, err := limited.Run(); err == nil {
			t.Fatalf("step %d: the budget did not stop the program", n)
		}
		if a, b := snap(t, m), snap(t, limited); !bytes.Equal(a, b) {
			t.Fatalf("step %d: the paused state differs from the budget-stopped state", n)
		}
	}
	if diff := cmp.Diff(plain.String(), out.String()); diff != "" {
		t.Errorf("output (-plain +paused):\n%s", diff)
	}
}

func snap(t *testing.T, m *vm.Machine) []byte {
	t.Helper()
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPauseIfStopsAtEveryInstruction: a predicate that always says stop
// stops after each instruction, never inside a sort comparator's .wf
// code, and a run restored from each paused state ends the same way.
func TestPauseIfStopsAtEveryInstruction(t *testing.T) {
	const src = `fn by(a, b) { return b - a }
let l = sort([3, 1, 2], by)
print(l)`
	var out bytes.Buffer
	m := newMachine(t, src, vm.Options{Stdout: &out})
	always := func(*vm.Machine) bool { return true }
	var stops int
	for {
		before := m.Steps()
		if err := m.Pause(0, always); err != nil {
			t.Fatal(err)
		}
		_, err := m.Run()
		if err == nil {
			break
		}
		if !errors.Is(err, vm.ErrPaused) {
			t.Fatal(err)
		}
		stops++
		if loc := m.Location(); loc.Fn != nil && loc.Fn.Name == "by" {
			t.Fatalf("paused inside the comparator at step %d", m.Steps())
		}
		if m.Steps() == before {
			t.Fatalf("a predicate pause made no progress at step %d", before)
		}
		restored, err := vm.Restore(m.Program(), snap(t, m), vm.Options{Stdout: &bytes.Buffer{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := restored.Run(); err != nil {
			t.Fatalf("restored at step %d: %v", m.Steps(), err)
		}
	}
	if out.String() != "[3, 2, 1]\n" {
		t.Errorf("printed %q", out.String())
	}
	if stops < 5 || int64(stops) >= m.Steps() {
		t.Errorf("%d stops over %d steps: want one per instruction outside the comparator", stops, m.Steps())
	}
}

// TestPauseSurvivesSuspension: a host suspension before the pause's step
// leaves it armed, and Resume stops at it.
func TestPauseSurvivesSuspension(t *testing.T) {
	var out bytes.Buffer
	m := newAskMachine(t, `let a = ask("q")
let i = 0
while i < 100 { i += 1 }
print(a, i)`, &out)
	if err := m.Pause(50, nil); err != nil {
		t.Fatal(err)
	}
	susp, err := m.Run()
	if err != nil || susp == nil {
		t.Fatalf("Run: %v, %v; want the ask suspension", susp, err)
	}
	if _, err := m.Resume(vm.String("yes")); !errors.Is(err, vm.ErrPaused) || m.Steps() != 50 {
		t.Fatalf("Resume: %v at step %d, want ErrPaused at 50", err, m.Steps())
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "yes 100\n" {
		t.Errorf("printed %q", out.String())
	}
	if !m.Finished() {
		t.Error("Finished is false after the end")
	}
}

// TestPauseReadsLocations: at each stop, Location names the running
// function and its line, and Local reads live variables, captured ones
// through their cells.
func TestPauseReadsLocations(t *testing.T) {
	const src = `fn f(n) {
    let k = n * 2
    let g = fn() { return k }
    return g()
}
print(f(4))`
	m := newMachine(t, src, vm.Options{})
	seen := map[string]bool{}
	for {
		m.Pause(0, func(m *vm.Machine) bool { return true })
		if _, err := m.Run(); err == nil {
			break
		}
		loc := m.Location()
		if loc.Fn == nil || loc.Fn.Name != "f" {
			continue
		}
		if n, ok := m.Local(0, "n"); !ok || n.AsInt() != 4 {
			t.Fatalf("line %d: n = %v, %v", loc.Line(), n, ok)
		}
		if k, ok := m.Local(0, "k"); ok && k.Kind() == vm.KindInt {
			seen["k"] = k.AsInt() == 8
		}
		seen["line"+string(rune('0'+loc.Line()))] = true
	}
	if !seen["k"] || !seen["line2"] || !seen["line4"] || seen["line6"] {
		t.Errorf("seen %v", seen)
	}
	if _, ok := m.Local(0, "n"); ok || m.Location().Fn != nil {
		t.Error("a finished machine still shows a frame")
	}
}

// TestStackThroughGenerators: inside a generator that a for loop resumes,
// the running stack is the loop's frame and then the generator's, and
// Local reads either.
func TestStackThroughGenerators(t *testing.T) {
	const src = `fn gen(n) {
    let sq = n * n
    yield sq
}
fn main() {
    let outer = 7
    for v in gen(3) { print(v) }
}
main()`
	m := newMachine(t, src, vm.Options{})
	m.Pause(0, func(m *vm.Machine) bool { _, ok := m.Local(0, "sq"); return ok })
	if _, err := m.Run(); !errors.Is(err, vm.ErrPaused) {
		t.Fatalf("got %v, want a pause where sq is live", err)
	}
	st := m.Stack(vm.ViewOptions{})
	var names []string
	for _, fr := range st.Frames {
		names = append(names, fr.Function)
	}
	if want := []string{"<main>", "main", "gen"}; !cmp.Equal(names, want) {
		t.Errorf("frames %v, want %v", names, want)
	}
	if v, ok := m.Local(1, "outer"); !ok || v.AsInt() != 7 {
		t.Errorf("outer in frame 1 = %v, %v", v, ok)
	}
	if _, ok := m.Local(3, "outer"); ok {
		t.Error("frame 3 does not exist")
	}
}

// TestRestoreInShallowCallee is the regression test for a restored
// machine whose stack was sized for its top frame only: restored inside
// a callee that needs little stack, called from a caller that needs
// more later, it overran the stack after the callee returned. A snapshot at every step must restore and finish the same.
func TestRestoreInShallowCallee(t *testing.T) {
	const src = `fn t(v) { return v }
t(1)
print(len([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]))`
	var want bytes.Buffer
	if _, err := newMachine(t, src, vm.Options{Stdout: &want}).Run(); err != nil {
		t.Fatal(err)
	}
	for n := int64(1); ; n++ {
		var out bytes.Buffer // what the machine printed before the pause, then the restored one
		m := newMachine(t, src, vm.Options{Stdout: &out})
		m.Pause(n, nil)
		if _, err := m.Run(); err == nil {
			break
		}
		restored, err := vm.Restore(m.Program(), snap(t, m), vm.Options{Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := restored.Run(); err != nil || out.String() != want.String() {
			t.Fatalf("restored at step %d: %v, printed %q", n, err, out.String())
		}
	}
}
