package vm_test

// Tests of superinstructions (compiler.Quicken): a machine running them
// is indistinguishable from one running the plain code, at every step
// boundary, on their fast paths and off them.

import (
	"bytes"
	"errors"
	"fmt"
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
	"zero": `
fn h(n) {
    let s = 0
    for i in range(n) { s += 10 % (2 - i) }
    return s
}
print(h(5))`,
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
	for name, src := range quickPrograms {
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
// stops at every step, also between the halves of a superinstruction.
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
