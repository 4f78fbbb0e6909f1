package vm

// This file defines conversions between kinds (int, float, bool, bytes,
// hex, chr, ord) and the bytes methods.

import (
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

func init() {
	def("int", builtinInt)
	def("float", builtinFloat)
	def("bool", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("bool", args, 1, 1); err != nil {
			return Nil, err
		}
		return Bool(args[0].Truth()), nil
	})
	def("bytes", builtinBytes)
	def("hex", builtinHex)
	def("chr", builtinChr)
	def("ord", builtinOrd)

	defMethodN(KindBytes, "hex", 0, 0, bytesHex)
	defMethodN(KindBytes, "str", 0, 0, func(m *Machine, b Value, args []Value) (Value, error) {
		return m.bytesToString(b.AsBytes())
	})
	defMethodN(KindBytes, "decode", 0, 0, func(m *Machine, b Value, args []Value) (Value, error) {
		if !utf8.Valid(b.AsBytes()) {
			return Nil, errorf(ErrValue, "decode: invalid UTF-8 at byte %d", invalidUTF8At(b.AsBytes()))
		}
		return m.bytesToString(b.AsBytes())
	})
}

// builtinInt implements int(x) and int(s, base). A float is truncated
// toward zero (nan, inf and values outside the int range are errors); a
// bool gives 0 or 1; a string is parsed after trimming white space, with
// an optional sign, in base 10 or the given base (2 to 36, or 0 to read a
// 0x, 0o or 0b prefix and allow _ between digits as in wf source).
func builtinInt(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("int", args, 1, 2); err != nil {
		return Nil, err
	}
	x := args[0]
	if len(args) == 2 && x.k != KindString {
		return Nil, errorf(ErrType, "int: a base is only allowed when converting a string, got %s", x.TypeName())
	}
	switch x.k {
	case KindInt:
		return x, nil
	case KindBool:
		return Int(int64(x.n)), nil
	case KindFloat:
		return floatToInt("int", math.Trunc(x.AsFloat()))
	case KindString:
		base := int64(10)
		if len(args) == 2 {
			var err error
			if base, err = wantInt("int", "base", args[1]); err != nil {
				return Nil, err
			}
			if base != 0 && (base < 2 || base > 36) {
				return Nil, errorf(ErrValue, "int: base must be 0 or between 2 and 36, got %d", base)
			}
		}
		return parseInt(x.AsString(), int(base))
	}
	return Nil, errorf(ErrType, "int: cannot convert %s to int", x.TypeName())
}

// floatToInt converts an integral float to an int, or reports why not.
func floatToInt(name string, f float64) (Value, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return Nil, errorf(ErrValue, "%s: cannot convert %s to int", name, FormatFloat(f))
	case f < -(1<<63) || f >= 1<<63:
		return Nil, errorf(ErrOverflow, "%s: %s is out of the int range", name, FormatFloat(f))
	}
	return Int(int64(f)), nil
}

func parseInt(s string, base int) (Value, error) {
	i, err := strconv.ParseInt(strings.TrimSpace(s), base, 64)
	if errors.Is(err, strconv.ErrRange) {
		return Nil, errorf(ErrOverflow, "int: %s is out of the int range", strconv.Quote(s))
	}
	if err != nil {
		if base == 0 {
			return Nil, errorf(ErrValue, "int: invalid integer %s", strconv.Quote(s))
		}
		return Nil, errorf(ErrValue, "int: invalid integer %s in base %d", strconv.Quote(s), base)
	}
	return Int(i), nil
}

// builtinFloat implements float(x) for ints, floats, bools and strings.
// A string is parsed after trimming white space; "inf", "-inf" and "nan"
// are accepted, a number too large for a float is an overflow error.
func builtinFloat(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("float", args, 1, 1); err != nil {
		return Nil, err
	}
	x := args[0]
	switch x.k {
	case KindFloat:
		return x, nil
	case KindInt:
		return Float(float64(x.AsInt())), nil
	case KindBool:
		return Float(float64(x.n)), nil
	case KindString:
		f, err := strconv.ParseFloat(strings.TrimSpace(x.AsString()), 64)
		if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
			return Nil, errorf(ErrOverflow, "float: %s is out of the float range", strconv.Quote(x.AsString()))
		}
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Nil, errorf(ErrValue, "float: invalid number %s", strconv.Quote(x.AsString()))
		}
		return Float(f), nil
	}
	return Nil, errorf(ErrType, "float: cannot convert %s to float", x.TypeName())
}

