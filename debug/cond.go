package debug

// This file defines the conditions commands stop on. Each looks at two
// consecutive instruction boundaries, the one before and the one now, and
// nothing else: so a run from any checkpoint judges a boundary exactly as
// the first run did, which is what makes reverse commands exact.

import (
	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// cond is a stop condition. start sees the boundary a run starts from;
// stop sees each later one and reports whether the command stops there.
type cond interface {
	start(m *vm.Machine)
	stop(m *vm.Machine) bool
}

// lineStart reports whether the instruction at loc begins a run of
// instructions of one source line (the code of a statement, or part of
// one), as opposed to the middle of such a run.
func lineStart(loc vm.Location) bool {
	return loc.PC == 0 || loc.Fn.Lines[loc.PC-1].Line != loc.Fn.Lines[loc.PC].Line
}

// isStatement reports whether the boundary cur begins a new line of code
// after the boundary prev: it has a line, and it entered a call (or
// another fiber), moved to another line of the same frame, jumped back
// within one line (a loop on one line), or returned to the start of a
// line. A return into the middle of a line (the rest of the caller's
// expression) is not a new line.
func isStatement(prev, cur vm.Location) bool {
	if cur.Fn == nil || cur.Line() == 0 {
		return false
	}
	switch {
	case prev.Fn == nil || cur.Depth > prev.Depth:
		return true
	case cur.Depth < prev.Depth:
		return lineStart(cur)
	case cur.Fn != prev.Fn:
		return true
	}
	return cur.Line() != prev.Line() || cur.PC <= prev.PC
}

// stepCond stops at the next line; with a depth, only in frames at most
// that deep (next).
type stepCond struct {
	depth int // 0: any
	prev  vm.Location
}

func (c *stepCond) start(m *vm.Machine) { c.prev = m.Location() }

func (c *stepCond) stop(m *vm.Machine) bool {
	cur := m.Location()
	ok := isStatement(c.prev, cur) && (c.depth == 0 || cur.Depth <= c.depth)
	c.prev = cur
	return ok
}

// finishCond stops at the first boundary shallower than depth: back in
// the caller of the function running at the cursor.
type finishCond struct{ depth int }

func (c *finishCond) start(*vm.Machine) {}

func (c *finishCond) stop(m *vm.Machine) bool {
	return m.Location().Depth < c.depth
}

// breakCond stops where a breakpoint hits or a watched value changes,
// and remembers which.
type breakCond struct {
	s      *Session
	prev   vm.Location
	keys   []watchKey // each watch's value at prev
	reason string     // why it stopped
	events int64      // the session's event count at prev
}

func (c *breakCond) start(m *vm.Machine) {
	c.prev = m.Location()
	c.events = c.s.events
	c.keys = c.keys[:0]
	for _, w := range c.s.watches {
		c.keys = append(c.keys, w.key(m))
	}
}

func (c *breakCond) stop(m *vm.Machine) bool {
	cur := m.Location()
	c.reason = ""
	ev := c.s.event(&c.events)
	for _, b := range c.s.breaks {
		if b.Log == nil && b.at(c.s, m, c.prev, cur, ev) {
			c.reason = "breakpoint " + itoa(b.ID) + " (" + b.String() + ")"
			if b.condErr != "" {
				c.reason += ": the condition failed: " + b.condErr
			}
			break
		}
	}
	for i, w := range c.s.watches {
		k := w.key(m)
		if c.reason == "" && k.ok && c.keys[i].ok && !k.same(c.keys[i]) {
			c.reason = "watch " + w.name + ": " + c.keys[i].String() + " -> " + k.String()
		}
		c.keys[i] = k
	}
	c.prev = cur
	return c.reason != ""
}

// watch is a watched variable: a global, or a local of one function at
// one call depth (the frame that was selected when it was set).
type watch struct {
	name  string
	fn    *compiler.Function // nil: a global
	depth int
	expr  *exprWatch // an expression's watch; nil for a variable's
}

// watchKey is a watched variable's value at a boundary, in a form that
// compares exactly: ok when it can be read there; a scalar (nil, bool,
// int, float) as its Value, a string by its content, anything else by
// its vm.Dump bytes, which cover everything it reaches. Scalars, the
// common case, cost no allocation per step.
type watchKey struct {
	ok    bool
	unset bool     // a global not yet set
	v     vm.Value // the value, for scalars and strings
	text  string   // a string's content, or an object's Dump bytes
	repr  string   // an object's text when read (it may change later)
}

func (k watchKey) same(o watchKey) bool {
	return k.unset == o.unset && k.v.Kind() == o.v.Kind() && k.text == o.text &&
		(k.text != "" || k.v.Kind() == vm.KindString || k.v == o.v)
}

func (k watchKey) String() string {
	switch {
	case k.unset:
		return "<unset>"
	case k.repr != "":
		return k.repr
	}
	return vm.Repr(k.v)
}

// maxWatchRepr bounds the text a watch stop shows of a value.
const maxWatchRepr = 80

func (w *watch) key(m *vm.Machine) watchKey {
	if w.expr != nil {
		if w.fn != nil {
			if loc := m.Location(); loc.Fn != w.fn || loc.Depth != w.depth {
				return watchKey{}
			}
		}
		return w.expr.key(m, w.fn != nil)
	}
	var v vm.Value
	var ok bool
	if w.fn == nil {
		if v, ok = m.Global(w.name); !ok {
			return watchKey{ok: true, unset: true}
		}
	} else if loc := m.Location(); loc.Fn == w.fn && loc.Depth == w.depth {
		v, ok = m.Local(0, w.name)
	}
	if !ok {
		return watchKey{}
	}
	return valueKey(m, v)
}

// valueKey is v's watch key; m is the machine v belongs to.
func valueKey(m *vm.Machine, v vm.Value) watchKey {
	switch {
	case v.Kind() == vm.KindString:
		return watchKey{ok: true, v: v, text: v.AsString()}
	case v.Kind() == vm.KindNil || v.Kind() == vm.KindBool || v.Kind() == vm.KindInt || v.Kind() == vm.KindFloat:
		return watchKey{ok: true, v: v}
	}
	data, err := m.Dump(v)
	if err != nil {
		return watchKey{}
	}
	repr := vm.Repr(v)
	if len(repr) > maxWatchRepr {
		repr = repr[:maxWatchRepr] + "..."
	}
	return watchKey{ok: true, text: string(data), repr: repr}
}
