package main

// Tests of wf inspect: what it checks before compiling an embedded
// program, and its text.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// embeddingSnapshot writes a snapshot of a one-line program that embeds
// src as its program (with src's hash), after edit has changed the
// decoded body, and returns the file's path.
func embeddingSnapshot(t *testing.T, src string, edit func(body []any)) string {
	t.Helper()
	p, err := compiler.CompileSource("one.wf", []byte("let x = [1, 2]\n"), compiler.Options{Predeclared: predeclared()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := vm.New(p, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if err != nil {
		t.Fatal(err)
	}
	var env []any
	if err := cbor.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	hash := compiler.Hash([]byte(src))
	env[3], env[4] = hash[:], []any{"embedded.wf", []byte(src)}
	if edit != nil {
		edit(env[5].([]any))
	}
	if data, err = cbor.Marshal(env); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.snap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func inspect(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(append([]string{"inspect"}, args...), nil, &out, &errb)
	return code, out.String(), errb.String()
}

// TestInspectChecksBodyBeforeCompiling: a snapshot whose body is
// malformed is refused as such; its embedded program (here not even valid
// code) is never compiled.
func TestInspectChecksBodyBeforeCompiling(t *testing.T) {
	path := embeddingSnapshot(t, "fn (((\n", func(body []any) {
		body[5].([]any)[0] = []any{uint64(42)}
	})
	code, _, stderr := inspect(path)
	if code != exitRuntime || !strings.Contains(stderr, "bad snapshot") || strings.Contains(stderr, "embedded program") {
		t.Fatalf("exit %d, stderr %q; want a bad snapshot, and no word of compiling", code, stderr)
	}
}

// TestInspectBoundsEmbeddedSource: an embedded program over --max-source
// is refused before it is compiled; under the limit it is compiled, with
// the nesting limit.
func TestInspectBoundsEmbeddedSource(t *testing.T) {
	big := strings.Repeat("let a = 1\n", 100)
	code, _, stderr := inspect("--max-source", "999", embeddingSnapshot(t, big, nil))
	if code != exitRuntime || !strings.Contains(stderr, "1000 bytes, over the --max-source limit of 999") {
		t.Fatalf("exit %d, stderr %q; want the source refused for its size", code, stderr)
	}
	deep := "let a = " + strings.Repeat("(", 30) + "1" + strings.Repeat(")", 30) + "\n"
	code, _, stderr = inspect("--max-nesting", "20", embeddingSnapshot(t, deep, nil))
	if code != exitRuntime || !strings.Contains(stderr, "embedded program") || !strings.Contains(stderr, "nest") {
		t.Fatalf("exit %d, stderr %q; want the source refused for its nesting", code, stderr)
	}
}

// goldenFlow suspends in wait() two calls deep, with a list shared by a
// global, two frames and a generator.
const goldenFlow = `let items = [1, 2, 3]
let label = "line one\nline two"
fn gen(xs) { yield len(xs) }
let g = gen(items)
g.next()
fn work(xs, n) {
    if n == 0 { return wait("go") }
    let rest = [n]
    return work(xs, n - 1)
}
work(items, 1)
`

// goldenInspect is what wf inspect prints for goldenFlow's snapshot, its
// program hash and step count aside.
const goldenInspect = `machine snapshot of flow.wf (program HASH)
steps: STEPS
waiting on host function: wait
globals:
  items = [1, 2, 3]  #2
  label = "line one\nline two"
  gen = <fn gen>
  g = <generator gen suspended>  #4
  work = <fn work>
fiber #1: main <main>, running
  in <main> at flow.wf:11:5, work(…)#1
  in work at flow.wf:9:16, work(…)#1
    xs = #2
    n = 1
    rest = [1]
  in work at flow.wf:7:28, wait("go")#1
    xs = #2
    n = 0
fiber #4: generator gen, suspended
  in gen at flow.wf:3:14, yield#1
    xs = #2
`

// TestInspectGolden pins wf inspect's text: the shared list is printed
// once and referred to as #2 after, fibers carry their ids.
func TestInspectGolden(t *testing.T) {
	p, err := compiler.CompileSource("flow.wf", []byte(goldenFlow), compiler.Options{Predeclared: predeclared()})
	if err != nil {
		t.Fatal(err)
	}
	wait := &vm.Builtin{Name: "wait", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		return m.Suspend("wait", args[0])
	}}
	m, err := vm.New(p, vm.Options{Hosts: []*vm.Builtin{wait}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flow.snap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := inspect(path)
	want := strings.NewReplacer("HASH", fmt.Sprintf("%x", p.Hash[:8]), "STEPS", fmt.Sprint(m.Steps())).Replace(goldenInspect)
	if code != exitOK || stdout != want {
		t.Errorf("exit %d, stderr %q, stdout (-want +got):\n%s", code, stderr, cmp.Diff(want, stdout))
	}
}
