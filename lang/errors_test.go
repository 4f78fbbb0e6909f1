package lang

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// errorTests pins the rendered error for each source.
var errorTests = []struct {
	name, src, want string
}{
	{"missing expression", "fn total(xs) {\n    let total = }\n", `
expense.wf:2:17: unexpected "}" (expected an expression)
    let total = }
                ^
`},
	{"indentation is replaced by four spaces", "\t\tx = }", `
expense.wf:1:7: unexpected "}" (expected an expression)
    x = }
        ^
`},
	{"tabs inside the line line up", "x =\t\t}", `
expense.wf:1:6: unexpected "}" (expected an expression)
    x =		}
       		^
`},
	{"multi-byte prefix", "é = }", `
expense.wf:1:6: unexpected "}" (expected an expression)
    é = }
        ^
`},
	{"end of file", "a +", `
expense.wf:1:4: unexpected end of file (expected an expression)
    a +
       ^
`},
	{"not before a raw string that reads in", "x = 1 not `in`", `
expense.wf:1:7: unexpected "not" (expected "in" after it)
    x = 1 not ` + "`in`" + `
          ^
`},
	{"two statements on a line", "x y", `
expense.wf:1:3: unexpected name y at end of statement
    x y
      ^
`},
	{"not a statement", "x\n)", `
expense.wf:2:1: unexpected ")" at end of statement
    )
    ^
`},
	{"statement expected", "}", `
expense.wf:1:1: unexpected "}" (expected a statement)
    }
    ^
`},
	{"brace on next line", "if x\n{ }", `
expense.wf:1:5: unexpected newline (expected a block)
    if x
        ^
`},
	{"leading paren inside call", "f(a\n(b))", `
expense.wf:2:1: unexpected "(" (expected ")")
    (b))
    ^
`},
	{"missing name", "let = 3", `
expense.wf:1:5: unexpected "=" (expected a name)
    let = 3
        ^
`},
	{"try alone", "try {}", `
expense.wf:1:7: unexpected end of file (expected "catch" or "finally")
    try {}
          ^
`},
	{"missing in", "for x y {}", `
expense.wf:1:7: unexpected name y (expected "in")
    for x y {}
          ^
`},
	{"list comma", "[1 2]", `
expense.wf:1:4: unexpected number 2 (expected "]")
    [1 2]
       ^
`},
	{"empty index", "a[]", `
expense.wf:1:3: unexpected "]" (expected an expression)
    a[]
      ^
`},
	{"assign to call", "f() = 1", `
expense.wf:1:2: cannot assign to a call
    f() = 1
     ^
`},
	{"two bad targets", "1 = 2\nf() = 3", `
expense.wf:1:1: cannot assign to a literal
    1 = 2
    ^
expense.wf:2:2: cannot assign to a call
    f() = 3
     ^
`},
	{"int overflow", "let n = 9223372036854775808", `
expense.wf:1:9: integer 9223372036854775808 overflows int64
    let n = 9223372036854775808
            ^
`},
	{"bad number", "1__0 + 0x + 007", `
expense.wf:1:1: invalid number "1__0"
    1__0 + 0x + 007
    ^
expense.wf:1:8: invalid number "0x"
    1__0 + 0x + 007
           ^
expense.wf:1:13: invalid number "007" (leading zero)
    1__0 + 0x + 007
                ^
`},
	{"float range", "1e999", `
expense.wf:1:1: float 1e999 out of range
    1e999
    ^
`},
	{"unterminated string", "let s = \"abc\nx = 1", `
expense.wf:1:9: unterminated string
    let s = "abc
            ^
`},
	{"unterminated interpolation", "\"${a", `
expense.wf:1:1: unterminated string
    "${a
    ^
`},
	{"unterminated raw string", "x = `abc", `
expense.wf:1:5: unterminated raw string
    x = ` + "`abc" + `
        ^
`},
	{"bad escapes", `"\q \xZZ \u{110000}"`, `
expense.wf:1:2: invalid escape sequence \q
    "\q \xZZ \u{110000}"
     ^
expense.wf:1:5: invalid escape sequence \x
    "\q \xZZ \u{110000}"
        ^
expense.wf:1:10: invalid escape sequence \u
    "\q \xZZ \u{110000}"
             ^
`},
	{"invalid characters", "a ! b # c", `
expense.wf:1:3: invalid character "!" (use "not")
    a ! b # c
      ^
expense.wf:1:7: invalid character "#"
    a ! b # c
          ^
`},
	{"single quotes", "'a", `
expense.wf:1:1: invalid character "'" (strings use double quotes)
    'a
    ^
`},
	{"bad utf-8 is shown escaped", "\xff", `
expense.wf:1:1: invalid UTF-8 encoding
    \xff
    ^
`},
}

