package vm

import (
	"context"
	"testing"
)

func TestLibLists(t *testing.T) {
	lenFn := BuiltinValue(universe["len"])
	runLibCases(t, []libCase{
		{fn: "list.push", args: []Value{lv(iv(1)), iv(2), iv(3)}, want: nil, recv: ints(1, 2, 3)},
		{fn: "list.push", args: []Value{lv()}, want: nil, recv: ints()},
		{fn: "push", args: []Value{lv(), sv("a")}, want: nil, recv: strs("a")},
		{fn: "push", args: []Value{sv("a"), sv("a")}, err: "type_error: push: first argument must be a list, got string"},

		{fn: "list.pop", args: []Value{lv(iv(1), iv(2), iv(3))}, want: int64(3), recv: ints(1, 2)},
		{fn: "list.pop", args: []Value{lv(iv(1), iv(2), iv(3)), iv(0)}, want: int64(1), recv: ints(2, 3)},
		{fn: "list.pop", args: []Value{lv(iv(1), iv(2), iv(3)), iv(-2)}, want: int64(2), recv: ints(1, 3)},
		{fn: "list.pop", args: []Value{lv(iv(1)), iv(1)}, err: "index_error: pop: index 1 out of range (length 1)"},
		{fn: "list.pop", args: []Value{lv(iv(1)), iv(-2)}, err: "index_error: pop: index -2 out of range"},
		{fn: "list.pop", args: []Value{lv()}, err: "index_error: pop: empty list"},
		{fn: "list.pop", args: []Value{lv(iv(1)), sv("0")}, err: "type_error: pop: index must be an int, got string"},
		{fn: "pop", args: []Value{lv(iv(1), iv(2))}, want: int64(2)},
		{fn: "pop", args: []Value{mv(sv("a"), iv(1)), sv("a")}, want: int64(1), recv: []entry{}},
		{fn: "pop", args: []Value{iv(1)}, err: "pop: first argument must be a list or map, got int"},

		{fn: "list.insert", args: []Value{lv(iv(1), iv(3)), iv(1), iv(2)}, want: nil, recv: ints(1, 2, 3)},
		{fn: "list.insert", args: []Value{lv(iv(1)), iv(1), iv(2)}, want: nil, recv: ints(1, 2)},
		{fn: "list.insert", args: []Value{lv(iv(1)), iv(-1), iv(0)}, want: nil, recv: ints(0, 1)},
		{fn: "list.insert", args: []Value{lv(), iv(0), iv(0)}, want: nil, recv: ints(0)},
		{fn: "list.insert", args: []Value{lv(iv(1)), iv(2), iv(0)}, err: "index_error: insert: index 2 out of range (length 1)"},
		{fn: "list.insert", args: []Value{lv(iv(1)), iv(-2), iv(0)}, err: "index_error"},
		{fn: "insert", args: []Value{lv(iv(2)), iv(0), iv(1)}, want: nil, recv: ints(1, 2)},
		{fn: "insert", args: []Value{lv(iv(2)), iv(0)}, err: "argument_error: insert takes 3 arguments, got 2"},

		{fn: "list.remove", args: []Value{lv(iv(1), iv(2), iv(1)), iv(1)}, want: nil, recv: ints(2, 1)},
		{fn: "list.remove", args: []Value{lv(iv(1), iv(2)), fv(2)}, want: nil, recv: ints(1)},
		{fn: "list.remove", args: []Value{lv(iv(1)), iv(5)}, err: "value_error: remove: 5 not in list"},
		{fn: "remove", args: []Value{lv(sv("a")), sv("a")}, want: nil, recv: strs()},
		{fn: "remove", args: []Value{mv(sv("a"), iv(1)), sv("a")}, want: int64(1), recv: []entry{}},

		{fn: "list.index", args: []Value{lv(sv("a"), sv("b")), sv("b")}, want: int64(1)},
		{fn: "list.index", args: []Value{lv(sv("a"), sv("b")), sv("c")}, want: int64(-1)},
		{fn: "list.index", args: []Value{lv(lv(iv(1))), lv(iv(1))}, want: int64(0)},
		{fn: "list.contains", args: []Value{lv(iv(1), iv(2)), fv(2.0)}, want: true},
		{fn: "list.contains", args: []Value{lv(iv(1), iv(2)), sv("2")}, want: false},
		{fn: "contains", args: []Value{lv(iv(1)), iv(1)}, want: true},
		{fn: "contains", args: []Value{iv(1), iv(1)}, err: "contains: first argument must be a string, list or map, got int"},

		{fn: "list.extend", args: []Value{lv(iv(1)), lv(iv(2), iv(3))}, want: nil, recv: ints(1, 2, 3)},
		{fn: "list.extend", args: []Value{lv(iv(1)), sv("ab")}, err: "type_error: extend: argument must be a list, got string"},
		{fn: "list.reverse", args: []Value{lv(iv(1), iv(2), iv(3))}, want: nil, recv: ints(3, 2, 1)},
		{fn: "list.copy", args: []Value{lv(iv(1), lv(iv(2)))}, want: []any{int64(1), ints(2)}},

		{fn: "list.sort", args: []Value{lv(iv(3), fv(1.5), iv(2))}, want: nil, recv: []any{1.5, int64(2), int64(3)}},
		{fn: "list.sort", args: []Value{lv(sv("b"), sv("a"))}, want: nil, recv: strs("a", "b")},
		{fn: "list.sort", args: []Value{lv(sv("bb"), sv("a"), sv("cc"), sv("d")), lenFn}, want: nil, recv: strs("a", "d", "bb", "cc")},
		{fn: "list.sort", args: []Value{lv(iv(2), sv("a"), iv(1))}, err: "type_error: sort: cannot compare", recv: []any{int64(2), "a", int64(1)}},
		{fn: "list.sort", args: []Value{lv(iv(1)), iv(1)}, err: "type_error: sort: ordering function must be a function, got int"},
		{fn: "list.sort", args: []Value{lv(sv("a"), iv(1)), lenFn}, err: "len: int has no length"},
		{fn: "sort", args: []Value{lv(iv(3), iv(1), iv(2))}, want: ints(1, 2, 3), recv: ints(3, 1, 2)},
		{fn: "sort", args: []Value{sv("cab")}, want: strs("a", "b", "c")},
		{fn: "sort", args: []Value{mv(sv("b"), iv(1), sv("a"), iv(2))}, want: strs("a", "b")},
		{fn: "sort", args: []Value{lv(lv(iv(2), iv(1)), lv(iv(1), iv(5)), lv(iv(1)))}, want: []any{ints(1), ints(1, 5), ints(2, 1)}},
		{fn: "sort", args: []Value{lv(sv("ccc"), sv("a"), sv("bb")), lenFn}, want: strs("a", "bb", "ccc")},
		{fn: "sort", args: []Value{iv(3)}, err: "type_error: sort: int is not iterable"},

		{fn: "reversed", args: []Value{lv(iv(1), iv(2))}, want: ints(2, 1), recv: ints(1, 2)},
		{fn: "reversed", args: []Value{sv("abc")}, want: strs("c", "b", "a")},
		{fn: "reversed", args: []Value{rangeValue(&Range{0, 3, 1})}, want: ints(2, 1, 0)},

		{fn: "list", args: []Value{lv(iv(1))}, want: ints(1)},
		{fn: "list", args: []Value{sv("hé")}, want: strs("h", "é")},
		{fn: "list", args: []Value{bv("AB")}, want: ints(65, 66)},
		{fn: "list", args: []Value{mv(sv("x"), iv(1), iv(2), iv(3))}, want: []any{"x", int64(2)}},
		{fn: "list", args: []Value{rangeValue(&Range{10, 0, -3})}, want: ints(10, 7, 4, 1)},
		{fn: "list", args: []Value{rangeValue(&Range{0, 1 << 62, 1})}, err: "value_error: list: range of 4611686018427387904 elements is too long"},
		{fn: "list", args: []Value{generatorValue(&Fiber{})}, err: "type_error: list() of a generator: iterate it with for"},
		{fn: "list", args: []Value{Nil}, err: "type_error: list: nil is not iterable"},
		{fn: "list", args: []Value{}, err: "argument_error: list takes 1 argument, got 0"},

		{fn: "min", args: []Value{iv(3), iv(1), iv(2)}, want: int64(1)},
		{fn: "min", args: []Value{lv(iv(3), fv(0.5))}, want: 0.5},
		{fn: "min", args: []Value{sv("bca")}, want: "a"},
		{fn: "min", args: []Value{iv(1), iv(1.0)}, want: int64(1)},
		{fn: "max", args: []Value{iv(3), iv(1), iv(2)}, want: int64(3)},
		{fn: "max", args: []Value{lv(sv("a"), sv("c"), sv("b"))}, want: "c"},
		{fn: "max", args: []Value{lv()}, err: "value_error: max: empty sequence"},
		{fn: "max", args: []Value{iv(1), sv("a")}, err: "type_error: max: cannot compare string with int"},
		{fn: "max", args: []Value{iv(1)}, err: "max: int is not iterable"},
		{fn: "max", args: []Value{}, err: "argument_error: max takes at least 1 argument, got 0"},

		{fn: "sum", args: []Value{lv(iv(1), iv(2), iv(3))}, want: int64(6)},
		{fn: "sum", args: []Value{lv()}, want: int64(0)},
		{fn: "sum", args: []Value{lv(iv(1), fv(0.5), iv(1))}, want: 2.5},
		{fn: "sum", args: []Value{rangeValue(&Range{0, 5, 1})}, want: int64(10)},
		{fn: "sum", args: []Value{lv(iv(1<<62), iv(1<<62))}, err: "overflow: sum: integer overflow"},
		{fn: "sum", args: []Value{lv(iv(1), sv("a"))}, err: "type_error: sum: element 1 must be a number, got string"},
	})
}

