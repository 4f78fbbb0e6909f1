package vm

// This file defines equality and ordering: exact between ints and floats,
// bounded in depth, and paid for in steps by the machine that asks.

import (
	"math"
	"strings"
)

// maxEqualDepth bounds the recursion of == and of ordering on nested or
// cyclic data.
const maxEqualDepth = 200

// maxGoCompareWork bounds the elements one Equal or Compare called from Go
// (without a machine to charge) may visit: equal DAGs of shared sublists
// make a small value exponentially long to walk.
const maxGoCompareWork = 1 << 26

// unordered is what cmpNumbers reports when either side is NaN.
const unordered = 2

// comparer walks two values for == or ordering. Each list element or map
// entry it visits is one step of work, charged to m's step budget (and so
// polling cancellation), or counted against maxGoCompareWork when m is nil.
type comparer struct {
	m    *Machine
	work int64 // elements visited and not yet charged
	done int64 // elements charged so far (m == nil)
}

// tick counts one visited element, charging every chargeEvery of them.
func (c *comparer) tick() error {
	c.work++
	if c.work < chargeEvery {
		return nil
	}
	return c.flush()
}

// chargeEvery is how many elements a comparison visits between charges.
const chargeEvery = 256

// flush charges the work counted so far.
func (c *comparer) flush() error {
	n := c.work
	c.work = 0
	if c.m != nil {
		return c.m.work(n)
	}
	c.done += n
	if c.done > maxGoCompareWork {
		return errorf(ErrLimit, "comparison visits more than %d elements", maxGoCompareWork)
	}
	return nil
}

// finish charges what is left and returns err, or the charge's error.
func (c *comparer) finish(err error) error {
	if c.work == 0 {
		return err
	}
	if ferr := c.flush(); err == nil {
		err = ferr
	}
	return err
}

// Equal reports whether x == y: numbers by exact value (1 == 1.0, but
// 2^53 + 1 != 2^53 as a float), strings and bytes by content, lists and
// maps element by element, everything else by identity.
func Equal(x, y Value) (bool, error) { return (*Machine)(nil).equal(x, y) }

// equal is == run by m, which pays for the elements visited.
func (m *Machine) equal(x, y Value) (bool, error) {
	if x.k == y.k && x.k <= KindInt {
		return x.n == y.n, nil
	}
	c := comparer{m: m}
	eq, err := c.equal(x, y, 0)
	return eq && err == nil, c.finish(err)
}

func (c *comparer) equal(x, y Value, depth int) (bool, error) {
	if depth > maxEqualDepth {
		return false, errorf(ErrValue, "comparison nested too deeply (cyclic data?)")
	}
	if x.k != y.k {
		return cmpNumbers(x, y) == 0, nil
	}
	switch x.k {
	case KindNil, KindBool, KindInt:
		return x.n == y.n, nil
	case KindFloat:
		return x.AsFloat() == y.AsFloat(), nil
	case KindString:
		return x.AsString() == y.AsString(), c.bytes(min(x.n, y.n))
	case KindBytes:
		a, b := x.AsBytes(), y.AsBytes()
		return string(a) == string(b), c.bytes(uint64(min(len(a), len(b))))
	case KindList:
		return c.listEqual(x.AsList(), y.AsList(), depth)
	case KindMap:
		return c.mapEqual(x.AsMap(), y.AsMap(), depth)
	case KindRange:
		a, b := x.asRange(), y.asRange()
		return *a == *b, nil
	}
	return x.p == y.p, nil
}

// bytes counts comparing n bytes: one element per 64.
func (c *comparer) bytes(n uint64) error {
	if n < 64 {
		return nil
	}
	c.work += int64(n / 64)
	if c.work < chargeEvery {
		return nil
	}
	return c.flush()
}

func (c *comparer) listEqual(a, b *List, depth int) (bool, error) {
	if a == b {
		return true, nil
	}
	if len(a.Elems) != len(b.Elems) {
		return false, nil
	}
	for i := range a.Elems {
		if err := c.tick(); err != nil {
			return false, err
		}
		if eq, err := c.equal(a.Elems[i], b.Elems[i], depth+1); !eq || err != nil {
			return false, err
		}
	}
	return true, nil
}

