package vm

// This file defines how values print: Str for str() and print, Repr for
// values inside containers and error messages.

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// maxReprDepth bounds the nesting printed; deeper parts print as "...".
const maxReprDepth = 64

// maxReprBytes bounds the text Repr produces. Shared sublists make a
// small value's text exponentially long ([a, a] where a = [b, b] ...), so
// printing stops here with "..." instead of running for ever.
const maxReprBytes = 16 << 20

// Str returns the string form of v: strings as they are, other values as
// Repr shows them.
func Str(v Value) string {
	switch v.k {
	case KindString:
		return v.AsString()
	case KindInt:
		return strconv.FormatInt(v.AsInt(), 10)
	}
	return Repr(v)
}

// Repr returns the source-like form of v: strings quoted, containers with
// their elements in Repr form. A list or map inside itself prints as
// [...] or {...}, as in Python. Text past maxReprBytes is cut to "...".
func Repr(v Value) string {
	p := printer{limit: maxReprBytes}
	p.value(v, 0)
	return p.b.String()
}

// maxShortRepr bounds the text of a value quoted in an error message.
const maxShortRepr = 200

// shortRepr is Repr cut to about maxShortRepr bytes, for error messages:
// a missing key of a megabyte makes a message of a few lines, not a
// megabyte.
func shortRepr(v Value) string {
	p := printer{limit: maxShortRepr}
	p.value(v, 0)
	return p.b.String()
}

// str is Str paid for by m: the text is charged to the allocation budget
// as it is built (and so counts as work), and one that would exceed the
// budget stops with the memory limit error instead of being built first.
func (m *Machine) str(v Value) (string, error) {
	switch v.k {
	case KindString:
		return v.AsString(), nil
	case KindInt:
		return strconv.FormatInt(v.AsInt(), 10), nil
	}
	return m.repr(v)
}

// repr is Repr paid for by m, like str: the text's buffer is charged as
// it grows, and each value printed is a step of work.
func (m *Machine) repr(v Value) (string, error) {
	p := printer{limit: maxReprBytes}
	p.b.m = m
	p.value(v, 0)
	if p.err == nil {
		p.err = m.work(p.visited)
	}
	return p.b.String(), p.err
}

// printer writes Repr text up to limit bytes, tracking the containers
// being printed; past the limit it writes "..." and stops. With a
// machine in b, it charges the text to its budget and stops at the first
// error, recorded in err.
type printer struct {
	b       textBuilder
	active  map[unsafe.Pointer]bool
	limit   int
	visited int64 // values printed
	err     error
}

func (p *printer) full() bool {
	if p.err != nil {
		return true
	}
	if p.b.m != nil {
		if p.err = p.b.pay(); p.err != nil {
			return true
		}
	}
	return p.b.Len() > p.limit
}

// room is how many bytes may still be written.
func (p *printer) room() int { return max(p.limit-p.b.Len(), 0) }

func (p *printer) value(v Value, depth int) {
	p.visited++
	if p.full() {
		p.b.WriteString("...")
		return
	}
	if depth > maxReprDepth {
		p.b.WriteString("...")
		return
	}
	switch v.k {
	case KindList:
		p.container(v, "[", "]", func() { p.list(v.AsList(), depth) })
	case KindMap:
		p.container(v, "{", "}", func() { p.mapEntries(v.AsMap(), depth) })
	case KindString:
		p.quoted("", v.AsString())
	case KindBytes:
		p.quoted("b", string(v.AsBytes()))
	case KindError:
		e := v.AsError()
		p.b.WriteString("error(" + strconv.Quote(e.Kind) + ", ")
		p.quoted("", e.Msg)
		p.b.WriteString(")")
	default:
		writeScalar(&p.b.Builder, v)
	}
}

// quoted writes s quoted, a chunk at a time, or as much of it as fits the
// limit followed by "...": quoting escapes a byte into up to six, so a
// long string is never quoted whole first.
func (p *printer) quoted(prefix, s string) {
	p.b.WriteString(prefix)
	p.b.WriteByte('"')
	for s != "" {
		if p.full() {
			p.b.WriteString(`..."`)
			return
		}
		n := min(len(s), quoteChunk, p.room()+1)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n-- // keep a character whole
		}
		if n == 0 {
			n = min(len(s), utf8.UTFMax)
		}
		q := strconv.Quote(s[:n])
		p.b.WriteString(q[1 : len(q)-1])
		s = s[n:]
	}
	p.b.WriteByte('"')
}

// quoteChunk is how many bytes of a string quoted writes at a time.
const quoteChunk = 4096

// container prints a list or map, or [...] / {...} when v is already
// being printed further up.
func (p *printer) container(v Value, open, close string, body func()) {
	if p.active == nil {
		p.active = map[unsafe.Pointer]bool{}
	}
	if p.active[v.p] {
		p.b.WriteString(open + "..." + close)
		return
	}
	p.active[v.p] = true
	p.b.WriteString(open)
	body()
	p.b.WriteString(close)
	delete(p.active, v.p)
}

func (p *printer) list(l *List, depth int) {
	for i, e := range l.Elems {
		if i > 0 {
			p.b.WriteString(", ")
		}
		p.value(e, depth+1)
		if p.full() {
			return
		}
	}
}

func (p *printer) mapEntries(m *Map, depth int) {
	i := 0
	m.Each(func(k, v Value) bool {
		if i > 0 {
			p.b.WriteString(", ")
		}
		i++
		p.value(k, depth+1)
		p.b.WriteString(": ")
		p.value(v, depth+1)
		return !p.full()
	})
}

// writeScalar writes every value that is not a list or map.
func writeScalar(b *strings.Builder, v Value) {
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
	// Like Python's repr: positional notation for 1e-4 <= |f| < 1e16,
	// exponent notation outside, always the shortest digits that read back.
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// article prefixes a type name with "a" or "an", for messages such as
// "cannot call an int value".
func article(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
