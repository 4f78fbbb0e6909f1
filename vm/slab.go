package vm

// This file defines slab and textSlab, the batched allocators the snapshot
// decoder takes objects, slices and strings from.

import "unsafe"

// slabBytes is the largest chunk of a slab. A restored object keeps its
// whole chunk alive, so a program that drops all but one object of a
// restored heap holds at most this much per object it keeps, while
// restoring a large heap allocates once per chunk instead of once per
// object (BenchmarkHeapRestore).
const slabBytes = 16 << 10

// slab hands out values and slices of T from chunks that start at 8
// values and double up to about slabBytes, so that restoring a small
// heap allocates little more than it holds. The slices it returns have
// no room to grow (their capacity is their length), so appending to one
// copies it and never writes into a neighbour. The zero slab is ready to
// use.
//
// A slab keeps how much of its chunk it has handed out as an index, so
// that taking from it writes no pointer: a pointer written while the
// collector marks pays a write barrier, and the decoder takes from its
// slabs several times per object.
type slab[T any] struct {
	free  []T // the last chunk
	used  int // values of free handed out
	chunk int // the size of the last chunk
}

// take returns a slice of n zero values of T. One larger than a quarter
// of the largest chunk gets its own allocation.
func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return []T{}
	}
	var zero T
	largest := max(slabBytes/int(unsafe.Sizeof(zero)), 16)
	if n > largest/4 {
		return make([]T, n)
	}
	if len(s.free)-s.used < n {
		s.chunk = min(max(2*s.chunk, 8), largest)
		s.free, s.used = make([]T, max(s.chunk, n)), 0
	}
	out := s.free[s.used : s.used+n : s.used+n]
	s.used += n
	return out
}

// new returns a pointer to a zero T.
func (s *slab[T]) new() *T { return &s.take(1)[0] }

// textSlab copies strings into chunks that start at 256 bytes and double
// up to slabBytes, and returns strings that refer to them. The bytes it
// hands out are never written again, so the strings are as immutable as
// any Go string. Like slab, it keeps what it handed out as an index.
type textSlab struct {
	free  []byte // the last chunk
	used  int    // bytes of free handed out
	chunk int    // the size of the last chunk
}

// text returns a string holding a copy of b.
func (s *textSlab) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > slabBytes/4 {
		return string(b)
	}
	if len(s.free)-s.used < len(b) {
		s.chunk = min(max(2*s.chunk, 256), slabBytes)
		s.free, s.used = make([]byte, max(s.chunk, len(b))), 0
	}
	off := s.used
	s.used += copy(s.free[off:], b)
	return unsafe.String(&s.free[off], len(b))
}
