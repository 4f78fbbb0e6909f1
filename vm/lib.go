package vm

// This file defines the registry of builtin functions and methods, method
// dispatch, and the core builtins the language itself relies on.

import "math"

// Method is a builtin method of a kind of value: s.split(","), l.push(x).
type Method func(m *Machine, recv Value, args []Value) (Value, error)

var universe = map[string]*Builtin{}

// def registers a builtin function in the universe.
func def(name string, fn func(m *Machine, args []Value) (Value, error)) {
	universe[name] = &Builtin{Name: name, Fn: fn}
}

// wrapGoError turns what a Go function returned into a wf error value,
// keeping wf errors and thrown values as they are. A nil *Error in a
// non-nil error (a host function's "var err *vm.Error; return v, err")
// is no error: nil.
func wrapGoError(name string, err error) error {
	switch e := err.(type) {
	case *Error:
		if e == nil {
			return nil
		}
		return err
	case *thrownValue, *suspendSignal:
		return err
	}
	return &Error{Kind: ErrValue, Msg: name + ": " + err.Error()}
}

// callMethod implements CALLMETHOD: recv.name(args) with recv and the n
// args on top of the current fiber's stack. A map field holding a function
// is called in preference to a builtin method of the same name; otherwise
// the kind's builtin method runs.
func (m *Machine) callMethod(f *Fiber, nameIdx, n int) error {
	name := m.prog.Names[nameIdx]
	sp := f.SP
	recv := f.Stack[sp-n-1]
	switch recv.k {
	case KindGenerator, KindCoroutine:
		return m.fiberMethod(recv, name, n)
	case KindMap:
		if !recv.AsMap().HasFuncs() {
			break
		}
		if fv, ok := recv.AsMap().GetString(name); ok && isFunc(fv) {
			f.Stack[sp-n-1] = fv
			return m.call(f, fv, n)
		}
	}
	var mt libMethod
	if recv.k < numKinds {
		mt = m.prog.methods[nameIdx][recv.k]
	}
	if mt.fn == nil {
		return errorf(ErrType, "%s has no method %s", recv.TypeName(), name)
	}
	if n < mt.lo || n > mt.hi {
		return wantArgs(recv.TypeName()+"."+name, f.Stack[sp-n:sp], mt.lo, mt.hi)
	}
	v, err := mt.fn(m, recv, f.Stack[sp-n:sp])
	if err != nil {
		return wrapGoError(recv.TypeName()+"."+name, err)
	}
	f.SP = sp - n
	f.Stack[f.SP-1] = v
	return nil
}

// wantArgs checks the argument count of a builtin.
func wantArgs(name string, args []Value, min, max int) error {
	if len(args) >= min && len(args) <= max {
		return nil
	}
	switch {
	case min == max:
		return errorf(ErrArgs, "%s takes %d argument%s, got %d", name, min, plural(min), len(args))
	case len(args) < min:
		return errorf(ErrArgs, "%s takes at least %d argument%s, got %d", name, min, plural(min), len(args))
	}
	return errorf(ErrArgs, "%s takes at most %d argument%s, got %d", name, max, plural(max), len(args))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// argInt returns args[i] as an int.
func argInt(name string, args []Value, i int) (int64, error) {
	if args[i].k != KindInt {
		return 0, errorf(ErrType, "%s: argument %d must be an int, got %s", name, i+1, args[i].TypeName())
	}
	return args[i].AsInt(), nil
}

// argString returns args[i] as a string.
func argString(name string, args []Value, i int) (string, error) {
	if args[i].k != KindString {
		return "", errorf(ErrType, "%s: argument %d must be a string, got %s", name, i+1, args[i].TypeName())
	}
	return args[i].AsString(), nil
}

func init() {
	def("print", builtinPrint)
	def("len", builtinLen)
	def("str", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("str", args, 1, 1); err != nil {
			return Nil, err
		}
		s, err := m.str(args[0])
		return String(s), err
	})
	def("repr", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("repr", args, 1, 1); err != nil {
			return Nil, err
		}
		s, err := m.repr(args[0])
		return String(s), err
	})
	def("type", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("type", args, 1, 1); err != nil {
			return Nil, err
		}
		return String(args[0].TypeName()), nil
	})
	def("range", builtinRange)
	def("error", builtinError)
	def("coroutine", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("coroutine", args, 1, 1); err != nil {
			return Nil, err
		}
		return m.newCoroutine(args[0])
	})
	def("version", func(m *Machine, args []Value) (Value, error) {
		var name string
		if err := UnpackArgs("version", args, "name", &name); err != nil {
			return Nil, err
		}
		return Bool(m.markers[name]), nil
	})
	def("current", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("current", args, 0, 0); err != nil {
			return Nil, err
		}
		return coroutineValue(m.currentCoroutine()), nil
	})
}

