package vm

// This file defines cborReader, the snapshot decoder's reader: it walks
// CBOR bytes in place, item by item, so the decoder builds VM values
// straight from the input with no intermediate tree. checkWellFormed
// vets the whole input first, under the limits spec/snapshot.md states.

import (
	"encoding/binary"
	"math"

	"github.com/x448/float16"
)

// Limits of the snapshot decoder's CBOR.
const (
	maxCBORNesting = 16      // arrays within arrays
	maxCBORArray   = 1 << 24 // elements of one array
)

// CBOR major types.
const (
	cborUint = iota
	cborNegint
	cborBytes
	cborText
	cborArray
	cborMap
	cborTag
	cborSimple // simple values and floats
)

// checkWellFormed checks that data is exactly one well-formed CBOR item
// of the kinds snapshots use: integers, strings, definite-length arrays
// nested at most maxCBORNesting deep with at most maxCBORArray elements,
// false, true, null, undefined and floats; no maps, tags, indefinite
// lengths or other simple values. An array never claims more elements
// than there are bytes left, so nothing decoded later allocates more than
// the input's size warrants. It allocates nothing.
func checkWellFormed(data []byte) error { return walkWellFormed(data, nil) }

// snapMarks are where the items of a snapshot's body start, which
// walkWellFormed records as it checks them, so that checkShape need not
// walk the body again: each body field, and each element of the body's
// fields 1 and 5, where a value and a machine snapshot keep their heap.
type snapMarks struct {
	body           []int
	field1, field5 []uint32
}

// walkWellFormed is checkWellFormed, recording in marks (unless nil)
// where the items of a snapshot's body start, taking the input for a
// snapshot envelope: [_, _, _, _, _, body].
//
// The loop keeps the count of items left in the innermost open array in
// a variable and reads heads itself: it reads every item of a snapshot,
// about a fifth of restoring one.
func walkWellFormed(data []byte, marks *snapMarks) error {
	var lefts [maxCBORNesting + 1]int // items still to read in each enclosing array
	var size [maxCBORNesting + 1]int  // elements of each open array
	var pos [maxCBORNesting + 1]int   // index of the item being read at each depth
	depth, left, off := 0, 1, 0       // left: items still to read at depth
	size[0] = 1
	for {
		if left == 0 {
			if depth == 0 {
				break
			}
			depth--
			left = lefts[depth]
			continue
		}
		left--
		if uint(depth-2) <= 1 && marks != nil { // depth 2 or 3
			pos[depth] = size[depth] - left - 1
			marks.mark(depth, pos[1], pos[2], off)
		}
		if off >= len(data) {
			return badf("CBOR: unexpected end of data")
		}
		c := data[off]
		off++
		if c < 0x18 || c-0x20 < 0x18 { // a small integer: the commonest item
			continue
		}
		if n := int(c) - 0x80; n > 0 && n < 24 && depth >= 3 && n <= len(data)-off {
			// A short array inside a heap object, the next commonest:
			// no marks to make, no element count to check further.
			lefts[depth] = left
			if depth++; depth >= maxCBORNesting {
				return badf("CBOR: arrays nested over %d levels", maxCBORNesting)
			}
			left = n
			continue
		}
		major, ai, arg := c>>5, c&31, uint64(c&31)
		if ai >= 24 { // headLong's work, inline: a call per long head cost a tenth of the walk
			if ai > 27 {
				return badf("CBOR: indefinite length or reserved item 0x%02x", c)
			}
			n := 1 << (ai - 24)
			if len(data)-off < n {
				return badf("CBOR: unexpected end of data")
			}
			arg = bigEndian(data[off:], n)
			off += n
		}
		switch major {
		case cborBytes, cborText:
			if arg > uint64(len(data)-off) {
				return badf("CBOR: string of %d bytes runs past the end", arg)
			}
			off += int(arg)
		case cborArray:
			if arg > maxCBORArray || arg > uint64(len(data)-off) {
				return badf("CBOR: array of %d elements is too long", arg)
			}
			if arg == 0 {
				continue
			}
			lefts[depth] = left
			if depth++; depth >= maxCBORNesting {
				return badf("CBOR: arrays nested over %d levels", maxCBORNesting)
			}
			left, size[depth] = int(arg), int(arg)
			if depth == 2 {
				if pos[1] = size[1] - lefts[1] - 1; marks != nil && pos[1] == 5 {
					marks.body = make([]int, 0, arg)
				}
			} else if depth == 3 && marks != nil {
				marks.size(pos[1], pos[2], int(arg))
			}
		case cborMap:
			return badf("CBOR: a map where snapshots have none")
		case cborTag:
			return badf("CBOR: tags are not allowed")
		case cborSimple:
			if ai < 20 || ai == 24 {
				return badf("CBOR: simple value %d is not allowed", arg)
			}
		}
	}
	if off != len(data) {
		return badf("CBOR: %d bytes of extraneous data", len(data)-off)
	}
	return nil
}

