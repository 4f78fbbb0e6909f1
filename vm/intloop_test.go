package vm

// This file tests that the int kernel's links keep the loops written at
// the top level of a script inside it from one iteration to the next.

import (
	"testing"

	"github.com/wf-lang/wf/compiler"
)

// TestKernelRunsTopLevelLoopsWhole: in each loop form below (those of
// BenchmarkLoopForms written at the top level, and a few more), every
// way out of every op the kernel reaches from the loop's first op leads
// to another op of the kernel's, or out of the loop where its head
// branches. A change in the compiler's code or the quickener that sends
// one of these loops back to exec at each iteration fails here, not
// only as a slower benchmark.
func TestKernelRunsTopLevelLoopsWhole(t *testing.T) {
	loops := map[string]string{
		"while/+=/mod3": `while i < N { if i % 3 == 0 { s += i } else { s += 1 }
    i += 1 }`,
		"while/plus/mod2": `while i < 3000000 { if i % 2 == 0 { s = s + i } else { s = s + 1 }
    i = i + 1 }`,
		"while/mod7-in-arm": `while i < N { if i % 7 == 0 { s = s + i % 7 } else { s = s + i }
    i += 1 }`,
		"while/let-r": `while i < N { let r = i % 7
    if r == 0 { s = s + i } else { s = s + 1 }
    i = i + 1 }`,
		"range/+=/mod3":     `for j in range(N) { if j % 3 == 0 { s += j } else { s += 1 } }`,
		"range/mod7-in-arm": `for j in range(N) { if j % 7 == 0 { s = s + j % 7 } else { s = s + j } }`,
		"while/nested-ifs": `while i < N { if i < 3 { if i == 1 { s += 5 } else { s += 1 } } else { s -= 1 }
    i += 1 }`,
	}
	for name, loop := range loops {
		src := "let N = 100\nlet s = 0\nlet i = 0\n" + loop + "\nprint(s)\n"
		p, err := compiler.CompileSource(name+".wf", []byte(src), compiler.Options{Predeclared: Universe()})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fc := newFuncode(p.Funcs[0])
		head := firstLoopOp(fc)
		if head < 0 {
			t.Errorf("%s: the kernel has no op in the loop", name)
			continue
		}
		if pc, ok := runsWhole(fc, head); !ok {
			t.Errorf("%s: the kernel leaves the loop headed at pc %d for the word at pc %d, %s",
				name, fc.ints[head].pc, pc, compiler.Opcode(fc.quick[pc]&0xff))
		}
	}
}

// firstLoopOp returns the first op of fc's kernel that branches out of
// a loop (a compare, or a range step), or -1.
func firstLoopOp(fc *Funcode) int {
	for i, d := range fc.ints {
		if d.form >= formJumpImm && d.form <= formOpJump || d.form == formRange {
			return i
		}
	}
	return -1
}

// runsWhole reports whether every way from op h's fall-through leads,
// through ops of the kernel's, back to h or to where h branches; if not,
// it returns the pc of the word where the kernel stops.
func runsWhole(fc *Funcode, h int) (int, bool) {
	out := fc.ints[h].branch.pc
	seen := map[int32]bool{int32(h): true}
	todo := []exit{fc.ints[h].next}
	for len(todo) > 0 {
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		switch {
		case e.op < 0 && e.pc == out:
		case e.op < 0:
			return int(e.pc), false
		case !seen[e.op]:
			seen[e.op] = true
			todo = append(todo, fc.ints[e.op].next, fc.ints[e.op].branch)
		}
	}
	return 0, true
}
