package vm_test

// Tests that the allocation and step budgets bound what they claim: a
// family of programs, each trying a different way to use memory or time,
// runs under a budget, and what the Go runtime allocated (TotalAlloc) or
// how long the run took in work is checked against it.

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// allocHogs are programs that allocate until a budget stops them.
var allocHogs = map[string]string{
	"string doubling":   `let s = "x"; while true { s = s + s }`,
	"string repeat":     `let s = "ab" * 2147483647`,
	"list repeat":       `let l = [0] * 2147483647`,
	"list of range":     `let l = list(range(2147483647))`,
	"bytes of range":    `let b = bytes(range(2147483647))`,
	"sorted range":      `let l = sort(range(2147483647))`,
	"list push":         `let l = []; while true { l.push(1) }`,
	"list concat":       `let l = [1]; while true { l = l + l }`,
	"bytes concat":      `let b = bytes("ab"); while true { b = b + b }`,
	"str of shared":     `let a = [1]; for i in range(40) { a = [a, a] }; let keep = []; while true { keep.push(str(a)) }`,
	"repr of shared":    `let a = ["x"]; for i in range(40) { a = [a, a] }; let keep = []; while true { keep.push(repr(a)) }`,
	"format of shared":  `let a = [1]; for i in range(40) { a = [a, a] }; let keep = []; while true { keep.push(format("%s%s%s%s", a, a, a, a)) }`,
	"interpolation":     `let a = [1]; for i in range(40) { a = [a, a] }; let keep = []; while true { keep.push("${a}${a}${a}") }`,
	"error of shared":   `let a = [1]; for i in range(40) { a = [a, a] }; let keep = []; while true { keep.push(error(a)) }`,
	"generators":        `fn g() { yield 1 }; let keep = []; while true { keep.push(g()) }`,
	"started gens":      `fn g() { let a = 1; let b = 2; yield a + b }; let keep = []; while true { let x = g(); x.next(); keep.push(x) }`,
	"coroutines":        `let keep = []; while true { keep.push(coroutine(fn() { return 1 })) }`,
	"closures":          `let keep = []; while true { let c = 1; keep.push(fn() { return c }) }`,
	"errors":            `let keep = []; while true { keep.push(error("kind", "x")) }`,
	"empty maps":        `let keep = []; while true { keep.push({}) }`,
	"empty lists":       `let keep = []; while true { keep.push([]) }`,
	"map keys":          `let m = {}; let i = 0; while true { m[i] = i; i += 1 }`,
	"string map keys":   `let m = {}; let i = 0; while true { m["k${i}"] = i; i += 1 }`,
	"ranges":            `let keep = []; while true { keep.push(range(3)) }`,
	"generator chain":   `fn g(n) { yield g(n + 1).next() }; g(0).next()`,
	"coroutine chain":   `fn f(n) { coroutine(f).switch(n + 1) }; f(0)`,
	"caught tracebacks": `fn f(n) { if n == 0 { throw error("x") }; return f(n - 1) }; let keep = []; while true { try { f(900) } catch e { keep.push(e) } }`,
	"thrown values":     `fn f(n) { if n == 0 { throw [1] }; return f(n - 1) }; let keep = []; while true { try { f(900) } catch e { keep.push(e) } }`,
	"upper":             `let s = "ab" * 100000; let keep = []; while true { keep.push(s.upper()) }`,
	"split":             `let s = "a," * 100000; let keep = []; while true { keep.push(s.split(",")) }`,
	"chars":             `let s = "ab" * 100000; let keep = []; while true { keep.push(s.chars()) }`,
	"replace":           `let s = "ab" * 100000; let keep = []; while true { keep.push(s.replace("a", "xyz")) }`,
	"join":              `let l = ["ab"] * 100000; let keep = []; while true { keep.push(",".join(l)) }`,
	"json":              `let a = [1]; for i in range(40) { a = [a, a] }; let keep = []; while true { keep.push(json_encode(a)) }`,
	"slices":            `let l = [1] * 100000; let keep = []; while true { keep.push(l[1:]) }`,
	"list copy":         `let l = [1] * 100000; let keep = []; while true { keep.push(l.copy()) }`,
	"map items":         `let m = {}; for i in range(10000) { m[i] = i }; let keep = []; while true { keep.push(m.items()) }`,
	"map copy":          `let m = {}; for i in range(10000) { m[i] = i }; let keep = []; while true { keep.push(m.copy()) }`,
	"deep recursion":    `fn f(n) { let a = [n]; return f(n + 1) }; f(0)`,
	"cells":             `let keep = []; while true { let a = 1; let f = fn() { a += 1; return a }; keep.push(f) }`,
	"hex":               `let b = bytes("ab" * 100000); let keep = []; while true { keep.push(b.hex()) }`,
}

