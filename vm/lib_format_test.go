package vm

import (
	"fmt"
	"math"
	"testing"
)

func TestLibFormat(t *testing.T) {
	f := func(format string, args ...Value) []Value { return append([]Value{sv(format)}, args...) }
	runLibCases(t, []libCase{
		{fn: "format", args: f("plain"), want: "plain"},
		{fn: "format", args: f(""), want: ""},
		{fn: "format", args: f("100%%"), want: "100%"},
		{fn: "format", args: f("%d|%i|%5d|%-5d|%05d|%+d|% d", iv(1), iv(2), iv(3), iv(4), iv(-5), iv(6), iv(7)),
			want: "1|2|    3|4    |-0005|+6| 7"},
		{fn: "format", args: f("%x %X %#x %o %b %c", iv(255), iv(255), iv(255), iv(8), iv(5), iv(0x20ac)),
			want: "ff FF 0xff 10 101 €"},
		{fn: "format", args: f("%x %X", sv("hi"), bv("\x01\xff")), want: "6869 01FF"},
		{fn: "format", args: f("%.9f|%08.3f|%e|%g|%.2f", fv(math.Pi), fv(-3.14159), fv(1234.5), fv(1e21), iv(2)),
			want: "3.141592654|-003.142|1.234500e+03|1e+21|2.00"},
		{fn: "format", args: f("%s|%v|%q", sv("a\"b"), sv("x"), sv("a\"b")), want: `a"b|x|"a\"b"`},
		{fn: "format", args: f("%s %v %q", lv(iv(1), sv("a")), mv(sv("k"), fv(1)), lv(sv("a"))),
			want: `[1, "a"] {"k": 1.0} ["a"]`},
		{fn: "format", args: f("%s %s %s", Nil, True, fv(2)), want: "nil true 2.0"},
		{fn: "format", args: f("%-6s|%6s|%.2s|%8q", sv("ab"), sv("ab"), sv("abc"), sv("ab")),
			want: `ab    |    ab|ab|    "ab"`},
		{fn: "format", args: f("%t %v", True, False), want: "true false"},
		{fn: "format", args: f("é%sé", sv("x")), want: "éxé"},

		{fn: "format", args: f("%d", sv("1")), err: "type_error: format: %d needs an int, got string"},
		{fn: "format", args: f("%d", fv(1)), err: "type_error: format: %d needs an int, got float"},
		{fn: "format", args: f("%f", sv("1")), err: "type_error: format: %f needs a number, got string"},
		{fn: "format", args: f("%x", fv(1)), err: "type_error: format: %x needs an int, string or bytes, got float"},
		{fn: "format", args: f("%t", iv(1)), err: "type_error: format: %t needs a bool, got int"},
		{fn: "format", args: f("%d %d", iv(1)), err: "argument_error: format: missing argument for %d (directive 2)"},
		{fn: "format", args: f("%d", iv(1), iv(2)), err: "argument_error: format: 2 arguments given but only 1 used"},
		{fn: "format", args: f("%y", iv(1)), err: "value_error: format: unknown verb %y"},
		{fn: "format", args: f("%é", iv(1)), err: "value_error: format: unknown verb %é"},
		{fn: "format", args: f("%*d", iv(1), iv(1)), err: "value_error: format: unknown verb %*"},
		{fn: "format", args: f("abc%"), err: "value_error: format: missing verb at end of format string"},
		{fn: "format", args: f("%5.2"), err: "value_error: format: missing verb"},
		{fn: "format", args: f("%5%"), err: "value_error: format: %% takes no flags"},
		{fn: "format", args: f("%9999999d", iv(1)), err: "value_error: format: width too large"},
		{fn: "format", args: f("%.9999999f", iv(1)), err: "value_error: format: precision too large"},
		{fn: "format", args: []Value{iv(1)}, err: "type_error: format: format must be a string, got int"},
		{fn: "format", args: []Value{}, err: "argument_error: format takes at least 1 argument, got 0"},
	})
}

// TestLibFormatMatchesGo checks format against Go's fmt for every verb
// under a set of flags, widths and precisions.
func TestLibFormatMatchesGo(t *testing.T) {
	specs := []string{"", "-", "+", " ", "0", "#", "5", "-8", "08", "+.3", ".0", "10.4", "-+ 07.2"}
	values := []struct {
		verbs string
		wf    Value
		goV   any
	}{
		{"dboxXc", iv(-42), int64(-42)},
		{"dboxXc", iv(65), int64(65)},
		{"dboxX", iv(math.MinInt64), int64(math.MinInt64)},
		{"feEgG", fv(-1234.5678), -1234.5678},
		{"feEgG", fv(1e-7), 1e-7},
		{"feEgG", fv(math.Inf(1)), math.Inf(1)},
		{"feEgG", fv(math.NaN()), math.NaN()},
		{"feEgG", iv(3), 3.0},
		{"s", sv("héllo"), "héllo"},
		{"xX", sv("héllo"), "héllo"},
		{"xX", bv("\x00\x10"), []byte("\x00\x10")},
		{"t", True, true},
	}
	m := testMachine()
	for _, v := range values {
		for _, verb := range v.verbs {
			for _, spec := range specs {
				format := "%" + spec + string(verb)
				want := fmt.Sprintf(format, v.goV)
				got, err := m.format(format, []Value{v.wf})
				if err != nil {
					t.Errorf("format(%q, %s): %v", format, Repr(v.wf), err)
					continue
				}
				if got.AsString() != want {
					t.Errorf("format(%q, %s) = %q, Go gives %q", format, Repr(v.wf), got.AsString(), want)
				}
			}
		}
	}
}
