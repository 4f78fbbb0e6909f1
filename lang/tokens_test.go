package lang

import (
	"fmt"
	"strings"
	"testing"
)

// TestTokens checks the kinds, roles and exact text of Tokens, and that
// the tokens' texts, with what lies between them, rebuild the source.
func TestTokens(t *testing.T) {
	src := "let s = \"a ${b + \"c\"} d\" // note\nf(-x)[0]\n  .g\n(y)\nx not in `r\nr`; yield from [1]\n"
	toks, err := Tokens("t.wf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range toks {
		got = append(got, fmt.Sprintf("%d/%d:%q", tok.Kind, tok.Role, tok.Text))
		if src[tok.Offset:tok.End()] != tok.Text && tok.Text != "not" {
			t.Errorf("token %q at %d: source there is %q", tok.Text, tok.Offset, src[tok.Offset:tok.End()])
		}
	}
	want := []string{
		`4/0:"let"`, `3/0:"s"`, `7/4:"="`, `6/0:"\"a ${b + \"c\"} d\""`, `1/0:"// note"`, `2/5:"\n"`,
		`3/0:"f"`, `7/3:"("`, `7/2:"-"`, `3/0:"x"`, `7/0:")"`, `7/3:"["`, `5/0:"0"`, `7/0:"]"`, `2/0:"\n"`,
		`7/3:"."`, `3/0:"g"`, `2/5:"\n"`,
		`7/6:"("`, `3/0:"y"`, `7/0:")"`, `2/5:"\n"`,
		`3/0:"x"`, `4/1:"not"`, `4/1:"in"`, "6/0:\"`r\\nr`\"", `7/5:";"`,
		`4/0:"yield"`, `4/0:"from"`, `7/0:"["`, `5/0:"1"`, `7/0:"]"`, `2/0:"\n"`, // the last joins the end of file
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := toks[6].Pos; p.Line != 2 || p.Col != 1 {
		t.Errorf("f at %v, want 2:1", p)
	}
}

// TestTokensError checks that a lexical error is an ErrorList.
func TestTokensError(t *testing.T) {
	_, err := Tokens("t.wf", []byte("let x = \"open\n"))
	if _, ok := err.(ErrorList); !ok || !strings.Contains(err.Error(), "t.wf:1:9: unterminated string") {
		t.Fatalf("got %v", err)
	}
}

// TestInspect checks that Inspect visits nodes in source order and
// stops descending where f returns false.
func TestInspect(t *testing.T) {
	f, err := Parse("t.wf", []byte("let a = f(b, [c])\nfn g() { return d }"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.Stmts {
		Inspect(s, func(n Node) bool {
			if id, ok := n.(*Ident); ok {
				names = append(names, id.Name)
			}
			_, isList := n.(*ListLit)
			return !isList
		})
	}
	if got := strings.Join(names, " "); got != "a f b d" {
		t.Errorf("visited %q, want %q", got, "a f b d")
	}
}

// TestMoved checks that ErrorList.Moved maps the positions of errors and
// of notes that have one, leaves hints alone, and copies.
func TestMoved(t *testing.T) {
	l := ErrorList{{Pos: Pos{Line: 2, Col: 3}, Msg: "m",
		Notes: []Note{{Pos: Pos{Line: 1, Col: 1}, Msg: "note: n"}, {Msg: "help: h"}}}}
	m := l.Moved(func(p Pos) Pos { p.Line += 10; p.File = "f"; return p })
	if got := fmt.Sprint(m[0].Pos, m[0].Notes[0].Pos, m[0].Notes[1].Pos); got != "f:12:3 f:11:1 0:0" {
		t.Errorf("moved to %s", got)
	}
	if l[0].Pos.Line != 2 || l[0].Notes[0].Pos.Line != 1 {
		t.Errorf("Moved changed its receiver: %v", l[0])
	}
}

func TestDeclared(t *testing.T) {
	f, err := Parse("t.wf", []byte("let a = 1\nfn b() {}\nprint(a)"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Stmts {
		got = append(got, Declared(s))
	}
	if strings.Join(got, ",") != "a,b," {
		t.Errorf("Declared gave %q", got)
	}
}
