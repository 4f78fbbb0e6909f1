package compiler

import "testing"

// TestQuickenFusesPairs: the first word of a pair (or of a run that
// starts with a GLOBAL) becomes the superinstruction with its own
// operand, the others stay as they were, and runs do not overlap.
func TestQuickenFusesPairs(t *testing.T) {
	code := []uint32{
		Encode(LOCAL, 1), Encode(ADDLOCAL, 2), // LOCALADDLOCAL
		Encode(INT, 0), Encode(EQJMPFALSE, 0), // INTJMP
		Encode(LOCALINT, 1<<8|3), Encode(MOD, 0), // LOCALINTOP
		Encode(LOCAL2, 1<<12|2), Encode(LTJMPFALSE, 0), // LOCAL2JMP
		Encode(LOCAL2, 1<<12|2), Encode(MUL, 0), // LOCAL2OP
		Encode(LOCALINT, 1<<8|3), Encode(GEJMPFALSE, 0), // LOCALINTJMP
		Encode(INT, 7), Encode(MOD, 0), // INTOP
		Encode(FORNEXT, 20), Encode(SETLOCAL, 3), // FORLOCAL
		Encode(LOCAL, 0), Encode(LOCAL, 1), Encode(ADDLOCAL, 2), // only the later pair
		Encode(INT, 1), Encode(ADDI, 1), // ADDI is no arithmetic word
		Encode(GLOBAL, 4), Encode(GLOBAL, 5), Encode(LTJMPFALSE, 0), // GLOBALJMP
		Encode(GLOBAL, 4), Encode(INT, 3), Encode(MOD, 0), Encode(INT, 0), Encode(EQJMPFALSE, 0), // GLOBALOPJMP
		Encode(GLOBAL, 4), Encode(INT, 3), Encode(MOD, 0), Encode(INT, 0), Encode(ADD, 0), // GLOBALOP, then INTOP
		Encode(LOCALINT, 1<<8|3), Encode(MOD, 0), Encode(INT, 0), Encode(NEJMPFALSE, 0), // LOCALINTOPJMP
		Encode(GLOBAL, 4), Encode(LOCAL, 1), Encode(ADD, 0), Encode(SETGLOBAL, 4), // UPDATEGLOBAL
		Encode(GLOBAL, 4), Encode(INT, 1), Encode(SUB, 0), Encode(SETGLOBAL, 5), // another global: UPDATEGLOBAL
		Encode(GLOBAL, 4), Encode(INT, 7), Encode(MOD, 0), Encode(SETLOCAL, 0), // a local: UPDATEGLOBAL
		Encode(GLOBAL, 4), Encode(INT, 7), Encode(MOD, 0), Encode(SETCELL, 0), // a cell: GLOBALOP
		Encode(GLOBAL, 4), Encode(CONST, 0), Encode(ADD, 0), // GLOBALOP: a CONST is an operand word
		Encode(GLOBAL, 4), Encode(NIL, 0), Encode(ADD, 0), // NIL is none
		Encode(GLOBAL, 4), Encode(ADDI, 1), Encode(SETGLOBAL, 4), // INCGLOBAL
		Encode(GLOBAL, 4), Encode(ADDI, 1), Encode(SETGLOBAL, 5), // another global: none
		Encode(LOCAL, 1), Encode(GLOBAL, 4), Encode(LTJMPFALSE, 0), // LOCALJMP
		Encode(LOCAL, 1), Encode(CONST, 0), Encode(GEJMPFALSE, 0), // LOCALJMP
		Encode(LOCAL, 1), Encode(GLOBAL, 4), Encode(ADD, 0), // no compare: none
		Encode(LOCALINT, 1<<8|7), Encode(MOD, 0), Encode(SUB, 0), Encode(SETGLOBAL, 4), // LOCALINTOP, OPSETGLOBAL
		Encode(MUL, 0), Encode(SETLOCAL, 4), // a local: none
		Encode(GLOBAL, 4), Encode(LOCAL, 1), Encode(ADDLOCAL, 2), // the later pair
		Encode(INCLOCAL, 1<<8|1), Encode(JMP, 0), // INCLOCALJMP
		Encode(INT, 2), Encode(ADDLOCAL, 1), Encode(JMP, 0), // ADDLOCALJMP
		Encode(RETURN, 0),
	}
	q := Quicken(code)
	want := []Opcode{LOCALADDLOCAL, ADDLOCAL, INTJMP, EQJMPFALSE, LOCALINTOP, MOD,
		LOCAL2JMP, LTJMPFALSE, LOCAL2OP, MUL, LOCALINTJMP, GEJMPFALSE, INTOP, MOD,
		FORLOCAL, SETLOCAL, LOCAL, LOCALADDLOCAL, ADDLOCAL, INT, ADDI,
		GLOBALJMP, GLOBAL, LTJMPFALSE,
		GLOBALOPJMP, INT, MOD, INT, EQJMPFALSE,
		GLOBALOP, INT, MOD, INTOP, ADD,
		LOCALINTOPJMP, MOD, INT, NEJMPFALSE,
		UPDATEGLOBAL, LOCAL, ADD, SETGLOBAL,
		UPDATEGLOBAL, INT, SUB, SETGLOBAL,
		UPDATEGLOBAL, INT, MOD, SETLOCAL,
		GLOBALOP, INT, MOD, SETCELL,
		GLOBALOP, CONST, ADD,
		GLOBAL, NIL, ADD,
		INCGLOBAL, ADDI, SETGLOBAL,
		GLOBAL, ADDI, SETGLOBAL,
		LOCALJMP, GLOBAL, LTJMPFALSE,
		LOCALJMP, CONST, GEJMPFALSE,
		LOCAL, GLOBAL, ADD,
		LOCALINTOP, MOD, OPSETGLOBAL, SETGLOBAL,
		MUL, SETLOCAL,
		GLOBAL, LOCALADDLOCAL, ADDLOCAL,
		INCLOCALJMP, JMP,
		INT, ADDLOCALJMP, JMP,
		RETURN}
	for pc, w := range q {
		op, arg := Decode(w)
		orig, origArg := Decode(code[pc])
		if op == OPSETGLOBAL {
			// Its operand is the opcode of the arithmetic word it replaced.
			origArg = uint32(orig)
		}
		if op != want[pc] || arg != origArg {
			t.Errorf("pc %d: %s %d, want %s %d", pc, op, arg, want[pc], origArg)
		}
		if first := FirstOf(op); first != orig && !(op == OPSETGLOBAL && first == NOP && isIntArith(orig)) {
			t.Errorf("pc %d: FirstOf(%s) = %s, the word was %s", pc, op, first, orig)
		}
	}
}

// TestAnalyzeRefusesSuperinstructions: superinstructions never belong in
// a program's code.
func TestAnalyzeRefusesSuperinstructions(t *testing.T) {
	fn := &Function{Name: "f", Code: []uint32{Encode(LOCALADDLOCAL, 0), Encode(ADDLOCAL, 0), Encode(NIL, 0), Encode(RETURN, 0)}}
	if _, err := Analyze(fn); err == nil {
		t.Fatal("Analyze accepted a superinstruction")
	}
}
