package lang

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseTests pins the tree of each source as DumpFile text.
var parseTests = []struct {
	name, src, want string
}{
	{"let", "let x = 1\nlet y", "(let x 1)\n(let y _)"},
	{"assign ops", "x = 2; x += 1\nx -= 1; x *= 2; x /= 3; x %= 4",
		"(= x 2)\n(+= x 1)\n(-= x 1)\n(*= x 2)\n(/= x 3)\n(%= x 4)"},
	{"assign targets", "a[i] = 1\nm.key = 2\na.b[c].d = 3",
		"(= (index a i) 1)\n(= (dot key m) 2)\n(= (dot d (index (dot b a) c)) 3)"},
	{"fn decl", "fn add(a, b) { return a + b }", "(fndecl add (fn (a b) (block (return (+ a b)))))"},
	{"fn lit", "let sq = fn(x) { return x * x }", "(let sq (fn (x) (block (return (* x x)))))"},
	{"fn lit statement", "fn(x) { }(1)", "(expr (call (fn (x) (block)) 1))"},
	{"params trailing comma", "fn f(\n  a,\n  b,\n) {}", "(fndecl f (fn (a b) (block)))"},
	{"if chain", "if a < b { x } else if c { y } else { z }",
		"(if (< a b) (block (expr x)) (if c (block (expr y)) (block (expr z))))"},
	{"else on next line", "if a {\n} \nelse {\n}", "(if a (block) (block))"},
	{"while", "while cond { break; continue }", "(while cond (block (break) (continue)))"},
	{"for", "for x in xs { }\nfor k, v in m { }", "(for x _ xs (block))\n(for k v m (block))"},
	{"return", "fn f() { return }\nfn g() { return 1 }",
		"(fndecl f (fn () (block (return _))))\n(fndecl g (fn () (block (return 1))))"},
	{"return before newline", "fn f() {\n  return\n  g()\n}", "(fndecl f (fn () (block (return _) (expr (call g)))))"},
	{"throw", `throw "bad"`, `(throw "bad")`},
	{"try", "try { a } catch e { b } finally { c }", "(try (block (expr a)) e (block (expr b)) (block (expr c)))"},
	{"try no name", "try { } catch { }", "(try (block) _ (block) _)"},
	{"try finally", "try { } finally { }", "(try (block) _ _ (block))"},
	{"catch next line", "try {\n}\ncatch e {\n}\nfinally {\n}", "(try (block) e (block) (block))"},
	{"block statement", "{ let x = 1 }", "(block (let x 1))"},
	{"empty statements", ";;\n\nx;;\n;y;", "(expr x)\n(expr y)"},

	{"precedence", "a or b and not c == d | e ^ f & g << h + i * -j",
		"(expr (or a (and b (not (== c (| d (^ e (& f (<< g (+ h (* i (- j))))))))))))"},
	{"left assoc", "a - b - c; a / b * c; a << b >> c; a or b or c",
		"(expr (- (- a b) c))\n(expr (* (/ a b) c))\n(expr (>> (<< a b) c))\n(expr (or (or a b) c))"},
	{"comparisons", "a == b; a != b; a < b; a <= b; a > b; a >= b; a in b; a not in b",
		"(expr (== a b))\n(expr (!= a b))\n(expr (< a b))\n(expr (<= a b))\n" +
			"(expr (> a b))\n(expr (>= a b))\n(expr (in a b))\n(expr (not in a b))"},
	{"comparison chain", "a < b == c", "(expr (== (< a b) c))"},
	{"not binds looser than comparison", "not a in b and c", "(expr (and (not (in a b)) c))"},
	{"unary", "- - ~x; +y; not not z", "(expr (- (- (~ x))))\n(expr (+ y))\n(expr (not (not z)))"},
	{"unary binds tighter than mul", "-a * b", "(expr (* (- a) b))"},
	{"postfix binds tighter than unary", "-a.b(c)[d]", "(expr (- (index (call (dot b a) c) d)))"},
	{"parens", "(a + b) * c", "(expr (* (+ a b) c))"},

	{"yield", "let a = yield x\nprint(yield)\nyield\nyield from g()",
		"(let a (yield x))\n(expr (call print (yield _)))\n(expr (yield _))\n(expr (yield-from (call g)))"},
	{"yield lowest precedence", "yield a + b or c", "(expr (yield (or (+ a b) c)))"},
	{"yield before brace", "fn g() { yield }", "(fndecl g (fn () (block (expr (yield _)))))"},
	{"yield yield", "yield yield 1", "(expr (yield (yield 1)))"},
	{"from is a name", "let from = msg.from", "(let from (dot from msg))"},

	{"call", "f(); f(a); f(a, b,)", "(expr (call f))\n(expr (call f a))\n(expr (call f a b))"},
	{"call across lines", "f(\n  a,\n  b\n)", "(expr (call f a b))"},
	{"index and slices", "a[i]; a[1:2]; a[:2]; a[1:]; a[:]",
		"(expr (index a i))\n(expr (slice a 1 2))\n(expr (slice a _ 2))\n(expr (slice a 1 _))\n(expr (slice a _ _))"},
	{"method chain", "xs\n  .map(f)\n  .filter(g)", "(expr (call (dot filter (call (dot map xs) f)) g))"},
	{"list", "[]; [1]; [1, 2,]; [\n  1,\n  2\n]", "(expr (list))\n(expr (list 1))\n(expr (list 1 2))\n(expr (list 1 2))"},
	{"map", `let m = {"k": v, name: w, 1: x, (k): y,}`, `(let m (map "k" v "name" w 1 x k y))`},
	{"empty map", "let m = {}", "(let m (map))"},
	{"map across lines", "let m = {\n  a: 1,\n  b: 2,\n}", `(let m (map "a" 1 "b" 2))`},

	{"ints", "0; 42; 1_000; 0x_ff; 0XFF; 0b101; 0o17; 9223372036854775807",
		"(expr 0)\n(expr 42)\n(expr 1000)\n(expr 255)\n(expr 255)\n(expr 5)\n(expr 15)\n(expr 9223372036854775807)"},
	{"floats", "1.5; 1e9; 2.5e-3; 1_0.2_5; 3E+2", "(expr 1.5)\n(expr 1e+09)\n(expr 0.0025)\n(expr 10.25)\n(expr 300.0)"},
	{"int method", "1.str()", "(expr (call (dot str 1)))"},
	{"literals", "nil; true; false", "(expr nil)\n(expr true)\n(expr false)"},
	{"escapes", `"a\n\t\r\\\"\0\x41\u{e9}\u{1F600}\$"`, `(expr "a\n\t\r\\\"\x00Aé😀$")`},
	{"dollar without brace", `"$a $"`, `(expr "$a $")`},
	{"empty string", `""`, `(expr "")`},
	{"raw string", "`a\\n\n${b}`", `(expr "a\\n\n${b}")`},
	{"interpolation", `"a ${b + 1} c ${d}"`, `(expr (interp "a " (+ b 1) " c " d))`},
	{"interpolation only", `"${x}"`, `(expr (interp x))`},
	{"nested interpolation", `"a ${"b ${c}" + {"k": 1}["k"]}"`, `(expr (interp "a " (+ (interp "b " c) (index (map "k" 1) "k"))))`},
	{"escaped interpolation", `"\${x}"`, `(expr "${x}")`},
	{"comments", "// top\nlet x = 1 // trailing\n// end", "(let x 1)"},

	{"leading paren is a new statement", "let f = g\n(a)", "(let f g)\n(expr a)"},
	{"leading bracket is a new statement", "x\n[1, 2].len()", "(expr x)\n(expr (call (dot len (list 1 2))))"},
	{"leading minus is a new statement", "a = b\n-c", "(= a b)\n(expr (- c))"},
	{"leading plus after brace", "if x {}\n+c", "(if x (block) _)\n(expr (+ c))"},
	{"operator at end of line continues", "a = b -\n  c", "(= a (- b c))"},
	{"binary operator at line start continues", "a = b\n  * c\n  or d", "(= a (or (* b c) d))"},
	{"paren after operator", "a = b +\n(c)", "(= a (+ b c))"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.wf", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			got := strings.TrimSuffix(DumpFile(f), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

// TestPositions pins the position of each kind of node: operators for
// binary, assignment, call, index and dot; the first token otherwise.
func TestPositions(t *testing.T) {
	src := "let x = a.b(c)[d] + \"s ${e}\"\nx += -1\nif x {\n}\n"
	f, err := Parse("p.wf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	let := f.Stmts[0].(*LetStmt)
	add := let.Value.(*BinaryExpr)
	idx := add.X.(*IndexExpr)
	call := idx.X.(*CallExpr)
	dot := call.Fn.(*DotExpr)
	interp := add.Y.(*InterpString)
	assign := f.Stmts[1].(*AssignStmt)
	ifs := f.Stmts[2].(*IfStmt)
	got := map[string]string{
		"let": let.Pos.String(), "name": let.Name.Pos.String(), "+": add.Pos.String(),
		"[": idx.Pos.String(), "(": call.Pos.String(), ".": dot.Pos.String(),
		"a": dot.X.Position().String(), "interp": interp.Pos.String(),
		"text": interp.Parts[0].Position().String(), "e": interp.Parts[1].Position().String(),
		"+=": assign.Pos.String(), "-": assign.Value.Position().String(),
		"if": ifs.Pos.String(), "{": ifs.Then.Pos.String(), "}": ifs.Then.End.String(),
	}
	want := map[string]string{
		"let": "p.wf:1:1", "name": "p.wf:1:5", "+": "p.wf:1:19",
		"[": "p.wf:1:15", "(": "p.wf:1:12", ".": "p.wf:1:10",
		"a": "p.wf:1:9", "interp": "p.wf:1:21",
		"text": "p.wf:1:22", "e": "p.wf:1:26",
		"+=": "p.wf:2:3", "-": "p.wf:2:6",
		"if": "p.wf:3:1", "{": "p.wf:3:6", "}": "p.wf:4:1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestFileFields(t *testing.T) {
	src := []byte("x")
	f, err := Parse("f.wf", src)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "f.wf" || string(f.Src) != "x" {
		t.Errorf("File = {%q, %q}, want {f.wf, x}", f.Name, f.Src)
	}
}
