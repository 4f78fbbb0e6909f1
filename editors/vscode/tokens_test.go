package vscode

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/wf-lang/wf/lang"
)

// expectedToken is a token wf's scanner reports, where the grammar must
// give it a scope of its kind: 0-based line and UTF-16 column.
type expectedToken struct {
	Kind string `json:"kind"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

type expectedFile struct {
	File   string          `json:"file"`
	Tokens []expectedToken `json:"tokens"`
}

// TestGrammarMatchesScanner tokenizes every example and conformance
// program with the TextMate grammar in vscode-textmate (as VS Code does)
// and checks that each keyword, comment, number and string the scanner
// finds, and each ${ of an interpolation, gets a scope of its kind. It
// needs node and the npm packages (npm install in editors/vscode); CI
// installs them, and fails rather than skips without them.
func TestGrammarMatchesScanner(t *testing.T) {
	node, err := exec.LookPath("node")
	_, modErr := os.Stat("node_modules/vscode-textmate")
	if err != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node or editors/vscode/node_modules missing: run npm install in editors/vscode")
		}
		t.Skip("needs node and the npm packages: run npm install in editors/vscode")
	}
	var files []expectedFile
	for _, pattern := range []string{"../../examples/*.wf", "../../spec/conformance/*.wf"} {
		paths, _ := filepath.Glob(pattern)
		for _, path := range paths {
			if f, ok := expectedTokens(t, path); ok {
				files = append(files, f)
			}
		}
	}
	if len(files) < 30 {
		t.Fatalf("only %d files", len(files))
	}
	b, _ := json.Marshal(files)
	want := filepath.Join(t.TempDir(), "want.json")
	if err := os.WriteFile(want, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, "test/check-grammar.js", want).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the grammar disagrees with the scanner: %v", err)
	}
}

// expectedTokens lists a file's tokens the grammar must scope.
func expectedTokens(t *testing.T, path string) (expectedFile, bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := lang.Tokens(path, src)
	if err != nil {
		return expectedFile{}, false
	}
	f := expectedFile{File: path}
	for _, tok := range toks {
		kind := map[lang.TokenKind]string{lang.Keyword: "keyword", lang.Comment: "comment", lang.Number: "number", lang.String: "string"}[tok.Kind]
		if kind == "" || tok.Kind == lang.Keyword && !isWord(tok.Text) { // the scanner files != with the keywords
			continue
		}
		line, col := utf16Position(src, tok.Offset)
		f.Tokens = append(f.Tokens, expectedToken{Kind: kind, Line: line, Col: col})
		if tok.Kind == lang.String && strings.HasPrefix(tok.Text, `"`) {
			f.Tokens = append(f.Tokens, interpolations(src, tok)...)
		}
	}
	return f, true
}

// interpolations lists the ${ of each interpolation in a string token.
func interpolations(src []byte, tok lang.Token) []expectedToken {
	var out []expectedToken
	for i := 0; i+1 < len(tok.Text); i++ {
		if tok.Text[i] == '\\' {
			i++
			continue
		}
		if tok.Text[i] == '$' && tok.Text[i+1] == '{' {
			line, col := utf16Position(src, tok.Offset+i)
			out = append(out, expectedToken{Kind: "interpolation", Line: line, Col: col})
		}
	}
	return out
}

// utf16Position returns the 0-based line and UTF-16 column of offset.
func utf16Position(src []byte, offset int) (int, int) {
	start := strings.LastIndexByte(string(src[:offset]), '\n') + 1
	line := strings.Count(string(src[:offset]), "\n")
	return line, len(utf16.Encode([]rune(string(src[start:offset]))))
}

func isWord(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}