// allocBudget and allocBase: every hog must stop with the memory limit
// error having allocated at most 2·allocBudget + allocBase bytes.
const (
	allocBudget = 8 << 20
	allocBase   = 2 << 20
)

func TestAllocBudgetBoundsMemory(t *testing.T) {
	for name, src := range allocHogs {
		t.Run(name, func(t *testing.T) {
			m := newMachine(t, src, vm.Options{Stdout: io.Discard, MaxAlloc: allocBudget, MaxSteps: 2e9})
			before := totalAlloc()
			_, err := m.Run()
			used := totalAlloc() - before
			var e *vm.Error
			if !errors.As(err, &e) || e.Kind != vm.ErrLimit && e.Kind != vm.ErrValue && e.Kind != vm.ErrStackOverflow {
				t.Fatalf("got %v, want a memory limit (or result too large, stack overflow) error", err)
			}
			t.Logf("allocated %.1f MB", mb(used))
			if used > 2*allocBudget+allocBase {
				t.Errorf("allocated %.1f MB under a budget of %.1f MB (%v)", mb(used), mb(allocBudget), err)
			}
		})
	}
}

func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// TestResultCapsWithoutBudget: without an allocation budget, a result too
// large to build is a value_error before Go is asked for the memory,
// never an out-of-memory crash.
func TestResultCapsWithoutBudget(t *testing.T) {
	for _, src := range []string{
		`[0] * 2147483647`,
		`[0, 0, 0] * 1000000000`,
		`list(range(2147483647))`,
		`bytes(range(2147483647))`,
		`"ab" * 2147483647`,
		`len(range(-9223372036854775807 - 1, 9223372036854775807))`,
	} {
		err := runErr(t, src, vm.Options{Stdout: io.Discard})
		var e *vm.Error
		if !errors.As(err, &e) || (e.Kind != vm.ErrValue && e.Kind != vm.ErrOverflow && e.Kind != vm.ErrType) {
			t.Errorf("%s: got %v, want a value_error", src, err)
		}
	}
}

// workHogs are programs whose instructions each do a lot of work.
var workHogs = map[string]string{
	"equal DAGs":    `let a = [1]; let b = [1]; for i in range(40) { a = [a, a]; b = [b, b] }; while true { a == b }`,
	"compare DAGs":  `let a = [1]; let b = [1]; for i in range(40) { a = [a, a]; b = [b, b] }; while true { a < b }`,
	"in DAGs":       `let a = [1]; let b = [1]; for i in range(40) { a = [a, a]; b = [b, b] }; while true { a in [b] }`,
	"find":          `let s = "a" * 1000000; while true { s.find("b") }`,
	"count":         `let s = "a" * 1000000; while true { s.count("b") }`,
	"contains":      `let s = "a" * 1000000; while true { s.contains("b") }`,
	"string equal":  `let s = "a" * 1000000; let t = "a" * 1000000; while true { s == t }`,
	"list index":    `let l = [1] * 1000000; while true { l.index(2) }`,
	"trim cutset":   `let s = "é" * 100000; let cut = "é" * 100000 + "ü"; while true { s.trim(cut) }`,
	"sort":          `let l = list(range(100000)); while true { sort(l) }`,
	"sum":           `let l = [1] * 1000000; while true { sum(l) }`,
	"max":           `let l = [1] * 1000000; while true { max(l) }`,
	"str":           `let l = [1] * 100000; while true { str(l) }`,
	"print":         `let l = [1] * 100000; while true { print(l) }`,
	"is_digit":      `let s = "1" * 1000000; while true { s.is_digit() }`,
	"split none":    `let s = "a" * 1000000; while true { s.split(",") }`,
	"starts_with":   `let s = "a" * 1000000; while true { s.starts_with(s) }`,
	"string concat": `let s = "a" * 1000000; while true { s + "b" }`,
}

