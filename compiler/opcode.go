package compiler

// This file defines the instruction set: opcodes, their stack pictures,
// names and stack effects.

// An instruction is one uint32: the opcode in the low 8 bits and a 24-bit
// operand above it. Every word is an instruction boundary, so any pc in
// [0, len(Code)) is a valid resume point. Jump operands are absolute pcs.
// Opcodes marked "(a<<8|b)" pack two operands into the 24 bits: a in the
// high 16 bits, b in the low 8.

// Opcode is an operation of the stack machine.
type Opcode uint8

// The stack pictures read: operands before the name, results after it.
// "-" is an empty stack segment. Operand names follow the name.
const (
	NOP Opcode = iota //  - NOP -

	// stack manipulation
	POP  //     x POP -
	DUP  //     x DUP x x
	DUP2 //   x y DUP2 x y x y
	SWAP //   x y SWAP y x
	ROT3 // x y z ROT3 z x y   (moves the top below the two under it)

	// constants
	NIL   //     - NIL nil
	TRUE  //     - TRUE true
	FALSE //     - FALSE false
	INT   //     - INT<n> n          (n is the operand as a signed 24-bit int)
	CONST //     - CONST<k> consts[k]

	// variables
	LOCAL     //     - LOCAL<i> locals[i]
	SETLOCAL  //     x SETLOCAL<i> -
	CELL      //     - CELL<i> locals[i].cell.value
	SETCELL   //     x SETCELL<i> -
	MAKECELL  //     - MAKECELL<i> -       (locals[i] = new cell holding locals[i])
	FREE      //     - FREE<i> cells[i].value   (a captured variable)
	SETFREE   //     x SETFREE<i> -
	GLOBAL    //     - GLOBAL<i> globals[i]
	SETGLOBAL //     x SETGLOBAL<i> -
	BUILTIN   //     - BUILTIN<i> builtins[i]
	INCLOCAL  //     - INCLOCAL<(slot<<8|n)> -   (locals[slot] += n, n signed 8-bit)
	ADDLOCAL  //     v ADDLOCAL<slot> -          (locals[slot] += v)
	LOCALINT  //     - LOCALINT<(slot<<8|n)> locals[slot] n   (n signed 8-bit)
	LOCAL2    //     - LOCAL2<(a<<12|b)> locals[a] locals[b]  (two LOCALs in one)
	LOCALADDI //     - LOCALADDI<(slot<<8|n)> locals[slot]+n  (n signed 8-bit)

	// arithmetic and comparison
	ADD    //   x y ADD x+y
	ADDI   //     x ADDI<n> x+n      (n is a signed 24-bit int)
	SUB    //   x y SUB x-y
	MUL    //   x y MUL x*y
	DIV    //   x y DIV x/y
	MOD    //   x y MOD x%y
	BITAND //   x y BITAND x&y
	BITOR  //   x y BITOR x|y
	BITXOR //   x y BITXOR x^y
	SHL    //   x y SHL x<<y
	SHR    //   x y SHR x>>y
	EQ     //   x y EQ x==y
	NE     //   x y NE x!=y
	LT     //   x y LT x<y
	LE     //   x y LE x<=y
	GT     //   x y GT x>y
	GE     //   x y GE x>=y
	IN     //   x y IN (x in y)
	NEG    //     x NEG -x
	PLUS   //     x PLUS +x
	NOT    //     x NOT (not x)
	BITNOT //     x BITNOT ~x

	// control flow
	JMP        //     - JMP<pc> -
	JMPFALSE   //     x JMPFALSE<pc> -     (jumps when x is falsy)
	JMPTRUE    //     x JMPTRUE<pc> -
	ANDJMP     //     x ANDJMP<pc> x|-     (falsy: keep x and jump; else pop)
	ORJMP      //     x ORJMP<pc> x|-      (truthy: keep x and jump; else pop)
	ITER       //     x ITER it
	FORNEXT    //    it FORNEXT<pc> it v   (exhausted: pop it, jump to pc)
	FORNEXT2   //    it FORNEXT2<pc> it k v
	EQJMPFALSE //   x y EQJMPFALSE<pc> -   (jumps unless x==y; fused compare and branch)
	NEJMPFALSE //   x y NEJMPFALSE<pc> -   (jumps unless x!=y)
	LTJMPFALSE //   x y LTJMPFALSE<pc> -   (jumps unless x<y)
	LEJMPFALSE //   x y LEJMPFALSE<pc> -   (jumps unless x<=y)
	GTJMPFALSE //   x y GTJMPFALSE<pc> -   (jumps unless x>y)
	GEJMPFALSE //   x y GEJMPFALSE<pc> -   (jumps unless x>=y)
	CALL       // f a1..an CALL<n> result
	CALLMETHOD // x a1..an CALLMETHOD<(name<<8|n)> result
	RETURN     //     x RETURN -
	TRY        //     - TRY<pc> -          (installs a handler: a throw jumps to pc with the error pushed)
	ENDTRY     //     - ENDTRY -           (removes the innermost handler)
	THROW      //     x THROW -
	RETHROW    //     x RETHROW -          (like THROW, keeps the original traceback)
	YIELD      //     x YIELD sent

	// data structures
	MAKELIST // a1..an MAKELIST<n> list
	MAKEMAP  // k1 v1..kn vn MAKEMAP<n> map
	MAKEFUNC //     - MAKEFUNC<f> closure   (captures per funcs[f].Captures)
	INDEX    //   x i INDEX x[i]
	SETINDEX // x i v SETINDEX -
	SLICE    // x lo hi SLICE x[lo:hi]
	ATTR     //     x ATTR<name> x.name
	SETATTR  //   x v SETATTR<name> -
	CONCAT   // a1..an CONCAT<n> string  (string interpolation: str() of each, joined)

	// generators
	ISGEN //     x ISGEN x isgen       (whether x is a generator: yield from's dispatch)

	numOpcodes
)

