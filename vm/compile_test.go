package vm_test

// Tests of Compile, the one place an embedder declares host functions,
// and of the README's embedding example.

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// TestCompileBindsHosts: a program from Compile runs and restores with
// no Options.Hosts; Options.Hosts replaces a bound host by name.
func TestCompileBindsHosts(t *testing.T) {
	src := []byte(`let r = ask("q")
print("got", r)`)
	p, err := vm.Compile("bind.wf", src, vm.CompileOptions{Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := vm.New(p, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); err != nil || s == nil || s.Host != "ask" {
		t.Fatalf("run: %v %v", s, err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := vm.Compile("bind.wf", src, vm.CompileOptions{Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m2, err := vm.Restore(p2, data, vm.Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Resume(vm.String("yes")); err != nil || out.String() != "got yes\n" {
		t.Errorf("resume: %v %q", err, out.String())
	}
	out.Reset()
	m3, err := vm.New(p, vm.Options{Stdout: &out, Hosts: []*vm.Builtin{directAsk}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m3.Run(); s != nil || err != nil || out.String() != "got re:\"q\"\n" {
		t.Errorf("with ask replaced: %v %v %q", s, err, out.String())
	}
	plain := compile(t, string(src), "ask")
	if _, err := vm.New(plain, vm.Options{}); err == nil {
		t.Error("a program from compiler.Compile got hosts it was never given")
	}
}

func TestCompileErrors(t *testing.T) {
	ok := vm.CompileOptions{Hosts: []*vm.Builtin{askHost}}
	for _, c := range []struct {
		src  string
		opts vm.CompileOptions
		want string
	}{
		{`print(ask(1))`, vm.CompileOptions{}, "undefined: ask"},
		{`print(`, ok, "unexpected"},
		{`print([[[1]]])`, vm.CompileOptions{Parse: lang.Options{MaxNesting: 2}}, "nesting too deep (limit 2)"},
		{`1`, vm.CompileOptions{Hosts: []*vm.Builtin{askHost, nil}}, "CompileOptions.Hosts[1]: a host function needs a Name and a Fn"},
	} {
		_, err := vm.Compile("e.wf", []byte(c.src), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.src, err, c.want)
		}
	}
	_, err := vm.Compile("e.wf", []byte(`print(`), ok)
	if el := (lang.ErrorList)(nil); !errors.As(err, &el) {
		t.Errorf("a syntax error is %T, want a lang.ErrorList", err)
	}
}

// TestReadmeEmbedding: the README's "Embedding in Go" code is the code
// Example_embedding runs, so the README cannot show code that does not
// compile or work.
func TestReadmeEmbedding(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "## Embedding in Go\n")
	_, code, _ := strings.Cut(section, "```go\n")
	code, _, _ = strings.Cut(code, "```")
	_, block, _ := strings.Cut(string(example), "// README begin\n")
	block, _, _ = strings.Cut(block, "\t// README end")
	block = strings.ReplaceAll("\n"+block, "\n\t", "\n")[1:]
	if code == "" || code != block {
		t.Errorf("README's embedding code:\n%s\ndiffers from Example_embedding's:\n%s", code, block)
	}
}
