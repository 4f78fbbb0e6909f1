package vm

// This file defines the helpers the standard library (lib_*.go) is built
// with: method registration with argument counts, global functions that
// delegate to methods, and budget accounting for long loops.

import (
	"maps"
	"math"
	"slices"
	"strings"
)

// libMethod is a registered builtin method and the number of arguments it
// takes, not counting the receiver: lo to hi, hi = math.MaxInt for any
// number. Method dispatch checks the count itself and calls fn directly:
// wrapping each method in a checking closure cost an indirect call per
// method call, 4% of BenchmarkMapCount's profile (its time: median 22.2
// to 21.9 ms, within noise).
type libMethod struct {
	lo, hi int
	fn     Method
}

// methods holds the builtin methods by kind and name. A global function
// such as split(s, sep) also uses it to check its own count and delegate
// to s.split(sep).
var methods [numKinds]map[string]libMethod

// defMethodN registers a method of kind k that takes lo to hi arguments
// (hi < 0: no limit). Its argument-count errors name it "kind.name".
func defMethodN(k Kind, name string, lo, hi int, fn Method) {
	if methods[k] == nil {
		methods[k] = map[string]libMethod{}
	}
	if hi < 0 {
		hi = math.MaxInt
	}
	methods[k][name] = libMethod{lo, hi, fn}
}

// defDelegate registers the global function name(x, args...) as
// x.name(args...) for x of one of kinds.
func defDelegate(name string, kinds ...Kind) {
	def(name, func(m *Machine, args []Value) (Value, error) {
		if len(args) == 0 {
			return Nil, errorf(ErrArgs, "%s takes at least 1 argument, got 0", name)
		}
		for _, k := range kinds {
			if args[0].k != k {
				continue
			}
			mt := methods[k][name]
			hi := mt.hi
			if hi < math.MaxInt {
				hi++
			}
			if err := wantArgs(name, args, mt.lo+1, hi); err != nil {
				return Nil, err
			}
			return mt.fn(m, args[0], args[1:])
		}
		return Nil, errorf(ErrType, "%s: first argument must be %s, got %s", name, kindList(kinds), args[0].TypeName())
	})
}

// kindList spells kinds as "a string", "a string or list", "a string, list or map".
func kindList(kinds []Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.String()
	}
	s := names[len(names)-1]
	if len(names) > 1 {
		s = strings.Join(names[:len(names)-1], ", ") + " or " + s
	}
	if strings.IndexByte("aeiou", s[0]) >= 0 {
		return "an " + s
	}
	return "a " + s
}

// argTypeError reports an argument of the wrong kind: "split: separator must
// be a string, got int".
func argTypeError(fn, what, want string, got Value) *Error {
	return errorf(ErrType, "%s: %s must be %s, got %s", fn, what, want, got.TypeName())
}

// wantString returns v as a string or a type error naming its role.
func wantString(fn, what string, v Value) (string, error) {
	if v.k != KindString {
		return "", argTypeError(fn, what, "a string", v)
	}
	return v.AsString(), nil
}

// wantInt returns v as an int or a type error naming its role.
func wantInt(fn, what string, v Value) (int64, error) {
	if v.k != KindInt {
		return 0, argTypeError(fn, what, "an int", v)
	}
	return v.AsInt(), nil
}

// wantList returns v as a list or a type error naming its role.
func wantList(fn, what string, v Value) (*List, error) {
	if v.k != KindList {
		return nil, argTypeError(fn, what, "a list", v)
	}
	return v.AsList(), nil
}

// maxResult bounds the bytes of a string or bytes value a builtin or
// operator builds in one piece, so that a program without an allocation
// budget gets an error rather than an out-of-memory crash: Go cannot
// recover from a failed allocation.
const maxResult = 1 << 30

// maxListLen bounds the elements of a list built in one piece: maxResult
// bytes of slots. It counts bytes, not elements: [0] * 2147483647 would
// ask Go for 51 GB.
const maxListLen = maxResult / valueSize

// pollEvery is how many items a long builtin loop handles between two
// cancellation checks.
const pollEvery = 1024

// libTick charges a long builtin loop's iterations as steps of work,
// pollEvery at a time, and so also checks for cancellation.
func (m *Machine) libTick(i int) error {
	if i%pollEvery == pollEvery-1 {
		return m.work(pollEvery)
	}
	return nil
}

// listBuilder accumulates the elements of a new list, charging the
// allocation budget and polling for cancellation every pollEvery elements
// rather than once per element.
type listBuilder struct {
	m       *Machine
	elems   []Value
	charged int
}

// add appends v. Each new array is charged whole when it is made, and
// every pollEvery elements are charged as steps.
func (b *listBuilder) add(v Value) error {
	if len(b.elems) == cap(b.elems) {
		c := max(2*cap(b.elems), 8)
		if c > maxListLen {
			return errorf(ErrValue, "list of %d elements is too long", c)
		}
		if err := b.m.chargeList(c + 1); err != nil {
			return err
		}
		b.elems = append(make([]Value, 0, c), b.elems...)
	}
	b.elems = append(b.elems, v)
	if len(b.elems)-b.charged >= pollEvery {
		return b.flush()
	}
	return nil
}

// flush charges the elements added since the last flush as steps.
func (b *listBuilder) flush() error {
	n := len(b.elems) - b.charged
	b.charged = len(b.elems)
	return b.m.work(int64(n))
}

// list charges for the remaining elements and returns the list.
func (b *listBuilder) list() (Value, error) {
	if err := b.flush(); err != nil {
		return Nil, err
	}
	return NewList(b.elems), nil
}

// textBuilder is a strings.Builder whose buffer is charged to the
// allocation budget as it grows: each new buffer whole, when it is made,
// so that building text costs what Go allocates for it and stops at the
// budget instead of after the whole result was built.
type textBuilder struct {
	strings.Builder
	m    *Machine
	paid int // the capacity charged so far
}

// pay charges a buffer grown since the last call.
func (b *textBuilder) pay() error {
	if c := b.Cap(); c > b.paid && b.m != nil {
		b.paid = c
		if b.Len() > maxResult {
			return errorf(ErrValue, "result too large")
		}
		return b.m.charge(int64(c))
	}
	return nil
}

// chargeString charges n bytes of new string data.
func (m *Machine) chargeString(n int) error { return m.charge(int64(n)) }

// chargeList charges n new list slots.
func (m *Machine) chargeList(n int) error { return m.charge(int64(n) * valueSize) }

// Methods returns the names of the builtin methods of the type called
// typ ("string", "list", ...), sorted, for tools such as the language
// server's completion. Generators' and coroutines' methods, which
// transfer control, are not in the table and not listed.
func Methods(typ string) []string {
	for k, name := range kindNames {
		if name == typ {
			return slices.Sorted(maps.Keys(methods[k]))
		}
	}
	return nil
}
