package compiler

// This file defines Verify: the checks a program that did not come
// straight from Compile (one decoded from a compile cache) must pass
// before a VM may run it.

import (
	"fmt"
	"slices"
)

// maxVerifiedLocals bounds a function's local slots; the compiler's own
// limit on locals is far below it.
const maxVerifiedLocals = 1 << 16

// Verify checks that p keeps every invariant of Compile's output that the
// VM, its debugger and its error reports rely on: the hash is the hash of
// the source; every function's code is well formed (Analyze) with the
// MaxStack it claims and no superinstruction; every operand indexes what
// it names (locals, captured cells, globals, builtins, constants,
// functions, names); every closure's captures exist in each function that
// makes it; yields only in generators; and the debug tables point inside
// their function. It returns the first violation found. A program that
// passes can be run without the VM reading outside its tables; it does
// not prove the code is what Compile would make of the source.
func Verify(p *Program) error {
	if p == nil || len(p.Funcs) == 0 {
		return fmt.Errorf("program has no functions")
	}
	if p.Hash != Hash(p.Src) {
		return fmt.Errorf("program hash does not match its source")
	}
	if len(p.Decls) != len(p.Globals) {
		return fmt.Errorf("%d global declarations for %d globals", len(p.Decls), len(p.Globals))
	}
	for i, d := range p.Decls {
		if d.Func < -1 || d.Func >= len(p.Funcs) {
			return fmt.Errorf("global %d is declared by function %d of %d", i, d.Func, len(p.Funcs))
		}
	}
	if !slices.IsSorted(p.Markers) {
		return fmt.Errorf("markers are not sorted")
	}
	if main := p.Funcs[0]; main == nil || main.NumParams != 0 || main.Generator {
		return fmt.Errorf("the top level is not a plain function without parameters")
	}
	for i, fn := range p.Funcs {
		if err := verifyFunc(p, i, fn); err != nil {
			name := ""
			if fn != nil {
				name = fn.Name
			}
			return fmt.Errorf("function %d (%s): %w", i, name, err)
		}
	}
	return nil
}

// verifyFunc checks function number i of p.
func verifyFunc(p *Program, i int, fn *Function) error {
	switch {
	case fn == nil:
		return fmt.Errorf("missing")
	case fn.Index != i:
		return fmt.Errorf("index %d", fn.Index)
	case fn.NumParams < 0 || fn.NumParams > fn.NumLocals || fn.NumLocals > maxVerifiedLocals:
		return fmt.Errorf("%d parameters, %d locals", fn.NumParams, fn.NumLocals)
	case len(fn.Lines) != len(fn.Code):
		return fmt.Errorf("%d lines for %d instructions", len(fn.Lines), len(fn.Code))
	}
	for _, k := range fn.Consts {
		if k.Kind > ConstString {
			return fmt.Errorf("constant of kind %d", k.Kind)
		}
	}
	for pc, ins := range fn.Code {
		if err := verifyOperand(p, fn, ins); err != nil {
			return fmt.Errorf("pc %d: %w", pc, err)
		}
	}
	fl, err := Analyze(fn)
	if err != nil {
		return err
	}
	if fl.MaxStack != fn.MaxStack {
		return fmt.Errorf("max stack %d, the code needs %d", fn.MaxStack, fl.MaxStack)
	}
	return verifyDebug(fn)
}

// verifyOperand checks that the operand of ins indexes what it names in
// fn and p.
func verifyOperand(p *Program, fn *Function, ins uint32) error {
	op, arg := Decode(ins)
	var n, bound int // the index and its bound
	switch op {
	case LOCAL, SETLOCAL, CELL, SETCELL, MAKECELL, ADDLOCAL:
		n, bound = int(arg), fn.NumLocals
	case INCLOCAL, LOCALINT, LOCALADDI:
		n, bound = int(arg>>8), fn.NumLocals
	case LOCAL2:
		n, bound = max(int(arg>>12), int(arg&0xfff)), fn.NumLocals
	case FREE, SETFREE:
		n, bound = int(arg), len(fn.Captures)
	case GLOBAL, SETGLOBAL:
		n, bound = int(arg), len(p.Globals)
	case BUILTIN:
		n, bound = int(arg), len(p.Builtins)
	case CONST:
		n, bound = int(arg), len(fn.Consts)
	case ATTR, SETATTR:
		n, bound = int(arg), len(p.Names)
	case CALLMETHOD:
		n, bound = int(arg>>8), len(p.Names)
	case YIELD:
		if !fn.Generator {
			return fmt.Errorf("YIELD outside a generator")
		}
		return nil
	case MAKEFUNC:
		if arg == 0 || int(arg) >= len(p.Funcs) || p.Funcs[arg] == nil {
			return fmt.Errorf("MAKEFUNC %d of %d functions", arg, len(p.Funcs))
		}
		return verifyCaptures(fn, p.Funcs[arg])
	default:
		return nil
	}
	if n >= bound {
		return fmt.Errorf("%s operand %d out of range (%d)", op, n, bound)
	}
	return nil
}

// verifyCaptures checks that every cell closure function inner captures
// exists in outer, the function that makes the closure.
func verifyCaptures(outer, inner *Function) error {
	for _, c := range inner.Captures {
		bound := outer.NumLocals
		if c.FromFree {
			bound = len(outer.Captures)
		}
		if c.Index < 0 || c.Index >= bound {
			return fmt.Errorf("closure %s captures %d of %d", inner.Name, c.Index, bound)
		}
	}
	return nil
}

// verifyDebug checks that fn's debug tables point inside fn.
func verifyDebug(fn *Function) error {
	n := len(fn.Code)
	for _, l := range fn.Locals {
		if l.Slot < 0 || l.Slot >= fn.NumLocals || l.Start < 0 || l.Start > n || l.End < -1 || l.End > n {
			return fmt.Errorf("local %s: slot %d, pcs %d to %d", l.Name, l.Slot, l.Start, l.End)
		}
	}
	for _, h := range fn.Hidden {
		if h.Slot < 0 || h.Slot >= fn.NumLocals {
			return fmt.Errorf("hidden slot %d", h.Slot)
		}
	}
	for i, pt := range fn.Points {
		if pt.PC < 0 || pt.PC > n || i > 0 && pt.PC < fn.Points[i-1].PC {
			return fmt.Errorf("suspension point at pc %d", pt.PC)
		}
	}
	for _, y := range fn.Yields {
		if y < 0 || y >= n || Opcode(fn.Code[y]&0xff) != YIELD {
			return fmt.Errorf("yield at pc %d", y)
		}
	}
	if len(fn.FreeNames) > len(fn.Captures) {
		return fmt.Errorf("%d names for %d captures", len(fn.FreeNames), len(fn.Captures))
	}
	return nil
}
