package vm

// This file defines the list methods, their global twins, and the
// functions over sequences: list, sort, reversed, min, max and sum.

import (
	"math"
	"slices"
)

func init() {
	defMethodN(KindList, "push", 0, -1, mutator(listPush))
	defMethodN(KindList, "pop", 0, 1, mutator(listPop))
	defMethodN(KindList, "insert", 2, 2, mutator(listInsert))
	defMethodN(KindList, "remove", 1, 1, mutator(listRemove))
	defMethodN(KindList, "index", 1, 1, listIndex)
	defMethodN(KindList, "contains", 1, 1, func(m *Machine, l Value, args []Value) (Value, error) {
		ok, err := m.contains(l, args[0])
		return Bool(ok), err
	})
	defMethodN(KindList, "extend", 1, 1, mutator(listExtend))
	defMethodN(KindList, "reverse", 0, 0, mutator(func(m *Machine, l Value, args []Value) (Value, error) {
		slices.Reverse(l.AsList().Elems)
		return Nil, nil
	}))
	defMethodN(KindList, "sort", 0, 1, mutator(listSort))
	defMethodN(KindList, "copy", 0, 0, func(m *Machine, l Value, args []Value) (Value, error) {
		return m.copyList(l.AsList().Elems)
	})
	defMethodN(KindList, "join", 1, 1, func(m *Machine, l Value, args []Value) (Value, error) {
		sep, err := wantString("join", "separator", args[0])
		if err != nil {
			return Nil, err
		}
		return m.joinStrings(l.AsList(), sep)
	})

	for _, name := range []string{"push", "insert", "join"} {
		defDelegate(name, KindList)
	}
	defDelegate("pop", KindList, KindMap)
	defDelegate("remove", KindList, KindMap)
	defDelegate("contains", KindString, KindList, KindMap)
	def("list", builtinList)
	def("sort", builtinSort)
	def("reversed", builtinReversed)
	def("min", func(m *Machine, args []Value) (Value, error) { return m.minMax("min", args, -1) })
	def("max", func(m *Machine, args []Value) (Value, error) { return m.minMax("max", args, 1) })
	def("sum", builtinSum)
}

// listPush implements l.push(x...): it appends its arguments and returns nil.
func listPush(m *Machine, l Value, args []Value) (Value, error) {
	return Nil, m.appendValues(l.AsList(), args)
}

// appendValues appends vs to elems, doubling the capacity when it runs
// out. append grows large slices by only 1.25x, so a list built by pushes
// was allocated, cleared and copied about five times its final size;
// doubling makes that about twice. BenchmarkStringBuild (200,000 pushes):
// 28.7 to 15.2 MB and median 57.6 to 35.9 ms. Growing through
// slices.Grow, which clears only the new half, measured no faster.
//
// The allocation budget is charged two slots per element appended: the
// arrays of a list grown by doubling add up to less than that. (Charging
// each new array as it is made would be exact, but a restored list has
// no spare room, so the same pushes would be charged differently after a
// snapshot round trip, and the budget counter is part of the state.)
func (m *Machine) appendValues(l *List, vs []Value) error {
	if err := m.chargeList(2 * len(vs)); err != nil {
		return err
	}
	elems := l.Elems
	if n := len(elems) + len(vs); n > cap(elems) {
		if n > maxListLen {
			return errorf(ErrValue, "list of %d elements is too long", n)
		}
		c := max(2*cap(elems), n, 4)
		grown := make([]Value, len(elems), c)
		copy(grown, elems)
		elems = grown
	}
	l.Elems = append(elems, vs...)
	return nil
}

// listPop implements l.pop() and l.pop(i): it removes and returns the last
// element or the element at i (negative counts from the end). Popping an
// empty list or a missing index is an index_error.
func listPop(m *Machine, l Value, args []Value) (Value, error) {
	lst := l.AsList()
	n := len(lst.Elems)
	if n == 0 {
		return Nil, errorf(ErrIndex, "pop: empty list")
	}
	i := n - 1
	if len(args) == 1 {
		var err error
		if i, err = listPosition("pop", args[0], n, n-1); err != nil {
			return Nil, err
		}
	}
	v := lst.Elems[i]
	copy(lst.Elems[i:], lst.Elems[i+1:])
	lst.Elems[n-1] = Nil
	lst.Elems = lst.Elems[:n-1]
	return v, nil
}

