package vm

// This file defines the int kernel: a second, small dispatch loop that
// runs the superinstructions on globals, and the JMPs between them, from
// a table in which each is decoded once.
//
// A loop written at the top level of a script keeps its variables in
// globals, and its every step is one of these superinstructions:
// while i < n (GLOBALJMP), if i % 3 == 0 (GLOBALOPJMP), s += i
// (UPDATEGLOBAL), i = i + 1 (INCGLOBAL) and the JMP back. exec would run
// each by decoding its operand word, its arithmetic word and its branch
// word again at every iteration, through switches it shares with the
// other superinstructions. The kernel reads one kernelOp instead, goes
// from op to op through links made when the code was decoded (a JMP
// costs nothing but its step), and keeps running while the words it
// meets are its own, so a whole loop of them runs without going back to
// exec. It also runs the words of metOnly when it meets them (the
// compares of a local, the step of a range loop, the pushes before an
// OPSETGLOBAL), so that a let in the loop's body or a range loop at the
// top level stays in it; exec runs those itself when it meets them, as
// it runs every loop in a function: there its own cases are faster than
// the kernel (see RATIONALE.md).
//
// Each superinstruction runs whole or not at all, as in exec: its
// operands must be ints, its arithmetic on the int fast path and every
// step boundary inside it no event; otherwise the kernel stops before it
// and exec runs its first word alone (see compiler.FirstOf), so a machine
// stops, pauses and snapshots at the same steps with and without the
// kernel (quick_test.go, quickfuzz_test.go).

import (
	"slices"

	"github.com/wf-lang/wf/compiler"
)

// intForm is what a kernelOp does. The common shapes have forms of their
// own, so that each runs straight through. The compares come first
// (formJumpImm to formOpJump).
type intForm uint8

const (
	formNever       intForm = iota // an operand that is no int (a CONST string): the plain words run
	formJumpImm                    // GLOBALJMP: branch on a global compared with an int (while i < 100)
	formJumpGlobal                 // GLOBALJMP: branch on a global compared with a global (while i < n)
	formJumpLocal                  // LOCALINTJMP: branch on a local compared with an int (if r == 0)
	formJump                       // GLOBALJMP, LOCALJMP: branch on x compared with y
	formOpJumpImm                  // GLOBALOPJMP: branch on (a global op an int) compared with k (if i % 3 == 0)
	formOpJumpLocal                // LOCALINTOPJMP: branch on (a local op an int) compared with k
	formOpJump                     // GLOBALOPJMP: branch on (x op y) compared with k
	formUpdateSelf                 // UPDATEGLOBAL: x op y into x (s += i)
	formUpdate                     // UPDATEGLOBAL: x op y into another global or a local
	formInc                        // INCGLOBAL: x + k into x
	formPush                       // GLOBALOP: push x op y
	formOpSet                      // OPSETGLOBAL: pop a and b, a op b into the global dst
	formRange                      // FORLOCAL: the next int of a range iterator into the local x
	formGlobal                     // GLOBAL: push the global x, whatever it holds
	formPushLocal                  // LOCALINTOP: push the local x op an int (the i % 7 of s = s + i % 7)
)

// Where an operand of a kernelOp is.
const (
	inGlobal uint8 = iota
	inLocal
	inImm // y only: imm
)

// kernelOp is one superinstruction decoded from its plain words, with
// where the kernel goes after it: the op at the pc it falls through to
// (or, for a compare, branches to), past any JMPs there, or -1 when no
// op of the kernel's is there and it stops.
type kernelOp struct {
	form     intForm
	words    uint8           // the plain words it runs
	reach    uint8           // the steps of its longer way out
	xAt, yAt uint8           // where x and y are: inGlobal, inLocal, inImm
	arith    compiler.Opcode // ADD, SUB, MUL, DIV or MOD
	cmp      compiler.Opcode // the compare-and-branch
	dstLocal bool            // formUpdate stores into a local, not a global
	x, y     int32           // global or local slots
	dst      int32           // formUpdate, formOpSet: the slot stored into
	imm      int64           // y, when yAt is inImm
	k        int64           // formOpJump*: the int compared with; formInc: the increment
	pc       int32           // where it is
	next     exit            // where it falls through to
	branch   exit            // where a false compare branches to
}

