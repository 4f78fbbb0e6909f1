package lang

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// compareParsers parses src with fastParse and with participle and
// reports how they differ: fastParse must accept only what participle
// accepts, and build the same tree. It returns whether participle
// accepted src and whether fastParse did.
func compareParsers(t *testing.T, src []byte) (slowOK, fastOK bool) {
	t.Helper()
	toks, errs := scan("cmp.wf", src, Options{MaxNesting: 50})
	if errs != nil {
		return false, false
	}
	toks = significant(toks)
	slow, e := participleParse("cmp.wf", toks)
	fast, fastOK := fastParse(toks)
	switch {
	case fastOK && e != nil:
		t.Fatalf("fastParse accepts what participle rejects (%v):\n%s", e, src)
	case fastOK:
		if diff := cmp.Diff(slow, fast, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
			t.Fatalf("trees differ (-participle +fastParse):\n%s\nsource:\n%s", diff, src)
		}
	}
	return e == nil, fastOK
}

// corpus returns every .wf file of the repository, the fuzz seeds and the
// sources of the parse and error tests.
func corpus(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".wf") {
			return err
		}
		src, err := os.ReadFile(path)
		out[path] = src
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds {
		out["seed"+string(rune('a'+i))] = []byte(s)
	}
	for _, c := range errorTests {
		out["error test "+c.name] = []byte(c.src)
	}
	for _, c := range parseTests {
		out["parse test "+c.src] = []byte(c.src)
	}
	return out
}

// TestFastParseMatchesParticiple checks fastParse against participle on
// every program of the repository and every test source: the same tree
// where participle accepts, a refusal where it rejects, and no valid
// program left to participle.
func TestFastParseMatchesParticiple(t *testing.T) {
	valid, invalid := 0, 0
	for name, src := range corpus(t) {
		slowOK, fastOK := compareParsers(t, src)
		switch {
		case slowOK && !fastOK:
			t.Errorf("%s: fastParse gave up on a program participle accepts", name)
		case slowOK:
			valid++
		default:
			invalid++
		}
	}
	if valid < 100 || invalid < 30 {
		t.Errorf("corpus too small: %d valid and %d invalid sources", valid, invalid)
	}
}

// TestFastParseCases pins the choices where the grammar's order of
// alternatives decides, each against participle.
func TestFastParseCases(t *testing.T) {
	for _, src := range []string{
		"{ a }",    // a block, not a map
		"{ a: 1 }", // refused: a block
		"x = {a: 1, \"b\": 2, c + 1: 3,}",
		"fn f(a, b,) { return }", // trailing comma in params
		"f(a,)\nf(a, b)\nf()",
		"[1, 2,]\n[]\n[,]",
		"a[1:]; a[:2]; a[:]; a[1]; a[]",
		"yield\nyield from g()\nyield 1\nx = yield",
		"yield from",
		"let x\nlet y = 1\nlet = 2",
		"if a { } else if b { } else { }\nif a { } else",
		"for k in m { }\nfor k, v in m { }\nfor k, in m { }",
		"try { } finally { }\ntry { } catch { }\ntry { } catch e { } finally { }\ntry { }",
		"return\nreturn 1\nreturn yield",
		"break; continue;;\n\n",
		"throw\n",
		"- - not x\n-",
		"\"a${b}c${ \"d\" }\"\n\"\"\n`raw`",
		"a.b.c(1)[2].d",
		"a.1",
		"x += 1; x -= ; y",
		"(a\n)\n(a, b)",
		"fn (a) {}",
		"fn f",
		"nil; true; false; 1.5; 0x10",
		"a not in b and c in d or not e",
		"a not b",
		"",
		"\n\n;",
	} {
		compareParsers(t, []byte(src))
	}
}

// TestFastParseIterationLimit checks that fastParse leaves participle's
// iteration limit to participle.
func TestFastParseIterationLimit(t *testing.T) {
	toks := make([]lexer.Token, 1_000_001)
	toks[len(toks)-1].Type = lexer.EOF
	if _, ok := fastParse(toks); ok {
		t.Fatal("fastParse parsed more tokens than participle's MaxIterations")
	}
}

// FuzzFastParse checks compareParsers on any input.
func FuzzFastParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, c := range errorTests {
		f.Add([]byte(c.src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		compareParsers(t, src)
	})
}
