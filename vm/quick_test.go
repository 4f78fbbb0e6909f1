package vm_test

// Tests of superinstructions (compiler.Quicken): a machine running them
// is indistinguishable from one running the plain code, at every step
// boundary, on their fast paths and off them.

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// quickPrograms use every superinstruction, on ints and on what leaves
// their fast paths: floats, strings, overflow, a zero divisor, lists and
// generators in for loops.
var quickPrograms = map[string]string{
	"ints": `
fn f(n) {
    let s = 0
    let k = 0
    for i in range(n) {
        k = k + 1
        if k >= 3 { k = 0 }
        s = s + k
        if i % 2 == 0 { s += i * 3 } else { s -= i / 2 }
        let j = i - 1
        s = s + (i * j) % 5 - (i - j)
        if j < i { s += 1 }
        if i * j == 0 { s += 1 }
        if i % 7 - 3 > 2 { s -= 1 }
        if i != 4 { s += 2 }
        while j <= i { j += 1 }
    }
    return s
}
print(f(40))`,
	"mixed": `
fn g(xs) {
    let s = 0
    for x in xs {
        let y = 2
        s = s + x
        if x < y { s = s * 2 }
        if x % 2 == 0 { s += 1 }
        s += x * 3 - x / 2
    }
    return s
}
fn gen() { yield 1.5; yield 4 }
print(g([1, 2.5, 3]), g(gen()), g(range(5, 0, -1)))
let a = "b"
let b = "a"
if a < b { print("no") } else { print("yes") }
fn try_big(x) {
    try { return x * 4 } catch e { return "caught" }
}
print(try_big(4611686018427387904), try_big(3))`,
	"globals": `
fn early() { return later + 1 }
try { print(early()) } catch e { print("early:", e) }
let later = 5
let N = 12
let s = 0
let i = 0
let f = 0.5
let half = 1.5
let big = 4611686018427387904
let ten = 10
let zero = 0
let neg = -4
let wide = 3000000000
while i < N {
    if i % 3 == 0 { s += i } else { s += 1 }
    if i % neg == 1 { s -= 2 }
    if s > i { s *= 1 }
    if i == 5 { s /= 2 }
    s %= 1000
    f += i
    f += half
    if f < 20 { s += s }
    s = s - i * 2
    i += 1
}
for j in range(3) {
    s += j
    if s >= j { s -= j * 2 }
    s = s + half
}
try { big += big } catch e { print("overflow:", e) }
try { print(ten % zero) } catch e { print("zero:", e) }
print(s, i, f, later, early(), ten / 3, ten * -3, wide * 3, wide % neg)`,
	"loops": `
let n = 30
let big = 9000000000
let s = 0
let i = 0
let f = 0.5
let name = "a"
let huge = 9223372036854775806
let t = 0
while i < n {
    if i % 2 == 0 { s = s + i } else { s = s + 1 }
    if i % 7 == 0 { s = s + i % 7 } else { s = s - i * 2 }
    s = s + i / 3
    f = f + 1
    t = i * 3
    t = f - 1
    let r = i % 7
    s = s + r
    i = i + 1
}
fn count(limit) {
    let j = 0
    let t = 0
    while j < n { t += j; j += 1 }
    while j < big { if j >= 40 { t += 1; j = big } ; j += 1 }
    j = 0
    while j < 9000000000 { if j >= 5 { j = 9000000000 } else { j += 1 } }
    j = 0
    while j < limit { j += 1 }
    return t + j
}
fn early() {
    let k = 0
    while k < late { k += 1 }
    return k
}
fn versus(x) {
    let k = 0
    while k < x { k += 1 }
    return k
}
try { print(early()) } catch e { print("early:", e) }
let late = 3
print(s, f, count(n), count(f), count(2.5), early(), versus(2.5))
try { versus("x") } catch e { print("versus:", e) }
try { huge = huge + 1; huge = huge + 1 } catch e { print("incglobal:", e) }
try { s = huge + s % 7 * 2; s = huge + huge } catch e { print("opsetglobal:", e) }
let z = 0
try { s = s + i % z } catch e { print("zero:", e) }
try { while i < name { i += 1 } } catch e { print("compare:", e) }
try { name = name + 1 } catch e { print("string:", e) }
try { t = huge * 3 } catch e { print("store:", e) }
let fl = 2.5
fl = fl * 2 + fl % 2
print(s, i, huge, fl)`,
	"chains": `
let c = 0
let k = 0
let lim = 9
while k < lim {
    if k < 3 { if k == 1 { c += 5 } else { c += 1 } } else { if k > 6 { if k == 8 { c -= 2 } } else { c *= 2 } }
    k += 1
}
while true {
    if c > 100 { if c % 2 == 0 { c += 1 } else { k += 1 } }
    c += 7
    if c > 130 { break }
}
let r = 0
while r < 4 { let q = r % 3
    if q == 2 { r += 2 } else { r += 1 } }
print(c, k, r)`,
	"overflow": `
let s = 9223372036854775000
let i = 0
while i < 2000 {
    s = s + i % 1000
    i = i + 1
}`,
	"zero": `
fn h(n) {
    let s = 0
    for i in range(n) { s += 10 % (2 - i) }
    return s
}
print(h(5))`,
}

