package vm

// This file defines the slow paths of operators: arithmetic on mixed
// kinds, comparison, indexing, slicing and attributes.

import (
	"bytes"
	"math"
	"strings"

	"github.com/wf-lang/wf/compiler"
)

var opSymbols = map[compiler.Opcode]string{
	compiler.ADD: "+", compiler.SUB: "-", compiler.MUL: "*", compiler.DIV: "/",
	compiler.MOD: "%", compiler.BITAND: "&", compiler.BITOR: "|", compiler.BITXOR: "^",
	compiler.SHL: "<<", compiler.SHR: ">>", compiler.EQ: "==", compiler.NE: "!=",
	compiler.LT: "<", compiler.LE: "<=", compiler.GT: ">", compiler.GE: ">=",
	compiler.IN: "in", compiler.NEG: "-", compiler.PLUS: "+", compiler.BITNOT: "~",
}

func opError(op compiler.Opcode, x, y Value) *Error {
	return errorf(ErrType, "unsupported operand types for %s: %s and %s", opSymbols[op], x.TypeName(), y.TypeName())
}

// binary applies a binary operator in full generality.
func (m *Machine) binary(op compiler.Opcode, x, y Value) (Value, error) {
	switch op {
	case compiler.EQ:
		eq, err := m.equal(x, y)
		return Bool(eq), err
	case compiler.NE:
		eq, err := m.equal(x, y)
		return Bool(!eq), err
	case compiler.LT, compiler.LE, compiler.GT, compiler.GE:
		return m.compareOp(op, x, y)
	case compiler.IN:
		ok, err := m.contains(y, x)
		return Bool(ok), err
	}
	if x.k == KindInt && y.k == KindInt {
		return intOp(op, x.AsInt(), y.AsInt())
	}
	if a, ok := x.Number(); ok {
		if b, ok := y.Number(); ok {
			return floatOp(op, a, b, x, y)
		}
	}
	if op == compiler.ADD {
		return m.add(x, y)
	}
	if op == compiler.MUL {
		return m.repeat(x, y)
	}
	return Nil, opError(op, x, y)
}

// intOp is int arithmetic; overflow is an error, never a wraparound.
func intOp(op compiler.Opcode, a, b int64) (Value, error) {
	switch op {
	case compiler.ADD:
		s := a + b
		if (a^s)&(b^s) < 0 {
			return Nil, overflow("+", a, b)
		}
		return Int(s), nil
	case compiler.SUB:
		s := a - b
		if (a^b)&(a^s) < 0 {
			return Nil, overflow("-", a, b)
		}
		return Int(s), nil
	case compiler.MUL:
		if a == 0 || b == 0 {
			return Int(0), nil
		}
		p := a * b
		if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
			return Nil, overflow("*", a, b)
		}
		return Int(p), nil
	case compiler.DIV, compiler.MOD:
		if b == 0 {
			return Nil, errorf(ErrZeroDivision, "integer division by zero")
		}
		if a == math.MinInt64 && b == -1 {
			if op == compiler.MOD {
				return Int(0), nil
			}
			return Nil, overflow("/", a, b)
		}
		if op == compiler.DIV {
			return Int(a / b), nil
		}
		return Int(a % b), nil
	case compiler.BITAND:
		return Int(a & b), nil
	case compiler.BITOR:
		return Int(a | b), nil
	case compiler.BITXOR:
		return Int(a ^ b), nil
	case compiler.SHL, compiler.SHR:
		if b < 0 {
			return Nil, errorf(ErrValue, "negative shift count %d", b)
		}
		if op == compiler.SHR {
			if b > 63 {
				b = 63
			}
			return Int(a >> b), nil
		}
		if b > 63 || (a<<b)>>b != a {
			return Nil, errorf(ErrOverflow, "integer overflow: %d << %d", a, b)
		}
		return Int(a << b), nil
	}
	return Nil, opError(op, Int(a), Int(b))
}

func overflow(op string, a, b int64) *Error {
	return errorf(ErrOverflow, "integer overflow: %d %s %d", a, op, b)
}

