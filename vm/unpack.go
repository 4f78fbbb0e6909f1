package vm

// This file defines UnpackArgs, the argument checking of host functions.

import (
	"fmt"
	"math"
	"reflect"
	"strings"
)

// UnpackArgs checks the arguments a host function called fn received and
// stores them in Go variables, as starlark-go's UnpackArgs does. pairs
// alternate a parameter name and a pointer to the variable that receives
// the argument in that position; a name ending in "?" marks an optional
// parameter, and every parameter after an optional one must be optional
// too. A variable whose optional argument is absent keeps its value, so
// set the default first:
//
//	var name string
//	timeout := vm.Nil
//	if err := vm.UnpackArgs("wait", args, "name", &name, "timeout?", &timeout); err != nil {
//		return vm.Nil, err
//	}
//
// The variables may be *Value (any value), *string, *int64, *int, *bool,
// *float64 (an int or a float), *[]byte (bytes), *[]Value (a list's
// elements, shared with the list), **List and **Map. A wrong number of
// arguments is an *Error of kind argument_error ("wait takes at most 2
// arguments, got 3"), an argument of the wrong kind one of kind
// type_error ("wait: argument 2 (timeout) must be a number, got
// string"), as the standard library reports them. Malformed pairs (an odd
// count, a name that is not a string, an unsupported or nil pointer) are
// a plain error naming the mistake.
//
// It does not allocate: the pointers stay on the caller's stack.
func UnpackArgs(fn string, args []Value, pairs ...any) error {
	if len(pairs)%2 != 0 {
		return fmt.Errorf("vm.UnpackArgs for %s: pairs must alternate names and pointers, got %d items", fn, len(pairs))
	}
	required, err := requiredParams(fn, pairs)
	if err != nil {
		return err
	}
	if err := wantArgs(fn, args, required, len(pairs)/2); err != nil {
		return err
	}
	for i, v := range args {
		name := strings.TrimSuffix(pairs[2*i].(string), "?")
		if err := unpackArg(fn, i, name, v, pairs[2*i+1]); err != nil {
			return err
		}
	}
	return nil
}

// requiredParams counts the parameters before the first optional one,
// checking that the names are strings and that no required parameter
// follows an optional one.
func requiredParams(fn string, pairs []any) (int, error) {
	required := -1
	for i := 0; i < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		switch {
		case !ok:
			return 0, fmt.Errorf("vm.UnpackArgs for %s: item %d must be a parameter name, got %s", fn, i, typeName(pairs[i]))
		case strings.HasSuffix(name, "?") && required < 0:
			required = i / 2
		case !strings.HasSuffix(name, "?") && required >= 0:
			return 0, fmt.Errorf("vm.UnpackArgs for %s: required parameter %s follows an optional one", fn, name)
		}
	}
	if required < 0 {
		required = len(pairs) / 2
	}
	return required, nil
}

// unpackArg stores argument i, called name, in the variable ptr points to.
func unpackArg(fn string, i int, name string, v Value, ptr any) error {
	want, ok := "", true
	switch p := ptr.(type) {
	case *Value:
		ok = store(p, v)
	case *string:
		want, ok = unpackKind(v, KindString, "a string", p, Value.asString)
	case *int64:
		want, ok = unpackKind(v, KindInt, "an int", p, Value.asInt)
	case *int:
		if v.k == KindInt && (v.asInt() < math.MinInt || v.asInt() > math.MaxInt) {
			return errorf(ErrValue, "%s: argument %d (%s) is out of the int range: %d", fn, i+1, name, v.asInt())
		}
		want, ok = unpackKind(v, KindInt, "an int", p, func(v Value) int { return int(v.asInt()) })
	case *float64:
		if v.k == KindInt {
			v = Float(float64(v.asInt()))
		}
		want, ok = unpackKind(v, KindFloat, "a number", p, Value.asFloat)
	case *bool:
		want, ok = unpackKind(v, KindBool, "a bool", p, Value.asBool)
	case *[]byte:
		want, ok = unpackKind(v, KindBytes, "bytes", p, Value.asBytes)
	case *[]Value:
		want, ok = unpackKind(v, KindList, "a list", p, func(v Value) []Value { return v.asList().Elems })
	case **List:
		want, ok = unpackKind(v, KindList, "a list", p, Value.asList)
	case **Map:
		want, ok = unpackKind(v, KindMap, "a map", p, Value.asMap)
	default:
		return fmt.Errorf("vm.UnpackArgs for %s: parameter %s: cannot store into a %s", fn, name, typeName(ptr))
	}
	if want != "" {
		return argTypeError(fn, fmt.Sprintf("argument %d (%s)", i+1, name), want, v)
	}
	if !ok {
		return fmt.Errorf("vm.UnpackArgs for %s: parameter %s: nil %s", fn, name, typeName(ptr))
	}
	return nil
}

// unpackKind stores get(v) in *p when v has kind k. It reports what the
// argument must be when it has another kind, and false for a nil p.
func unpackKind[T any](v Value, k Kind, what string, p *T, get func(Value) T) (string, bool) {
	if v.k != k {
		return what, true
	}
	return "", p != nil && store(p, get(v))
}

// typeName spells the type of x as %T does, without handing x itself to
// fmt, which would make every pointer passed to UnpackArgs escape to the
// heap (two allocations per call).
func typeName(x any) string {
	if x == nil {
		return "<nil>"
	}
	return reflect.TypeOf(x).String()
}

// store sets *p to v, reporting false for a nil p.
func store[T any](p *T, v T) bool {
	if p == nil {
		return false
	}
	*p = v
	return true
}