// loopTestSource is a loop form of BenchmarkLoopForms at n iterations,
// printing its result.
func loopTestSource(f loopForm, n int) string {
	src := strings.ReplaceAll(f.src, "N_ITER", strconv.Itoa(n))
	return strings.ReplaceAll(src, "result(", "print(")
}

// quickSources are quickPrograms and the loop forms of
// BenchmarkLoopForms at 12 iterations (but for the one whose count is a
// literal of its own).
func quickSources() map[string]string {
	srcs := maps.Clone(quickPrograms)
	for _, f := range loopForms {
		if f.n == 0 {
			srcs["form "+f.name] = loopTestSource(f, 12)
		}
	}
	return srcs
}

// runQuick runs src with superinstructions on or off and returns its
// output, its error and the snapshots of its state at every step budget
// from 1 to the end.
func runQuick(t *testing.T, src string, on bool) (string, error, [][]byte) {
	t.Helper()
	defer vm.SetQuicken(on)()
	p, err := compiler.CompileSource("quick.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m, err := vm.New(p, vm.Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	_, runErr := m.Run()
	var snaps [][]byte
	for n := int64(1); n < m.Steps(); n++ {
		lm, err := vm.New(p, vm.Options{Stdout: &bytes.Buffer{}, MaxSteps: n})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lm.Run(); !errors.Is(err, vm.ErrStepLimit) {
			snaps = append(snaps, []byte(fmt.Sprintf("step %d: %v", n, err)))
			continue
		}
		snaps = append(snaps, append([]byte(fmt.Sprintf("step %d at %d: ", lm.Steps(), lm.Location().PC)), snap(t, lm)...))
	}
	return out.String(), runErr, snaps
}

// TestQuickenIsInvisible: output, errors, and the state at every step
// budget are the same with and without superinstructions.
func TestQuickenIsInvisible(t *testing.T) {
	for name, src := range quickSources() {
		t.Run(name, func(t *testing.T) {
			out1, err1, snaps1 := runQuick(t, src, true)
			out0, err0, snaps0 := runQuick(t, src, false)
			if out1 != out0 || fmt.Sprint(err1) != fmt.Sprint(err0) {
				t.Fatalf("quickened: %q %v; plain: %q %v", out1, err1, out0, err0)
			}
			if len(snaps1) != len(snaps0) {
				t.Fatalf("%d steps quickened, %d plain", len(snaps1), len(snaps0))
			}
			for i := range snaps1 {
				if !bytes.Equal(snaps1[i], snaps0[i]) {
					t.Fatalf("budget %d: quickened state %.40q, plain %.40q", i+1, snaps1[i], snaps0[i])
				}
			}
		})
	}
}

// TestQuickenCoversEverySuperinstruction: the programs above exercise
// every superinstruction, so the test above checks them all.
func TestQuickenCoversEverySuperinstruction(t *testing.T) {
	seen := map[compiler.Opcode]bool{}
	for _, src := range quickPrograms {
		p, err := compiler.CompileSource("quick.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Funcs {
			for _, w := range compiler.Quicken(f.Code) {
				op, _ := compiler.Decode(w)
				seen[op] = true
			}
		}
	}
	for op := compiler.Opcode(compiler.NumOpcodes); int(op) < compiler.NumQuick; op++ {
		if !seen[op] {
			t.Errorf("no program uses %s", op)
		}
	}
}

// TestPauseEveryStepWithSuperinstructions: a pause at each next step
// stops at every step, also between the words of a superinstruction.
func TestPauseEveryStepWithSuperinstructions(t *testing.T) {
	m := newMachine(t, quickPrograms["ints"], vm.Options{})
	for {
		want := m.Steps() + 1
		if err := m.Pause(want, nil); err != nil {
			t.Fatal(err)
		}
		_, err := m.Run()
		if err == nil {
			break
		}
		if !errors.Is(err, vm.ErrPaused) {
			t.Fatal(err)
		}
		if m.Steps() != want {
			t.Fatalf("paused at step %d, want %d", m.Steps(), want)
		}
	}
}

// pauseStops runs src with superinstructions on or off, pausing every
// stride steps, and returns where each pause stopped and how the run
// ended.
func pauseStops(t *testing.T, src string, on bool, stride int64) []string {
	t.Helper()
	defer vm.SetQuicken(on)()
	m := newMachine(t, src, vm.Options{})
	var stops []string
	for {
		if err := m.Pause(m.Steps()+stride, nil); err != nil {
			t.Fatal(err)
		}
		_, err := m.Run()
		if !errors.Is(err, vm.ErrPaused) {
			return append(stops, fmt.Sprintf("end at step %d: %v", m.Steps(), err))
		}
		stops = append(stops, fmt.Sprintf("step %d at pc %d", m.Steps(), m.Location().PC))
	}
}

// TestPausesWithSuperinstructions: pausing every 1, 2, 3 or 4 steps
// stops at the same steps and pcs with and without superinstructions, in
// every program, so pauses fall between every two words of every
// superinstruction. (Where an instruction charges work, as a throw does,
// a stop may be past its step, the same with both.)
func TestPausesWithSuperinstructions(t *testing.T) {
	for name, src := range quickSources() {
		for stride := int64(1); stride <= 4; stride++ {
			t.Run(fmt.Sprintf("%s/%d", name, stride), func(t *testing.T) {
				on, off := pauseStops(t, src, true, stride), pauseStops(t, src, false, stride)
				if len(on) != len(off) {
					t.Fatalf("%d stops quickened, %d plain", len(on), len(off))
				}
				for i := range on {
					if on[i] != off[i] {
						t.Fatalf("stop %d: quickened %s, plain %s", i, on[i], off[i])
					}
				}
			})
		}
	}
}

// TestFusedErrorsHavePositions: an error inside a superinstruction's
// run (here the ADD of s = s + i % 1000 on a global, overflowing) is
// reported at the word that fails: the + on line 5, column 11.
func TestFusedErrorsHavePositions(t *testing.T) {
	_, err, _ := runQuick(t, quickPrograms["overflow"], true)
	var e *vm.Error
	if !errors.As(err, &e) || e.Kind != vm.ErrOverflow || len(e.Trace) == 0 {
		t.Fatalf("error %v, want an overflow with a traceback", err)
	}
	if pos := e.Trace[len(e.Trace)-1].Pos; pos.Line != 5 || pos.Col != 11 {
		t.Errorf("overflow at %d:%d, want 5:11", pos.Line, pos.Col)
	}
}

// TestSnapshotInsideFusedLoopResumes: a machine stopped by its step
// budget anywhere inside a fused loop (every loop form of
// BenchmarkLoopForms, 25 iterations) snapshots the pcs of the plain code,
// and a quickened machine restored from that snapshot ends as an
// uninterrupted run does: the same output after the same steps.
func TestSnapshotInsideFusedLoopResumes(t *testing.T) {
	for _, f := range loopForms {
		if f.n != 0 {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			src := loopTestSource(f, 25)
			p, err := compiler.CompileSource("loop.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			m, err := vm.New(p, vm.Options{Stdout: &want})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Run(); err != nil {
				t.Fatal(err)
			}
			for n := int64(1); n < m.Steps(); n += 3 {
				var out bytes.Buffer
				lm, err := vm.New(p, vm.Options{Stdout: &out, MaxSteps: n})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := lm.Run(); !errors.Is(err, vm.ErrStepLimit) {
					t.Fatalf("budget %d: %v", n, err)
				}
				rm, err := vm.Restore(p, snap(t, lm), vm.Options{Stdout: &out})
				if err != nil {
					t.Fatalf("budget %d: %v", n, err)
				}
				if _, err := rm.Run(); err != nil {
					t.Fatalf("budget %d: restored: %v", n, err)
				}
				if out.String() != want.String() || rm.Steps() != m.Steps() {
					t.Fatalf("budget %d: restored printed %q after %d steps, want %q after %d", n, out.String(), rm.Steps(), want.String(), m.Steps())
				}
			}
		})
	}
}