// TestStepBudgetBoundsWork: with a step budget, a program whose single
// instructions do a lot of work stops after about as much work as the
// budget allows. The test counts the loop iterations that ran: each must
// have paid for its work in steps.
func TestStepBudgetBoundsWork(t *testing.T) {
	const budget = 2_000_000
	for name, src := range workHogs {
		t.Run(name, func(t *testing.T) {
			counted := strings.Replace(src, "while true {", "let iterations = 0; while true { iterations += 1;", 1)
			m := newMachine(t, counted, vm.Options{Stdout: io.Discard, MaxSteps: budget})
			_, err := m.Run()
			if !errors.Is(err, vm.ErrStepLimit) {
				t.Fatalf("got %v, want the step limit", err)
			}
			n := globalInt(t, m, "iterations")
			// Each iteration does at least 10,000 units of work (a
			// million bytes or tens of thousands of elements), so the
			// budget allows no more than a few hundred of them.
			if n > budget/10_000 {
				t.Errorf("%d iterations ran on a budget of %d steps: the work inside them was not charged", n, budget)
			}
		})
	}
}

// globalInt reads an int global of a stopped machine.
func globalInt(t *testing.T, m *vm.Machine, name string) int64 {
	t.Helper()
	v, ok := m.Global(name)
	if !ok || v.Kind() != vm.KindInt {
		t.Fatalf("global %s: %v", name, v)
	}
	return v.AsInt()
}

// TestFreshBudgets: a restored machine counts on from the snapshot's step
// and allocation totals, unless Options.FreshBudgets starts them at zero;
// then MaxSteps and MaxAlloc bound the run after the restore alone.
func TestFreshBudgets(t *testing.T) {
	const src = `fn work() { let l = []; for i in range(2000) { l.push("x" * 100) } }
work()
suspend()
work()
`
	suspend := &vm.Builtin{Name: "suspend", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		return m.Suspend("suspend", vm.Nil)
	}}
	prog, err := vm.Compile("fresh.wf", []byte(src), vm.CompileOptions{Hosts: []*vm.Builtin{suspend}})
	if err != nil {
		t.Fatal(err)
	}
	const lots = 1 << 40
	m, err := vm.New(prog, vm.Options{Stdout: io.Discard, MaxAlloc: lots})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	steps := m.Steps()
	left, _ := m.AllocLeft()
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts vm.Options
	}{
		{"steps", vm.Options{MaxSteps: steps * 3 / 2}},
		{"allocation", vm.Options{MaxAlloc: (lots - left) * 3 / 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Stdout = io.Discard
			r, err := vm.Restore(prog, snap, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Resume(vm.Nil); err == nil {
				t.Errorf("counting on from the snapshot's totals, the second half fit in the budget")
			}
			c.opts.FreshBudgets = true
			if r, err = vm.Restore(prog, snap, c.opts); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Resume(vm.Nil); err != nil {
				t.Errorf("with fresh budgets: %v", err)
			}
			if r.Steps() > steps {
				t.Errorf("%d steps after the restore, more than the %d the first half took", r.Steps(), steps)
			}
		})
	}
}