// Superinstructions: a pair of instructions run by one dispatch. The
// compiler never emits them and Analyze refuses them; Quicken writes them
// into the VM's private copy of a function's code, over the first word of
// the pair, keeping that word's operand. The second word stays in place
// with its own operand, which the superinstruction reads, so every pc
// keeps its meaning (a jump may still land on the second word) and a
// snapshot never sees them. Each runs both halves or, when the second
// half would leave its fast path or a step boundary between the two must
// be observable, only the first (see FirstOf). The longer ones below run
// three or four words in the same way.
const (
	FORLOCAL      Opcode = iota + numOpcodes //    it FORLOCAL<pc> it          (FORNEXT; SETLOCAL: a range loop's next int into a local)
	LOCALADDLOCAL                            //     - LOCALADDLOCAL<i> -      (LOCAL i; ADDLOCAL j)
	LOCALINTJMP                              //     - LOCALINTJMP<(slot<<8|n)> -  (LOCALINT; a compare-and-branch)
	LOCAL2JMP                                //     - LOCAL2JMP<(a<<12|b)> -  (LOCAL2; a compare-and-branch)
	INTJMP                                   //     x INTJMP<n> -             (INT; a compare-and-branch)
	LOCALINTOP                               //     - LOCALINTOP<(slot<<8|n)> r   (LOCALINT; ADD, SUB, MUL, DIV or MOD)
	LOCAL2OP                                 //     - LOCAL2OP<(a<<12|b)> r   (LOCAL2; ADD, SUB, MUL, DIV or MOD)
	INTOP                                    //     x INTOP<n> r              (INT; ADD, SUB, MUL, DIV or MOD)

	// Superinstructions of three and four words, on a global and an
	// operand: the second word is INT, LOCAL, GLOBAL or CONST (see
	// IsOperand).
	GLOBALJMP    //     - GLOBALJMP<g> -          (GLOBAL g; an operand; a compare-and-branch)
	GLOBALOP     //     - GLOBALOP<g> r           (GLOBAL g; an operand; ADD, SUB, MUL, DIV or MOD)
	UPDATEGLOBAL //     - UPDATEGLOBAL<g> -       (GLOBAL g; an operand; ADD, SUB, MUL, DIV or MOD; SETGLOBAL or SETLOCAL: s += i, let r = i % 7)
	GLOBALOPJMP  //     - GLOBALOPJMP<g> -        (GLOBALOP's three words; INT; a compare-and-branch: if g % 3 == 0)

	// Arithmetic on a local and a small int, compared with an int.
	LOCALINTOPJMP //    - LOCALINTOPJMP<(slot<<8|n)> -  (LOCALINT; ADD, SUB, MUL, DIV or MOD; INT; a compare-and-branch)

	// An in-place add that ends a loop's body or a branch, and its JMP.
	INCLOCALJMP //     - INCLOCALJMP<(slot<<8|n)> -  (INCLOCAL; JMP)
	ADDLOCALJMP //     v ADDLOCALJMP<slot> -         (ADDLOCAL; JMP)

	// A local and an operand word (a GLOBAL, a CONST or an INT too big
	// for LOCALINT), compared: while i < n at the top of a function.
	LOCALJMP //     - LOCALJMP<i> -             (LOCAL i; an operand; a compare-and-branch)

	// A global plus a constant stored back: s = s + 1 at the top level.
	INCGLOBAL //     - INCGLOBAL<g> -            (GLOBAL g; ADDI n; SETGLOBAL g)

	// Arithmetic whose result is stored into a global: the end of
	// s = s + i % 7 at the top level.
	OPSETGLOBAL //   x y OPSETGLOBAL -           (ADD, SUB, MUL, DIV or MOD; SETGLOBAL g)

	numQuick
)