// mark records that an item at depth starts at off: depth 2 is the
// envelope's elements' elements, field the index of its parent at depth 1
// (the body is the envelope's element 5), sub the index at depth 2.
func (m *snapMarks) mark(depth, field, sub, off int) {
	switch {
	case field != 5:
	case depth == 2:
		m.body = append(m.body, off)
	case sub == 1:
		m.field1 = append(m.field1, uint32(off))
	case sub == 5:
		m.field5 = append(m.field5, uint32(off))
	}
}

// size makes room for the n elements of the array at body field sub
// (field is the body's index in the envelope).
func (m *snapMarks) size(field, sub, n int) {
	switch {
	case field != 5:
	case sub == 1:
		m.field1 = make([]uint32, 0, n)
	case sub == 5:
		m.field5 = make([]uint32, 0, n)
	}
}

// cborReader reads CBOR items from b starting at off. Every method checks
// what it reads and returns an error wrapping ErrBadSnapshot, never
// panicking, even on input checkWellFormed has not seen.
type cborReader struct {
	b   []byte
	off int
}

// head reads an item's head: its major type, additional information and
// argument (a float's bits for floats). Indefinite lengths and reserved
// additional information are errors.
func (r *cborReader) head() (major, ai byte, arg uint64, err error) {
	if c, ok := r.short(); ok {
		return c >> 5, c & 31, uint64(c & 31), nil
	}
	return r.headLong()
}

// short reads a head of one byte (a small integer, a short string or
// array, a simple value: most heads of a snapshot) and returns that byte,
// or returns ok=false and reads nothing. It is small enough to inline,
// which head is not: the loops that read every item of a snapshot try it
// first (a call per head was a fifth of restoring 100,000 generators).
func (r *cborReader) short() (c byte, ok bool) {
	if r.off < len(r.b) && r.b[r.off]&31 < 24 {
		c = r.b[r.off]
		r.off++
		return c, true
	}
	return 0, false
}

// headLong is head for a head longer than one byte, or at the end.
func (r *cborReader) headLong() (major, ai byte, arg uint64, err error) {
	if r.off >= len(r.b) {
		return 0, 0, 0, badf("CBOR: unexpected end of data")
	}
	c := r.b[r.off]
	r.off++
	major, ai = c>>5, c&31
	if ai < 24 {
		return major, ai, uint64(ai), nil
	}
	if ai > 27 {
		return 0, 0, 0, badf("CBOR: indefinite length or reserved item 0x%02x", c)
	}
	n := 1 << (ai - 24)
	if len(r.b)-r.off < n {
		return 0, 0, 0, badf("CBOR: unexpected end of data")
	}
	arg = bigEndian(r.b[r.off:], n)
	r.off += n
	return major, ai, arg, nil
}

