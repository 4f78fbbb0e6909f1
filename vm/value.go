package vm

// This file defines Value, the representation of every wf value.

import (
	"math"
	"unsafe"
)

// Kind is the dynamic type of a Value.
type Kind uint8

// The value kinds. The order is part of the snapshot format: never reorder.
const (
	KindNil Kind = iota
	KindBool
	KindInt
	KindFloat
	KindString
	KindBytes
	KindList
	KindMap
	KindFunc      // a .wf closure
	KindBuiltin   // a Go function
	KindError     // an error value
	KindRange     // range(...)
	KindIter      // an iterator used by for loops
	KindGenerator // a suspended or finished generator
	KindCoroutine // a greenlet-style coroutine
	numKinds

	// kindCell marks a local slot that holds a captured variable's *Cell.
	// Cells never reach .wf code: CELL and SETCELL read through them.
	kindCell = numKinds
)

var kindNames = [numKinds]string{
	KindNil:       "nil",
	KindBool:      "bool",
	KindInt:       "int",
	KindFloat:     "float",
	KindString:    "string",
	KindBytes:     "bytes",
	KindList:      "list",
	KindMap:       "map",
	KindFunc:      "function",
	KindBuiltin:   "builtin",
	KindError:     "error",
	KindRange:     "range",
	KindIter:      "iterator",
	KindGenerator: "generator",
	KindCoroutine: "coroutine",
}

// String returns the name type() reports for the kind.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "invalid"
}

// Value is a wf value. It is 24 bytes and is passed by value; nil, bool,
// int and float live entirely inside it and never allocate.
//
// Layout by kind:
//
//	nil        p=nil n=0
//	bool       n=0 or 1
//	int        n=uint64(int64)
//	float      n=math.Float64bits
//	string     p=unsafe.StringData(s) n=len(s) (no header allocation)
//	others     p points to the kind's object (*List, *Map, *Closure, ...)
//
// The unsafe.Pointer is always a real Go pointer (or nil), so the garbage
// collector sees every reference. Only the accessors in this file convert
// it back: the exported ones check the kind, the unexported ones (for the
// interpreter) leave that to their callers.
type Value struct {
	p unsafe.Pointer
	n uint64
	k Kind
}

// Nil is the nil value; the zero Value is Nil.
var Nil = Value{}

// True and False are the two booleans.
var (
	True  = Value{k: KindBool, n: 1}
	False = Value{k: KindBool}
)

// Bool returns a bool value.
func Bool(b bool) Value {
	if b {
		return True
	}
	return False
}

// Int returns an int value.
func Int(i int64) Value { return Value{k: KindInt, n: uint64(i)} }

// Float returns a float value.
func Float(f float64) Value { return Value{k: KindFloat, n: math.Float64bits(f)} }

// String returns a string value. It does not copy s.
func String(s string) Value {
	return Value{k: KindString, p: unsafe.Pointer(unsafe.StringData(s)), n: uint64(len(s))}
}

// Bytes returns a bytes value holding b. The caller must not modify b later.
func Bytes(b []byte) Value { return Value{k: KindBytes, p: unsafe.Pointer(&BytesObj{B: b})} }

func ref(k Kind, p unsafe.Pointer) Value { return Value{k: k, p: p} }

// NewList returns a list value holding elems (not copied).
func NewList(elems []Value) Value { return ref(KindList, unsafe.Pointer(&List{Elems: elems})) }

// The wrappers of existing objects below give Nil for a nil pointer: a
// list, map, error or builtin value always has its object, which the
// interpreter reads without checking.

// ListValue wraps an existing *List; a nil l gives Nil.
func ListValue(l *List) Value { return refOrNil(KindList, unsafe.Pointer(l)) }

// MapValue wraps a *Map; a nil m gives Nil.
func MapValue(m *Map) Value { return refOrNil(KindMap, unsafe.Pointer(m)) }

// ErrorValue wraps an *Error; a nil e gives Nil.
func ErrorValue(e *Error) Value { return refOrNil(KindError, unsafe.Pointer(e)) }

