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

// touchList marks list l changed since the machine's base.
func (m *Machine) touchList(l *List) {
	if m.base != nil && !l.dirty {
		l.dirty = true
		m.base.dirty = append(m.base.dirty, ListValue(l))
	}
}

// touchMap marks map mp changed since the machine's base.
func (m *Machine) touchMap(mp *Map) {
	if m.base != nil && !mp.dirty {
		mp.dirty = true
		m.base.dirty = append(m.base.dirty, MapValue(mp))
	}
}

// touchCell marks cell c changed since the machine's base.
func (m *Machine) touchCell(c *Cell) {
	if m.base != nil && !c.dirty {
		c.dirty = true
		m.base.dirty = append(m.base.dirty, cellValue(c))
	}
}

// touchFiber marks fiber f changed since the machine's base.
func (m *Machine) touchFiber(f *Fiber) {
	if m.base != nil && f != nil && !f.dirty {
		f.dirty = true
		m.base.dirty = append(m.base.dirty, coroutineValue(f))
	}
}

// touchError marks error e changed since the machine's base.
func (m *Machine) touchError(e *Error) {
	if m.base != nil && e != nil && !e.dirty {
		e.dirty = true
		m.base.dirty = append(m.base.dirty, ErrorValue(e))
	}
}

// touch marks v's object changed, whatever its kind; scalars and
// immutable objects need nothing.
func (m *Machine) touch(v Value) {
	if m.base == nil {
		return
	}
	switch v.k {
	case KindList:
		m.touchList(v.asList())
	case KindMap:
		m.touchMap(v.asMap())
	case kindCell:
		m.touchCell((*Cell)(v.p))
	case KindGenerator, KindCoroutine:
		m.touchFiber(v.asFiber())
	case KindError:
		m.touchError(v.asError())
	}
}

// setCur makes f the running fiber. A fiber changes only while it runs
// or as it starts or stops running, so every fiber made current is
// marked changed.
func (m *Machine) setCur(f *Fiber) {
	m.cur = f
	m.touchFiber(f)
}

// mutator wraps a builtin method that changes its receiver: the
// receiver is marked changed before the method runs.
func mutator(fn Method) Method {
	return func(m *Machine, recv Value, args []Value) (Value, error) {
		m.touch(recv)
		return fn(m, recv, args)
	}
}

// setBase makes b the machine's base: the marks of the objects logged
// against the old base are cleared, and the running fibers, which change
// without being switched to, are marked against the new one.
func (m *Machine) setBase(b *deltaBase) {
	if m.base != nil {
		clearDirty(m.base.dirty)
	}
	m.base = b
	if b != nil {
		m.touchFiber(m.root)
		m.touchFiber(m.cur)
	}
}

// clearDirty clears the marks of the logged objects vs.
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