// floatOp is arithmetic where at least one side is a float.
func floatOp(op compiler.Opcode, a, b float64, x, y Value) (Value, error) {
	switch op {
	case compiler.ADD:
		return Float(a + b), nil
	case compiler.SUB:
		return Float(a - b), nil
	case compiler.MUL:
		return Float(a * b), nil
	case compiler.DIV:
		if b == 0 {
			return Nil, errorf(ErrZeroDivision, "float division by zero")
		}
		return Float(a / b), nil
	case compiler.MOD:
		if b == 0 {
			return Nil, errorf(ErrZeroDivision, "float modulo by zero")
		}
		return Float(math.Mod(a, b)), nil
	}
	return Nil, opError(op, x, y)
}

// add is + on strings, bytes and lists.
func (m *Machine) add(x, y Value) (Value, error) {
	switch {
	case x.k == KindString && y.k == KindString:
		if x.n+y.n > maxResult {
			return Nil, errorf(ErrValue, "string concatenation result too large")
		}
		if err := m.charge(int64(x.n + y.n)); err != nil {
			return Nil, err
		}
		return String(x.AsString() + y.AsString()), nil
	case x.k == KindList && y.k == KindList:
		a, b := x.AsList().Elems, y.AsList().Elems
		if len(a)+len(b) > maxListLen {
			return Nil, errorf(ErrValue, "list concatenation result too large")
		}
		if err := m.charge(int64(len(a)+len(b)+1) * valueSize); err != nil {
			return Nil, err
		}
		out := make([]Value, 0, len(a)+len(b))
		return NewList(append(append(out, a...), b...)), nil
	case x.k == KindBytes && y.k == KindBytes:
		a, b := x.AsBytes(), y.AsBytes()
		if len(a)+len(b) > maxResult {
			return Nil, errorf(ErrValue, "bytes concatenation result too large")
		}
		if err := m.charge(bytesSize + int64(len(a)+len(b))); err != nil {
			return Nil, err
		}
		return Bytes(append(append([]byte(nil), a...), b...)), nil
	}
	return Nil, opError(compiler.ADD, x, y)
}

// repeat is string * int and list * int.
func (m *Machine) repeat(x, y Value) (Value, error) {
	if x.k == KindInt {
		x, y = y, x
	}
	if y.k != KindInt || (x.k != KindString && x.k != KindList) {
		return Nil, opError(compiler.MUL, x, y)
	}
	n := y.AsInt()
	if n < 0 {
		n = 0
	}
	if x.k == KindString {
		s := x.AsString()
		if len(s) > 0 && n > maxResult/int64(len(s)) {
			return Nil, errorf(ErrValue, "string repeat result too large")
		}
		if err := m.charge(int64(len(s)) * n); err != nil {
			return Nil, err
		}
		return String(strings.Repeat(s, int(n))), nil
	}
	elems := x.AsList().Elems
	if len(elems) > 0 && n > maxListLen/int64(len(elems)) {
		return Nil, errorf(ErrValue, "list repeat result too large")
	}
	if err := m.charge(int64(len(elems)) * n * valueSize); err != nil {
		return Nil, err
	}
	out := make([]Value, 0, len(elems)*int(n))
	for i := int64(0); i < n; i++ {
		out = append(out, elems...)
	}
	return NewList(out), nil
}

// unary applies -x, +x and ~x.
func unary(op compiler.Opcode, x Value) (Value, error) {
	switch {
	case x.k == KindInt && op == compiler.NEG:
		if x.AsInt() == math.MinInt64 {
			return Nil, errorf(ErrOverflow, "integer overflow: -(%d)", x.AsInt())
		}
		return Int(-x.AsInt()), nil
	case x.k == KindFloat && op == compiler.NEG:
		return Float(-x.AsFloat()), nil
	case (x.k == KindInt || x.k == KindFloat) && op == compiler.PLUS:
		return x, nil
	case x.k == KindInt && op == compiler.BITNOT:
		return Int(^x.AsInt()), nil
	}
	return Nil, errorf(ErrType, "unsupported operand type for unary %s: %s", opSymbols[op], x.TypeName())
}

// compareOp implements < <= > >=; all four are false when a NaN decides.
func (m *Machine) compareOp(op compiler.Opcode, x, y Value) (Value, error) {
	c, err := m.compare(x, y)
	if err != nil || c == unordered {
		return False, err
	}
	switch op {
	case compiler.LT:
		return Bool(c < 0), nil
	case compiler.LE:
		return Bool(c <= 0), nil
	case compiler.GT:
		return Bool(c > 0), nil
	}
	return Bool(c >= 0), nil
}