// BuiltinValue wraps a *Builtin; a nil b gives Nil.
func BuiltinValue(b *Builtin) Value { return refOrNil(KindBuiltin, unsafe.Pointer(b)) }

func refOrNil(k Kind, p unsafe.Pointer) Value {
	if p == nil {
		return Nil
	}
	return ref(k, p)
}

func cellValue(c *Cell) Value       { return ref(kindCell, unsafe.Pointer(c)) }
func funcValue(c *Closure) Value    { return ref(KindFunc, unsafe.Pointer(c)) }
func rangeValue(r *Range) Value     { return ref(KindRange, unsafe.Pointer(r)) }
func iterValue(it *Iter) Value      { return ref(KindIter, unsafe.Pointer(it)) }
func generatorValue(f *Fiber) Value { return ref(KindGenerator, unsafe.Pointer(f)) }
func coroutineValue(f *Fiber) Value { return ref(KindCoroutine, unsafe.Pointer(f)) }

// Kind reports v's kind.
func (v Value) Kind() Kind { return v.k }

// IsNil reports whether v is nil.
func (v Value) IsNil() bool { return v.k == KindNil }

// The exported accessors below check the kind and return the zero value
// of their result (false, 0, "", nil) for a value of another kind, so a Go
// caller that skips the Kind test gets a wrong answer, never a crash or a
// misread object. The interpreter uses the unchecked lowercase twins,
// whose callers have tested the kind already; checking there too would
// cost a compare and branch per operand in the dispatch loop.

// AsBool returns the payload of a bool value, or false for another kind.
func (v Value) AsBool() bool { return v.k == KindBool && v.n != 0 }

// AsInt returns the payload of an int value, or 0 for another kind (a
// float is not converted; Number converts both).
func (v Value) AsInt() int64 {
	if v.k != KindInt {
		return 0
	}
	return int64(v.n)
}

// AsFloat returns the payload of a float value, or 0 for another kind (an
// int is not converted; Number converts both).
func (v Value) AsFloat() float64 {
	if v.k != KindFloat {
		return 0
	}
	return math.Float64frombits(v.n)
}

// AsString returns the payload of a string value, or "" for another kind.
func (v Value) AsString() string {
	if v.k != KindString {
		return ""
	}
	return v.asString()
}

// AsBytes returns the payload of a bytes value, or nil for another kind.
// Do not modify it.
func (v Value) AsBytes() []byte {
	if v.k != KindBytes {
		return nil
	}
	return v.asBytes()
}

// AsList returns the *List of a list value, or nil for another kind.
func (v Value) AsList() *List {
	if v.k != KindList {
		return nil
	}
	return v.asList()
}

// AsMap returns the *Map of a map value, or nil for another kind. The
// read methods of a nil *Map see an empty map.
func (v Value) AsMap() *Map {
	if v.k != KindMap {
		return nil
	}
	return v.asMap()
}

// AsError returns the *Error of an error value, or nil for another kind.
func (v Value) AsError() *Error {
	if v.k != KindError {
		return nil
	}
	return v.asError()
}

// AsBuiltin returns the *Builtin of a builtin value, or nil for another
// kind.
func (v Value) AsBuiltin() *Builtin {
	if v.k != KindBuiltin {
		return nil
	}
	return v.asBuiltin()
}

// The unchecked accessors: the caller has tested v.k.
func (v Value) asBool() bool        { return v.n != 0 }
func (v Value) asInt() int64        { return int64(v.n) }
func (v Value) asFloat() float64    { return math.Float64frombits(v.n) }
func (v Value) asString() string    { return unsafe.String((*byte)(v.p), int(v.n)) }
func (v Value) asBytes() []byte     { return (*BytesObj)(v.p).B }
func (v Value) asList() *List       { return (*List)(v.p) }
func (v Value) asMap() *Map         { return (*Map)(v.p) }
func (v Value) asError() *Error     { return (*Error)(v.p) }
func (v Value) asBuiltin() *Builtin { return (*Builtin)(v.p) }
func (v Value) asClosure() *Closure { return (*Closure)(v.p) }
func (v Value) asRange() *Range     { return (*Range)(v.p) }
func (v Value) asIter() *Iter       { return (*Iter)(v.p) }
func (v Value) asFiber() *Fiber     { return (*Fiber)(v.p) }

