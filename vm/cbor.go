package vm

// This file defines cborWriter, the snapshot encoder's byte writer: CBOR
// (RFC 8949) in core deterministic form, for the few item types snapshots
// use. It produces exactly what encMode (fxamacker/cbor with
// CoreDetEncOptions, NaNs kept as float64) produces for the same items;
// TestCBORWriterMatchesLibrary holds it to that.

import (
	"math"

	"github.com/x448/float16"
)

type cborWriter struct{ b []byte }

// head writes a major type and its argument in the shortest form. Each
// case is one append to w.b itself, which the compiler turns into a store
// of the new length while the buffer has room: no write barrier, which
// binary.BigEndian.AppendUint32(append(w.b, ...)) paid on every item
// while the collector ran (a third of encoding a list of ints).
func (w *cborWriter) head(major byte, n uint64) {
	m := major << 5
	switch {
	case n < 24:
		w.b = append(w.b, m|byte(n))
	case n <= math.MaxUint8:
		w.b = append(w.b, m|24, byte(n))
	case n <= math.MaxUint16:
		w.b = append(w.b, m|25, byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		w.b = append(w.b, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		w.b = append(w.b, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// int writes an integer; small ones, most of a snapshot's, inline.
func (w *cborWriter) int(i int64) {
	if uint64(i) < 24 {
		w.b = append(w.b, byte(i))
		return
	}
	w.intLong(i)
}

// intLong writes an integer that int does not inline.
func (w *cborWriter) intLong(i int64) {
	if i >= 0 {
		w.head(0, uint64(i))
	} else {
		w.head(1, uint64(-1-i))
	}
}

func (w *cborWriter) bytes(p []byte) {
	w.head(2, uint64(len(p)))
	w.b = append(w.b, p...)
}

// text writes a text string; short strings' heads inline (most map keys).
func (w *cborWriter) text(s string) {
	if len(s) < 24 {
		w.b = append(w.b, 0x60|byte(len(s)))
		w.b = append(w.b, s...)
		return
	}
	w.textLong(s)
}

// textLong writes a text string that text does not inline.
func (w *cborWriter) textLong(s string) {
	w.head(3, uint64(len(s)))
	w.b = append(w.b, s...)
}

// array writes an array head; short arrays' inline.
func (w *cborWriter) array(n int) {
	if uint(n) < 24 {
		w.b = append(w.b, 0x80|byte(n))
		return
	}
	w.head(4, uint64(n))
}

func (w *cborWriter) null() { w.b = append(w.b, 0xf6) }

func (w *cborWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 0xf5)
	} else {
		w.b = append(w.b, 0xf4)
	}
}

// raw appends already encoded items.
func (w *cborWriter) raw(p []byte) { w.b = append(w.b, p...) }

// float writes the shortest of float16, float32 and float64 that holds f
// exactly; infinities as float16, NaNs as float64 with their bits.
func (w *cborWriter) float(f float64) {
	switch {
	case math.IsNaN(f):
		w.float64(f)
		return
	case math.IsInf(f, 0):
		w.float16(float16.Fromfloat32(float32(f)))
		return
	}
	f32 := float32(f)
	if float64(f32) != f {
		w.float64(f)
		return
	}
	switch float16.PrecisionFromfloat32(f32) {
	case float16.PrecisionExact:
		w.float16(float16.Fromfloat32(f32))
		return
	case float16.PrecisionUnknown:
		if h := float16.Fromfloat32(f32); h.Float32() == f32 {
			w.float16(h)
			return
		}
	}
	u := math.Float32bits(f32)
	w.b = append(w.b, 0xfa, byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

func (w *cborWriter) float16(h float16.Float16) {
	w.b = append(w.b, 0xf9, byte(h.Bits()>>8), byte(h.Bits()))
}

func (w *cborWriter) float64(f float64) {
	u := math.Float64bits(f)
	w.b = append(w.b, 0xfb, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32), byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}