// exit is a way out of a kernelOp: the pc it leads to past its JMPs, the
// kernel's op at that pc (or -1), and the steps it takes: the op's words
// run that way, and the JMPs.
type exit struct {
	pc, op int32
	steps  int32
}

// isIntOp reports whether the kernel runs op: the superinstructions
// whose quickened word indexes Funcode.ints.
func isIntOp(op compiler.Opcode) bool {
	switch op {
	case compiler.GLOBALJMP, compiler.GLOBALOP, compiler.UPDATEGLOBAL,
		compiler.GLOBALOPJMP, compiler.INCGLOBAL, compiler.OPSETGLOBAL:
		return true
	}
	return false
}

// metOnly reports whether op is one the kernel runs when it meets it,
// but exec runs itself when exec meets it: a compare of a local, the
// step of a range loop, and the words that push the operands of
// s = s + i % 7 before its OPSETGLOBAL (a plain GLOBAL, a LOCALINTOP).
func metOnly(op compiler.Opcode) bool {
	switch op {
	case compiler.LOCALJMP, compiler.LOCALINTJMP, compiler.LOCALINTOPJMP, compiler.FORLOCAL,
		compiler.GLOBAL, compiler.LOCALINTOP:
		return true
	}
	return false
}

// maxFold is the most JMPs in a row the kernel follows after an op: a
// chain of them longer than that (or a JMP to itself) stops it.
const maxFold = 4

// decodeInts decodes the kernel's superinstructions of fc's quickened
// code into fc.ints, points the word of each it is entered at to its
// kernelOp, and links each op to the ops it leads to. The words of
// metOnly, which exec runs itself when it meets them, are decoded too,
// so that a loop at the top level that compares a local (a let in its
// body, a range loop's variable) or pushes a global stays in the kernel.
func (fc *Funcode) decodeInts() {
	if !slices.ContainsFunc(fc.quick, func(w uint32) bool { return isIntOp(compiler.Opcode(w & 0xff)) }) {
		return // nothing enters the kernel
	}
	at := make([]int32, len(fc.quick)) // the op at each pc, plus one; 0 for none
	for pc, w := range fc.quick {
		op := compiler.Opcode(w & 0xff)
		if !isIntOp(op) && !metOnly(op) {
			continue
		}
		if isIntOp(op) {
			fc.quick[pc] = compiler.Encode(op, uint32(len(fc.ints)))
		}
		d := fc.decodeInt(op, fc.Code[pc:])
		d.pc = int32(pc)
		fc.ints = append(fc.ints, d)
		at[pc] = int32(len(fc.ints))
	}
	for i := range fc.ints {
		d := &fc.ints[i]
		target := d.branch.pc // decodeInt's branch target, for a compare or a loop
		d.next = fc.exitAt(at, int(d.pc)+int(d.words), d.words)
		d.branch = d.next
		switch {
		case d.form >= formJumpImm && d.form <= formOpJump:
			d.branch = fc.exitAt(at, int(target), d.words)
		case d.form == formRange:
			d.branch = fc.exitAt(at, int(target), 1) // FORNEXT alone, when the range is done
		}
		d.reach = uint8(max(d.next.steps, d.branch.steps))
	}
}

// exitAt returns the way out to pc after words of an op, past up to
// maxFold JMPs; at is the op at each pc, plus one.
func (fc *Funcode) exitAt(at []int32, pc int, words uint8) exit {
	e := exit{pc: int32(pc), steps: int32(words)}
	for jumps := 0; jumps < maxFold && compiler.Opcode(fc.quick[e.pc]&0xff) == compiler.JMP; jumps++ {
		e.pc = int32(fc.quick[e.pc] >> 8)
		e.steps++
	}
	e.op = at[e.pc] - 1
	return e
}