func TestErrors(t *testing.T) {
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("expense.wf", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.src)
			}
			got := Render(err, []byte(tt.src))
			if diff := cmp.Diff(strings.TrimPrefix(tt.want, "\n"), got); diff != "" {
				t.Errorf("Parse(%q) error (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestErrorOneLine(t *testing.T) {
	_, err := Parse("e.wf", []byte("1 = 2\n3 = 4"))
	want := "e.wf:1:1: cannot assign to a literal (and 1 more errors)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	var list ErrorList
	if !errors.As(err, &list) || list[1].Error() != "e.wf:2:1: cannot assign to a literal" {
		t.Errorf("err = %#v, want an ErrorList of 2", err)
	}
}

func TestErrorListSortAndCap(t *testing.T) {
	var l ErrorList
	for i := 20; i > 0; i-- {
		l.Add(Pos{File: "a.wf", Line: i, Col: 1}, "m")
	}
	l.Sort()
	if len(l) != maxErrors || l[0].Pos.Line != 11 {
		t.Errorf("len = %d, first line = %d; want %d, 11", len(l), l[0].Pos.Line, maxErrors)
	}
	if (ErrorList{}).Err() != nil {
		t.Error("empty ErrorList.Err() != nil")
	}
}

func TestRenderOther(t *testing.T) {
	if got := Render(errors.New("plain"), nil); got != "plain" {
		t.Errorf("Render = %q", got)
	}
	e := &Error{Pos: Pos{File: "x.wf", Line: 9, Col: 1}, Msg: "past the end"}
	if got := Render(e, []byte("one line")); got != "x.wf:9:1: past the end\n" {
		t.Errorf("Render = %q", got)
	}
}

// TestNesting checks that deep nesting is an error found before the
// parser recurses, however deep the input.
func TestNesting(t *testing.T) {
	deep := []struct{ name, src, pos string }{
		{"parens", strings.Repeat("(", 1_000_000), "n.wf:1:201"},
		{"brackets", "x = " + strings.Repeat("[", 1_000_000), "n.wf:1:205"},
		{"braces", strings.Repeat("if x {", 1000), "n.wf:1:1206"},
		{"minus", strings.Repeat("-", 1_000_000) + "x", "n.wf:1:201"},
		{"not", strings.Repeat("not ", 1_000_000) + "x", "n.wf:1:801"},
		{"yield", strings.Repeat("yield ", 1_000_000), "n.wf:1:1201"},
		{"mixed", strings.Repeat("-(", 1_000_000), "n.wf:1:201"},
		{"interpolation", strings.Repeat(`"${`, 1_000_000), "n.wf:1:602"},
	}
	for _, tt := range deep {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWith("n.wf", []byte(tt.src), Options{MaxSource: 8 << 20})
			want := tt.pos + ": nesting too deep (limit 200)"
			if err == nil || err.Error() != want {
				t.Errorf("err = %.200v, want %s", err, want)
			}
		})
	}
}

func TestNestingLimit(t *testing.T) {
	ok := strings.Repeat("(", 200) + "x" + strings.Repeat(")", 200)
	if _, err := Parse("n.wf", []byte(ok)); err != nil {
		t.Errorf("200 levels: %v", err)
	}
	_, err := ParseWith("n.wf", []byte(ok), Options{MaxNesting: 10})
	if err == nil || err.Error() != "n.wf:1:11: nesting too deep (limit 10)" {
		t.Errorf("limit 10: %v", err)
	}
	long := strings.Repeat("x + ", 10_000) + "x"
	if _, err := Parse("n.wf", []byte(long)); err != nil {
		t.Errorf("long chain: %v", err)
	}
}

