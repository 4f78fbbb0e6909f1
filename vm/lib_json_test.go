package vm

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestLibJSON(t *testing.T) {
	cyclic := lv(iv(1))
	cyclic.AsList().Elems = append(cyclic.AsList().Elems, cyclic)
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	runLibCases(t, []libCase{
		{fn: "json_encode", args: []Value{mv(sv("b"), iv(1), sv("a"), lv(fv(1), fv(0.5), Nil, True, sv("x")))},
			want: `{"b":1,"a":[1.0,0.5,null,true,"x"]}`},
		{fn: "json_encode", args: []Value{fv(1e21)}, want: "1e+21"},
		{fn: "json_encode", args: []Value{fv(math.Copysign(0, -1))}, want: "-0.0"},
		{fn: "json_encode", args: []Value{iv(math.MinInt64)}, want: "-9223372036854775808"},
		{fn: "json_encode", args: []Value{sv("q\"\\\n\r\t\x01<é\u2028")}, want: `"q\"\\\n\r\t\u0001<é\u2028"`},
		{fn: "json_encode", args: []Value{lv()}, want: "[]"},
		{fn: "json_encode", args: []Value{mv()}, want: "{}"},
		{fn: "json_encode", args: []Value{mv(sv("a"), lv(iv(1), mv()), sv("b"), lv()), iv(2)},
			want: "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}"},
		{fn: "json_encode", args: []Value{lv(iv(1)), sv("\t")}, want: "[\n\t1\n]"},
		{fn: "json_encode", args: []Value{lv(iv(1)), iv(-1)}, err: "value_error: json_encode: indent must be a string or an int from 0 to 64, got -1"},
		{fn: "json_encode", args: []Value{fv(math.NaN())}, err: "value_error: json_encode: cannot encode nan"},
		{fn: "json_encode", args: []Value{lv(fv(math.Inf(1)))}, err: "value_error: json_encode: cannot encode inf"},
		{fn: "json_encode", args: []Value{mv(iv(1), iv(2))}, err: "type_error: json_encode: map key 1 is a int, not a string"},
		{fn: "json_encode", args: []Value{bv("x")}, err: "type_error: json_encode: cannot encode a bytes value"},
		{fn: "json_encode", args: []Value{lv(BuiltinValue(universe["len"]))}, err: "type_error: json_encode: cannot encode a builtin value"},
		{fn: "json_encode", args: []Value{sv("\xff")}, err: `value_error: json_encode: string "\xff" is not valid UTF-8`},
		{fn: "json_encode", args: []Value{cyclic}, err: "value_error: json_encode: nesting deeper than 200 (cyclic data?)"},
		{fn: "json_encode", args: []Value{}, err: "argument_error"},

		{fn: "json_decode", args: []Value{sv(`{"z": 1, "a": [1, 1.0, 1e2, -0, null, true, false, "s\u00e9\n"], "m": {}}`)},
			want: []entry{{"z", int64(1)}, {"a", []any{int64(1), 1.0, 100.0, int64(0), nil, true, false, "sé\n"}}, {"m", []entry{}}}},
		{fn: "json_decode", args: []Value{sv(`{"a": 1, "b": 2, "a": 3}`)}, want: []entry{{"a", int64(3)}, {"b", int64(2)}}},
		{fn: "json_decode", args: []Value{sv("9223372036854775807")}, want: int64(math.MaxInt64)},
		{fn: "json_decode", args: []Value{sv("9223372036854775808")}, want: 9223372036854775808.0},
		{fn: "json_decode", args: []Value{sv(" \"x\" \n")}, want: "x"},
		{fn: "json_decode", args: []Value{bv(`[1]`)}, want: ints(1)},
		{fn: "json_decode", args: []Value{sv(nested(201))}, err: "value_error: json_decode: nesting deeper than 200"},
		{fn: "json_decode", args: []Value{sv("1e400")}, err: "value_error: json_decode: number 1e400 is out of the float range"},
		{fn: "json_decode", args: []Value{sv("")}, err: "value_error: json_decode: unexpected end of input"},
		{fn: "json_decode", args: []Value{sv("[1, 2")}, err: "value_error: json_decode: unexpected end of input"},
		{fn: "json_decode", args: []Value{sv("[1 2]")}, err: "value_error: json_decode:"},
		{fn: "json_decode", args: []Value{sv("[1,]")}, err: "value_error: json_decode: invalid character ']'"},
		{fn: "json_decode", args: []Value{sv(`{"a" 1}`)}, err: "value_error: json_decode:"},
		{fn: "json_decode", args: []Value{sv(`{1: 2}`)}, err: "value_error: json_decode:"},
		{fn: "json_decode", args: []Value{sv(`nul`)}, err: "value_error: json_decode:"},
		{fn: "json_decode", args: []Value{sv(`1 2`)}, err: "value_error: json_decode: unexpected data after the value (offset 3)"},
		{fn: "json_decode", args: []Value{sv(`1 x`)}, err: "value_error: json_decode: invalid character 'x'"},
		{fn: "json_decode", args: []Value{sv(`{} }`)}, err: "value_error: json_decode:"},
		{fn: "json_decode", args: []Value{iv(1)}, err: "type_error: json_decode: argument must be a string or bytes, got int"},
	})
}