// decodeInt decodes the superinstruction op whose plain words start
// code. Its exits are linked later.
func (fc *Funcode) decodeInt(op compiler.Opcode, code []uint32) kernelOp {
	d := kernelOp{x: int32(code[0] >> 8)}
	switch op {
	case compiler.GLOBALJMP, compiler.LOCALJMP:
		d.form, d.words = formJump, 3
		d.cmp, d.branch.pc = compiler.Opcode(code[2]&0xff), int32(code[2]>>8)
		if op == compiler.LOCALJMP {
			d.xAt = inLocal
		}
	case compiler.GLOBALOP:
		d.form, d.words, d.arith = formPush, 3, compiler.Opcode(code[2]&0xff)
	case compiler.UPDATEGLOBAL:
		d.form, d.words, d.arith = formUpdate, 4, compiler.Opcode(code[2]&0xff)
		d.dst, d.dstLocal = int32(code[3]>>8), compiler.Opcode(code[3]&0xff) == compiler.SETLOCAL
		if !d.dstLocal && d.dst == d.x {
			d.form = formUpdateSelf
		}
	case compiler.GLOBALOPJMP:
		d.form, d.words, d.arith = formOpJump, 5, compiler.Opcode(code[2]&0xff)
		d.k = int64(int32(code[3]) >> 8)
		d.cmp, d.branch.pc = compiler.Opcode(code[4]&0xff), int32(code[4]>>8)
	case compiler.LOCALINTJMP:
		d.form, d.words, d.xAt, d.x = formJumpLocal, 2, inLocal, int32(code[0]>>16)
		d.yAt, d.imm = inImm, int64(int8(code[0]>>8))
		d.cmp, d.branch.pc = compiler.Opcode(code[1]&0xff), int32(code[1]>>8)
		return d
	case compiler.LOCALINTOPJMP:
		d.form, d.words, d.xAt, d.x = formOpJumpLocal, 4, inLocal, int32(code[0]>>16)
		d.yAt, d.imm, d.arith = inImm, int64(int8(code[0]>>8)), compiler.Opcode(code[1]&0xff)
		d.k = int64(int32(code[2]) >> 8)
		d.cmp, d.branch.pc = compiler.Opcode(code[3]&0xff), int32(code[3]>>8)
		return d
	case compiler.INCGLOBAL:
		d.form, d.words, d.k = formInc, 3, int64(int32(code[1])>>8)
		return d
	case compiler.FORLOCAL:
		d.form, d.words, d.x, d.branch.pc = formRange, 2, int32(code[1]>>8), int32(code[0]>>8)
		return d
	case compiler.GLOBAL:
		d.form, d.words = formGlobal, 1
		return d
	case compiler.LOCALINTOP:
		d.form, d.words, d.x, d.imm = formPushLocal, 2, int32(code[0]>>16), int64(int8(code[0]>>8))
		d.arith = compiler.Opcode(code[1] & 0xff)
		return d
	case compiler.OPSETGLOBAL:
		d.form, d.words, d.arith = formOpSet, 2, compiler.Opcode(code[0]&0xff)
		d.dst = int32(code[1] >> 8)
		return d
	}
	fc.decodeOperand(&d, code[1])
	switch {
	case d.form == formJump && d.xAt == inGlobal && d.yAt == inGlobal:
		d.form = formJumpGlobal
	case d.form == formNever || d.yAt != inImm || d.xAt != inGlobal:
	case d.form == formJump:
		d.form = formJumpImm
	case d.form == formOpJump:
		d.form = formOpJumpImm
	}
	return d
}

// decodeOperand sets where d's second operand, the word w, is: an INT's
// or an int CONST's value, a local or a global. Any other CONST makes d
// formNever.
func (fc *Funcode) decodeOperand(d *kernelOp, w uint32) {
	switch compiler.Opcode(w & 0xff) {
	case compiler.INT:
		d.yAt, d.imm = inImm, int64(int32(w)>>8)
	case compiler.LOCAL:
		d.yAt, d.y = inLocal, int32(w>>8)
	case compiler.GLOBAL:
		d.yAt, d.y = inGlobal, int32(w>>8)
	default:
		c := fc.Consts[w>>8]
		if c.k != KindInt {
			d.form = formNever
		}
		d.yAt, d.imm = inImm, int64(c.n)
	}
}