func (c *comparer) mapEqual(a, b *Map, depth int) (bool, error) {
	if a == b {
		return true, nil
	}
	if a.Len() != b.Len() {
		return false, nil
	}
	for _, e := range a.entries {
		if e.deleted {
			continue
		}
		if err := c.tick(); err != nil {
			return false, err
		}
		v, ok, err := b.Get(e.Key)
		if err != nil || !ok {
			return false, err
		}
		if eq, err := c.equal(e.Value, v, depth+1); !eq || err != nil {
			return false, err
		}
	}
	return true, nil
}

// Compare orders two values: numbers by exact value, strings and bytes
// bytewise, lists lexicographically. Other pairs are a type error. NaN is
// neither less nor greater than anything (0); the operators < <= > >=
// are all false for it.
func Compare(x, y Value) (int, error) {
	c, err := (*Machine)(nil).compare(x, y)
	if c == unordered {
		c = 0
	}
	return c, err
}

// compare orders x and y for m, which pays for the elements visited; it
// returns unordered when a NaN decides.
func (m *Machine) compare(x, y Value) (int, error) {
	if x.k == KindInt && y.k == KindInt {
		a, b := x.AsInt(), y.AsInt()
		return cmp3(a < b, a > b), nil
	}
	c := comparer{m: m}
	r, err := c.compare(x, y, 0)
	return r, c.finish(err)
}

// order is compare for sorting, min and max: NaN orders as equal to
// everything.
func (m *Machine) order(x, y Value) (int, error) {
	c, err := m.compare(x, y)
	if c == unordered {
		c = 0
	}
	return c, err
}

func (c *comparer) compare(x, y Value, depth int) (int, error) {
	if depth > maxEqualDepth {
		return 0, errorf(ErrValue, "comparison nested too deeply (cyclic data?)")
	}
	if r := cmpNumbers(x, y); r != notNumbers {
		return r, nil
	}
	switch {
	case x.k == KindString && y.k == KindString:
		return strings.Compare(x.AsString(), y.AsString()), c.bytes(min(x.n, y.n))
	case x.k == KindBytes && y.k == KindBytes:
		a, b := x.AsBytes(), y.AsBytes()
		return strings.Compare(string(a), string(b)), c.bytes(uint64(min(len(a), len(b))))
	case x.k == KindList && y.k == KindList:
		return c.compareLists(x.AsList().Elems, y.AsList().Elems, depth)
	}
	return 0, errorf(ErrType, "cannot compare %s with %s", x.TypeName(), y.TypeName())
}

func (c *comparer) compareLists(a, b []Value, depth int) (int, error) {
	for i := 0; i < len(a) && i < len(b); i++ {
		if err := c.tick(); err != nil {
			return 0, err
		}
		r, err := c.compare(a[i], b[i], depth+1)
		if err != nil || r != 0 {
			return r, err
		}
	}
	return cmp3(len(a) < len(b), len(a) > len(b)), nil
}

// notNumbers is what cmpNumbers reports when x or y is not a number.
const notNumbers = -2

// cmpNumbers orders two numbers exactly: -1, 0 or 1, unordered when
// either is NaN, notNumbers when either is not an int or float. An int and
// a float compare as the mathematical numbers they denote, not through a
// float64 conversion that would round the int.
func cmpNumbers(x, y Value) int {
	switch {
	case x.k == KindInt && y.k == KindInt:
		a, b := x.AsInt(), y.AsInt()
		return cmp3(a < b, a > b)
	case x.k == KindFloat && y.k == KindFloat:
		a, b := x.AsFloat(), y.AsFloat()
		if a != a || b != b {
			return unordered
		}
		return cmp3(a < b, a > b)
	case x.k == KindInt && y.k == KindFloat:
		return cmpIntFloat(x.AsInt(), y.AsFloat())
	case x.k == KindFloat && y.k == KindInt:
		if r := cmpIntFloat(y.AsInt(), x.AsFloat()); r != unordered {
			return -r
		}
		return unordered
	}
	return notNumbers
}

// cmpIntFloat compares the int a with the float b exactly.
func cmpIntFloat(a int64, b float64) int {
	switch {
	case b != b:
		return unordered
	case b >= 0x1p63:
		return -1
	case b < -0x1p63:
		return 1
	}
	t := math.Trunc(b) // in [-2^63, 2^63): converts exactly
	if bi := int64(t); a != bi {
		return cmp3(a < bi, a > bi)
	}
	return cmp3(t < b, t > b) // a == trunc(b): b's fraction decides
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}
