package compiler

import "testing"

// TestOpcodeTables checks that every opcode has a name and a stack effect.
func TestOpcodeTables(t *testing.T) {
	for op := Opcode(0); op < numQuick; op++ {
		if int(op) >= len(opcodeNames) || opcodeNames[op] == "" {
			t.Errorf("opcode %d has no name", op)
		}
		if int(op) >= len(stackEffect) {
			t.Errorf("opcode %s has no stack effect", op)
			continue
		}
		if stackEffect[op] == variableEffect {
			StackEffect(op, 3) // must not panic
		}
	}
	if len(opcodeNames) != NumQuick || len(stackEffect) != NumQuick || len(firstOf) != NumQuick-NumOpcodes {
		t.Errorf("tables have %d names, %d effects and %d firsts for %d opcodes", len(opcodeNames), len(stackEffect), len(firstOf), NumQuick)
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, arg := range []uint32{0, 1, 255, 1 << 16, MaxArg} {
		op, got := Decode(Encode(CALLMETHOD, arg))
		if op != CALLMETHOD || got != arg {
			t.Errorf("Decode(Encode(CALLMETHOD, %d)) = %s %d", arg, op, got)
		}
	}
}