// runInts runs the kernel's op i of fc and the ops it leads to while it
// can: steps counts the words run so far, and no word runs at a step
// boundary at or past limit. It returns where it stopped (the pc of the
// first word it does not run), the stack height, the steps, and whether
// it ran anything: if not, the superinstruction of op i is off its fast
// path, and its first word must run alone.
func (m *Machine) runInts(fc *Funcode, stack []Value, base, sp, i int, steps, limit int64) (int, int, int64, bool) {
	ops, g, l := fc.ints, m.globals, stack[base:]
	ran := false
	for {
		d := &ops[i]
		if steps+int64(d.reach) > limit {
			return int(d.pc), sp, steps, ran
		}
		out := &d.next
		switch d.form {
		case formJumpImm, formJumpLocal:
			var x *Value
			if d.form == formJumpLocal {
				x = &l[d.x]
			} else {
				x = &g[d.x]
			}
			if x.k != KindInt {
				return int(d.pc), sp, steps, ran
			}
			if !compares(d.cmp, int64(x.n), d.imm) {
				out = &d.branch
			}
		case formJumpGlobal:
			x, y := &g[d.x], &g[d.y]
			if x.k != KindInt || y.k != KindInt {
				return int(d.pc), sp, steps, ran
			}
			if !compares(d.cmp, int64(x.n), int64(y.n)) {
				out = &d.branch
			}
		case formOpJumpImm, formOpJumpLocal:
			var x *Value
			if d.form == formOpJumpLocal {
				x = &l[d.x]
			} else {
				x = &g[d.x]
			}
			if x.k != KindInt {
				return int(d.pc), sp, steps, ran
			}
			a, r, ok := int64(x.n), int64(0), true
			if d.arith == compiler.MOD && smallMod(a, d.imm) { // if i % 3 == 0, without a call
				r = modSmall(a, d.imm)
			} else if r, ok = intArith(d.arith, a, d.imm); !ok {
				return int(d.pc), sp, steps, ran
			}
			if !compares(d.cmp, r, d.k) {
				out = &d.branch
			}
		case formUpdateSelf:
			x := &g[d.x]
			b, ok := d.operand(g, l)
			if x.k != KindInt || !ok {
				return int(d.pc), sp, steps, ran
			}
			a, r := int64(x.n), int64(0)
			if d.arith == compiler.ADD { // s += i, without a call
				r = a + b
				ok = (a^r)&(b^r) >= 0
			} else {
				r, ok = intArith(d.arith, a, b)
			}
			if !ok {
				return int(d.pc), sp, steps, ran
			}
			x.n = uint64(r)
		case formUpdate:
			x := &g[d.x]
			b, ok := d.operand(g, l)
			if x.k != KindInt || !ok {
				return int(d.pc), sp, steps, ran
			}
			a, r := int64(x.n), int64(0)
			if d.arith == compiler.MOD && smallMod(a, b) { // let r = i % 7, without a call
				r = modSmall(a, b)
			} else if r, ok = intArith(d.arith, a, b); !ok {
				return int(d.pc), sp, steps, ran
			}
			if d.dstLocal {
				l[d.dst] = Value{k: KindInt, n: uint64(r)}
			} else {
				g[d.dst] = Value{k: KindInt, n: uint64(r)}
			}
		case formInc:
			x := &g[d.x]
			a := int64(x.n)
			r := a + d.k
			if x.k != KindInt || (a^r)&(d.k^r) < 0 {
				return int(d.pc), sp, steps, ran
			}
			x.n = uint64(r)
		case formRange:
			it, ok := rangeAt(stack[sp-1])
			if !ok {
				return int(d.pc), sp, steps, ran
			}
			if (it.step > 0 && it.i < it.stop) || (it.step < 0 && it.i > it.stop) {
				l[d.x] = Value{k: KindInt, n: uint64(it.i)}
				next := it.i + it.step
				if (it.i^next)&(it.step^next) < 0 {
					next = it.stop // past the int range: that was the last
				}
				it.i = next
			} else {
				sp--
				out = &d.branch
			}
		case formGlobal:
			v := g[d.x]
			if v == undefined {
				return int(d.pc), sp, steps, ran // exec reports it
			}
			stack[sp] = v
			sp++
		case formPushLocal:
			x := &l[d.x]
			if x.k != KindInt {
				return int(d.pc), sp, steps, ran
			}
			r, ok := intArith(d.arith, int64(x.n), d.imm)
			if !ok {
				return int(d.pc), sp, steps, ran
			}
			stack[sp] = Value{k: KindInt, n: uint64(r)}
			sp++
		case formNever:
			return int(d.pc), sp, steps, ran
		default:
			var ok bool
			if sp, out, ok = runGeneral(d, g, l, stack, sp); !ok {
				return int(d.pc), sp, steps, ran
			}
		}
		ran = true
		steps += int64(out.steps)
		if out.op < 0 {
			return int(out.pc), sp, steps, ran
		}
		i = int(out.op)
	}
}

