package vm

// This file defines how values print: Str for str() and print, Repr for
// values inside containers and error messages.

import (
	"math"
	"strconv"
	"strings"
)

// maxReprDepth bounds printing of nested or cyclic data.
const maxReprDepth = 64

// Str returns the string form of v: strings as they are, other values as
// Repr shows them.
func Str(v Value) string {
	if v.k == KindString {
		return v.AsString()
	}
	return Repr(v)
}

// Repr returns the source-like form of v: strings quoted, containers with
// their elements in Repr form.
func Repr(v Value) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v Value, depth int) {
	if depth > maxReprDepth {
		b.WriteString("...")
		return
	}
	switch v.k {
	case KindNil:
		b.WriteString("nil")
	case KindBool:
		b.WriteString(strconv.FormatBool(v.AsBool()))
	case KindInt:
		b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case KindFloat:
		b.WriteString(FormatFloat(v.AsFloat()))
	case KindString:
		b.WriteString(strconv.Quote(v.AsString()))
	case KindBytes:
		b.WriteString("b" + strconv.Quote(string(v.AsBytes())))
	case KindList:
		b.WriteByte('[')
		for i, e := range v.AsList().Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e, depth+1)
		}
		b.WriteByte(']')
	case KindMap:
		writeMapRepr(b, v.AsMap(), depth)
	case KindFunc:
		b.WriteString("<fn " + funcName(v.asClosure().Fn.Name) + ">")
	case KindBuiltin:
		b.WriteString("<builtin " + v.AsBuiltin().Name + ">")
	case KindError:
		e := v.AsError()
		b.WriteString("error(" + strconv.Quote(e.Kind) + ", " + strconv.Quote(e.Msg) + ")")
	case KindRange:
		r := v.asRange()
		b.WriteString("range(" + strconv.FormatInt(r.Start, 10) + ", " + strconv.FormatInt(r.Stop, 10) + ", " + strconv.FormatInt(r.Step, 10) + ")")
	case KindGenerator:
		b.WriteString("<generator " + funcName(fiberFuncName(v.asFiber())) + " " + fiberStatus(v.asFiber()) + ">")
	case KindCoroutine:
		f := v.asFiber()
		if f.Kind == fiberRoot {
			b.WriteString("<coroutine main>")
		} else {
			b.WriteString("<coroutine " + funcName(fiberFuncName(f)) + " " + fiberStatus(f) + ">")
		}
	default:
		b.WriteString("<" + v.TypeName() + ">")
	}
}

func writeMapRepr(b *strings.Builder, m *Map, depth int) {
	b.WriteByte('{')
	i := 0
	m.Each(func(k, v Value) bool {
		if i > 0 {
			b.WriteString(", ")
		}
		i++
		writeRepr(b, k, depth+1)
		b.WriteString(": ")
		writeRepr(b, v, depth+1)
		return true
	})
	b.WriteByte('}')
}

// fiberFuncName names the function a generator or coroutine runs.
func fiberFuncName(f *Fiber) string {
	if f.Fn.k == KindFunc {
		return f.Fn.asClosure().Fn.Name
	}
	if len(f.Frames) > 0 {
		return f.Frames[0].Fn.Fn.Name
	}
	if len(f.Stack) > 0 && f.Stack[0].k == KindFunc {
		return f.Stack[0].asClosure().Fn.Name
	}
	return ""
}

// FormatFloat formats a float the way wf prints it: the shortest form
// that reads back exactly, always with a decimal point or exponent.
func FormatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
