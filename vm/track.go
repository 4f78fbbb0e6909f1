package vm

// This file defines change tracking: a machine with a base snapshot
// (Options.Deltas) marks each heap object the first time it changes
// after that snapshot and logs it, so that Delta writes the changed and
// new objects without visiting the others (spec/snapshot.md, "Delta
// snapshots"; RATIONALE.md on dirty marks).
//
// The objects that change in place are lists, maps, cells, fibers and
// errors (a thrown error gains its traceback). Each has a dirty flag; a
// change goes through touchList, touchMap, touchCell, touchFiber or
// touchError, which set it and log the object while the machine has a
// base. The mutating builtin methods are registered through mutator,
// which touches the receiver before the method runs. Closures, ranges,
// builtins, strings and bytes never change. Iterators change at every
// step of a for loop, in the interpreter's fastest paths, so they are
// not marked: Delta compares each iterator of the base with its encoding
// there instead (deltaBase.iters), which costs a few bytes per live loop.
//
// An object that was not in the base is new: Delta finds it from the
// roots and the changed objects, since an unchanged base object can only
// refer to base objects.

import "unsafe"

// The touch functions below mark an object changed. An object is
// marked once: the interpreter's fast paths test the mark and call them
// only for an unmarked object, so that writing into the same list again
// costs one test of a byte it has loaded anyway. Only an object of the
// base is logged; a new one is written whenever it is reachable, so
// logging it would only keep it alive. Without a base the mark means
// nothing, and a Snapshot that makes a base clears the marks of all it
// writes (newDeltaBase).

// touchList marks list l changed since the machine's base.
func (m *Machine) touchList(l *List) {
	l.dirty = true
	m.logChanged(unsafe.Pointer(l), KindList)
}

// touchMap marks map mp changed since the machine's base.
func (m *Machine) touchMap(mp *Map) {
	if !mp.dirty {
		mp.dirty = true
		m.logChanged(unsafe.Pointer(mp), KindMap)
	}
}

// touchCell marks cell c changed since the machine's base.
func (m *Machine) touchCell(c *Cell) {
	c.dirty = true
	m.logChanged(unsafe.Pointer(c), kindCell)
}

// touchFiber marks fiber f changed since the machine's base.
func (m *Machine) touchFiber(f *Fiber) {
	if f != nil && !f.dirty {
		f.dirty = true
		m.logChanged(unsafe.Pointer(f), KindCoroutine)
	}
}

// touchError marks error e changed since the machine's base.
func (m *Machine) touchError(e *Error) {
	if e != nil && !e.dirty {
		e.dirty = true
		m.logChanged(unsafe.Pointer(e), KindError)
	}
}

// logChanged logs the object at p, of kind k, just marked, if it is one
// of the base's.
func (m *Machine) logChanged(p unsafe.Pointer, k Kind) {
	if b := m.base; b != nil && b.index.slot(p).p != nil {
		b.dirty = append(b.dirty, Value{p: p, k: k})
	}
}

// Touch marks v's object changed since the machine's base, for host
// code: a Go function that changes a list or map of the machine's heap
// which it did not create in this run (the engine recording an
// activity's outcome in a future, say) must call Touch on it before the
// next delta, or the delta would miss the change (Options.CheckDeltas
// catches that). Scalars and immutable objects need nothing, nor does a
// nil machine.
func (m *Machine) Touch(v Value) {
	if m != nil {
		m.touch(v)
	}
}

// touch marks v's object changed, whatever its kind; scalars and
// immutable objects need nothing.
func (m *Machine) touch(v Value) {
	switch v.k {
	case KindList:
		if l := v.asList(); !l.dirty {
			m.touchList(l)
		}
	case KindMap:
		m.touchMap(v.asMap())
	case kindCell:
		if c := (*Cell)(v.p); !c.dirty {
			m.touchCell(c)
		}
	case KindGenerator, KindCoroutine:
		m.touchFiber(v.asFiber())
	case KindError:
		m.touchError(v.asError())
	}
}

// setCur makes f the running fiber. A fiber changes only while it runs
// or as it starts or stops running, so every fiber made current is
// marked changed. A restored fiber gets the room its code may use.
func (m *Machine) setCur(f *Fiber) {
	m.cur = f
	if f.cramped {
		f.makeRoom()
	}
	if !f.dirty {
		m.touchFiber(f)
	}
}

// mutator wraps a builtin method that changes its receiver: the
// receiver is marked changed before the method runs.
func mutator(fn Method) Method {
	return func(m *Machine, recv Value, args []Value) (Value, error) {
		m.touch(recv)
		return fn(m, recv, args)
	}
}

// setBase makes b, whose objects are unmarked, the machine's base; the
// running fibers, which change without being switched to, are marked
// against it at once.
func (m *Machine) setBase(b *deltaBase) {
	m.base = b
	if b != nil && !m.opts.CheckDeltas {
		b.data = nil // not kept alive
	}
	if b != nil {
		for _, f := range []*Fiber{m.root, m.cur} {
			f.dirty = false
			m.touchFiber(f)
		}
	}
}

// clearDirty clears the marks of the objects vs.
func clearDirty(vs []Value) {
	for _, v := range vs {
		switch v.k {
		case KindList:
			v.asList().dirty = false
		case KindMap:
			v.asMap().dirty = false
		case kindCell:
			(*Cell)(v.p).dirty = false
		case KindGenerator, KindCoroutine:
			v.asFiber().dirty = false
		case KindError:
			v.asError().dirty = false
		}
	}
}
