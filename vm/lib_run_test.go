package vm

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
)

// libRun compiles and runs src and returns what it printed and the error.
func libRun(t *testing.T, src string) (string, error) {
	t.Helper()
	p, err := compiler.CompileSource("lib.wf", []byte(src), compiler.Options{Predeclared: Universe()})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var out bytes.Buffer
	m, err := New(p, Options{Stdout: &out, MaxSteps: 10_000_000})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run()
	return out.String(), err
}

// TestLibRun covers what needs a running machine: builtins that call back
// into .wf functions (sort with comparison and key functions), and method
// calls dispatched by the interpreter.
func TestLibRun(t *testing.T) {
	cases := []struct {
		name, src, want, err string
	}{
		{name: "comparison function", src: `
let l = [3, 1, 2]
l.sort(fn(a, b) { return b - a })
print(l)`, want: "[3, 2, 1]"},
		{name: "float comparison results", src: `
print(sort([0.5, 0.25, 1.0], fn(a, b) { return a - b }))`, want: "[0.25, 0.5, 1.0]"},
		{name: "key function", src: `
let words = ["ccc", "a", "bb", "d"]
print(sort(words, fn(w) { return len(w) }), words)`, want: `["a", "d", "bb", "ccc"] ["ccc", "a", "bb", "d"]`},
		{name: "stable with comparator", src: `
let recs = [[2, "a"], [1, "b"], [2, "c"], [1, "d"]]
recs.sort(fn(x, y) { return x[0] - y[0] })
print(recs)`, want: `[[1, "b"], [1, "d"], [2, "a"], [2, "c"]]`},
		{name: "comparator returning bool", src: `
[2, 1].sort(fn(a, b) { return a < b })`,
			err: "type_error: sort: comparison function must return a number (negative, zero or positive), got bool"},
		{name: "comparator throwing", src: `
try { [2, 1].sort(fn(a, b) { throw error("boom", "no") }) } catch e { print(e.kind, e.message) }`,
			want: "boom no"},
		{name: "comparator error leaves list unchanged", src: `
let l = [3, 1, 2]
try { l.sort(fn(a, b) { if a == 2 { throw "x" }; return a - b }) } catch e { print(e) }
print(l)`, want: "x\n[3, 1, 2]"},
		{name: "comparator changing the list", src: `
let l = [3, 1, 2]
try { l.sort(fn(a, b) { l.push(0); return a - b }) } catch e { print(e.kind, e.message) }`,
			want: "value_error sort: list modified during sort"},
		{name: "function of three parameters", src: `
sort([1], fn(a, b, c) { return 0 })`,
			err: "argument_error: sort: ordering function must take 1 parameter (a key function) or 2 (a comparison function), not 3"},
		{name: "method calls", src: `
let s = "a,b,c"
print(s.split(",").join("+"), s.upper(), "x".repeat(3), ",".join(["1", "2"]))
let m = {"k": 1}
print(m.get("k"), m.get("z", 0), m.keys(), m.items())
let l = [1]
l.push(2, 3)
print(l.pop(), l, l.index(9), "%05.1f|%-3d|%q".format(3.14159, 7, "hi"))`,
			want: "a+b+c A,B,C xxx 1,2\n1 0 [\"k\"] [[\"k\", 1]]\n3 [1, 2] -1 003.1|7  |\"hi\""},
		{name: "map field shadows method", src: `
let obj = {"keys": fn() { return "mine" }}
print(obj.keys())`, want: "mine"},
		{name: "method argument count", src: `
"a".split(",", 1)`, err: "argument_error: string.split takes at most 1 argument, got 2"},
		{name: "unknown method", src: `
[].frobnicate()`, err: "list has no method frobnicate"},
		{name: "json", src: `
let v = json_decode("{\"b\": [1, 2.5, null], \"a\": \"x\"}")
v.a = "y"
print(json_encode(v), type(v.b[1]))`, want: `{"b":[1,2.5,null],"a":"y"} float`},
		{name: "generator is not a list", src: `
fn gen() { yield 1 }
list(gen())`, err: "list() of a generator: iterate it with for"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := libRun(t, c.src)
			if got := strings.TrimSuffix(out, "\n"); got != c.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, c.want)
			}
			switch {
			case c.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}