// runGeneral runs the op d of a form without a case of its own in
// runInts: formJump, formOpJump, formPush and formOpSet. It
// returns the stack height, the way out and whether it ran (if not, d
// changed nothing).
func runGeneral(d *kernelOp, g, l, stack []Value, sp int) (int, *exit, bool) {
	var a, b int64
	if d.form == formOpSet {
		x, y := stack[sp-2], stack[sp-1]
		if x.k != KindInt || y.k != KindInt {
			return sp, nil, false
		}
		a, b = int64(x.n), int64(y.n)
	} else {
		var x *Value
		if d.xAt == inLocal {
			x = &l[d.x]
		} else {
			x = &g[d.x]
		}
		var ok bool
		if b, ok = d.operand(g, l); !ok || x.k != KindInt {
			return sp, nil, false
		}
		a = int64(x.n)
	}
	if d.form == formJump {
		if !compares(d.cmp, a, b) {
			return sp, &d.branch, true
		}
		return sp, &d.next, true
	}
	r, ok := intArith(d.arith, a, b)
	if !ok {
		return sp, nil, false
	}
	switch d.form {
	case formOpJump:
		if !compares(d.cmp, r, d.k) {
			return sp, &d.branch, true
		}
	case formPush:
		stack[sp] = Value{k: KindInt, n: uint64(r)}
		sp++
	default: // formOpSet
		sp -= 2
		g[d.dst] = Value{k: KindInt, n: uint64(r)}
	}
	return sp, &d.next, true
}

// rangeAt returns the range iterator v is, if it is one.
func rangeAt(v Value) (*Iter, bool) {
	if v.k != KindIter {
		return nil, false
	}
	it := v.asIter()
	return it, it.kind == iterRange
}

// operand returns d's second operand and whether it is an int.
func (d *kernelOp) operand(g, l []Value) (int64, bool) {
	switch d.yAt {
	case inImm:
		return d.imm, true
	case inLocal:
		return int64(l[d.y].n), l[d.y].k == KindInt
	}
	return int64(g[d.y].n), g[d.y].k == KindInt
}

// compares reports whether a and b pass the compare-and-branch op (whose
// branch is taken when they do not): intCompare, and LTJMPFALSE, which
// exec takes before it.
func compares(op compiler.Opcode, a, b int64) bool {
	if op == compiler.LTJMPFALSE {
		return a < b
	}
	return intCompare(op, a, b)
}

// intArith returns a op b for the arithmetic word op (ADD, SUB, MUL, DIV
// or MOD) on the int fast path, and false off it: on overflow, or a
// divisor not above zero, where the plain word has its own rules.
func intArith(op compiler.Opcode, a, b int64) (int64, bool) {
	switch op {
	case compiler.ADD:
		r := a + b
		return r, (a^r)&(b^r) >= 0
	case compiler.SUB:
		r := a - b
		return r, (a^b)&(a^r) >= 0
	case compiler.MUL:
		ok := a >= -mulSafe && a <= mulSafe && b >= -mulSafe && b <= mulSafe
		return a * b, ok
	case compiler.DIV:
		if b <= 0 {
			return 0, false
		}
		return a / b, true
	}
	if smallMod(a, b) {
		return modSmall(a, b), true
	}
	if b <= 0 {
		return 0, false
	}
	return a % b, true
}
