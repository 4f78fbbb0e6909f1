package vm

// This file defines the registry of builtin functions and methods, method
// dispatch, and the core builtins the language itself relies on.

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
		return String(Str(args[0])), nil
	})
	def("repr", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("repr", args, 1, 1); err != nil {
			return Nil, err
		}
		return String(Repr(args[0])), nil
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
	def("current", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("current", args, 0, 0); err != nil {
			return Nil, err
		}
		return coroutineValue(m.currentCoroutine()), nil
	})
}

// builtinPrint writes the str() of its arguments separated by spaces and a
// newline.
func builtinPrint(m *Machine, args []Value) (Value, error) {
	buf := make([]byte, 0, 64)
	for i, a := range args {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, Str(a)...)
	}
	buf = append(buf, '\n')
	if _, err := m.out.Write(buf); err != nil {
		return Nil, errorf(ErrValue, "print: %v", err)
	}
	return Nil, nil
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
		return Int(x.asRange().Len()), nil
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
	return rangeValue(&r), nil
}

// builtinError implements error(message) and error(kind, message).
func builtinError(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("error", args, 1, 2); err != nil {
		return Nil, err
	}
	if len(args) == 1 {
		return ErrorValue(&Error{Kind: ErrUser, Msg: Str(args[0])}), nil
	}
	kind, err := argString("error", args, 0)
	if err != nil {
		return Nil, err
	}
	return ErrorValue(&Error{Kind: kind, Msg: Str(args[1])}), nil
}