// bigEndian reads the n-byte (1, 2, 4 or 8) big-endian argument of a
// long head at the start of p, which holds at least n bytes.
func bigEndian(p []byte, n int) uint64 {
	switch n {
	case 1:
		return uint64(p[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(p))
	case 4:
		return uint64(binary.BigEndian.Uint32(p))
	}
	return binary.BigEndian.Uint64(p)
}

// peek returns the next byte without consuming it (0 at the end).
func (r *cborReader) peek() byte {
	if r.off >= len(r.b) {
		return 0
	}
	return r.b[r.off]
}

// array reads an array head and returns its length.
func (r *cborReader) array() (int, error) {
	if c, ok := r.short(); ok { // inlined: the common case
		if c>>5 != cborArray {
			return 0, badf("want an array, got %s", cborNames[c>>5])
		}
		if n := int(c & 31); n <= len(r.b)-r.off {
			return n, nil
		}
		return 0, badf("CBOR: array of %d elements is too long", c&31)
	}
	major, _, n, err := r.headLong()
	if err != nil {
		return 0, err
	}
	if major != cborArray {
		return 0, badf("want an array, got %s", cborNames[major])
	}
	if n > uint64(len(r.b)-r.off) {
		return 0, badf("CBOR: array of %d elements is too long", n)
	}
	return int(n), nil
}

// tiny reads a one-byte unsigned integer (0 to 23), if that is what
// comes next, and reports whether it did: the fast path of int, small
// enough to inline, for the decoder's loops (int is not).
func (r *cborReader) tiny() (int64, bool) {
	if r.off < len(r.b) && r.b[r.off] < 24 {
		r.off++
		return int64(r.b[r.off-1]), true
	}
	return 0, false
}

// shortArray reads a one-byte array head, if that is what comes next and
// its elements could fit what is left, and reports whether it did: the
// fast path of array, small enough to inline (array is not).
func (r *cborReader) shortArray() (int, bool) {
	if r.off < len(r.b) {
		if n := int(r.b[r.off]) - 0x80; n >= 0 && n < 24 && n < len(r.b)-r.off {
			r.off++
			return n, true
		}
	}
	return 0, false
}

// int reads an integer that fits an int64.
func (r *cborReader) int() (int64, error) {
	if c, ok := r.short(); ok && c>>5 == cborUint { // inlined: the common case
		return int64(c & 31), nil
	} else if ok {
		return cborInt(c>>5, uint64(c&31))
	}
	major, _, n, err := r.headLong()
	if err != nil {
		return 0, err
	}
	return cborInt(major, n)
}

// cborInt is the int64 an integer item's head stands for.
func cborInt(major byte, n uint64) (int64, error) {
	switch {
	case major == cborUint && n <= math.MaxInt64:
		return int64(n), nil
	case major == cborNegint && n <= math.MaxInt64:
		return -1 - int64(n), nil
	case major == cborUint || major == cborNegint:
		return 0, badf("integer out of range")
	}
	return 0, badf("want an integer, got %s", cborNames[major])
}

// str reads a text or byte string's contents, which alias r.b.
func (r *cborReader) str(want byte) ([]byte, error) {
	major, _, n, err := r.head()
	if err != nil {
		return nil, err
	}
	if major != want {
		return nil, badf("want %s, got %s", cborNames[want], cborNames[major])
	}
	return r.contents(n)
}

// contents reads n bytes of a string item's contents.
func (r *cborReader) contents(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, badf("CBOR: string runs past the end")
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// text reads a text string.
func (r *cborReader) text() (string, error) {
	s, err := r.str(cborText)
	return string(s), err
}

// bool reads false or true.
func (r *cborReader) bool() (bool, error) {
	switch r.peek() {
	case 0xf4, 0xf5:
		r.off++
		return r.b[r.off-1] == 0xf5, nil
	}
	return false, badf("want a bool")
}

// null consumes a null (or undefined) and reports whether there was one.
func (r *cborReader) null() bool {
	if c := r.peek(); c == 0xf6 || c == 0xf7 {
		r.off++
		return true
	}
	return false
}

// skip moves past one item and everything in it.
func (r *cborReader) skip() error {
	for need := uint64(1); need > 0; need-- {
		var major byte
		var n uint64
		var err error
		if c, ok := r.short(); ok {
			major, n = c>>5, uint64(c&31)
		} else if major, _, n, err = r.headLong(); err != nil {
			return err
		}
		switch major {
		case cborBytes, cborText:
			if _, err := r.contents(n); err != nil {
				return err
			}
		case cborArray:
			if n > uint64(len(r.b)-r.off) {
				return badf("CBOR: array of %d elements is too long", n)
			}
			need += n
		case cborMap, cborTag:
			return badf("CBOR: unexpected %s", cborNames[major])
		}
	}
	return nil
}

// cborFloat is the float64 a float item stands for (ai 25, 26 or 27).
func cborFloat(ai byte, bits uint64) float64 {
	switch ai {
	case 25:
		return float64(float16.Frombits(uint16(bits)).Float32())
	case 26:
		return float64(math.Float32frombits(uint32(bits)))
	}
	return math.Float64frombits(bits)
}

var cborNames = [...]string{"an unsigned integer", "a negative integer", "a byte string", "a text string", "an array", "a map", "a tag", "a simple value or float"}
