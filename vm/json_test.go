package vm_test

// Tests of ToJSON and FromJSON, the Go face of json_encode and
// json_decode: the same rules, the same output, errors without the
// builtin's name.

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestJSONRoundTrip keeps the cases of the engine's test of the
// conversion it used to own.
func TestJSONRoundTrip(t *testing.T) {
	for _, in := range []string{`null`, `true`, `-3`, `2.5`, `1.0`, `"a\"b"`, `[1,[2,{}]]`, `{"z":1,"a":[null]}`,
		`1e+21`, `1234567.0`, `"<&>é\u2028"`, `-9223372036854775808`} {
		v, err := vm.FromJSON([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := vm.ToJSON(v)
		if err != nil || string(out) != in {
			t.Errorf("ToJSON(FromJSON(%s)) = %s, %v", in, out, err)
		}
	}
}

// TestJSONSameAsBuiltins: ToJSON and FromJSON give what json_encode and
// json_decode give inside a program.
func TestJSONSameAsBuiltins(t *testing.T) {
	docs := []string{`{"b": 1, "a": [1.5, null, true, "x\n"], "a": 2}`, `[[], {}, 9223372036854775808, 1e2]`, `"\u00e9"`}
	var got []vm.Value
	keep := &vm.Builtin{Name: "keep", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		got = append(got, args...)
		return vm.Nil, nil
	}}
	src := `for d in docs { let v = json_decode(d); keep(v, json_encode(v)) }`
	m, err := vm.New(compile(t, "let docs = "+vm.Repr(strs(docs))+"\n"+src, "keep"), vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{keep}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		v, err := vm.FromJSON([]byte(d))
		if err != nil || vm.Repr(v) != vm.Repr(got[2*i]) {
			t.Errorf("FromJSON(%s) = %s, %v; json_decode gives %s", d, vm.Repr(v), err, vm.Repr(got[2*i]))
		}
		out, err := vm.ToJSON(v)
		if err != nil || string(out) != got[2*i+1].AsString() {
			t.Errorf("ToJSON of %s = %s, %v; json_encode gives %s", d, out, err, got[2*i+1].AsString())
		}
	}
}

func strs(ss []string) vm.Value {
	l := make([]vm.Value, len(ss))
	for i, s := range ss {
		l[i] = vm.String(s)
	}
	return vm.NewList(l)
}

// TestJSONErrors: values and documents JSON cannot hold are *vm.Error
// values with json_encode's and json_decode's words, without their names.
func TestJSONErrors(t *testing.T) {
	cyclic := vm.NewList([]vm.Value{vm.Int(1)})
	cyclic.AsList().Elems = append(cyclic.AsList().Elems, cyclic)
	mp := vm.NewMap(0)
	mp.Set(vm.Int(1), vm.Int(2))
	for _, c := range []struct {
		v    vm.Value
		want string
	}{
		{cyclic, "value_error: nesting deeper than 200 (cyclic data?)"},
		{vm.MapValue(mp), "type_error: map key 1 is a int, not a string"},
		{vm.Bytes(nil), "type_error: cannot encode a bytes value"},
		{vm.String("\xff"), `value_error: string "\xff" is not valid UTF-8`},
	} {
		_, err := vm.ToJSON(c.v)
		var e *vm.Error
		if !errors.As(err, &e) || err.Error() != c.want {
			t.Errorf("ToJSON(%s): %v, want %s", vm.Repr(c.v), err, c.want)
		}
	}
	for doc, want := range map[string]string{
		"":                       "value_error: unexpected end of input",
		"[1,":                    "value_error: unexpected end of input",
		"1 2":                    "value_error: unexpected data after the value (offset 3)",
		"1e400":                  "value_error: number 1e400 is out of the float range",
		strings.Repeat("[", 201): "value_error: nesting deeper than 200",
		`{"a" 1}`:                "value_error: invalid character '1' after object key (offset 5)",
		"\"\xff\"":               "",
		strings.Repeat("[", 200) + strings.Repeat("]", 200): "",
	} {
		_, err := vm.FromJSON([]byte(doc))
		if (want == "" && err != nil) || (want != "" && (err == nil || err.Error() != want)) {
			t.Errorf("FromJSON(%.20q): %v, want %q", doc, err, want)
		}
	}
}