// listPosition resolves a position argument: an int in [-n, last], with
// negatives counting from the end.
func listPosition(name string, v Value, n, last int) (int, error) {
	i, err := wantInt(name, "index", v)
	if err != nil {
		return 0, err
	}
	j := i
	if j < 0 {
		j += int64(n)
	}
	if j < 0 || j > int64(last) {
		return 0, errorf(ErrIndex, "%s: index %d out of range (length %d)", name, i, n)
	}
	return int(j), nil
}

// listInsert implements l.insert(i, x): x goes before the element at i;
// i == len(l) appends. Unlike Python, an index outside [-len(l), len(l)]
// is an index_error rather than clamped.
func listInsert(m *Machine, l Value, args []Value) (Value, error) {
	lst := l.AsList()
	n := len(lst.Elems)
	i, err := listPosition("insert", args[0], n, n)
	if err != nil {
		return Nil, err
	}
	if err := m.chargeList(1); err != nil {
		return Nil, err
	}
	lst.Elems = slices.Insert(lst.Elems, i, args[1])
	return Nil, nil
}

// listRemove implements l.remove(x): it removes the first element equal to
// x and returns nil; a value_error if there is none.
func listRemove(m *Machine, l Value, args []Value) (Value, error) {
	lst := l.AsList()
	i, err := m.listFind(lst, args[0])
	if err != nil {
		return Nil, err
	}
	if i < 0 {
		return Nil, errorf(ErrValue, "remove: %s not in list", shortRepr(args[0]))
	}
	n := len(lst.Elems)
	copy(lst.Elems[i:], lst.Elems[i+1:])
	lst.Elems[n-1] = Nil
	lst.Elems = lst.Elems[:n-1]
	return Nil, nil
}

// listIndex implements l.index(x): the position of the first element
// equal to x, or -1 when there is none (not an error, so that a missing
// element needs no try).
func listIndex(m *Machine, l Value, args []Value) (Value, error) {
	i, err := m.listFind(l.AsList(), args[0])
	return Int(int64(i)), err
}

// listFind returns the index of the first element of l equal to x, or -1.
// Each element visited, and each element inside it that == visits, is a
// step of work.
func (m *Machine) listFind(l *List, x Value) (int, error) {
	c := comparer{m: m}
	for i, e := range l.Elems {
		if err := c.tick(); err != nil {
			return -1, err
		}
		eq, err := c.equal(e, x, 0)
		if err != nil {
			return -1, c.finish(err)
		}
		if eq {
			return i, c.finish(nil)
		}
	}
	return -1, c.finish(nil)
}

// listExtend implements l.extend(other): it appends the elements of the
// list other and returns nil.
func listExtend(m *Machine, l Value, args []Value) (Value, error) {
	other, err := wantList("extend", "argument", args[0])
	if err != nil {
		return Nil, err
	}
	return Nil, m.appendValues(l.AsList(), other.Elems)
}

// listSort implements l.sort() and l.sort(fn), sorting l in place and
// returning nil. See sortValues for the order.
func listSort(m *Machine, l Value, args []Value) (Value, error) {
	fn := Nil
	if len(args) == 1 {
		fn = args[0]
	}
	lst := l.AsList()
	sorted := slices.Clone(lst.Elems)
	if err := m.sortValues("sort", sorted, fn); err != nil {
		return Nil, err
	}
	if len(lst.Elems) != len(sorted) {
		return Nil, errorf(ErrValue, "sort: list modified during sort")
	}
	copy(lst.Elems, sorted)
	return Nil, nil
}

// copyList returns a new list holding elems.
func (m *Machine) copyList(elems []Value) (Value, error) {
	if err := m.chargeList(len(elems)); err != nil {
		return Nil, err
	}
	return NewList(slices.Clone(elems)), nil
}

// builtinList implements list(x): a new list of the elements of x.
func builtinList(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("list", args, 1, 1); err != nil {
		return Nil, err
	}
	elems, err := m.iterElems("list", args[0])
	if err != nil {
		return Nil, err
	}
	return NewList(elems), nil
}