// builtinBytes implements bytes(x): the UTF-8 bytes of a string, a copy
// of a bytes value, or the bytes of a list or range of ints in 0..255.
func builtinBytes(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("bytes", args, 1, 1); err != nil {
		return Nil, err
	}
	x := args[0]
	switch x.k {
	case KindString:
		return strBytes(m, x, nil)
	case KindBytes:
		if err := m.chargeString(bytesSize + len(x.AsBytes())); err != nil {
			return Nil, err
		}
		return Bytes([]byte(string(x.AsBytes()))), nil
	case KindList, KindRange:
	default:
		return Nil, errorf(ErrType, "bytes: cannot convert %s to bytes", x.TypeName())
	}
	elems, err := m.seqElems("bytes", x)
	if err != nil {
		return Nil, err
	}
	if err := m.chargeString(bytesSize + len(elems)); err != nil {
		return Nil, err
	}
	out := make([]byte, len(elems))
	for i, e := range elems {
		if e.k != KindInt {
			return Nil, errorf(ErrType, "bytes: element %d must be an int, got %s", i, e.TypeName())
		}
		if e.AsInt() < 0 || e.AsInt() > 255 {
			return Nil, errorf(ErrValue, "bytes: element %d is %d, not in 0..255", i, e.AsInt())
		}
		out[i] = byte(e.AsInt())
	}
	return Bytes(out), nil
}

// builtinHex implements hex(x): "0xff" for the int 255 ("-0xff" for
// -255), and two lowercase hex digits per byte, without a prefix, for a
// bytes value.
func builtinHex(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("hex", args, 1, 1); err != nil {
		return Nil, err
	}
	switch x := args[0]; x.k {
	case KindInt:
		i := x.AsInt()
		if i < 0 {
			return String("-0x" + strconv.FormatUint(-uint64(i), 16)), nil
		}
		return String("0x" + strconv.FormatUint(uint64(i), 16)), nil
	case KindBytes:
		return bytesHex(m, x, nil)
	}
	return Nil, argTypeError("hex", "argument", "an int or bytes", args[0])
}

// bytesHex implements b.hex().
func bytesHex(m *Machine, b Value, args []Value) (Value, error) {
	src := b.AsBytes()
	if len(src) == 0 {
		return String(""), nil
	}
	if 2*len(src) > maxResult {
		return Nil, errorf(ErrValue, "hex: result too large")
	}
	if err := m.chargeString(2 * len(src)); err != nil {
		return Nil, err
	}
	dst := make([]byte, 2*len(src))
	hex.Encode(dst, src)
	return String(unsafe.String(&dst[0], len(dst))), nil // dst is never written again
}

// bytesToString implements b.str(): a string holding the same bytes, valid
// UTF-8 or not (b.decode() insists on valid UTF-8).
func (m *Machine) bytesToString(b []byte) (Value, error) {
	if err := m.chargeString(len(b)); err != nil {
		return Nil, err
	}
	return String(string(b)), nil
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence in b.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// builtinChr implements chr(i): the one-character string of code point i.
// Surrogates and values outside 0..0x10FFFF are value errors.
func builtinChr(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("chr", args, 1, 1); err != nil {
		return Nil, err
	}
	i, err := wantInt("chr", "argument", args[0])
	if err != nil {
		return Nil, err
	}
	if i < 0 || i > utf8.MaxRune || !utf8.ValidRune(rune(i)) {
		return Nil, errorf(ErrValue, "chr: %d is not a valid code point", i)
	}
	return String(string(rune(i))), nil
}

// builtinOrd implements ord(s): the code point of the one UTF-8 character
// s holds. A one-byte string gives its byte value, even when that byte is
// not valid UTF-8 on its own (as s[i] of a multi-byte character is).
func builtinOrd(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("ord", args, 1, 1); err != nil {
		return Nil, err
	}
	s, err := wantString("ord", "argument", args[0])
	if err != nil {
		return Nil, err
	}
	if len(s) == 1 {
		return Int(int64(s[0])), nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || (r == utf8.RuneError && size <= 1) {
		return Nil, errorf(ErrValue, "ord: want a string of one character, got %s", shortRepr(args[0]))
	}
	return Int(int64(r)), nil
}