// contains implements "x in y".
func (m *Machine) contains(y, x Value) (bool, error) {
	switch y.k {
	case KindString:
		if x.k != KindString {
			return false, errorf(ErrType, "'in <string>' needs a string on the left, got %s", x.TypeName())
		}
		return strings.Contains(y.AsString(), x.AsString()), m.workBytes(int(y.n))
	case KindList:
		i, err := m.listFind(y.AsList(), x)
		return i >= 0, err
	case KindMap:
		_, ok, err := y.AsMap().Get(x)
		return ok, err
	case KindRange:
		if x.k != KindInt {
			return false, nil
		}
		return y.asRange().has(x.AsInt()), nil
	case KindBytes:
		return m.bytesContain(y.AsBytes(), x)
	}
	return false, errorf(ErrType, "'in' needs a string, bytes, list, map or range on the right, got %s", y.TypeName())
}

// bytesContain implements "x in b": a byte value (an int) or a sequence
// of bytes.
func (m *Machine) bytesContain(b []byte, x Value) (bool, error) {
	if err := m.workBytes(len(b)); err != nil {
		return false, err
	}
	switch x.k {
	case KindInt:
		return x.AsInt() >= 0 && x.AsInt() <= 255 && bytes.IndexByte(b, byte(x.AsInt())) >= 0, nil
	case KindBytes:
		return bytes.Contains(b, x.AsBytes()), nil
	}
	return false, errorf(ErrType, "'in <bytes>' needs bytes or an int on the left, got %s", x.TypeName())
}

// index implements x[i].
func (m *Machine) index(x, i Value) (Value, error) {
	switch x.k {
	case KindList:
		elems := x.AsList().Elems
		j, err := indexOf(i, len(elems), "list")
		if err != nil {
			return Nil, err
		}
		return elems[j], nil
	case KindString:
		s := x.AsString()
		j, err := indexOf(i, len(s), "string")
		if err != nil {
			return Nil, err
		}
		return String(s[j : j+1]), nil
	case KindBytes:
		b := x.AsBytes()
		j, err := indexOf(i, len(b), "bytes")
		if err != nil {
			return Nil, err
		}
		return Int(int64(b[j])), nil
	case KindRange:
		r := x.asRange()
		if i.k != KindInt {
			return Nil, errorf(ErrType, "range index must be an int, got %s", i.TypeName())
		}
		n, j := r.length(), uint64(i.AsInt())
		if i.AsInt() < 0 {
			j = n - -j // -j is the distance from the end; too far wraps past n
		}
		if j >= n {
			return Nil, errorf(ErrIndex, "range index %d out of range (length %d)", i.AsInt(), n)
		}
		return Int(r.at(j)), nil
	case KindMap:
		v, ok, err := x.AsMap().Get(i)
		if err != nil {
			return Nil, err
		}
		if !ok {
			return Nil, errorf(ErrKey, "key %s not found", shortRepr(i))
		}
		return v, nil
	}
	return Nil, errorf(ErrType, "cannot index %s value", article(x.TypeName()))
}

// indexOf resolves a possibly negative index into [0, n).
func indexOf(i Value, n int, what string) (int, error) {
	if i.k != KindInt {
		return 0, errorf(ErrType, "%s index must be an int, got %s", what, i.TypeName())
	}
	j := i.AsInt()
	if j < 0 {
		j += int64(n)
	}
	if j < 0 || j >= int64(n) {
		return 0, errorf(ErrIndex, "%s index %d out of range (length %d)", what, i.AsInt(), n)
	}
	return int(j), nil
}

// setIndex implements x[i] = v.
func (m *Machine) setIndex(x, i, v Value) error {
	switch x.k {
	case KindList:
		elems := x.AsList().Elems
		j, err := indexOf(i, len(elems), "list")
		if err != nil {
			return err
		}
		elems[j] = v
		if l := x.AsList(); !l.dirty {
			m.touchList(l)
		}
		return nil
	case KindMap:
		return m.mapSet(x.AsMap(), i, v)
	}
	return errorf(ErrType, "cannot assign to an element of %s value", article(x.TypeName()))
}

