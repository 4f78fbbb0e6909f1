package vm

import (
	"math"
	"testing"
)

func TestLibConvert(t *testing.T) {
	runLibCases(t, []libCase{
		{fn: "int", args: []Value{iv(7)}, want: int64(7)},
		{fn: "int", args: []Value{True}, want: int64(1)},
		{fn: "int", args: []Value{fv(2.9)}, want: int64(2)},
		{fn: "int", args: []Value{fv(-2.9)}, want: int64(-2)},
		{fn: "int", args: []Value{fv(-9.223372036854775808e18)}, want: int64(math.MinInt64)},
		{fn: "int", args: []Value{fv(9.223372036854775808e18)}, err: "overflow: int: 9.223372036854776e+18 is out of the int range"},
		{fn: "int", args: []Value{fv(math.NaN())}, err: "value_error: int: cannot convert nan to int"},
		{fn: "int", args: []Value{fv(math.Inf(-1))}, err: "value_error: int: cannot convert -inf to int"},
		{fn: "int", args: []Value{sv(" -42\n")}, want: int64(-42)},
		{fn: "int", args: []Value{sv("+42")}, want: int64(42)},
		{fn: "int", args: []Value{sv("ff"), iv(16)}, want: int64(255)},
		{fn: "int", args: []Value{sv("0x_ff"), iv(0)}, want: int64(255)},
		{fn: "int", args: []Value{sv("0b101"), iv(0)}, want: int64(5)},
		{fn: "int", args: []Value{sv("z"), iv(36)}, want: int64(35)},
		{fn: "int", args: []Value{sv("1.5")}, err: `value_error: int: invalid integer "1.5" in base 10`},
		{fn: "int", args: []Value{sv("")}, err: "value_error: int: invalid integer"},
		{fn: "int", args: []Value{sv("0x10")}, err: "value_error"},
		{fn: "int", args: []Value{sv("99999999999999999999")}, err: "overflow: int:"},
		{fn: "int", args: []Value{sv("1"), iv(1)}, err: "value_error: int: base must be 0 or between 2 and 36, got 1"},
		{fn: "int", args: []Value{sv("1"), sv("10")}, err: "type_error: int: base must be an int, got string"},
		{fn: "int", args: []Value{fv(1), iv(10)}, err: "type_error: int: a base is only allowed when converting a string, got float"},
		{fn: "int", args: []Value{lv()}, err: "type_error: int: cannot convert list to int"},
		{fn: "int", args: []Value{}, err: "argument_error: int takes at least 1 argument, got 0"},

		{fn: "float", args: []Value{iv(3)}, want: 3.0},
		{fn: "float", args: []Value{fv(0.5)}, want: 0.5},
		{fn: "float", args: []Value{False}, want: 0.0},
		{fn: "float", args: []Value{sv(" 1e3 ")}, want: 1000.0},
		{fn: "float", args: []Value{sv("-inf")}, want: math.Inf(-1)},
		{fn: "float", args: []Value{sv("nan")}, want: math.NaN()},
		{fn: "float", args: []Value{sv("1e-400")}, want: 0.0},
		{fn: "float", args: []Value{sv("1e400")}, err: `overflow: float: "1e400" is out of the float range`},
		{fn: "float", args: []Value{sv("x")}, err: `value_error: float: invalid number "x"`},
		{fn: "float", args: []Value{Nil}, err: "type_error: float: cannot convert nil to float"},

		{fn: "bool", args: []Value{iv(0)}, want: false},
		{fn: "bool", args: []Value{sv("x")}, want: true},
		{fn: "bool", args: []Value{lv()}, want: false},
		{fn: "bool", args: []Value{}, err: "argument_error"},

		{fn: "bytes", args: []Value{sv("hé")}, want: []byte("hé")},
		{fn: "bytes", args: []Value{lv(iv(0), iv(255))}, want: []byte{0, 255}},
		{fn: "bytes", args: []Value{rangeValue(&Range{65, 68, 1})}, want: []byte("ABC")},
		{fn: "bytes", args: []Value{bv("ab")}, want: []byte("ab")},
		{fn: "bytes", args: []Value{lv(iv(256))}, err: "value_error: bytes: element 0 is 256, not in 0..255"},
		{fn: "bytes", args: []Value{lv(iv(1), sv("a"))}, err: "type_error: bytes: element 1 must be an int, got string"},
		{fn: "bytes", args: []Value{iv(3)}, err: "type_error: bytes: cannot convert int to bytes"},

		{fn: "hex", args: []Value{iv(255)}, want: "0xff"},
		{fn: "hex", args: []Value{iv(0)}, want: "0x0"},
		{fn: "hex", args: []Value{iv(-255)}, want: "-0xff"},
		{fn: "hex", args: []Value{iv(math.MinInt64)}, want: "-0x8000000000000000"},
		{fn: "hex", args: []Value{bv("\x00\xab")}, want: "00ab"},
		{fn: "hex", args: []Value{sv("ab")}, err: "type_error: hex: argument must be an int or bytes, got string"},
		{fn: "bytes.hex", args: []Value{bv("\x01\xff")}, want: "01ff"},
		{fn: "bytes.str", args: []Value{bv("h\xc3\xa9")}, want: "hé"},
		{fn: "bytes.str", args: []Value{bv("\xff")}, want: "\xff"},
		{fn: "bytes.decode", args: []Value{bv("h\xc3\xa9")}, want: "hé"},
		{fn: "bytes.decode", args: []Value{bv("ab\xff")}, err: "value_error: decode: invalid UTF-8 at byte 2"},

		{fn: "chr", args: []Value{iv(65)}, want: "A"},
		{fn: "chr", args: []Value{iv(0x20ac)}, want: "€"},
		{fn: "chr", args: []Value{iv(0xd800)}, err: "value_error: chr: 55296 is not a valid code point"},
		{fn: "chr", args: []Value{iv(-1)}, err: "value_error"},
		{fn: "chr", args: []Value{iv(0x110000)}, err: "value_error"},
		{fn: "chr", args: []Value{sv("A")}, err: "type_error: chr: argument must be an int, got string"},
		{fn: "ord", args: []Value{sv("A")}, want: int64(65)},
		{fn: "ord", args: []Value{sv("€")}, want: int64(0x20ac)},
		{fn: "ord", args: []Value{sv("\xc3")}, want: int64(0xc3)},
		{fn: "ord", args: []Value{sv("ab")}, err: `value_error: ord: want a string of one character, got "ab"`},
		{fn: "ord", args: []Value{sv("")}, err: "value_error"},
		{fn: "ord", args: []Value{sv("\xc3\xc3")}, err: "value_error"},
		{fn: "ord", args: []Value{iv(1)}, err: "type_error: ord: argument must be a string, got int"},
	})
}
