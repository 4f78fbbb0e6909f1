package vm

import "testing"

func TestLibMaps(t *testing.T) {
	abc := func() Value { return mv(sv("a"), iv(1), sv("b"), iv(2), sv("c"), iv(3)) }
	runLibCases(t, []libCase{
		{fn: "map.get", args: []Value{abc(), sv("b")}, want: int64(2)},
		{fn: "map.get", args: []Value{abc(), sv("z")}, want: nil},
		{fn: "map.get", args: []Value{abc(), sv("z"), iv(0)}, want: int64(0)},
		{fn: "map.get", args: []Value{mv(iv(1), sv("one")), fv(1.0)}, want: "one"},
		{fn: "map.get", args: []Value{abc(), lv()}, err: "type_error: unhashable type list"},
		{fn: "map.get", args: []Value{abc()}, err: "argument_error: map.get takes at least 1 argument, got 0"},

		{fn: "map.keys", args: []Value{abc()}, want: strs("a", "b", "c")},
		{fn: "map.values", args: []Value{abc()}, want: ints(1, 2, 3)},
		{fn: "map.items", args: []Value{abc()}, want: []any{[]any{"a", int64(1)}, []any{"b", int64(2)}, []any{"c", int64(3)}}},
		{fn: "map.items", args: []Value{mv()}, want: []any{}},
		{fn: "keys", args: []Value{abc()}, want: strs("a", "b", "c")},
		{fn: "values", args: []Value{abc()}, want: ints(1, 2, 3)},
		{fn: "items", args: []Value{mv(iv(1), iv(2))}, want: []any{ints(1, 2)}},
		{fn: "keys", args: []Value{lv()}, err: "type_error: keys: first argument must be a map, got list"},

		{fn: "map.contains", args: []Value{abc(), sv("a")}, want: true},
		{fn: "map.has", args: []Value{abc(), sv("z")}, want: false},
		{fn: "contains", args: []Value{abc(), sv("c")}, want: true},

		{fn: "map.remove", args: []Value{abc(), sv("b")}, want: int64(2), recv: []entry{{"a", int64(1)}, {"c", int64(3)}}},
		{fn: "map.delete", args: []Value{abc(), sv("z")}, want: nil, recv: []entry{{"a", int64(1)}, {"b", int64(2)}, {"c", int64(3)}}},
		{fn: "map.pop", args: []Value{abc(), sv("a")}, want: int64(1), recv: []entry{{"b", int64(2)}, {"c", int64(3)}}},
		{fn: "map.pop", args: []Value{abc(), sv("z"), sv("dflt")}, want: "dflt"},
		{fn: "map.pop", args: []Value{abc(), sv("z")}, err: `key_error: pop: key "z" not found`},

		{fn: "map.set", args: []Value{abc(), sv("a"), iv(9)}, want: nil, recv: []entry{{"a", int64(9)}, {"b", int64(2)}, {"c", int64(3)}}},
		{fn: "map.set", args: []Value{mv(), sv("k"), iv(9)}, want: nil, recv: []entry{{"k", int64(9)}}},
		{fn: "map.set", args: []Value{mv(), lv(), iv(9)}, err: "type_error: unhashable type list"},
		{fn: "map.copy", args: []Value{abc()}, want: []entry{{"a", int64(1)}, {"b", int64(2)}, {"c", int64(3)}}},
		{fn: "map.update", args: []Value{mv(sv("b"), iv(0), sv("z"), iv(26)), abc()}, want: nil,
			recv: []entry{{"b", int64(2)}, {"z", int64(26)}, {"a", int64(1)}, {"c", int64(3)}}},
		{fn: "map.update", args: []Value{abc(), lv()}, err: "type_error: update: argument must be a map, got list"},
	})
}

// TestLibMapCopyIsShallow checks that copy gives a new map with the same
// element values.
func TestLibMapCopyIsShallow(t *testing.T) {
	inner := lv(iv(1))
	orig := mv(sv("l"), inner)
	c, err := libCall(testMachine(), "map.copy", []Value{orig})
	if err != nil {
		t.Fatal(err)
	}
	c.AsMap().Set(sv("new"), Nil)
	if orig.AsMap().Len() != 1 {
		t.Errorf("adding to the copy changed the original: %s", Repr(orig))
	}
	got, _, _ := c.AsMap().Get(sv("l"))
	if got.AsList() != inner.AsList() {
		t.Errorf("copy does not share the element list")
	}
}

// TestMapSeenStale checks that the address cache of string lookups never
// answers for a key it no longer describes: after deletes, compaction,
// re-insertion, and for keys that share their first byte's address.
func TestMapSeenStale(t *testing.T) {
	text := "abcdefgh"
	m := NewMap(0)
	for i := 1; i <= len(text); i++ {
		if _, err := m.Set(String(text[:i]), Int(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{1, 3, 5, 7, 8} { // the fifth delete compacts
		if _, _, err := m.Delete(String(text[:i])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Set(String(text[:1]), Int(100)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= len(text); i++ {
		key := text[:i]
		want, present := int64(i), i%2 == 0 && i != 8
		if i == 1 {
			want, present = 100, true
		}
		for _, k := range []Value{String(key), String(string([]byte(key)))} {
			v, ok, err := m.Get(k)
			if err != nil || ok != present || (ok && v.AsInt() != want) {
				t.Errorf("Get(%q) = %v, %v, %v; want %d, %v", key, Repr(v), ok, err, want, present)
			}
		}
	}
}
