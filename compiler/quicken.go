package compiler

// This file defines Quicken, the pass that fuses pairs of instructions
// into superinstructions for the VM's private copy of a function's code.

// NumQuick is the number of opcodes including the superinstructions: an
// opcode in [NumOpcodes, NumQuick) appears only in quickened code.
const NumQuick = int(numQuick)

// firstOf is the instruction each superinstruction runs first.
var firstOf = [...]Opcode{
	FORLOCAL - numOpcodes:      FORNEXT,
	LOCALADDLOCAL - numOpcodes: LOCAL,
	LOCALINTJMP - numOpcodes:   LOCALINT,
	LOCAL2JMP - numOpcodes:     LOCAL2,
	INTJMP - numOpcodes:        INT,
	LOCALINTOP - numOpcodes:    LOCALINT,
	LOCAL2OP - numOpcodes:      LOCAL2,
	INTOP - numOpcodes:         INT,
	GLOBALJMP - numOpcodes:     GLOBAL,
	GLOBALOP - numOpcodes:      GLOBAL,
	UPDATEGLOBAL - numOpcodes:  GLOBAL,
	GLOBALOPJMP - numOpcodes:   GLOBAL,
	LOCALINTOPJMP - numOpcodes: LOCALINT,
	INCLOCALJMP - numOpcodes:   INCLOCAL,
	ADDLOCALJMP - numOpcodes:   ADDLOCAL,
	LOCALJMP - numOpcodes:      LOCAL,
	INCGLOBAL - numOpcodes:     GLOBAL,
	OPSETGLOBAL - numOpcodes:   NOP, // any arithmetic word: its operand says which
}

// FirstOf returns the instruction a superinstruction runs first, the one
// whose word it replaced; any other opcode is its own first. For
// OPSETGLOBAL, whose first word is any of the arithmetic words, it
// returns NOP: the plain code has the word (and OPSETGLOBAL's operand
// names its opcode).
func FirstOf(op Opcode) Opcode {
	if op >= numOpcodes && op < numQuick {
		return firstOf[op-numOpcodes]
	}
	return op
}

// IsCompareJump reports whether op is a fused compare-and-branch.
func IsCompareJump(op Opcode) bool { return op >= EQJMPFALSE && op <= GEJMPFALSE }

// isIntArith reports whether op is an arithmetic operator the
// superinstructions run: ADD, SUB, MUL, DIV or MOD.
func isIntArith(op Opcode) bool { return op >= ADD && op <= MOD && op != ADDI }

// IsOperand reports whether op pushes one value without a slow path of
// its own beyond a check (INT, LOCAL, GLOBAL or CONST): the second word
// of the superinstructions on a global or a local.
func IsOperand(op Opcode) bool { return op == INT || op == LOCAL || op == GLOBAL || op == CONST }

// comparesInt reports whether code starts with an INT and a
// compare-and-branch: the "== 0" of "if x % 2 == 0".
func comparesInt(code []uint32) bool {
	return len(code) >= 2 && Opcode(code[0]&0xff) == INT && IsCompareJump(Opcode(code[1]&0xff))
}

// fuseGlobal returns the superinstruction that runs the GLOBAL word at
// the start of code and the words after it, and how many words it runs;
// NOP if none. An operand and a compare-and-branch or arithmetic follow
// the GLOBAL; arithmetic stored into a global (the same one: s += i) or
// a local makes four, and arithmetic compared with an int five. A
// GLOBAL, an ADDI and a SETGLOBAL of the same global make three.
func fuseGlobal(code []uint32) (Opcode, int) {
	if len(code) < 3 {
		return NOP, 0
	}
	g, b, c := code[0]>>8, Opcode(code[1]&0xff), Opcode(code[2]&0xff)
	switch {
	case b == ADDI && code[2] == Encode(SETGLOBAL, g):
		return INCGLOBAL, 3
	case !IsOperand(b):
	case IsCompareJump(c):
		return GLOBALJMP, 3
	case !isIntArith(c):
	case len(code) > 3 && (Opcode(code[3]&0xff) == SETGLOBAL || Opcode(code[3]&0xff) == SETLOCAL):
		return UPDATEGLOBAL, 4
	case comparesInt(code[3:]):
		return GLOBALOPJMP, 5
	default:
		return GLOBALOP, 3
	}
	return NOP, 0
}

// fuse returns the superinstruction that runs a then b, or NOP if none.
func fuse(a, b Opcode) Opcode {
	switch {
	case a == FORNEXT && b == SETLOCAL:
		return FORLOCAL
	case a == LOCAL && b == ADDLOCAL:
		return LOCALADDLOCAL
	case a == INCLOCAL && b == JMP:
		return INCLOCALJMP
	case a == ADDLOCAL && b == JMP:
		return ADDLOCALJMP
	case isIntArith(a) && b == SETGLOBAL:
		return OPSETGLOBAL
	case IsCompareJump(b):
		switch a {
		case LOCALINT:
			return LOCALINTJMP
		case LOCAL2:
			return LOCAL2JMP
		case INT:
			return INTJMP
		}
	case isIntArith(b):
		switch a {
		case LOCALINT:
			return LOCALINTOP
		case LOCAL2:
			return LOCAL2OP
		case INT:
			return INTOP
		}
	}
	return NOP
}

// fuseRun returns the superinstruction that runs the word at the start
// of code and the words after it, and how many words it runs; NOP if
// none.
func fuseRun(code []uint32) (Opcode, int) {
	a, b := Opcode(code[0]&0xff), Opcode(code[1]&0xff)
	switch {
	case a == GLOBAL:
		return fuseGlobal(code)
	case a == LOCALINT && isIntArith(b) && comparesInt(code[2:]):
		return LOCALINTOPJMP, 4
	case a == LOCAL && IsOperand(b) && len(code) > 2 && IsCompareJump(Opcode(code[2]&0xff)):
		return LOCALJMP, 3
	}
	if op := fuse(a, b); op != NOP {
		return op, 2
	}
	return NOP, 0
}

// Quicken returns a copy of code in which the first word of each fusable
// run of adjacent instructions (a pair, a GLOBAL and the two to four
// words after it, a LOCAL, an operand and a compare-and-branch, or
// LOCALINT, arithmetic, INT and a compare-and-branch) is replaced by the
// superinstruction that runs them all, keeping its operand (OPSETGLOBAL,
// whose arithmetic word has none, takes that word's opcode as its
// operand); the other words are left as they are. Runs are taken left to
// right and never overlap. code must be valid (see Analyze).
func Quicken(code []uint32) []uint32 {
	q := append([]uint32(nil), code...)
	for pc := 0; pc+1 < len(code); pc++ {
		op, n := fuseRun(code[pc:])
		if op == NOP {
			continue
		}
		arg := code[pc] >> 8
		if op == OPSETGLOBAL {
			arg = code[pc] & 0xff
		}
		q[pc] = Encode(op, arg)
		pc += n - 1
	}
	return q
}
