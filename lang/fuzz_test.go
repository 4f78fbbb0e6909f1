package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are small programs covering most of the syntax.
var fuzzSeeds = []string{
	"let x = 1 + 2 * 3\nx += 1; print(x)",
	"fn add(a, b) { return a + b }\nlet sq = fn(x) { return x * x }",
	"if a < b { } else if c { x } else { y }",
	"for k, v in m { break; continue }\nwhile not a and b or c == d { }",
	"try { x } catch e { y } finally { z }\ntry {} catch {}",
	"fn gen() { let a = yield 1\nyield from other()\nyield }",
	"let s = \"a ${b + 1} c ${\"d${e}\"} \\u{1F600}\\x41\"\nlet r = `raw\nline`",
	"let m = {\"k\": v, name: v, 1: x,}\nlet l = [1, 2,]\na[1:2]; a[:]; a[i] = 0",
	"xs\n  .map(fn(x) { return x * 2 })\n  .filter(f)\nlet f = g\n(a)\n-b",
	"a not in b; 0x_ff | 0b1 ^ 0o7 & 1_000 << 2 >> 1; - - ~x; 1.5e3 % 2",
}

// FuzzParse checks that Parse, on any input, returns a *File or an error,
// never panics (an "internal error" is a recovered panic), and that errors
// have positions and render.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, pattern := range []string{"../examples/*.wf", "../spec/*.wf", "../spec/*/*.wf", "../spec/*/*/*.wf"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if src, err := os.ReadFile(name); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := ParseWith("fuzz.wf", src, Options{MaxNesting: 50})
		if err == nil {
			if file == nil {
				t.Fatal("nil *File and nil error")
			}
			for _, s := range file.Stmts {
				checkPositions(t, s)
			}
			return
		}
		list, ok := err.(ErrorList)
		if !ok || len(list) == 0 {
			t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
		}
		for _, e := range list {
			if strings.Contains(e.Msg, "internal error") || e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("bad error: %v", e)
			}
		}
		_ = Render(err, src)
	})
}
