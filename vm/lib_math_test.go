package vm

import (
	"math"
	"testing"
)

func TestLibMath(t *testing.T) {
	runLibCases(t, []libCase{
		{fn: "abs", args: []Value{iv(-3)}, want: int64(3)},
		{fn: "abs", args: []Value{iv(3)}, want: int64(3)},
		{fn: "abs", args: []Value{fv(-2.5)}, want: 2.5},
		{fn: "abs", args: []Value{iv(math.MinInt64)}, err: "overflow: abs: integer overflow"},
		{fn: "abs", args: []Value{sv("1")}, err: "type_error: abs: argument must be a number, got string"},

		{fn: "floor", args: []Value{fv(2.7)}, want: int64(2)},
		{fn: "floor", args: []Value{fv(-2.5)}, want: int64(-3)},
		{fn: "floor", args: []Value{iv(5)}, want: int64(5)},
		{fn: "ceil", args: []Value{fv(2.1)}, want: int64(3)},
		{fn: "ceil", args: []Value{fv(-2.5)}, want: int64(-2)},
		{fn: "round", args: []Value{fv(2.5)}, want: int64(3)},
		{fn: "round", args: []Value{fv(-2.5)}, want: int64(-3)},
		{fn: "round", args: []Value{fv(0.49999999999999994)}, want: int64(0)},
		{fn: "round", args: []Value{fv(1e19)}, err: "overflow: round: 1e+19 is out of the int range"},
		{fn: "round", args: []Value{fv(math.NaN())}, err: "value_error: round: cannot convert nan to int"},
		{fn: "trunc", args: []Value{fv(-2.7)}, want: int64(-2)},
		{fn: "trunc", args: []Value{sv("1")}, err: "type_error: trunc: argument must be a number, got string"},

		{fn: "pow", args: []Value{iv(2), iv(10)}, want: int64(1024)},
		{fn: "pow", args: []Value{iv(-3), iv(3)}, want: int64(-27)},
		{fn: "pow", args: []Value{iv(0), iv(0)}, want: int64(1)},
		{fn: "pow", args: []Value{iv(2), iv(62)}, want: int64(1 << 62)},
		{fn: "pow", args: []Value{iv(-2), iv(63)}, want: int64(math.MinInt64)},
		{fn: "pow", args: []Value{iv(2), iv(63)}, err: "overflow: pow: integer overflow: pow(2, 63)"},
		{fn: "pow", args: []Value{iv(10), iv(1000)}, err: "overflow"},
		{fn: "pow", args: []Value{iv(1), iv(math.MaxInt64)}, want: int64(1)},
		{fn: "pow", args: []Value{iv(-1), iv(math.MaxInt64)}, want: int64(-1)},
		{fn: "pow", args: []Value{iv(2), iv(-1)}, want: 0.5},
		{fn: "pow", args: []Value{fv(2), iv(3)}, want: 8.0},
		{fn: "pow", args: []Value{iv(4), fv(0.5)}, want: 2.0},
		{fn: "pow", args: []Value{iv(0), iv(-1)}, err: "zero_division: pow: zero to a negative power"},
		{fn: "pow", args: []Value{fv(-8), fv(1.0 / 3)}, err: "value_error: pow: negative number to a non-integral power"},
		{fn: "pow", args: []Value{fv(-8), fv(3)}, want: -512.0},
		{fn: "pow", args: []Value{iv(2)}, err: "argument_error: pow takes 2 arguments, got 1"},
		{fn: "pow", args: []Value{iv(2), sv("2")}, err: "type_error: pow: argument 2 must be a number, got string"},

		{fn: "sqrt", args: []Value{iv(16)}, want: 4.0},
		{fn: "sqrt", args: []Value{fv(-1)}, err: "value_error: sqrt: math domain error for -1.0"},
		{fn: "sqrt", args: []Value{fv(math.NaN())}, want: math.NaN()},
		{fn: "sqrt", args: []Value{fv(math.Inf(1))}, want: math.Inf(1)},
		{fn: "exp", args: []Value{iv(0)}, want: 1.0},
		{fn: "exp", args: []Value{iv(1000)}, want: math.Inf(1)},
		{fn: "log", args: []Value{fv(math.E)}, want: 1.0},
		{fn: "log", args: []Value{iv(8), iv(2)}, want: 3.0},
		{fn: "log", args: []Value{iv(1000), iv(10)}, want: 3.0},
		{fn: "log", args: []Value{iv(81), iv(3)}, want: math.Log(81) / math.Log(3)},
		{fn: "log", args: []Value{iv(0)}, err: "value_error: log: math domain error for 0"},
		{fn: "log", args: []Value{iv(8), iv(1)}, err: "value_error: log: invalid base 1"},
		{fn: "log", args: []Value{iv(8), iv(-2)}, err: "value_error: log: invalid base -2"},
		{fn: "log", args: []Value{}, err: "argument_error: log takes at least 1 argument, got 0"},
		{fn: "sin", args: []Value{iv(0)}, want: 0.0},
		{fn: "cos", args: []Value{iv(0)}, want: 1.0},
		{fn: "tan", args: []Value{iv(0)}, want: 0.0},
		{fn: "asin", args: []Value{iv(1)}, want: math.Pi / 2},
		{fn: "asin", args: []Value{iv(2)}, err: "value_error: asin: math domain error for 2"},
		{fn: "acos", args: []Value{iv(1)}, want: 0.0},
		{fn: "atan", args: []Value{iv(1)}, want: math.Pi / 4},
		{fn: "atan2", args: []Value{iv(1), iv(-1)}, want: 3 * math.Pi / 4},
		{fn: "sin", args: []Value{Nil}, err: "type_error: sin: argument 1 must be a number, got nil"},

		{fn: "is_nan", args: []Value{fv(math.NaN())}, want: true},
		{fn: "is_nan", args: []Value{fv(1)}, want: false},
		{fn: "is_nan", args: []Value{iv(1)}, want: false},
		{fn: "is_inf", args: []Value{fv(math.Inf(-1))}, want: true},
		{fn: "is_inf", args: []Value{iv(math.MaxInt64)}, want: false},
		{fn: "is_inf", args: []Value{sv("inf")}, err: "type_error"},
	})
}
