package vm

// This file holds the interpreter loop.

import (
	"math/bits"

	"github.com/wf-lang/wf/compiler"
)

// undefined marks a global whose let has not run yet. It is a nil with a
// non-zero payload, so it never compares equal to a real value and never
// escapes the GLOBAL instruction.
var undefined = Value{n: 1}

// intCompare applies the comparison of a fused compare-and-branch to ints.
func intCompare(op compiler.Opcode, a, b int64) bool {
	switch op {
	case compiler.EQJMPFALSE:
		return a == b
	case compiler.NEJMPFALSE:
		return a != b
	case compiler.LEJMPFALSE:
		return a <= b
	case compiler.GTJMPFALSE:
		return a > b
	}
	return a >= b
}

// mulSafe bounds the int operands whose product cannot overflow, so the
// MUL fast path needs no division to check.
const mulSafe = 1<<31 - 1

// isStop reports whether f is the fiber exec was asked to run.
func (m *Machine) isStop(f, stop *Fiber) bool {
	if stop == nil {
		return f == m.root
	}
	return f == stop
}

// exec runs the current fiber until the fiber stop returns from frame
// number stopDepth (the frame count drops to stopDepth), and returns what
// that frame returned. A nil stop means the root fiber, whichever object
// that is: a snapshot round trip (see SnapshotEvery) replaces it. It is the one dispatch loop: calls, returns,
// generator resumes, yields and coroutine switches all stay inside it,
// moving between frames and fibers that are plain data.
//
// A throw unwinds to the innermost handler of the current fiber; a fiber
// without one ends and passes the throw to its resumer or parent. When the
// throw would leave the frames exec was asked to run, exec returns it.
func (m *Machine) exec(stop *Fiber, stopDepth int) (result Value, err error) {
	var (
		f     *Fiber
		fr    *Frame
		code  []uint32
		stack []Value
		base  int
		sp    int
		pc    int
		steps = m.steps
		limit = m.nextEvent()
		ins   uint32
		arg   uint32
		ia    int64 // a superinstruction's int operands (see fusedArith)
		ib    int64
		dst   int // where fusedArith puts its result
	)

	// Every switch of frame or fiber that is not a plain call or return
	// comes back here: the current fiber's top frame becomes the running
	// one. (A goto, not a closure: a closure would pin these variables in
	// memory instead of registers.)
reload:
	// A call into Go may have run .wf code (a sort comparator) in a nested
	// exec, which counted its steps in m.steps.
	steps = m.steps
	f = m.cur
reframe:
	// A plain call or return of the current fiber comes back here: the
	// variables below change only here, so the loop keeps them in
	// registers without saving them at every instruction.
	fr = &f.Frames[len(f.Frames)-1]
	code, stack = fr.Fn.Fn.quick, f.Stack
	base, sp, pc = fr.Base, f.SP, fr.PC

loop:
	for {
		if steps >= limit {
			fr.PC, f.SP, m.steps = pc, sp, steps
			if err = m.event(); err != nil {
				goto fail
			}
			limit = m.nextEvent()
			goto reload
		}
		steps++
		ins = code[pc]
		pc++
	dispatch:
		arg = ins >> 8
		switch compiler.Opcode(ins & 0xff) {
		case compiler.NOP:

		case compiler.POP:
			sp--

		case compiler.DUP:
			stack[sp] = stack[sp-1]
			sp++

		case compiler.DUP2:
			stack[sp] = stack[sp-2]
			stack[sp+1] = stack[sp-1]
			sp += 2

		case compiler.SWAP:
			stack[sp-1], stack[sp-2] = stack[sp-2], stack[sp-1]

		case compiler.ROT3:
			z := stack[sp-1]
			stack[sp-1] = stack[sp-2]
			stack[sp-2] = stack[sp-3]
			stack[sp-3] = z

		case compiler.NIL:
			stack[sp] = Nil
			sp++

		case compiler.TRUE:
			stack[sp] = True
			sp++

		case compiler.FALSE:
			stack[sp] = False
			sp++

		case compiler.INT:
			stack[sp] = Value{k: KindInt, n: uint64(int64(int32(arg<<8) >> 8))}
			sp++

		case compiler.CONST:
			stack[sp] = fr.Fn.Fn.Consts[arg]
			sp++

		case compiler.LOCAL:
			stack[sp] = stack[base+int(arg)]
			sp++

		case compiler.SETLOCAL:
			sp--
			stack[base+int(arg)] = stack[sp]

		case compiler.CELL:
			c := stack[base+int(arg)]
			if c.k != kindCell {
				err = errNotCell()
				goto fail
			}
			stack[sp] = (*Cell)(c.p).V
			sp++

		case compiler.SETCELL:
			c := stack[base+int(arg)]
			if c.k != kindCell {
				err = errNotCell()
				goto fail
			}
			sp--
			if cell := (*Cell)(c.p); !cell.dirty {
				m.touchCell(cell)
			}
			(*Cell)(c.p).V = stack[sp]

		case compiler.MAKECELL:
			slot := &stack[base+int(arg)]
			fr.PC, f.SP, m.steps = pc, sp, steps
			if m.opts.MaxAlloc > 0 { // a cell is small: no work to count, only memory
				if err = m.charge(cellSize); err != nil {
					goto fail
				}
			}
			*slot = cellValue(&Cell{V: *slot})
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.FREE:
			stack[sp] = fr.Fn.Cells[arg].V
			sp++

		case compiler.SETFREE:
			sp--
			cell := fr.Fn.Cells[arg]
			cell.V = stack[sp]
			if !cell.dirty {
				m.touchCell(cell)
			}

		case compiler.GLOBAL:
			v := m.globals[arg]
			if v == undefined {
				fr.PC, f.SP, m.steps = pc, sp, steps
				err = errorf(ErrName, "%s is used before its let runs", m.prog.Globals[arg])
				goto fail
			}
			stack[sp] = v
			sp++

		case compiler.SETGLOBAL:
			sp--
			m.globals[arg] = stack[sp]

		case compiler.BUILTIN:
			stack[sp] = m.prog.builtins[arg]
			sp++

		case compiler.INCLOCAL:
			slot := &stack[base+int(arg>>8)]
			d := int64(int8(arg))
			if slot.k == KindInt {
				a := int64(slot.n)
				s := a + d
				if (a^s)&(d^s) >= 0 {
					slot.n = uint64(s)
					continue
				}
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			var v Value
			if v, err = m.binary(compiler.ADD, *slot, Int(d)); err != nil {
				goto fail
			}
			*slot = v
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.ADDI:
			x := stack[sp-1]
			if x.k == KindInt {
				a, b := int64(x.n), int64(int32(arg<<8)>>8)
				s := a + b
				if (a^s)&(b^s) >= 0 {
					stack[sp-1].n = uint64(s)
					continue
				}
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			if stack[sp-1], err = m.binary(compiler.ADD, x, Int(int64(int32(arg<<8)>>8))); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.LOCAL2:
			stack[sp] = stack[base+int(arg>>12)]
			stack[sp+1] = stack[base+int(arg&0xfff)]
			sp += 2

		case compiler.LOCALINT:
			stack[sp] = stack[base+int(arg>>8)]
			stack[sp+1] = Value{k: KindInt, n: uint64(int64(int8(arg)))}
			sp += 2

		case compiler.LOCALADDI:
			x := stack[base+int(arg>>8)]
			if x.k == KindInt {
				a, b := int64(x.n), int64(int8(arg))
				s := a + b
				if (a^s)&(b^s) >= 0 {
					stack[sp] = Value{k: KindInt, n: uint64(s)}
					sp++
					continue
				}
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			if stack[sp], err = m.binary(compiler.ADD, x, Int(int64(int8(arg)))); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			sp++

		case compiler.ADDLOCAL:
			sp--
			slot, y := &stack[base+int(arg)], stack[sp]
			if slot.k == KindInt && y.k == KindInt {
				a, b := int64(slot.n), int64(y.n)
				s := a + b
				if (a^s)&(b^s) >= 0 {
					slot.n = uint64(s)
					continue
				}
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			var v Value
			if v, err = m.binary(compiler.ADD, *slot, y); err != nil {
				goto fail
			}
			*slot = v
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.ADD:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt {
				a, b := int64(x.n), int64(y.n)
				s := a + b
				if (a^s)&(b^s) >= 0 {
					stack[sp-2].n = uint64(s)
					sp--
					continue
				}
			} else if x.k == KindFloat && y.k == KindFloat {
				stack[sp-2] = Float(x.asFloat() + y.asFloat())
				sp--
				continue
			}
			goto binary

		case compiler.SUB:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt {
				a, b := int64(x.n), int64(y.n)
				s := a - b
				if (a^b)&(a^s) >= 0 {
					stack[sp-2].n = uint64(s)
					sp--
					continue
				}
			} else if x.k == KindFloat && y.k == KindFloat {
				stack[sp-2] = Float(x.asFloat() - y.asFloat())
				sp--
				continue
			}
			goto binary

		case compiler.MUL:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt {
				a, b := int64(x.n), int64(y.n)
				if a >= -mulSafe && a <= mulSafe && b >= -mulSafe && b <= mulSafe {
					stack[sp-2].n = uint64(a * b)
					sp--
					continue
				}
			} else if x.k == KindFloat && y.k == KindFloat {
				stack[sp-2] = Float(x.asFloat() * y.asFloat())
				sp--
				continue
			}
			goto binary

		case compiler.MOD:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt && int64(y.n) > 0 {
				stack[sp-2].n = uint64(int64(x.n) % int64(y.n))
				sp--
				continue
			}
			goto binary

		case compiler.DIV:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt && int64(y.n) > 0 {
				stack[sp-2].n = uint64(int64(x.n) / int64(y.n))
				sp--
				continue
			} else if x.k == KindFloat && y.k == KindFloat && y.n != 0 {
				stack[sp-2] = Float(x.asFloat() / y.asFloat())
				sp--
				continue
			}
			goto binary

		case compiler.LE, compiler.GT, compiler.GE, compiler.NE:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt {
				a, b := int64(x.n), int64(y.n)
				var r bool
				switch compiler.Opcode(ins & 0xff) {
				case compiler.LE:
					r = a <= b
				case compiler.GT:
					r = a > b
				case compiler.GE:
					r = a >= b
				default:
					r = a != b
				}
				stack[sp-2] = Bool(r)
				sp--
				continue
			}
			goto binary

		case compiler.LT:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == KindInt && y.k == KindInt {
				stack[sp-2] = Bool(int64(x.n) < int64(y.n))
				sp--
				continue
			}
			goto binary

		case compiler.EQ:
			x, y := stack[sp-2], stack[sp-1]
			if x.k == y.k && x.k <= KindInt {
				stack[sp-2] = Bool(x.n == y.n)
				sp--
				continue
			}
			goto binary

		case compiler.BITAND, compiler.BITOR, compiler.BITXOR, compiler.SHL,
			compiler.SHR, compiler.IN:
			goto binary

		case compiler.NEG, compiler.PLUS, compiler.NOT, compiler.BITNOT:
			x := stack[sp-1]
			fr.PC, f.SP, m.steps = pc, sp, steps
			if compiler.Opcode(ins&0xff) == compiler.NOT {
				stack[sp-1] = Bool(!x.Truth())
			} else if stack[sp-1], err = unary(compiler.Opcode(ins&0xff), x); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.JMP:
			pc = int(arg)
			if steps < limit {
				// Run the target at once: a loop's back edge skips the
				// loop's top, as the top would have let it through.
				steps++
				ins = code[pc]
				pc++
				goto dispatch
			}

		case compiler.JMPFALSE:
			sp--
			if v := stack[sp]; v.k == KindBool {
				if v.n == 0 {
					pc = int(arg)
				}
			} else if fr.PC, f.SP, m.steps = pc, sp, steps; !v.Truth() {
				pc, sp, steps = fr.PC, f.SP, m.steps
				pc = int(code[pc-1] >> 8)
			} else {
				pc, sp, steps = fr.PC, f.SP, m.steps
			}

		case compiler.JMPTRUE, compiler.ANDJMP, compiler.ORJMP:
			// JMPTRUE pops and jumps when the top is truthy; ANDJMP keeps
			// a falsy top and jumps, ORJMP a truthy one, else they pop.
			op := compiler.Opcode(ins & 0xff)
			v := stack[sp-1]
			t := v.n != 0
			if v.k != KindBool {
				fr.PC, f.SP, m.steps = pc, sp, steps
				t = v.Truth()
				pc, sp, steps = fr.PC, f.SP, m.steps
			}
			if op == compiler.JMPTRUE {
				sp--
			}
			if t == (op != compiler.ANDJMP) {
				pc = int(code[pc-1] >> 8)
			} else if op != compiler.JMPTRUE {
				sp--
			}

		case compiler.LTJMPFALSE:
			x, y := stack[sp-2], stack[sp-1]
			sp -= 2
			if x.k == KindInt && y.k == KindInt {
				if int64(x.n) >= int64(y.n) {
					pc = int(arg)
				}
				continue
			}
			goto compareJump

		case compiler.EQJMPFALSE, compiler.NEJMPFALSE, compiler.LEJMPFALSE,
			compiler.GTJMPFALSE, compiler.GEJMPFALSE:
			x, y := stack[sp-2], stack[sp-1]
			sp -= 2
			if x.k == KindInt && y.k == KindInt {
				if !intCompare(compiler.Opcode(ins&0xff), int64(x.n), int64(y.n)) {
					pc = int(arg)
				}
				continue
			}
			goto compareJump

		case compiler.ITER:
			fr.PC, f.SP, m.steps = pc, sp, steps
			if stack[sp-1], err = m.iterate(stack[sp-1]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.FORNEXT, compiler.FORNEXT2:
			itv := stack[sp-1]
			if itv.k == KindGenerator {
				fr.PC, f.SP, m.steps = pc, sp, steps
				if compiler.Opcode(ins&0xff) == compiler.FORNEXT2 {
					err = errorf(ErrType, "for k, v cannot unpack the values of a generator")
					goto fail
				}
				if err = m.resumeGenerator(itv.asFiber(), Nil, int(arg)+1); err != nil {
					goto fail
				}
				goto reload
			}
			if itv.k != KindIter {
				err = errorf(ErrValue, "for loop state is a %s, not an iterator", itv.TypeName())
				goto fail
			}
			it := itv.asIter()
			if it.kind == iterRange && compiler.Opcode(ins&0xff) == compiler.FORNEXT {
				if (it.step > 0 && it.i < it.stop) || (it.step < 0 && it.i > it.stop) {
					stack[sp] = Value{k: KindInt, n: uint64(it.i)}
					sp++
					next := it.i + it.step
					if (it.i^next)&(it.step^next) < 0 {
						next = it.stop // past the int range: that was the last
					}
					it.i = next
					continue
				}
				sp--
				pc = int(arg)
				continue
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			two, exit := compiler.Opcode(ins&0xff) == compiler.FORNEXT2, int(arg)
			var k, v Value
			var ok bool
			if k, v, ok, err = m.iterNext(it); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			if !ok {
				sp--
				pc = exit
				continue
			}
			if two {
				stack[sp] = k
				stack[sp+1] = v
				sp += 2
			} else if it.kind == iterMap {
				stack[sp] = k
				sp++
			} else {
				stack[sp] = v
				sp++
			}

		case compiler.CALL:
			n := int(arg)
			fv := stack[sp-n-1]
			if fv.k == KindFunc {
				// The common case, inline: a plain .wf function with the
				// right arity and room on the stack gets its frame here.
				callee := fv.asClosure().Fn
				nb := sp - n
				if n == callee.NumParams && !callee.Generator && int(f.depthBase)+len(f.Frames) < m.opts.MaxCallDepth &&
					nb+callee.NumLocals+callee.MaxStack <= len(stack) {
					fr.PC = pc
					for i := sp; i < nb+callee.NumLocals; i++ {
						stack[i] = Nil
					}
					f.Frames = append(f.Frames, Frame{Fn: fv.asClosure(), Base: nb})
					f.SP = nb + callee.NumLocals
					goto reframe
				}
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			if err = m.call(f, fv, n); err != nil {
				goto fail
			}
			goto reload

		case compiler.CALLMETHOD:
			n := int(arg & 0xff)
			fr.PC, f.SP, m.steps = pc, sp, steps
			if err = m.callMethod(f, int(arg>>8), n); err != nil {
				goto fail
			}
			goto reload

		case compiler.RETURN:
			v := stack[sp-1]
			if f.tries != nil {
				f.popHandlers(len(f.Frames))
			}
			f.Frames = f.Frames[:len(f.Frames)-1]
			if len(f.Frames) == stopDepth && m.isStop(f, stop) {
				f.SP = base - 1
				m.steps = steps
				if stopDepth == 0 {
					f.Status = StatusDone
					f.Result = v
				}
				return v, nil
			}
			if len(f.Frames) == 0 {
				f.SP = 0
				m.steps = steps
				if err = m.finishFiber(f, v); err != nil {
					goto fail
				}
				goto reload
			}
			stack[base-1] = v
			f.SP = base
			goto reframe

		case compiler.TRY:
			fr.PC, f.SP, m.steps = pc, sp, steps
			f.pushHandler(Handler{Depth: len(f.Frames), PC: int(arg), SP: sp})
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.ENDTRY:
			if h := f.handlers(); len(h) > 0 {
				*f.tries = h[:len(h)-1]
			} else {
				err = errorf(ErrValue, "ENDTRY without a handler")
				goto fail
			}

		case compiler.THROW, compiler.RETHROW:
			sp--
			fr.PC, f.SP, m.steps = pc, sp, steps
			err = m.thrown(stack[sp], compiler.Opcode(ins&0xff) == compiler.RETHROW)
			goto fail

		case compiler.YIELD:
			sp--
			fr.PC, f.SP, m.steps = pc, sp, steps
			if err = m.yield(f, stack[sp]); err != nil {
				goto fail
			}
			goto reload

		case compiler.MAKELIST:
			n := int(arg)
			fr.PC, f.SP, m.steps = pc, sp, steps
			if err = m.charge(int64(n+1) * valueSize); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			elems := make([]Value, n)
			copy(elems, stack[sp-n:sp])
			sp -= n
			stack[sp] = NewList(elems)
			sp++

		case compiler.MAKEMAP:
			n := int(arg)
			fr.PC, f.SP, m.steps = pc, sp, steps
			var v Value
			if v, err = m.makeMap(stack[sp-2*n : sp]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			sp -= 2 * n
			stack[sp] = v
			sp++

		case compiler.MAKEFUNC:
			fr.PC, f.SP, m.steps = pc, sp, steps
			var cl *Closure
			if cl, err = m.makeClosure(m.prog.Funcs[arg], fr.Fn, stack[base:]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			stack[sp] = funcValue(cl)
			sp++

		case compiler.INDEX:
			x, i := stack[sp-2], stack[sp-1]
			if x.k == KindList && i.k == KindInt {
				elems := x.asList().Elems
				if j := int64(i.n); j >= 0 && j < int64(len(elems)) {
					stack[sp-2] = elems[j]
					sp--
					continue
				}
			}
			fr.PC, f.SP, m.steps = pc, sp, steps
			if stack[sp-2], err = m.index(x, i); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			sp--

		case compiler.SETINDEX:
			x, i, v := stack[sp-3], stack[sp-2], stack[sp-1]
			sp -= 3
			if x.k == KindList && i.k == KindInt {
				l := x.asList()
				if j := int64(i.n); j >= 0 && j < int64(len(l.Elems)) {
					l.Elems[j] = v
					if !l.dirty {
						m.touchList(l)
					}
					continue
				}
			}
			fr.PC, f.SP, m.steps = pc, sp+3, steps
			if err = m.setIndex(x, i, v); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP-3, m.steps

		case compiler.SLICE:
			fr.PC, f.SP, m.steps = pc, sp, steps
			if stack[sp-3], err = m.slice(stack[sp-3], stack[sp-2], stack[sp-1]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			sp -= 2

		case compiler.ATTR:
			fr.PC, f.SP, m.steps = pc, sp, steps
			if stack[sp-1], err = m.attr(stack[sp-1], m.prog.Names[arg]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps

		case compiler.SETATTR:
			fr.PC, f.SP, m.steps = pc, sp, steps
			if err = m.setAttr(stack[sp-2], m.prog.Names[arg], stack[sp-1]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			sp -= 2

		case compiler.CONCAT:
			n := int(arg)
			fr.PC, f.SP, m.steps = pc, sp, steps
			var v Value
			if v, err = m.concat(stack[sp-n : sp]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps
			sp -= n
			stack[sp] = v
			sp++

		case compiler.ISGEN:
			stack[sp] = Bool(stack[sp-1].k == KindGenerator)
			sp++

		// Superinstructions (see compiler.Quicken): the second word, at
		// pc, keeps its operand. Each runs both halves only on its fast
		// path and when the step boundary between them is no event
		// (steps < limit, the test the loop makes before every
		// instruction); otherwise it runs its first half alone (unfuse),
		// so every stop, budget and pause lands where it would without
		// fusion.
		case compiler.FORLOCAL:
			if itv := stack[sp-1]; itv.k == KindIter && steps < limit {
				it := itv.asIter()
				if it.kind == iterRange {
					if (it.step > 0 && it.i < it.stop) || (it.step < 0 && it.i > it.stop) {
						stack[base+int(code[pc]>>8)] = Value{k: KindInt, n: uint64(it.i)}
						next := it.i + it.step
						if (it.i^next)&(it.step^next) < 0 {
							next = it.stop // past the int range: that was the last
						}
						it.i = next
						pc++
						steps++
						continue
					}
					sp--
					pc = int(arg)
					continue
				}
			}
			goto unfuse

		case compiler.LOCALADDLOCAL:
			x, slot := stack[base+int(arg)], &stack[base+int(code[pc]>>8)]
			if x.k == KindInt && slot.k == KindInt && steps < limit {
				a, b := int64(slot.n), int64(x.n)
				s := a + b
				if (a^s)&(b^s) >= 0 {
					slot.n = uint64(s)
					pc++
					steps++
					goto follow
				}
			}
			goto unfuse

		case compiler.INCLOCALJMP:
			if slot := &stack[base+int(arg>>8)]; slot.k == KindInt {
				a, d := int64(slot.n), int64(int8(arg))
				s := a + d
				if (a^s)&(d^s) >= 0 {
					slot.n = uint64(s)
					goto follow
				}
			}
			goto unfuse

		case compiler.ADDLOCALJMP:
			if slot, y := &stack[base+int(arg)], stack[sp-1]; slot.k == KindInt && y.k == KindInt {
				a, b := int64(slot.n), int64(y.n)
				s := a + b
				if (a^s)&(b^s) >= 0 {
					slot.n = uint64(s)
					sp--
					goto follow
				}
			}
			goto unfuse

		case compiler.LOCALINTJMP:
			if x := stack[base+int(arg>>8)]; x.k == KindInt && steps < limit {
				ia, ib = int64(x.n), int64(int8(arg))
				goto fusedJump
			}
			goto unfuse

		case compiler.LOCAL2JMP:
			x, y := stack[base+int(arg>>12)], stack[base+int(arg&0xfff)]
			if x.k == KindInt && y.k == KindInt && steps < limit {
				ia, ib = int64(x.n), int64(y.n)
				goto fusedJump
			}
			goto unfuse

		case compiler.INTJMP:
			if x := stack[sp-1]; x.k == KindInt && steps < limit {
				ia, ib = int64(x.n), int64(int32(arg<<8)>>8)
				sp--
				goto fusedJump
			}
			goto unfuse

		case compiler.LOCALINTOP:
			if x := stack[base+int(arg>>8)]; x.k == KindInt && steps < limit {
				ia, ib, dst = int64(x.n), int64(int8(arg)), sp
				goto fusedArith
			}
			goto unfuse

		case compiler.LOCAL2OP:
			x, y := stack[base+int(arg>>12)], stack[base+int(arg&0xfff)]
			if x.k == KindInt && y.k == KindInt && steps < limit {
				ia, ib, dst = int64(x.n), int64(y.n), sp
				goto fusedArith
			}
			goto unfuse

		case compiler.INTOP:
			if x := stack[sp-1]; x.k == KindInt && steps < limit {
				ia, ib, dst = int64(x.n), int64(int32(arg<<8)>>8), sp-1
				goto fusedArith
			}
			goto unfuse

		// The superinstructions on a global run in the int kernel
		// (intloop.go), with the JMPs between them and the ops after them
		// that it runs too; when it cannot run the one here, its first
		// word runs alone.
		case compiler.GLOBALJMP, compiler.GLOBALOP, compiler.UPDATEGLOBAL,
			compiler.GLOBALOPJMP, compiler.INCGLOBAL, compiler.OPSETGLOBAL:
			if p, s, st, ran := m.runInts(fr.Fn.Fn, stack, base, sp, int(arg), steps-1, limit); ran {
				pc, sp, steps = p, s, st
				continue loop
			}
			goto unfuse

		case compiler.LOCALJMP:
			// A local compared with its operand word: INT, LOCAL, GLOBAL
			// or CONST (see compiler.IsOperand).
			if x := stack[base+int(arg)]; x.k == KindInt && steps+1 < limit {
				var y Value
				switch w := code[pc]; compiler.Opcode(w & 0xff) {
				case compiler.INT:
					y = Value{k: KindInt, n: uint64(int64(int32(w) >> 8))}
				case compiler.LOCAL:
					y = stack[base+int(w>>8)]
				case compiler.GLOBAL:
					y = m.globals[w>>8]
				default:
					y = fr.Fn.Fn.Consts[w>>8]
				}
				if y.k == KindInt {
					ia, ib = int64(x.n), int64(y.n)
					pc++
					steps++
					goto fusedJump
				}
			}
			goto unfuse

		case compiler.LOCALINTOPJMP:
			if x := stack[base+int(arg>>8)]; x.k == KindInt && steps+2 < limit {
				ia, ib = int64(x.n), int64(int8(arg))
				if code[pc]&0xff == uint32(compiler.MOD) && smallMod(ia, ib) {
					ia, ib = modSmall(ia, ib), int64(int32(code[pc+1])>>8)
					pc += 2
					steps += 2
					goto fusedJump
				}
				goto opArith
			}
			goto unfuse

		default:
			fr.PC, f.SP, m.steps = pc, sp, steps
			err = errorf(ErrValue, "illegal opcode %d", ins&0xff)
			goto fail
		}
		continue loop

	follow:
		// A superinstruction that ends a loop's body or a branch of an
		// if runs the JMP after it too, when its boundary is no event.
		if w := code[pc]; w&0xff == uint32(compiler.JMP) && steps < limit {
			pc = int(w >> 8)
			steps++
		}
		continue loop

	unfuse:
		// A superinstruction runs only its first half: the word of the
		// plain code at its pc.
		ins = fr.Fn.Fn.Code[pc-1]
		goto dispatch

	opArith:
		// LOCALINTOPJMP's arithmetic (the word at pc) on the ints ia and
		// ib, when it is not a small remainder, then its INT and
		// compare-and-branch. Off the int fast path (overflow, a divisor
		// not above zero) the first word runs alone.
		{
			r, ok := intArith(compiler.Opcode(code[pc]&0xff), ia, ib)
			if !ok {
				goto unfuse
			}
			ia, ib = r, int64(int32(code[pc+1])>>8)
			steps += 2
			pc += 2
			goto fusedJump
		}

	fusedJump:
		// The second half of a superinstruction ending in a
		// compare-and-branch, on the int operands ia and ib.
		{
			next := code[pc]
			var r bool
			switch compiler.Opcode(next & 0xff) {
			case compiler.LTJMPFALSE:
				r = ia < ib
			case compiler.GEJMPFALSE:
				r = ia >= ib
			case compiler.EQJMPFALSE:
				r = ia == ib
			case compiler.NEJMPFALSE:
				r = ia != ib
			case compiler.LEJMPFALSE:
				r = ia <= ib
			default:
				r = ia > ib
			}
			if r {
				pc++
			} else {
				pc = int(next >> 8)
			}
			steps++
			continue loop
		}

	fusedArith:
		// The second half of a superinstruction ending in arithmetic, on
		// the int operands ia and ib; the result goes to stack[dst]. Off
		// the int fast path (overflow, a divisor not above zero) the
		// first half runs alone and the arithmetic word takes its usual
		// path.
		{
			var r int64
			switch compiler.Opcode(code[pc] & 0xff) {
			case compiler.ADD:
				r = ia + ib
				if (ia^r)&(ib^r) < 0 {
					goto unfuse
				}
			case compiler.SUB:
				r = ia - ib
				if (ia^ib)&(ia^r) < 0 {
					goto unfuse
				}
			case compiler.MUL:
				if ia < -mulSafe || ia > mulSafe || ib < -mulSafe || ib > mulSafe {
					goto unfuse
				}
				r = ia * ib
			case compiler.DIV:
				if ib <= 0 {
					goto unfuse
				}
				r = ia / ib
			default:
				if ib <= 0 {
					goto unfuse
				}
				r = ia % ib
			}
			stack[dst] = Value{k: KindInt, n: uint64(r)}
			sp = dst + 1
			pc++
			steps++
			continue loop
		}

	binary:
		{
			fr.PC, f.SP, m.steps = pc, sp, steps
			var v Value
			if v, err = m.binary(compiler.Opcode(ins&0xff), stack[sp-2], stack[sp-1]); err != nil {
				goto fail
			}
			pc, sp, steps = fr.PC, f.SP, m.steps // comparisons and concatenations charge their work
			sp--
			stack[sp-1] = v
			continue loop
		}

	compareJump:
		// A fused compare-and-branch whose operands are not both ints;
		// they sit just above sp.
		{
			fr.PC, f.SP, m.steps = pc, sp+2, steps
			target := int(arg)
			var v Value
			if v, err = m.binary(compiler.CompareOf(compiler.Opcode(ins&0xff)), stack[sp], stack[sp+1]); err != nil {
				goto fail
			}
			t := v.Truth()
			pc, sp, steps = fr.PC, f.SP-2, m.steps
			if !t {
				pc = target
			}
			continue loop
		}

	fail:
		// err is set and the running frame's pc/sp are saved.
		m.steps = max(m.steps, steps)
		var caught bool
		if caught, err = m.unwind(err, stop, stopDepth); !caught {
			return Nil, err
		}
		goto reload
	}
}

// modMagic holds, for each divisor d below its length, ⌊2⁶⁴/d⌋+1: the
// multiplier that turns a remainder by d into two multiplications (see
// modSmall).
var modMagic = func() (t [256]uint64) {
	for d := range t {
		t[d] = ^uint64(0)/uint64(max(d, 1)) + 1
	}
	return t
}()

// smallMod reports whether a % b can be taken by modSmall: a dividend in
// [0, 2³²) and a divisor in (0, 256), as in i % 3.
func smallMod(a, b int64) bool {
	return uint64(a) < 1<<32 && uint64(b-1) < uint64(len(modMagic)-1)
}

// modSmall returns a % b where smallMod(a, b) holds: Lemire's remainder
// by multiplication, a few times faster than a division.
func modSmall(a, b int64) int64 {
	hi, _ := bits.Mul64(modMagic[b&0xff]*uint64(a), uint64(b))
	return int64(hi)
}