// iterElems returns a new slice of the elements a for loop over x visits:
// a list's elements, a string's characters, a bytes' byte values (ints), a
// map's keys, a range's ints. A generator is an error: collecting it
// would resume it from inside a Go function, where it may not yield.
func (m *Machine) iterElems(name string, x Value) ([]Value, error) {
	if err := m.poll(); err != nil {
		return nil, err
	}
	switch x.k {
	case KindList:
		elems := x.AsList().Elems
		if err := m.chargeList(len(elems)); err != nil {
			return nil, err
		}
		return slices.Clone(elems), nil
	case KindString:
		l, err := strChars(m, x, nil)
		if err != nil {
			return nil, err
		}
		return l.AsList().Elems, nil
	case KindMap:
		keys, err := mapKeys(m, x, nil)
		if err != nil {
			return nil, err
		}
		return keys.AsList().Elems, nil
	case KindBytes, KindRange:
		return m.intElements(name, x)
	case KindGenerator:
		return nil, errorf(ErrType, "%s() of a generator: iterate it with for", name)
	}
	return nil, errorf(ErrType, "%s: %s is not iterable", name, x.TypeName())
}

// intElements lists the ints of a bytes or range value.
func (m *Machine) intElements(name string, x Value) ([]Value, error) {
	var n uint64
	if x.k == KindBytes {
		n = uint64(len(x.AsBytes()))
	} else {
		n = x.asRange().length()
	}
	if n > maxListLen {
		return nil, errorf(ErrValue, "%s: %s of %d elements is too long", name, x.TypeName(), n)
	}
	if err := m.chargeList(int(n)); err != nil {
		return nil, err
	}
	out := make([]Value, n)
	if x.k == KindBytes {
		for i, c := range x.AsBytes() {
			out[i] = Int(int64(c))
		}
		return out, nil
	}
	r := x.asRange()
	for i := range out {
		out[i] = Int(r.at(uint64(i)))
		if err := m.libTick(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// builtinSort implements sort(x[, fn]): a new sorted list of the elements
// of x (anything list() accepts). x itself is not modified.
func builtinSort(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("sort", args, 1, 2); err != nil {
		return Nil, err
	}
	elems, err := m.iterElems("sort", args[0])
	if err != nil {
		return Nil, err
	}
	fn := Nil
	if len(args) == 2 {
		fn = args[1]
	}
	if err := m.sortValues("sort", elems, fn); err != nil {
		return Nil, err
	}
	return NewList(elems), nil
}

// builtinReversed implements reversed(x): a new list of the elements of x
// (anything list() accepts) in reverse order.
func builtinReversed(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("reversed", args, 1, 1); err != nil {
		return Nil, err
	}
	elems, err := m.iterElems("reversed", args[0])
	if err != nil {
		return Nil, err
	}
	slices.Reverse(elems)
	return NewList(elems), nil
}

// sortValues sorts elems stably in place. With fn nil, elements are
// ordered by Compare (the order of <). A .wf function of two parameters
// is a comparison function: fn(a, b) returns a negative number when a
// goes first, a positive one when b does, zero when either may. A .wf
// function of one parameter, or any builtin, is a key function: elements
// are ordered by Compare of fn(element), calling fn once per element.
// A comparison function that returns anything but an int or float, or
// that throws, makes the sort fail with that error.
func (m *Machine) sortValues(name string, elems []Value, fn Value) error {
	switch {
	case fn.k == KindNil:
		return m.sortBy(name, elems, func(a, b Value) (int, error) {
			c, err := m.order(a, b)
			return c, prefixErr(name, err)
		})
	case fn.k == KindBuiltin:
		return m.sortByKey(name, elems, fn)
	case fn.k != KindFunc:
		return argTypeError(name, "ordering function", "a function", fn)
	}
	switch p := fn.asClosure().Fn.NumParams; p {
	case 1:
		return m.sortByKey(name, elems, fn)
	case 2:
		return m.sortBy(name, elems, func(a, b Value) (int, error) { return m.callCompare(name, fn, a, b) })
	default:
		return errorf(ErrArgs, "%s: ordering function must take 1 parameter (a key function) or 2 (a comparison function), not %d", name, p)
	}
}

// sortBy sorts elems stably with cmp.
func (m *Machine) sortBy(name string, elems []Value, cmp func(a, b Value) (int, error)) error {
	return sortStable(m, elems, cmp)
}

// sortStable sorts xs stably with cmp, polling for cancellation as it
// goes. After the first error cmp is no longer called and the sort
// finishes in some order; the error is returned.
func sortStable[T any](m *Machine, xs []T, cmp func(a, b T) (int, error)) error {
	var err error
	calls := 0
	slices.SortStableFunc(xs, func(a, b T) int {
		if err != nil {
			return 0
		}
		calls++
		if err = m.libTick(calls); err != nil {
			return 0
		}
		var c int
		c, err = cmp(a, b)
		return c
	})
	return err
}

// callCompare calls a comparison function and reads its result as -1, 0 or 1.
func (m *Machine) callCompare(name string, fn, a, b Value) (int, error) {
	r, err := m.Call(fn, a, b)
	if err != nil {
		return 0, err
	}
	switch r.k {
	case KindInt:
		return cmp3(r.AsInt() < 0, r.AsInt() > 0), nil
	case KindFloat:
		return cmp3(r.AsFloat() < 0, r.AsFloat() > 0), nil
	}
	return 0, errorf(ErrType, "%s: comparison function must return a number (negative, zero or positive), got %s", name, r.TypeName())
}

// sortByKey sorts elems stably by Compare of key(element).
func (m *Machine) sortByKey(name string, elems []Value, key Value) error {
	type keyed struct{ k, v Value }
	pairs := make([]keyed, len(elems))
	for i, e := range elems {
		k, err := m.Call(key, e)
		if err != nil {
			return err
		}
		pairs[i] = keyed{k, e}
		if err := m.libTick(i); err != nil {
			return err
		}
	}
	err := sortStable(m, pairs, func(a, b keyed) (int, error) { return m.order(a.k, b.k) })
	if err != nil {
		return prefixErr(name, err)
	}
	for i, p := range pairs {
		elems[i] = p.v
	}
	return nil
}

// prefixErr puts "name: " before the message of a fresh runtime error
// (one not yet thrown), so that an error from Compare names the builtin.
func prefixErr(name string, err error) error {
	if e, ok := err.(*Error); ok && e.Trace == nil && !isUncatchable(e) {
		e.Msg = name + ": " + e.Msg
	}
	return err
}

// minMax implements min and max: min(a, b, ...) compares its arguments,
// min(x) the elements of x (anything list() accepts). The first of equal
// extremes wins; an empty sequence is a value_error.
func (m *Machine) minMax(name string, args []Value, sign int) (Value, error) {
	if err := wantArgs(name, args, 1, math.MaxInt); err != nil {
		return Nil, err
	}
	elems := args
	if len(args) == 1 {
		var err error
		if elems, err = m.seqElems(name, args[0]); err != nil {
			return Nil, err
		}
	}
	if len(elems) == 0 {
		return Nil, errorf(ErrValue, "%s: empty sequence", name)
	}
	best := elems[0]
	for i, e := range elems[1:] {
		c, err := m.order(e, best)
		if err != nil {
			return Nil, prefixErr(name, err)
		}
		if c*sign > 0 {
			best = e
		}
		if err := m.libTick(i); err != nil {
			return Nil, err
		}
	}
	return best, nil
}

// seqElems returns the elements of x without copying a list.
func (m *Machine) seqElems(name string, x Value) ([]Value, error) {
	if x.k == KindList {
		return x.AsList().Elems, nil
	}
	return m.iterElems(name, x)
}

// builtinSum implements sum(x): the sum of the numbers of x (anything
// list() accepts), 0 when x is empty. Ints add with an overflow check;
// once a float is met the sum continues as a float.
func builtinSum(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("sum", args, 1, 1); err != nil {
		return Nil, err
	}
	elems, err := m.seqElems("sum", args[0])
	if err != nil {
		return Nil, err
	}
	acc := Int(0)
	for i, e := range elems {
		if e.k != KindInt && e.k != KindFloat {
			return Nil, errorf(ErrType, "sum: element %d must be a number, got %s", i, e.TypeName())
		}
		if acc.k == KindInt && e.k == KindInt {
			s := acc.AsInt() + e.AsInt()
			if (acc.AsInt()^s)&(e.AsInt()^s) < 0 {
				return Nil, errorf(ErrOverflow, "sum: integer overflow")
			}
			acc = Int(s)
		} else {
			a, _ := acc.Number()
			b, _ := e.Number()
			acc = Float(a + b)
		}
		if err := m.libTick(i); err != nil {
			return Nil, err
		}
	}
	return acc, nil
}
