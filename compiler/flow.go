package compiler

// This file defines Analyze, the abstract interpretation of a function's
// code that yields the operand stack depth and try-block depth at every
// pc. The compiler uses it for MaxStack; the VM uses it to check that a
// snapshot's frames sit at reachable pcs with the stack heights and
// handlers the code implies.

import "fmt"

// Flow is the result of Analyze. Depth[pc] is the operand stack height
// (above the locals) before Code[pc] runs, or -1 if pc is unreachable;
// Tries[pc] is the number of try handlers the frame has installed there.
type Flow struct {
	Depth    []int
	Tries    []int
	MaxStack int
}

// Analyze follows every path through fn's code with the stack effect of
// each instruction. It fails if two paths reach a pc with different
// depths, if a path underflows the stack or runs off the end of the code,
// or if an operand is out of range for its opcode.
func Analyze(fn *Function) (*Flow, error) {
	n := len(fn.Code)
	fl := &Flow{Depth: make([]int, n), Tries: make([]int, n)}
	for i := range fl.Depth {
		fl.Depth[i] = -1
	}
	if n == 0 {
		return fl, fmt.Errorf("%s: no code", fn.Name)
	}
	work := []int{0}
	fl.Depth[0] = 0
	visit := func(from, pc, d, t int) error {
		if pc < 0 || pc >= n {
			return fmt.Errorf("%s: pc %d jumps to %d, outside the code", fn.Name, from, pc)
		}
		if d < 0 || t < 0 {
			return fmt.Errorf("%s: stack underflow at pc %d", fn.Name, from)
		}
		if fl.Depth[pc] < 0 {
			fl.Depth[pc], fl.Tries[pc] = d, t
			work = append(work, pc)
			return nil
		}
		if fl.Depth[pc] != d || fl.Tries[pc] != t {
			return fmt.Errorf("%s: inconsistent depth at pc %d (%d/%d vs %d/%d)", fn.Name, pc, fl.Depth[pc], fl.Tries[pc], d, t)
		}
		return nil
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		if err := fl.step(fn, pc, visit); err != nil {
			return nil, err
		}
	}
	fl.MaxStack++ // one spare slot: a resumed fiber's delivered value
	return fl, nil
}

// step interprets one instruction, visiting its successors.
func (fl *Flow) step(fn *Function, pc int, visit func(from, pc, d, t int) error) error {
	d, t := fl.Depth[pc], fl.Tries[pc]
	op, arg := Decode(fn.Code[pc])
	if int(op) >= NumOpcodes {
		return fmt.Errorf("%s: illegal opcode %d at pc %d", fn.Name, op, pc)
	}
	after := d + StackEffect(op, arg)
	switch op {
	case CALL, CALLMETHOD, FORNEXT2, MAKEMAP, MAKELIST, CONCAT:
		fl.MaxStack = max(fl.MaxStack, d+1)
	case TRY:
		fl.MaxStack = max(fl.MaxStack, d+1)
		if err := visit(pc, int(arg), d+1, t); err != nil {
			return err
		}
		t++
	case ENDTRY:
		t--
	}
	fl.MaxStack = max(fl.MaxStack, after)
	if je, ok := JumpEffect(op); ok {
		if err := visit(pc, int(arg), d+je, t); err != nil {
			return err
		}
	}
	switch op {
	case JMP, RETURN, THROW, RETHROW:
		return nil
	}
	return visit(pc, pc+1, after, t)
}
