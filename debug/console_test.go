package debug

// Scripted sessions: each testdata/*.txtar holds a program (prog.wf),
// the commands typed (input) and the transcript expected (want). Run
// with -update to rewrite the transcripts, then read the diff.

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

var update = flag.Bool("update", false, "rewrite the transcripts of testdata/*.txtar")

func TestConsoleScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := transcript(t, section(t, ar, "prog.wf"), section(t, ar, "input"))
			if *update {
				setSection(ar, "want", got)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(section(t, ar, "want")), string(got)); diff != "" {
				t.Errorf("transcript (-want +got):\n%s", diff)
			}
		})
	}
}

// transcript runs a console over the commands in input.
func transcript(t *testing.T, src, input []byte) []byte {
	p, err := compiler.CompileSource("prog.wf", src, compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := New(Config{Program: p, Options: vm.Options{Stdout: &out}, CheckpointEvery: 16})
	if err != nil {
		t.Fatal(err)
	}
	c := &Console{S: s, Source: src, Out: &out, Echo: true}
	if err := c.Run(bytes.NewReader(input)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func section(t *testing.T, ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	if name == "want" && *update {
		return nil
	}
	t.Fatalf("no section %s", name)
	return nil
}

func setSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}

// TestConsoleReadLine: with a line editor, an empty line repeats the
// last command, as in gdb, and the end of input ends the session.
func TestConsoleReadLine(t *testing.T) {
	src := []byte("let a = 1\nlet b = 2\nlet c = 3\nprint(a + b + c)\n")
	p, err := compiler.CompileSource("prog.wf", src, compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := New(Config{Program: p, Options: vm.Options{Stdout: &out}})
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{"next", "", "", "rnext"}
	var prompts []string
	c := &Console{S: s, Source: src, Out: &out, ReadLine: func(prompt string) (string, error) {
		prompts = append(prompts, prompt)
		if len(lines) == 0 {
			return "", io.EOF
		}
		l := lines[0]
		lines = lines[1:]
		return l, nil
	}}
	if err := c.Run(nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "] prog.wf:"); got != 5 || !strings.Contains(out.String(), "prog.wf:4 in <main>\n") ||
		!strings.Contains(out.String(), "prog.wf:3 in <main> (reversed)") || len(prompts) != 5 {
		t.Fatalf("prompts %q, transcript:\n%s", prompts, out.String())
	}
}