var opcodeNames = [...]string{
	NOP: "NOP", POP: "POP", DUP: "DUP", DUP2: "DUP2", SWAP: "SWAP", ROT3: "ROT3",
	NIL: "NIL", TRUE: "TRUE", FALSE: "FALSE", INT: "INT", CONST: "CONST",
	LOCAL: "LOCAL", SETLOCAL: "SETLOCAL", CELL: "CELL", SETCELL: "SETCELL",
	MAKECELL: "MAKECELL", FREE: "FREE", SETFREE: "SETFREE", GLOBAL: "GLOBAL",
	SETGLOBAL: "SETGLOBAL", BUILTIN: "BUILTIN", INCLOCAL: "INCLOCAL",
	ADD: "ADD", SUB: "SUB", MUL: "MUL", DIV: "DIV", MOD: "MOD",
	BITAND: "BITAND", BITOR: "BITOR", BITXOR: "BITXOR", SHL: "SHL", SHR: "SHR",
	EQ: "EQ", NE: "NE", LT: "LT", LE: "LE", GT: "GT", GE: "GE", IN: "IN",
	NEG: "NEG", PLUS: "PLUS", NOT: "NOT", BITNOT: "BITNOT",
	JMP: "JMP", JMPFALSE: "JMPFALSE", JMPTRUE: "JMPTRUE", ANDJMP: "ANDJMP",
	ORJMP: "ORJMP", ITER: "ITER", FORNEXT: "FORNEXT", FORNEXT2: "FORNEXT2",
	EQJMPFALSE: "EQJMPFALSE", NEJMPFALSE: "NEJMPFALSE", LTJMPFALSE: "LTJMPFALSE",
	LEJMPFALSE: "LEJMPFALSE", GTJMPFALSE: "GTJMPFALSE", GEJMPFALSE: "GEJMPFALSE",
	ADDLOCAL: "ADDLOCAL", LOCALINT: "LOCALINT", LOCAL2: "LOCAL2", LOCALADDI: "LOCALADDI", ADDI: "ADDI", CALL: "CALL", CALLMETHOD: "CALLMETHOD",
	RETURN: "RETURN", TRY: "TRY", ENDTRY: "ENDTRY", THROW: "THROW",
	RETHROW: "RETHROW", YIELD: "YIELD",
	MAKELIST: "MAKELIST", MAKEMAP: "MAKEMAP", MAKEFUNC: "MAKEFUNC",
	INDEX: "INDEX", SETINDEX: "SETINDEX", SLICE: "SLICE", ATTR: "ATTR",
	SETATTR: "SETATTR", CONCAT: "CONCAT", ISGEN: "ISGEN",

	FORLOCAL: "FORLOCAL", LOCALADDLOCAL: "LOCALADDLOCAL", LOCALINTJMP: "LOCALINTJMP",
	LOCAL2JMP: "LOCAL2JMP", INTJMP: "INTJMP", LOCALINTOP: "LOCALINTOP",
	LOCAL2OP: "LOCAL2OP", INTOP: "INTOP",
	GLOBALJMP: "GLOBALJMP", GLOBALOP: "GLOBALOP", UPDATEGLOBAL: "UPDATEGLOBAL",
	GLOBALOPJMP: "GLOBALOPJMP", LOCALINTOPJMP: "LOCALINTOPJMP",
	INCLOCALJMP: "INCLOCALJMP", ADDLOCALJMP: "ADDLOCALJMP",
	LOCALJMP: "LOCALJMP", INCGLOBAL: "INCGLOBAL", OPSETGLOBAL: "OPSETGLOBAL",
}

// variableEffect marks opcodes whose stack effect depends on the operand.
const variableEffect = 0x7f

