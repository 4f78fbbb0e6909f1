package vm

// This file defines ptrIndex, the snapshot encoder's table from object
// addresses to heap indexes.

import "unsafe"

// ptrIndex maps object addresses to heap indexes: open addressing with
// linear probing in one slice of slots, which the encoder fills once per
// object. It costs a multiply and usually one probe per lookup and never
// allocates per entry, where a Go map of 100,000 objects spent most of a
// snapshot's time growing and hashing.
type ptrIndex struct {
	slots []ptrSlot
	n     int
	shift uint // 64 - log2(len(slots))
}

type ptrSlot struct {
	p unsafe.Pointer // nil: empty
	i int32
}

// newPtrIndex returns a table with room for about hint entries before it
// grows.
func newPtrIndex(hint int) ptrIndex {
	size, shift := 16, uint(60)
	for size < 2*hint {
		size, shift = size*2, shift-1
	}
	return ptrIndex{slots: make([]ptrSlot, size), shift: shift}
}

// slot returns the slot that holds p, or the empty slot where it belongs.
func (t *ptrIndex) slot(p unsafe.Pointer) *ptrSlot {
	mask := len(t.slots) - 1
	h := int((uint64(uintptr(p)) * 0x9E3779B97F4A7C15) >> t.shift)
	for {
		s := &t.slots[h]
		if s.p == p || s.p == nil {
			return s
		}
		h = (h + 1) & mask
	}
}

// lookupOrAdd returns p's index, or records next as its index and returns
// it with added set.
func (t *ptrIndex) lookupOrAdd(p unsafe.Pointer, next int) (i int, added bool) {
	s := t.slot(p)
	if s.p != nil {
		return int(s.i), false
	}
	s.p, s.i = p, int32(next)
	t.n++
	if 2*t.n > len(t.slots) {
		t.grow()
	}
	return next, true
}

// grow doubles the table.
func (t *ptrIndex) grow() {
	old := t.slots
	t.slots, t.shift = make([]ptrSlot, 2*len(old)), t.shift-1
	for _, s := range old {
		if s.p != nil {
			*t.slot(s.p) = s
		}
	}
}

// snapSlot returns the field in which v's object keeps its index in the
// snapshot being written, or nil for kinds that have none (builtins,
// ranges, iterators: the pointer index numbers those). The
// field is a hint that the encoder checks against its queue before
// believing it, so a stale or foreign number is harmless. It fitted in
// the padding of every struct but Closure, which grew to 48 bytes for it
// (see RATIONALE).
func snapSlot(v Value) *int32 {
	switch v.k {
	case KindList:
		return &(*List)(v.p).snap
	case KindMap:
		return &(*Map)(v.p).snap
	case kindCell:
		return &(*Cell)(v.p).snap
	case KindGenerator, KindCoroutine:
		return &(*Fiber)(v.p).snap
	case KindError:
		return &(*Error)(v.p).snap
	case KindFunc:
		return &(*Closure)(v.p).snap
	}
	return nil
}