// TestLibJSONDepth checks the nesting limit at its edge. (go-cmp takes
// exponential time on deeply nested values, so this test walks by hand.)
func TestLibJSONDepth(t *testing.T) {
	v, err := libCall(testMachine(), "json_decode", []Value{sv(strings.Repeat("[", 200) + strings.Repeat("]", 200))})
	if err != nil {
		t.Fatal(err)
	}
	depth := 1
	for ; len(v.AsList().Elems) == 1; depth++ {
		v = v.AsList().Elems[0]
	}
	if depth != 200 {
		t.Errorf("decoded depth %d, want 200", depth)
	}
}

// TestLibJSONRoundTrip checks that decoding what json_encode wrote gives
// the value back, and that indenting matches Go's json.Indent.
func TestLibJSONRoundTrip(t *testing.T) {
	src := `{"name":"wf","version":1.5,"tags":["a","b"],"n":-3,"deep":{"x":[{},[],null]},"f":2.0,"big":1e+300}`
	m := testMachine()
	v, err := libCall(m, "json_decode", []Value{sv(src)})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := libCall(m, "json_encode", []Value{v})
	if err != nil {
		t.Fatal(err)
	}
	if enc.AsString() != src {
		t.Errorf("round trip:\n got %s\nwant %s", enc.AsString(), src)
	}
	pretty, err := libCall(m, "json_encode", []Value{v, iv(3)})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Indent(&want, []byte(src), "", "   "); err != nil {
		t.Fatal(err)
	}
	if pretty.AsString() != want.String() {
		t.Errorf("indented:\n got %s\nwant %s", pretty.AsString(), want.String())
	}
}

// TestLibJSONBudget checks that decoding charges for what it builds.
func TestLibJSONBudget(t *testing.T) {
	m := &Machine{opts: Options{MaxAlloc: 1000}}
	_, err := libCall(m, "json_decode", []Value{sv("[" + strings.Repeat("1,", 100) + "1]")})
	if e, ok := err.(*Error); !ok || e.Kind != ErrLimit {
		t.Errorf("decoding 101 elements within 1000 bytes: got %v, want a limit error", err)
	}
}

// TestLibJSONEncodeBudget checks that encoding charges as it writes, so a
// value that repeats one big string many times stops early.
func TestLibJSONEncodeBudget(t *testing.T) {
	big := sv(strings.Repeat("x", 1000))
	elems := make([]Value, 100)
	for i := range elems {
		elems[i] = big
	}
	m := &Machine{opts: Options{MaxAlloc: 10_000}}
	_, err := libCall(m, "json_encode", []Value{NewList(elems)})
	if e, ok := err.(*Error); !ok || e.Kind != ErrLimit {
		t.Errorf("encoding 100 KB within 10 KB: got %v, want a limit error", err)
	}
	if m.alloc > 20_000 {
		t.Errorf("charged %d bytes before stopping, want it to stop near the 10 KB budget", m.alloc)
	}
}