// stackEffect is the net change in stack height of each opcode;
// variableEffect means "see opcodeEffect".
var stackEffect = [...]int8{
	NOP: 0, POP: -1, DUP: 1, DUP2: 2, SWAP: 0, ROT3: 0,
	NIL: 1, TRUE: 1, FALSE: 1, INT: 1, CONST: 1,
	LOCAL: 1, SETLOCAL: -1, CELL: 1, SETCELL: -1, MAKECELL: 0,
	FREE: 1, SETFREE: -1, GLOBAL: 1, SETGLOBAL: -1, BUILTIN: 1, INCLOCAL: 0,
	ADD: -1, SUB: -1, MUL: -1, DIV: -1, MOD: -1,
	BITAND: -1, BITOR: -1, BITXOR: -1, SHL: -1, SHR: -1,
	EQ: -1, NE: -1, LT: -1, LE: -1, GT: -1, GE: -1, IN: -1,
	NEG: 0, PLUS: 0, NOT: 0, BITNOT: 0,
	JMP: 0, JMPFALSE: -1, JMPTRUE: -1, ANDJMP: -1, ORJMP: -1,
	ITER: 0, FORNEXT: 1, FORNEXT2: 2,
	EQJMPFALSE: -2, NEJMPFALSE: -2, LTJMPFALSE: -2, LEJMPFALSE: -2, GTJMPFALSE: -2, GEJMPFALSE: -2,
	ADDLOCAL: -1, LOCALINT: 2, LOCAL2: 2, LOCALADDI: 1, ADDI: 0,
	CALL: variableEffect, CALLMETHOD: variableEffect,
	RETURN: -1, TRY: 0, ENDTRY: 0, THROW: -1, RETHROW: -1,
	YIELD:    0,
	MAKELIST: variableEffect, MAKEMAP: variableEffect, MAKEFUNC: 1,
	INDEX: -1, SETINDEX: -3, SLICE: -2, ATTR: 0, SETATTR: -2,
	CONCAT: variableEffect, ISGEN: 1,

	// the fall-through effect of both halves
	FORLOCAL: 0, LOCALADDLOCAL: 0, LOCALINTJMP: 0, LOCAL2JMP: 0, INTJMP: -1,
	LOCALINTOP: 1, LOCAL2OP: 1, INTOP: 0,
	GLOBALJMP: 0, GLOBALOP: 1, UPDATEGLOBAL: 0, GLOBALOPJMP: 0, LOCALINTOPJMP: 0,
	INCLOCALJMP: 0, ADDLOCALJMP: -1,
	LOCALJMP: 0, INCGLOBAL: 0, OPSETGLOBAL: -2,
}

// String returns the opcode's name.
func (op Opcode) String() string {
	if int(op) < len(opcodeNames) && opcodeNames[op] != "" {
		return opcodeNames[op]
	}
	return "ILLEGAL"
}

// NumOpcodes is the number of defined opcodes; a byte >= NumOpcodes is not
// an instruction.
const NumOpcodes = int(numOpcodes)

// StackEffect returns the net change in stack height of op with operand
// arg. For conditional jumps it is the effect on the fall-through path.
func StackEffect(op Opcode, arg uint32) int {
	e := int(stackEffect[op])
	if e != variableEffect {
		return e
	}
	switch op {
	case CALL:
		return -int(arg)
	case CALLMETHOD:
		return -int(arg & 0xff)
	case MAKELIST, CONCAT:
		return 1 - int(arg)
	case MAKEMAP:
		return 1 - 2*int(arg)
	}
	panic("unreachable: no stack effect for " + op.String())
}

// JumpEffect returns the stack effect along the jump edge of a branching
// opcode, and whether op branches at all.
func JumpEffect(op Opcode) (int, bool) {
	switch op {
	case JMP:
		return 0, true
	case JMPFALSE, JMPTRUE, FORNEXT, FORNEXT2:
		return -1, true
	case ANDJMP, ORJMP:
		return 0, true
	case EQJMPFALSE, NEJMPFALSE, LTJMPFALSE, LEJMPFALSE, GTJMPFALSE, GEJMPFALSE:
		return -2, true
	}
	return 0, false
}

// CompareOf returns the comparison a fused compare-and-branch performs.
func CompareOf(op Opcode) Opcode { return EQ + (op - EQJMPFALSE) }

// Encode packs an opcode and its operand into an instruction.
func Encode(op Opcode, arg uint32) uint32 { return uint32(op) | arg<<8 }

// Decode splits an instruction into opcode and operand.
func Decode(ins uint32) (Opcode, uint32) { return Opcode(ins & 0xff), ins >> 8 }

// MaxArg is the largest operand an instruction can carry.
const MaxArg = 1<<24 - 1