// TestLibSortStable checks that sorting by a key keeps equal keys in order.
func TestLibSortStable(t *testing.T) {
	var elems []Value
	for i := range 2000 {
		elems = append(elems, lv(iv(int64(i%7)), iv(int64(i))))
	}
	m := testMachine()
	first := BuiltinValue(&Builtin{Name: "first", Fn: func(m *Machine, args []Value) (Value, error) {
		return args[0].AsList().Elems[0], nil
	}})
	got, err := libCall(m, "sort", []Value{NewList(elems), first})
	if err != nil {
		t.Fatal(err)
	}
	out := got.AsList().Elems
	for i := 1; i < len(out); i++ {
		a, b := out[i-1].AsList().Elems, out[i].AsList().Elems
		if a[0].AsInt() > b[0].AsInt() || (a[0].AsInt() == b[0].AsInt() && a[1].AsInt() > b[1].AsInt()) {
			t.Fatalf("not stably sorted at %d: %s then %s", i, Repr(out[i-1]), Repr(out[i]))
		}
	}
}

// TestLibCancel checks that long builtins notice cancellation.
func TestLibCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := make([]Value, 5000)
	for i := range big {
		big[i] = iv(int64(len(big) - i))
	}
	for _, fn := range []string{"sort", "list", "sum", "max"} {
		m := &Machine{ctx: ctx}
		_, err := libCall(m, fn, []Value{NewList(big)})
		if e, ok := err.(*Error); !ok || e.Kind != ErrCancelled {
			t.Errorf("%s with a cancelled context: got %v, want a cancelled error", fn, err)
		}
	}
}

// TestLibListBudget checks that builtins which build lists charge for them.
func TestLibListBudget(t *testing.T) {
	cases := []libCase{
		{fn: "list", args: []Value{rangeValue(&Range{0, 100, 1})}},
		{fn: "sort", args: []Value{rangeValue(&Range{0, 100, 1})}},
		{fn: "list.copy", args: []Value{NewList(make([]Value, 100))}},
		{fn: "list.extend", args: []Value{lv(), NewList(make([]Value, 100))}},
		{fn: "map.keys", args: []Value{bigMap(100)}},
		{fn: "map.items", args: []Value{bigMap(100)}},
		{fn: "string.chars", args: []Value{sv(string(make([]byte, 2000)))}},
	}
	for _, c := range cases {
		m := &Machine{opts: Options{MaxAlloc: 1000}}
		if _, err := libCall(m, c.fn, c.args); err == nil || err.(*Error).Kind != ErrLimit {
			t.Errorf("%s over budget: got %v, want a limit error", c.fn, err)
		}
	}
}

func bigMap(n int) Value {
	mp := NewMap(n)
	for i := range n {
		mp.Set(iv(int64(i)), Nil)
	}
	return MapValue(mp)
}