// TestNestingCeiling: a nesting limit over MaxNestingCeiling, which a
// two-million-deep source then overflowed the Go stack with, is refused,
// as are negative limits; none of these is an ErrorList, since the source
// is not at fault.
func TestNestingCeiling(t *testing.T) {
	for _, opts := range []Options{
		{MaxNesting: MaxNestingCeiling + 1}, {MaxNesting: -1}, {MaxSource: -1}, {MaxTokens: -5},
	} {
		_, err := ParseWith("n.wf", []byte("x"), opts)
		var list ErrorList
		if err == nil || errors.As(err, &list) || !strings.HasPrefix(err.Error(), "lang: Options.") {
			t.Errorf("%+v: err = %v, want an error about the options", opts, err)
		}
	}
	_, err := ParseWith("n.wf", []byte("x"), Options{MaxNesting: MaxNestingCeiling + 1})
	if want := "lang: Options.MaxNesting is 10001; it must be from 0 (the default, 200) to 10000"; err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// TestSourceLimit: source over the size limit is refused before it is
// scanned, with an error about the whole file.
func TestSourceLimit(t *testing.T) {
	big := []byte("//" + strings.Repeat(" ", DefaultMaxSource-1))
	if _, err := Parse("s.wf", big); err == nil || err.Error() != "s.wf: source is 1048577 bytes, over the limit of 1048576" {
		t.Errorf("one byte over the default: err = %v", err)
	}
	if _, err := Parse("s.wf", big[:DefaultMaxSource]); err != nil {
		t.Errorf("at the default: %v", err)
	}
	_, err := ParseWith("s.wf", []byte("let x = 1\n"), Options{MaxSource: 9})
	if got := Render(err, nil); got != "s.wf: source is 10 bytes, over the limit of 9\n" {
		t.Errorf("Render = %q", got)
	}
}

// TestTokenLimit: the first token over the limit is an error at its
// position; by default the limit is a quarter of the source limit.
func TestTokenLimit(t *testing.T) {
	_, err := ParseWith("t.wf", []byte("x = 1 + 2 + 3 // a comment\n\n"), Options{MaxTokens: 5})
	if err == nil || err.Error() != "t.wf:1:11: too many tokens (limit 5)" {
		t.Errorf("limit 5: err = %v", err)
	}
	if _, err := ParseWith("t.wf", []byte("x = 1 + 2\n"), Options{MaxTokens: 5}); err != nil {
		t.Errorf("5 tokens: %v", err)
	}
	_, err = ParseWith("t.wf", []byte("f(1, 2, 3, 4, 5)"), Options{MaxSource: 40})
	if err == nil || err.Error() != "t.wf:1:15: too many tokens (limit 10)" {
		t.Errorf("a quarter of 40 bytes: err = %v", err)
	}
}

// TestTreeDepth: chains nest the tree without brackets; a tree deeper than
// MaxTreeDepth, which the compiler would recurse through, is refused.
func TestTreeDepth(t *testing.T) {
	src := "x" + strings.Repeat(".a", MaxTreeDepth)
	_, err := Parse("d.wf", []byte(src))
	if err == nil || !strings.HasSuffix(err.Error(), ": nesting too deep: over 50000 levels of operators, calls, fields and blocks") {
		t.Errorf("err = %.200v", err)
	}
	f, err := Parse("d.wf", []byte("if a {} else if b {} else if c { x.a.a }"))
	if err != nil {
		t.Fatal(err)
	}
	// if, if, if, block, expr, dot, dot, x: 8 levels
	if e := checkDepth(f.Stmts, 8); e != nil {
		t.Errorf("limit 8: %v", e)
	}
	if e := checkDepth(f.Stmts, 7); e == nil || e.Pos.String() != "d.wf:1:34" {
		t.Errorf("limit 7: %v, want an error at x (1:34)", e)
	}
}

// TestRenderVisible: control characters in a source line, a message or a
// file name are shown escaped, never written raw to a terminal, and the
// caret stays under the column as shown.
func TestRenderVisible(t *testing.T) {
	src := "let s = `\x1b]0;title\x07\x9b` + }"
	_, err := Parse("e\x1b[2J.wf", []byte(src))
	want := "e\\x1b[2J.wf:1:25: unexpected \"}\" (expected an expression)\n" +
		"    let s = `\\x1b]0;title\\x07\\x9b` + }\n" +
		"    " + strings.Repeat(" ", 33) + "^\n" // under the "}" as shown
	if got := Render(err, []byte(src)); got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
	if got := Render(errors.New("bad \x1b[31mred\x1b[0m\r\n\tnext \u0085 \x7f é"), nil); got != `bad \x1b[31mred\x1b[0m\x0d`+"\n\tnext "+`\u0085 \x7f é` {
		t.Errorf("Render of another error = %q", got)
	}
}
