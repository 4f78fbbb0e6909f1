package vm

// This file defines the slow paths of operators: arithmetic on mixed
// kinds, comparison, indexing, slicing and attributes.

import (
	"math"
	"strings"

	"github.com/wf-lang/wf/compiler"
)

// valueSize is what the allocation budget charges per list or map slot.
const valueSize = 24

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
		eq, err := Equal(x, y)
		return Bool(eq), err
	case compiler.NE:
		eq, err := Equal(x, y)
		return Bool(!eq), err
	case compiler.LT, compiler.LE, compiler.GT, compiler.GE:
		return compareOp(op, x, y)
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
		if err := m.charge(int64(x.n + y.n)); err != nil {
			return Nil, err
		}
		return String(x.AsString() + y.AsString()), nil
	case x.k == KindList && y.k == KindList:
		a, b := x.AsList().Elems, y.AsList().Elems
		if err := m.charge(int64(len(a)+len(b)) * valueSize); err != nil {
			return Nil, err
		}
		out := make([]Value, 0, len(a)+len(b))
		return NewList(append(append(out, a...), b...)), nil
	case x.k == KindBytes && y.k == KindBytes:
		a, b := x.AsBytes(), y.AsBytes()
		if err := m.charge(int64(len(a) + len(b))); err != nil {
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
		if len(s) > 0 && n > math.MaxInt32/int64(len(s)) {
			return Nil, errorf(ErrValue, "string repeat result too large")
		}
		if err := m.charge(int64(len(s)) * n); err != nil {
			return Nil, err
		}
		return String(strings.Repeat(s, int(n))), nil
	}
	elems := x.AsList().Elems
	if len(elems) > 0 && n > math.MaxInt32/int64(len(elems)) {
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

// compareOp implements < <= > >=.
func compareOp(op compiler.Opcode, x, y Value) (Value, error) {
	c, err := Compare(x, y)
	if err != nil {
		return Nil, err
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

// Compare orders two values: numbers by value, strings and bytes
// bytewise, lists lexicographically. Other pairs are a type error. NaN
// compares as neither less nor greater (0).
func Compare(x, y Value) (int, error) {
	if x.k == KindInt && y.k == KindInt {
		a, b := x.AsInt(), y.AsInt()
		return cmp3(a < b, a > b), nil
	}
	if a, ok := x.Number(); ok {
		if b, ok := y.Number(); ok {
			return cmp3(a < b, a > b), nil
		}
	}
	switch {
	case x.k == KindString && y.k == KindString:
		return strings.Compare(x.AsString(), y.AsString()), nil
	case x.k == KindBytes && y.k == KindBytes:
		return strings.Compare(string(x.AsBytes()), string(y.AsBytes())), nil
	case x.k == KindList && y.k == KindList:
		a, b := x.AsList().Elems, y.AsList().Elems
		for i := 0; i < len(a) && i < len(b); i++ {
			c, err := Compare(a[i], b[i])
			if err != nil || c != 0 {
				return c, err
			}
		}
		return cmp3(len(a) < len(b), len(a) > len(b)), nil
	}
	return 0, errorf(ErrType, "cannot compare %s with %s", x.TypeName(), y.TypeName())
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// maxEqualDepth bounds the recursion of Equal on nested or cyclic data.
const maxEqualDepth = 200

// Equal reports whether x == y: numbers by value (1 == 1.0), strings and
// bytes by content, lists and maps element by element, everything else by
// identity.
func Equal(x, y Value) (bool, error) { return equal(x, y, 0) }

func equal(x, y Value, depth int) (bool, error) {
	if depth > maxEqualDepth {
		return false, errorf(ErrValue, "comparison nested too deeply (cyclic data?)")
	}
	if x.k != y.k {
		a, ok1 := x.Number()
		b, ok2 := y.Number()
		return ok1 && ok2 && a == b, nil
	}
	switch x.k {
	case KindNil, KindBool, KindInt:
		return x.n == y.n, nil
	case KindFloat:
		return x.AsFloat() == y.AsFloat(), nil
	case KindString:
		return x.AsString() == y.AsString(), nil
	case KindBytes:
		return string(x.AsBytes()) == string(y.AsBytes()), nil
	case KindList:
		return listEqual(x.AsList(), y.AsList(), depth)
	case KindMap:
		return mapEqual(x.AsMap(), y.AsMap(), depth)
	case KindRange:
		a, b := x.asRange(), y.asRange()
		return *a == *b, nil
	}
	return x.p == y.p, nil
}

func listEqual(a, b *List, depth int) (bool, error) {
	if a == b {
		return true, nil
	}
	if len(a.Elems) != len(b.Elems) {
		return false, nil
	}
	for i := range a.Elems {
		if eq, err := equal(a.Elems[i], b.Elems[i], depth+1); !eq || err != nil {
			return false, err
		}
	}
	return true, nil
}

func mapEqual(a, b *Map, depth int) (bool, error) {
	if a == b {
		return true, nil
	}
	if a.Len() != b.Len() {
		return false, nil
	}
	for _, e := range a.entries {
		if e.deleted {
			continue
		}
		v, ok, err := b.Get(e.Key)
		if err != nil || !ok {
			return false, err
		}
		if eq, err := equal(e.Value, v, depth+1); !eq || err != nil {
			return false, err
		}
	}
	return true, nil
}

// contains implements "x in y".
func (m *Machine) contains(y, x Value) (bool, error) {
	switch y.k {
	case KindString:
		if x.k != KindString {
			return false, errorf(ErrType, "'in <string>' needs a string on the left, got %s", x.TypeName())
		}
		return strings.Contains(y.AsString(), x.AsString()), nil
	case KindList:
		for _, e := range y.AsList().Elems {
			if eq, err := Equal(e, x); eq || err != nil {
				return eq, err
			}
		}
		return false, nil
	case KindMap:
		_, ok, err := y.AsMap().Get(x)
		return ok, err
	case KindRange:
		r := y.asRange()
		if x.k != KindInt {
			return false, nil
		}
		i := x.AsInt()
		if r.Step > 0 {
			return i >= r.Start && i < r.Stop && (i-r.Start)%r.Step == 0, nil
		}
		return i <= r.Start && i > r.Stop && (r.Start-i)%(-r.Step) == 0, nil
	case KindBytes:
		if x.k == KindBytes {
			return strings.Contains(string(y.AsBytes()), string(x.AsBytes())), nil
		}
	}
	return false, errorf(ErrType, "'in' needs a string, list, map or range on the right, got %s", y.TypeName())
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
		j, err := indexOf(i, int(r.Len()), "range")
		if err != nil {
			return Nil, err
		}
		return Int(r.Start + int64(j)*r.Step), nil
	case KindMap:
		v, ok, err := x.AsMap().Get(i)
		if err != nil {
			return Nil, err
		}
		if !ok {
			return Nil, errorf(ErrKey, "key %s not found", Repr(i))
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
		return nil
	case KindMap:
		return m.mapSet(x.AsMap(), i, v)
	}
	return errorf(ErrType, "cannot assign to an element of %s value", article(x.TypeName()))
}

// mapSet stores into a map, charging the allocation budget for new keys.
func (m *Machine) mapSet(mp *Map, k, v Value) error {
	added, err := mp.Set(k, v)
	if err != nil || !added {
		return err
	}
	extra := int64(2 * valueSize)
	if k.k == KindString {
		extra += int64(k.n)
	}
	return m.charge(extra)
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

// concat joins the str() of each value: string interpolation.
func (m *Machine) concat(parts []Value) (Value, error) {
	var b strings.Builder
	for _, p := range parts {
		if p.k == KindString {
			b.WriteString(p.AsString())
		} else {
			b.WriteString(Str(p))
		}
	}
	if err := m.charge(int64(b.Len())); err != nil {
		return Nil, err
	}
	return String(b.String()), nil
}

// makeMap builds a map from alternating keys and values.
func (m *Machine) makeMap(kv []Value) (Value, error) {
	mp := NewMap(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		if err := m.mapSet(mp, kv[i], kv[i+1]); err != nil {
			return Nil, err
		}
	}
	return MapValue(mp), nil
}
