package lang

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite spec/grammar.ebnf from the parser")

const grammarFile = "../spec/grammar.ebnf"

// TestGrammarEBNF keeps spec/grammar.ebnf equal to the grammar the parser
// actually uses. Run "go test ./lang -run TestGrammarEBNF -update" after
// changing grammar.go.
func TestGrammarEBNF(t *testing.T) {
	want := parser().String() + "\n"
	if *update {
		if err := os.WriteFile(grammarFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(grammarFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("%s is stale; run go test ./lang -run TestGrammarEBNF -update (-parser +file):\n%s", grammarFile, diff)
	}
}