// mapSet stores into a map, charging the allocation budget for new keys.
func (m *Machine) mapSet(mp *Map, k, v Value) error {
	m.touchMap(mp)
	added, err := mp.Set(k, v)
	if err != nil || !added {
		return err
	}
	return m.charge(mapEntrySize)
}

// slice implements x[lo:hi] with nil for a missing bound.
func (m *Machine) slice(x, lo, hi Value) (Value, error) {
	var n int
	switch x.k {
	case KindList:
		n = len(x.AsList().Elems)
	case KindString:
		n = int(x.n)
	case KindBytes:
		n = len(x.AsBytes())
	default:
		return Nil, errorf(ErrType, "cannot slice %s value", article(x.TypeName()))
	}
	i, err := sliceBound(lo, 0, n)
	if err != nil {
		return Nil, err
	}
	j, err := sliceBound(hi, n, n)
	if err != nil {
		return Nil, err
	}
	if j < i {
		j = i
	}
	switch x.k {
	case KindList:
		if err := m.charge(int64(j-i) * valueSize); err != nil {
			return Nil, err
		}
		return NewList(append([]Value(nil), x.AsList().Elems[i:j]...)), nil
	case KindString:
		return String(x.AsString()[i:j]), nil
	}
	if err := m.charge(bytesSize + int64(j-i)); err != nil {
		return Nil, err
	}
	return Bytes(append([]byte(nil), x.AsBytes()[i:j]...)), nil
}

// sliceBound clamps a slice bound into [0, n], counting negatives from the end.
func sliceBound(v Value, def, n int) (int, error) {
	if v.k == KindNil {
		return def, nil
	}
	if v.k != KindInt {
		return 0, errorf(ErrType, "slice bound must be an int, got %s", v.TypeName())
	}
	i := v.AsInt()
	if i < 0 {
		i += int64(n)
	}
	return int(max(0, min(i, int64(n)))), nil
}

// attr implements x.name: a map's string key, or a field of an error,
// generator or coroutine.
func (m *Machine) attr(x Value, name string) (Value, error) {
	switch x.k {
	case KindMap:
		v, ok := x.AsMap().GetString(name)
		if !ok {
			return Nil, errorf(ErrKey, "key %q not found", name)
		}
		return v, nil
	case KindError:
		e := x.AsError()
		switch name {
		case "kind":
			return String(e.Kind), nil
		case "message":
			return String(e.Msg), nil
		}
	case KindGenerator, KindCoroutine:
		f := x.asFiber()
		switch name {
		case "status":
			return String(fiberStatus(f)), nil
		case "value":
			return f.Result, nil
		case "parent":
			if x.k == KindCoroutine {
				if f.Parent == nil {
					return Nil, nil
				}
				return coroutineValue(f.Parent), nil
			}
		}
	}
	return Nil, errorf(ErrType, "%s has no field %s", x.TypeName(), name)
}

// setAttr implements x.name = v; only maps have settable fields.
func (m *Machine) setAttr(x Value, name string, v Value) error {
	if x.k != KindMap {
		return errorf(ErrType, "cannot set field %s of %s value", name, article(x.TypeName()))
	}
	return m.mapSet(x.AsMap(), String(name), v)
}

// concat joins the str() of each value: string interpolation. Each part
// is rendered within the allocation budget, and the result is charged
// before it is built.
func (m *Machine) concat(parts []Value) (Value, error) {
	var small [8]string // most interpolations have a few parts: no allocation
	strs := small[:0]
	if len(parts) > len(small) {
		strs = make([]string, 0, len(parts))
	}
	n := 0
	for _, p := range parts {
		s, err := m.str(p)
		if err != nil {
			return Nil, err
		}
		strs = append(strs, s)
		n += len(s)
		if n > maxResult {
			return Nil, errorf(ErrValue, "string interpolation result too large")
		}
	}
	if err := m.charge(int64(n)); err != nil {
		return Nil, err
	}
	return String(strings.Join(strs, "")), nil
}

// makeMap builds a map from alternating keys and values.
func (m *Machine) makeMap(kv []Value) (Value, error) {
	if err := m.charge(mapSize); err != nil {
		return Nil, err
	}
	mp := NewMap(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		if err := m.mapSet(mp, kv[i], kv[i+1]); err != nil {
			return Nil, err
		}
	}
	return MapValue(mp), nil
}
