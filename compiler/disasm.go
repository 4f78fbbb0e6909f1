package compiler

// This file defines the disassembler behind "wf disasm".

import (
	"fmt"
	"strings"
)

// Disassemble returns a readable listing of every function of p: one line
// per instruction with its pc, name and operand, and each new source line
// shown above the instructions it produced.
func Disassemble(p *Program) string {
	var b strings.Builder
	lines := strings.Split(string(p.Src), "\n")
	for i, fn := range p.Funcs {
		if i > 0 {
			b.WriteByte('\n')
		}
		DisassembleFunc(&b, p, fn, lines)
	}
	return b.String()
}

// DisassembleFunc writes the listing of one function.
func DisassembleFunc(b *strings.Builder, p *Program, fn *Function, lines []string) {
	kind := "fn"
	if fn.Generator {
		kind = "generator fn"
	}
	fmt.Fprintf(b, "%s %s  (params %d, locals %d, max stack %d)", kind, funcLabel(fn.Name), fn.NumParams, fn.NumLocals, fn.MaxStack)
	if len(fn.FreeNames) > 0 {
		fmt.Fprintf(b, "  captures %s", strings.Join(fn.FreeNames, ", "))
	}
	b.WriteByte('\n')
	lastLine := int32(-1)
	for pc, ins := range fn.Code {
		if l := fn.Lines[pc].Line; l != lastLine && l > 0 && int(l) <= len(lines) {
			fmt.Fprintf(b, "  ; %d: %s\n", l, strings.TrimSpace(lines[l-1]))
			lastLine = l
		}
		fmt.Fprintf(b, "  %4d  %s\n", pc, FormatInstruction(p, fn, ins))
	}
}

// FormatInstruction renders one instruction with its operand explained.
func FormatInstruction(p *Program, fn *Function, ins uint32) string {
	op, arg := Decode(ins)
	name := op.String()
	switch op {
	case INT, ADDI:
		return fmt.Sprintf("%-10s %d", name, int32(arg<<8)>>8)
	case ADDLOCAL:
		return fmt.Sprintf("%-10s %d (%s)", name, arg, localName(fn, int(arg)))
	case CONST:
		return fmt.Sprintf("%-10s %s", name, constString(fn, arg))
	case LOCAL, SETLOCAL, CELL, SETCELL, MAKECELL:
		return fmt.Sprintf("%-10s %d (%s)", name, arg, localName(fn, int(arg)))
	case FREE, SETFREE:
		return fmt.Sprintf("%-10s %d (%s)", name, arg, listName(fn.FreeNames, int(arg)))
	case GLOBAL, SETGLOBAL:
		return fmt.Sprintf("%-10s %d (%s)", name, arg, listName(p.Globals, int(arg)))
	case BUILTIN:
		return fmt.Sprintf("%-10s %d (%s)", name, arg, listName(p.Builtins, int(arg)))
	case LOCAL2:
		a, b := int(arg>>12), int(arg&0xfff)
		return fmt.Sprintf("%-10s %d %d (%s, %s)", name, a, b, localName(fn, a), localName(fn, b))
	case INCLOCAL, LOCALINT, LOCALADDI:
		return fmt.Sprintf("%-10s %d (%s) %+d", name, arg>>8, localName(fn, int(arg>>8)), int8(arg))
	case ATTR, SETATTR:
		return fmt.Sprintf("%-10s %s", name, listName(p.Names, int(arg)))
	case CALLMETHOD:
		return fmt.Sprintf("%-10s %s %d", name, listName(p.Names, int(arg>>8)), arg&0xff)
	case MAKEFUNC:
		fname := "?"
		if int(arg) < len(p.Funcs) {
			fname = funcLabel(p.Funcs[arg].Name)
		}
		return fmt.Sprintf("%-10s %d (%s)", name, arg, fname)
	case JMP, JMPFALSE, JMPTRUE, ANDJMP, ORJMP, FORNEXT, FORNEXT2, TRY,
		EQJMPFALSE, NEJMPFALSE, LTJMPFALSE, LEJMPFALSE, GTJMPFALSE, GEJMPFALSE:
		return fmt.Sprintf("%-10s -> %d", name, arg)
	case CALL, MAKELIST, MAKEMAP, CONCAT:
		return fmt.Sprintf("%-10s %d", name, arg)
	}
	return name
}

func funcLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	return name
}

func constString(fn *Function, i uint32) string {
	if int(i) >= len(fn.Consts) {
		return "?"
	}
	c := fn.Consts[i]
	switch c.Kind {
	case ConstInt:
		return fmt.Sprint(c.Int)
	case ConstFloat:
		return fmt.Sprint(c.Float)
	}
	return fmt.Sprintf("%q", c.Str)
}

func localName(fn *Function, slot int) string {
	for _, l := range fn.Locals {
		if l.Slot == slot {
			return l.Name
		}
	}
	return "$tmp"
}

func listName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return "?"
}
