package vm

// This file defines Iter, the state of a for loop over a value.

import "unicode/utf8"

type iterKind uint8

const (
	iterList iterKind = iota
	iterString
	iterBytes
	iterMap
	iterRange
)

// Iter is the cursor a for loop keeps on its operand stack. It is plain
// data (the collection and a position), so a snapshot taken mid-loop
// resumes the loop where it was.
type Iter struct {
	kind iterKind
	src  Value
	i    int64 // next index, byte offset or map entry
	stop int64 // range: the end; map: the key-set version seen at start
	step int64 // range step
	n    int64 // elements produced so far
}

// iterate implements ITER: it returns the iterator for x. A generator is
// its own iterator.
func (m *Machine) iterate(x Value) (Value, error) {
	switch x.k {
	case KindList:
		return iterValue(&Iter{kind: iterList, src: x}), nil
	case KindString:
		return iterValue(&Iter{kind: iterString, src: x}), nil
	case KindBytes:
		return iterValue(&Iter{kind: iterBytes, src: x}), nil
	case KindMap:
		return iterValue(&Iter{kind: iterMap, src: x, stop: int64(x.AsMap().version)}), nil
	case KindRange:
		r := x.asRange()
		return iterValue(&Iter{kind: iterRange, src: x, i: r.Start, stop: r.Stop, step: r.Step}), nil
	case KindGenerator:
		return x, nil
	}
	return Nil, errorf(ErrType, "cannot iterate over %s value", article(x.TypeName()))
}

// iterNext advances it. For maps k is the key and v the value; for other
// sequences k is the element's position (counting from 0) and v the element.
func (m *Machine) iterNext(it *Iter) (k, v Value, ok bool, err error) {
	if it.kind == iterMap {
		return m.mapNext(it)
	}
	v, ok = it.next()
	if ok {
		it.n++
	}
	return Int(it.n - 1), v, ok, nil
}

// next produces the next element of a sequence iterator.
func (it *Iter) next() (Value, bool) {
	switch it.kind {
	case iterList:
		elems := it.src.AsList().Elems
		if it.i >= int64(len(elems)) {
			return Nil, false
		}
		it.i++
		return elems[it.i-1], true
	case iterString:
		s := it.src.AsString()
		if it.i >= int64(len(s)) {
			return Nil, false
		}
		_, size := utf8.DecodeRuneInString(s[it.i:])
		c := s[it.i : it.i+int64(size)]
		it.i += int64(size)
		return String(c), true
	case iterBytes:
		b := it.src.AsBytes()
		if it.i >= int64(len(b)) {
			return Nil, false
		}
		it.i++
		return Int(int64(b[it.i-1])), true
	case iterRange:
		if (it.step > 0 && it.i < it.stop) || (it.step < 0 && it.i > it.stop) {
			v := it.i
			if it.i += it.step; (v^it.i)&(it.step^it.i) < 0 {
				it.i = it.stop // past the int range: v was the last
			}
			return Int(v), true
		}
	}
	return Nil, false
}

// mapNext produces the next key and value of a map iterator.
func (m *Machine) mapNext(it *Iter) (k, v Value, ok bool, err error) {
	{
		mp := it.src.AsMap()
		if int64(mp.version) != it.stop {
			return Nil, Nil, false, errorf(ErrValue, "map keys added or removed during iteration")
		}
		for it.i < int64(len(mp.entries)) {
			e := mp.entries[it.i]
			it.i++
			if !e.deleted {
				return e.Key, e.Value, true, nil
			}
		}
		return Nil, Nil, false, nil
	}
}
