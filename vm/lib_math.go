package vm

// This file defines the numeric builtins: abs, rounding, pow, the
// elementary functions and the nan/inf tests.

import (
	"math"

	"github.com/wf-lang/wf/compiler"
)

func init() {
	def("abs", builtinAbs)
	defRound("floor", math.Floor)
	defRound("ceil", math.Ceil)
	defRound("round", math.Round)
	defRound("trunc", math.Trunc)
	def("pow", builtinPow)
	def("log", builtinLog)
	def("atan2", func(m *Machine, args []Value) (Value, error) {
		xs, err := floatArgs("atan2", args, 2)
		if err != nil {
			return Nil, err
		}
		return Float(math.Atan2(xs[0], xs[1])), nil
	})
	defFloat("sqrt", math.Sqrt)
	defFloat("exp", math.Exp)
	defFloat("sin", math.Sin)
	defFloat("cos", math.Cos)
	defFloat("tan", math.Tan)
	defFloat("asin", math.Asin)
	defFloat("acos", math.Acos)
	defFloat("atan", math.Atan)
	defTest("is_nan", func(f float64) bool { return math.IsNaN(f) })
	defTest("is_inf", func(f float64) bool { return math.IsInf(f, 0) })
}

// floatArgs checks that args are n numbers and returns them as floats.
func floatArgs(name string, args []Value, n int) ([]float64, error) {
	if err := wantArgs(name, args, n, n); err != nil {
		return nil, err
	}
	xs := make([]float64, n)
	for i, a := range args {
		f, ok := a.Number()
		if !ok {
			return nil, errorf(ErrType, "%s: argument %d must be a number, got %s", name, i+1, a.TypeName())
		}
		xs[i] = f
	}
	return xs, nil
}

// defFloat registers a function of one number that returns a float. A
// nan result from an argument that is not nan (sqrt(-1), asin(2)) is a
// value_error rather than a silent nan; infinite results are returned.
func defFloat(name string, f func(float64) float64) {
	def(name, func(m *Machine, args []Value) (Value, error) {
		xs, err := floatArgs(name, args, 1)
		if err != nil {
			return Nil, err
		}
		r := f(xs[0])
		if math.IsNaN(r) && !math.IsNaN(xs[0]) {
			return Nil, errorf(ErrValue, "%s: math domain error for %s", name, shortRepr(args[0]))
		}
		return Float(r), nil
	})
}

// defRound registers floor, ceil, round or trunc. An int is returned as it
// is; a float is rounded (round: half away from zero) and returned as an
// int, so floor(2.5) == 2. nan, inf and results outside the int range are
// errors.
func defRound(name string, f func(float64) float64) {
	def(name, func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs(name, args, 1, 1); err != nil {
			return Nil, err
		}
		switch x := args[0]; x.k {
		case KindInt:
			return x, nil
		case KindFloat:
			return floatToInt(name, f(x.AsFloat()))
		}
		return Nil, argTypeError(name, "argument", "a number", args[0])
	})
}

// defTest registers is_nan or is_inf; ints are never nan or inf.
func defTest(name string, f func(float64) bool) {
	def(name, func(m *Machine, args []Value) (Value, error) {
		xs, err := floatArgs(name, args, 1)
		if err != nil {
			return Nil, err
		}
		return Bool(args[0].k == KindFloat && f(xs[0])), nil
	})
}

// builtinAbs implements abs(x) for ints (abs of the smallest int is an
// overflow) and floats.
func builtinAbs(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("abs", args, 1, 1); err != nil {
		return Nil, err
	}
	switch x := args[0]; x.k {
	case KindInt:
		i := x.AsInt()
		if i == math.MinInt64 {
			return Nil, errorf(ErrOverflow, "abs: integer overflow: abs(%d)", i)
		}
		if i < 0 {
			return Int(-i), nil
		}
		return x, nil
	case KindFloat:
		return Float(math.Abs(x.AsFloat())), nil
	}
	return Nil, argTypeError("abs", "argument", "a number", args[0])
}

// builtinPow implements pow(x, y). Two ints with y >= 0 give an int (an
// overflow error when it does not fit); any other numbers give a float.
// Zero to a negative power is a zero_division error, a negative number to
// a non-integral power a value_error.
func builtinPow(m *Machine, args []Value) (Value, error) {
	xs, err := floatArgs("pow", args, 2)
	if err != nil {
		return Nil, err
	}
	if args[0].k == KindInt && args[1].k == KindInt && args[1].AsInt() >= 0 {
		return intPow(args[0].AsInt(), args[1].AsInt())
	}
	x, y := xs[0], xs[1]
	switch {
	case x == 0 && y < 0:
		return Nil, errorf(ErrZeroDivision, "pow: zero to a negative power")
	case x < 0 && !math.IsInf(x, 0) && y != math.Trunc(y) && !math.IsInf(y, 0):
		return Nil, errorf(ErrValue, "pow: negative number to a non-integral power")
	}
	return Float(math.Pow(x, y)), nil
}

// intPow computes base**exp by squaring, failing on overflow.
func intPow(base, exp int64) (Value, error) {
	result := int64(1)
	b := base
	for e := exp; e > 0; e >>= 1 {
		if e&1 == 1 {
			r, err := intOp(compiler.MUL, result, b)
			if err != nil {
				return Nil, errorf(ErrOverflow, "pow: integer overflow: pow(%d, %d)", base, exp)
			}
			result = r.AsInt()
		}
		if e > 1 {
			sq, err := intOp(compiler.MUL, b, b)
			if err != nil {
				return Nil, errorf(ErrOverflow, "pow: integer overflow: pow(%d, %d)", base, exp)
			}
			b = sq.AsInt()
		}
	}
	return Int(result), nil
}

// builtinLog implements log(x), the natural logarithm, and log(x, base).
// x <= 0 and bases <= 0 or 1 are value errors. Bases 2 and 10 use the
// exact functions, so log(8, 2) == 3.0.
func builtinLog(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("log", args, 1, 2); err != nil {
		return Nil, err
	}
	xs, err := floatArgs("log", args, len(args))
	if err != nil {
		return Nil, err
	}
	x := xs[0]
	if x <= 0 {
		return Nil, errorf(ErrValue, "log: math domain error for %s", shortRepr(args[0]))
	}
	if len(xs) == 1 {
		return Float(math.Log(x)), nil
	}
	switch base := xs[1]; {
	case base <= 0 || base == 1:
		return Nil, errorf(ErrValue, "log: invalid base %s", shortRepr(args[1]))
	case base == 2:
		return Float(math.Log2(x)), nil
	case base == 10:
		return Float(math.Log10(x)), nil
	default:
		return Float(math.Log(x) / math.Log(base)), nil
	}
}
