// Package vscode holds the VS Code extension for wf; its Go test checks
// the extension's files without npm, so CI can run it.
package vscode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/wf-lang/wf/lang"
)

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestPackage(t *testing.T) {
	var pkg struct {
		Contributes struct {
			Languages []struct {
				ID         string   `json:"id"`
				Extensions []string `json:"extensions"`
			} `json:"languages"`
			Grammars []struct {
				Language, ScopeName, Path string
			} `json:"grammars"`
		} `json:"contributes"`
	}
	readJSON(t, "package.json", &pkg)
	langs, grammars := pkg.Contributes.Languages, pkg.Contributes.Grammars
	if len(langs) != 1 || langs[0].ID != "wf" || !slices.Equal(langs[0].Extensions, []string{".wf"}) {
		t.Errorf("languages = %+v", langs)
	}
	if len(grammars) != 1 || grammars[0].ScopeName != "source.wf" || grammars[0].Path != "./syntaxes/wf.tmLanguage.json" {
		t.Errorf("grammars = %+v", grammars)
	}
	var conf struct {
		Comments struct{ LineComment string } `json:"comments"`
		Brackets [][2]string                  `json:"brackets"`
	}
	readJSON(t, "language-configuration.json", &conf)
	if conf.Comments.LineComment != "//" || len(conf.Brackets) != 3 {
		t.Errorf("language configuration = %+v", conf)
	}
}

// rule is a TextMate grammar rule, as far as the test reads it.
type rule struct {
	Name, Match, Begin, End string
	Patterns                []rule
}

// rules returns every rule of the grammar, nested ones too.
func rules(t *testing.T) map[string]rule {
	var g struct {
		ScopeName  string          `json:"scopeName"`
		Repository map[string]rule `json:"repository"`
	}
	readJSON(t, "syntaxes/wf.tmLanguage.json", &g)
	out := map[string]rule{}
	var walk func(string, rule)
	walk = func(key string, r rule) {
		out[key] = r
		for i, p := range r.Patterns {
			walk(key+"/"+string(rune('0'+i)), p)
		}
	}
	for k, r := range g.Repository {
		walk(k, r)
	}
	return out
}

// TestGrammarCompiles checks every pattern with Go's regexp, whose
// syntax is a subset of Oniguruma's for what the grammar uses.
func TestGrammarCompiles(t *testing.T) {
	for key, r := range rules(t) {
		for _, re := range []string{r.Match, r.Begin, r.End} {
			if _, err := regexp.Compile(re); re != "" && err != nil {
				t.Errorf("%s: %v", key, err)
			}
		}
	}
}

// TestGrammarKeywords checks that every keyword the examples use is
// highlighted as a keyword, operator or constant.
func TestGrammarKeywords(t *testing.T) {
	rs := rules(t)
	var res []*regexp.Regexp
	for _, r := range rs {
		if r.Match != "" && (r.Name == "keyword.control.wf" || r.Name == "storage.type.wf" ||
			r.Name == "keyword.operator.logical.wf" || r.Name == "constant.language.wf") {
			res = append(res, regexp.MustCompile("^"+r.Match+"$"))
		}
	}
	word := regexp.MustCompile(`^[a-z]+$`) // not "not in", which is two words
	files, _ := filepath.Glob("../../examples/*.wf")
	seen := map[string]bool{}
	for _, f := range files {
		src, _ := os.ReadFile(f)
		toks, err := lang.Tokens(f, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			if tok.Kind == lang.Keyword && word.MatchString(tok.Text) && !seen[tok.Text] {
				seen[tok.Text] = true
				if !slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(tok.Text) }) {
					t.Errorf("keyword %q is not highlighted", tok.Text)
				}
			}
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d keywords in the examples: %v", len(seen), seen)
	}
	if comment := rs["comment"].Match; !regexp.MustCompile(comment).MatchString("x // note") {
		t.Errorf("comment pattern %q", comment)
	}
}