// builtinPrint writes the str() of its arguments separated by spaces and a
// newline, in one Write unless a part is large (a big string is written
// as it is rather than copied into the line first).
func builtinPrint(m *Machine, args []Value) (Value, error) {
	buf := make([]byte, 0, 64)
	for i, a := range args {
		if i > 0 {
			buf = append(buf, ' ')
		}
		s, err := m.str(a)
		if err != nil {
			return Nil, err
		}
		if err := m.workBytes(len(s)); err != nil {
			return Nil, err
		}
		if len(s) < bigPrint {
			buf = append(buf, s...)
			continue
		}
		if err := m.write(buf); err != nil {
			return Nil, err
		}
		if err := m.write([]byte(s)); err != nil {
			return Nil, err
		}
		buf = buf[:0]
	}
	return Nil, m.write(append(buf, '\n'))
}

// bigPrint is the size from which print writes a part on its own.
const bigPrint = 4096

// write writes print's output.
func (m *Machine) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := m.out.Write(b); err != nil {
		return errorf(ErrValue, "print: %v", err)
	}
	return nil
}

func builtinLen(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("len", args, 1, 1); err != nil {
		return Nil, err
	}
	x := args[0]
	switch x.k {
	case KindString:
		return Int(int64(x.n)), nil
	case KindBytes:
		return Int(int64(len(x.AsBytes()))), nil
	case KindList:
		return Int(int64(len(x.AsList().Elems))), nil
	case KindMap:
		return Int(int64(x.AsMap().Len())), nil
	case KindRange:
		n := x.asRange().length()
		if n > math.MaxInt64 {
			return Nil, errorf(ErrOverflow, "len: %s has %d elements, more than an int holds", shortRepr(x), n)
		}
		return Int(int64(n)), nil
	}
	return Nil, errorf(ErrType, "len: %s has no length", x.TypeName())
}

// builtinRange implements range(stop), range(start, stop[, step]).
func builtinRange(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("range", args, 1, 3); err != nil {
		return Nil, err
	}
	var r = Range{Step: 1}
	for i := range args {
		if _, err := argInt("range", args, i); err != nil {
			return Nil, err
		}
	}
	if len(args) == 1 {
		r.Stop = args[0].AsInt()
	} else {
		r.Start, r.Stop = args[0].AsInt(), args[1].AsInt()
	}
	if len(args) == 3 {
		r.Step = args[2].AsInt()
		if r.Step == 0 {
			return Nil, errorf(ErrValue, "range: step must not be zero")
		}
	}
	if err := m.charge(rangeSize); err != nil {
		return Nil, err
	}
	return rangeValue(&r), nil
}

// builtinError implements error(message) and error(kind, message).
func builtinError(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("error", args, 1, 2); err != nil {
		return Nil, err
	}
	kind, msg := ErrUser, args[0]
	if len(args) == 2 {
		var err error
		if kind, err = argString("error", args, 0); err != nil {
			return Nil, err
		}
		msg = args[1]
	}
	text, err := m.str(msg)
	if err != nil {
		return Nil, err
	}
	if err := m.charge(errorSize + int64(len(kind))); err != nil {
		return Nil, err
	}
	return ErrorValue(&Error{Kind: kind, Msg: text}), nil
}