// ptr returns the object pointer of a reference value (nil for scalars).
func (v Value) ptr() unsafe.Pointer { return v.p }

// Number reports v as a float64 when it is an int or float.
func (v Value) Number() (float64, bool) {
	switch v.k {
	case KindInt:
		return float64(int64(v.n)), true
	case KindFloat:
		return math.Float64frombits(v.n), true
	}
	return 0, false
}

// Truth reports the truthiness of v: nil, false, 0, 0.0, "" and empty
// bytes, lists and maps are false; everything else is true.
func (v Value) Truth() bool {
	switch v.k {
	case KindNil:
		return false
	case KindBool, KindInt:
		return v.n != 0
	case KindFloat:
		return v.asFloat() != 0
	case KindString:
		return v.n != 0
	case KindBytes:
		return len(v.asBytes()) != 0
	case KindList:
		return len(v.asList().Elems) != 0
	case KindMap:
		return v.asMap().Len() != 0
	}
	return true
}

// TypeName returns what type(v) reports.
func (v Value) TypeName() string { return v.k.String() }

// BytesObj is the object of a bytes value.
type BytesObj struct{ B []byte }

// List is a mutable sequence.
type List struct {
	Elems []Value
	dirty bool  // changed since the machine's base snapshot (track.go)
	snap  int32 // the list's index in the snapshot being written, if it checks out (ptrindex.go)
}

// Cell is a variable captured by a closure. Closures that capture the same
// variable share its cell, so assignments are seen by all of them.
type Cell struct {
	V     Value
	dirty bool  // changed since the machine's base snapshot (track.go)
	snap  int32 // the cell's index in the snapshot being written, if it checks out (ptrindex.go)
}

// Closure is a .wf function value: compiled code plus captured cells.
type Closure struct {
	Fn    *Funcode
	Cells []*Cell
	snap  int32    // the closure's index in the snapshot being written, if it checks out (ptrindex.go)
	one   [1]*Cell // Cells of a closure that captures one variable: no allocation of its own
}

// Builtin is a function implemented in Go. Host functions registered by an
// embedder are Builtins too; they are referenced by Name in snapshots.
type Builtin struct {
	Name string
	Fn   func(m *Machine, args []Value) (Value, error)
}

// Range is the immutable sequence range(start, stop, step) returns.
type Range struct {
	Start, Stop, Step int64
}

// Len returns the number of elements of r, or math.MaxInt64 for the few
// ranges longer than that (range(-2**63, 2**63 - 1) has 2**64 - 1).
func (r *Range) Len() int64 {
	return int64(min(r.length(), math.MaxInt64))
}

// length returns the number of elements of r, exactly. The differences
// are taken in uint64, where they cannot overflow.
func (r *Range) length() uint64 {
	if r.Step > 0 && r.Start < r.Stop {
		return (uint64(r.Stop)-uint64(r.Start)-1)/uint64(r.Step) + 1
	}
	if r.Step < 0 && r.Start > r.Stop {
		return (uint64(r.Start)-uint64(r.Stop)-1)/(-uint64(r.Step)) + 1
	}
	return 0
}

// at returns element i of r, which must be below its length.
func (r *Range) at(i uint64) int64 { return int64(uint64(r.Start) + i*uint64(r.Step)) }

// has reports whether x is an element of r.
func (r *Range) has(x int64) bool {
	if r.Step > 0 {
		return x >= r.Start && x < r.Stop && (uint64(x)-uint64(r.Start))%uint64(r.Step) == 0
	}
	return x <= r.Start && x > r.Stop && (uint64(r.Start)-uint64(x))%(-uint64(r.Step)) == 0
}
