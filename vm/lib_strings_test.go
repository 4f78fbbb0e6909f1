package vm

import "testing"

func TestLibStrings(t *testing.T) {
	runLibCases(t, []libCase{
		{fn: "string.split", args: []Value{sv("a,b,,c"), sv(",")}, want: strs("a", "b", "", "c")},
		{fn: "string.split", args: []Value{sv("a,b,"), sv(",")}, want: strs("a", "b", "")},
		{fn: "string.split", args: []Value{sv(""), sv(",")}, want: strs("")},
		{fn: "string.split", args: []Value{sv("a::b"), sv("::")}, want: strs("a", "b")},
		{fn: "string.split", args: []Value{sv("  a b\t\nc  ")}, want: strs("a", "b", "c")},
		{fn: "string.split", args: []Value{sv("   ")}, want: strs()},
		{fn: "string.split", args: []Value{sv("a"), sv("")}, err: "value_error: split: empty separator"},
		{fn: "string.split", args: []Value{sv("a"), iv(1)}, err: "type_error: split: separator must be a string, got int"},
		{fn: "string.split", args: []Value{sv("a"), sv(","), sv(",")}, err: "argument_error: string.split takes at most 1 argument, got 2"},
		{fn: "split", args: []Value{sv("a b"), sv(" ")}, want: strs("a", "b")},
		{fn: "split", args: []Value{sv("a b")}, want: strs("a", "b")},
		{fn: "split", args: []Value{iv(1), sv(" ")}, err: "type_error: split: first argument must be a string, got int"},
		{fn: "split", args: []Value{sv("a"), sv(","), sv(",")}, err: "argument_error: split takes at most 2 arguments, got 3"},
		{fn: "split", args: nil, err: "argument_error: split takes at least 1 argument, got 0"},

		{fn: "string.join", args: []Value{sv(", "), lv(sv("a"), sv("b"), sv("c"))}, want: "a, b, c"},
		{fn: "string.join", args: []Value{sv(","), lv()}, want: ""},
		{fn: "string.join", args: []Value{sv(","), lv(sv("a"), iv(1))}, err: "type_error: join: element 1 must be a string, got int"},
		{fn: "string.join", args: []Value{sv(","), sv("ab")}, err: "type_error: join: argument must be a list, got string"},
		{fn: "list.join", args: []Value{lv(sv("a"), sv("b")), sv("-")}, want: "a-b"},
		{fn: "list.join", args: []Value{lv(sv("a")), iv(1)}, err: "type_error: join: separator must be a string, got int"},
		{fn: "join", args: []Value{lv(sv("a"), sv("b")), sv("")}, want: "ab"},
		{fn: "join", args: []Value{sv(","), lv(sv("a"))}, err: "join: first argument must be a list, got string"},

		{fn: "string.trim", args: []Value{sv(" \t a b \n")}, want: "a b"},
		{fn: "string.trim", args: []Value{sv("xxaxyx"), sv("xy")}, want: "a"},
		{fn: "string.trim", args: []Value{sv("a"), iv(1)}, err: "trim: characters must be a string, got int"},
		{fn: "string.trim_left", args: []Value{sv("  a  ")}, want: "a  "},
		{fn: "string.trim_left", args: []Value{sv("xxaxx"), sv("x")}, want: "axx"},
		{fn: "string.trim_right", args: []Value{sv("  a  ")}, want: "  a"},
		{fn: "string.trim_right", args: []Value{sv("xxaxx"), sv("x")}, want: "xxa"},
		{fn: "trim", args: []Value{sv(" a ")}, want: "a"},

		{fn: "string.upper", args: []Value{sv("abc é")}, want: "ABC É"},
		{fn: "string.lower", args: []Value{sv("ABC É")}, want: "abc é"},
		{fn: "upper", args: []Value{sv("a")}, want: "A"},
		{fn: "lower", args: []Value{sv("A")}, want: "a"},
		{fn: "upper", args: []Value{iv(1)}, err: "upper: first argument must be a string, got int"},
		{fn: "string.upper", args: []Value{sv("a"), sv("b")}, err: "string.upper takes 0 arguments, got 1"},

		{fn: "string.replace", args: []Value{sv("aaa"), sv("a"), sv("bb")}, want: "bbbbbb"},
		{fn: "string.replace", args: []Value{sv("aaa"), sv("a"), sv("b"), iv(2)}, want: "bba"},
		{fn: "string.replace", args: []Value{sv("aaa"), sv("a"), sv("b"), iv(-1)}, want: "bbb"},
		{fn: "string.replace", args: []Value{sv("aaa"), sv("x"), sv("b")}, want: "aaa"},
		{fn: "string.replace", args: []Value{sv("ab"), sv(""), sv("-")}, want: "-a-b-"},
		{fn: "string.replace", args: []Value{sv("a"), iv(1), sv("b")}, err: "replace: old must be a string, got int"},
		{fn: "string.replace", args: []Value{sv("a"), sv("a"), Nil}, err: "replace: new must be a string, got nil"},
		{fn: "string.replace", args: []Value{sv("a"), sv("a"), sv("b"), sv("1")}, err: "replace: count must be an int, got string"},
		{fn: "replace", args: []Value{sv("a.b"), sv("."), sv("/")}, want: "a/b"},

		{fn: "string.starts_with", args: []Value{sv("hello"), sv("he")}, want: true},
		{fn: "string.starts_with", args: []Value{sv("hello"), sv("lo")}, want: false},
		{fn: "string.ends_with", args: []Value{sv("hello"), sv("lo")}, want: true},
		{fn: "starts_with", args: []Value{sv("hello"), sv("")}, want: true},
		{fn: "ends_with", args: []Value{sv("hello"), iv(1)}, err: "ends_with: suffix must be a string, got int"},

		{fn: "string.find", args: []Value{sv("héllo"), sv("l")}, want: int64(3)},
		{fn: "string.find", args: []Value{sv("hello"), sv("z")}, want: int64(-1)},
		{fn: "find", args: []Value{sv("hello"), sv("")}, want: int64(0)},
		{fn: "string.contains", args: []Value{sv("hello"), sv("ell")}, want: true},
		{fn: "string.contains", args: []Value{sv("hello"), sv("x")}, want: false},
		{fn: "string.contains", args: []Value{sv("hello"), iv(1)}, err: "contains: substring must be a string, got int"},
		{fn: "contains", args: []Value{sv("hello"), sv("h")}, want: true},
		{fn: "string.count", args: []Value{sv("banana"), sv("an")}, want: int64(2)},
		{fn: "string.count", args: []Value{sv("aaaa"), sv("aa")}, want: int64(2)},
		{fn: "string.count", args: []Value{sv("héllo"), sv("")}, want: int64(6)},

		{fn: "string.repeat", args: []Value{sv("ab"), iv(3)}, want: "ababab"},
		{fn: "string.repeat", args: []Value{sv("ab"), iv(0)}, want: ""},
		{fn: "string.repeat", args: []Value{sv("ab"), iv(-2)}, want: ""},
		{fn: "string.repeat", args: []Value{sv("ab"), fv(2)}, err: "repeat: count must be an int, got float"},
		{fn: "string.repeat", args: []Value{sv("ab"), iv(1 << 40)}, err: "too large"},

		{fn: "string.lines", args: []Value{sv("a\nb\r\n\nc")}, want: strs("a", "b", "", "c")},
		{fn: "string.lines", args: []Value{sv("a\nb\n")}, want: strs("a", "b")},
		{fn: "string.lines", args: []Value{sv("\n")}, want: strs("")},
		{fn: "string.lines", args: []Value{sv("")}, want: strs()},
		{fn: "string.chars", args: []Value{sv("aé€\xff")}, want: strs("a", "é", "€", "\xff")},
		{fn: "string.chars", args: []Value{sv("")}, want: strs()},
		{fn: "string.bytes", args: []Value{sv("hé")}, want: []byte("hé")},

		{fn: "string.format", args: []Value{sv("%d-%s"), iv(1), sv("x")}, want: "1-x"},
		{fn: "string.format", args: []Value{sv("%d")}, err: "missing argument"},

		{fn: "string.is_digit", args: []Value{sv("0123")}, want: true},
		{fn: "string.is_digit", args: []Value{sv("12a")}, want: false},
		{fn: "string.is_digit", args: []Value{sv("")}, want: false},
		{fn: "string.is_digit", args: []Value{sv("٣")}, want: false},
		{fn: "string.is_alpha", args: []Value{sv("héllo")}, want: true},
		{fn: "string.is_alpha", args: []Value{sv("a1")}, want: false},
		{fn: "string.is_alnum", args: []Value{sv("a1")}, want: true},
		{fn: "string.is_alnum", args: []Value{sv("a 1")}, want: false},
		{fn: "string.is_space", args: []Value{sv(" \t\n")}, want: true},
		{fn: "string.is_space", args: []Value{sv(" x")}, want: false},
	})
}

func TestLibStringBudget(t *testing.T) {
	m := &Machine{opts: Options{MaxAlloc: 100}}
	if _, err := libCall(m, "string.repeat", []Value{sv("ab"), iv(100)}); err == nil || err.(*Error).Kind != ErrLimit {
		t.Errorf("repeat over budget: got %v, want a limit error", err)
	}
	m = &Machine{opts: Options{MaxAlloc: 100}}
	long := sv(string(make([]byte, 50)))
	if _, err := libCall(m, "string.split", []Value{long, sv("\x00")}); err == nil || err.(*Error).Kind != ErrLimit {
		t.Errorf("split of 51 parts within 100 bytes: got %v, want a limit error", err)
	}
	m = &Machine{opts: Options{MaxAlloc: 100}}
	if _, err := libCall(m, "string.replace", []Value{long, sv("\x00"), sv("xyz")}); err == nil || err.(*Error).Kind != ErrLimit {
		t.Errorf("replace to 150 bytes within 100: got %v, want a limit error", err)
	}
	m = &Machine{opts: Options{MaxAlloc: 100}}
	if _, err := libCall(m, "string.upper", []Value{sv("abc")}); err != nil {
		t.Errorf("upper within budget: %v", err)
	}
}
