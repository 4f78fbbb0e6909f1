package lang

import "testing"

// BenchmarkParseOneLine is the parsing part of an embedder's startup:
// a one-line script.
func BenchmarkParseOneLine(b *testing.B) {
	src := []byte(`result(1 + 2)`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("one.wf", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseExample parses a page of typical code.
func BenchmarkParseExample(b *testing.B) {
	src := []byte(`
fn review(expense) {
    if expense.amount < 100 and not expense.flagged { return "auto-approved" }
    let answer = ask("manager", expense)
    if answer.approved { return "approved by " + answer.by }
    return "rejected"
}
let counts = {}
for word in "a b a".split(" ") { counts[word] = counts.get(word, 0) + 1 }
let total = 0
for k, v in counts { total += v * 2 - 1 % 3 }
`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("ex.wf", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildParser measures building the participle parser, which a
// process does once, on its first parse.
func BenchmarkBuildParser(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		buildParser()
	}
}
