package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// TestTamperedRequest runs wf signal, show and history on an instance
// whose stored snapshot is well formed but waits on wait with a string
// where the engine stores [name, timeout], as a tampered database could:
// each must finish and say what is wrong. wf signal used to die with
// SIGSEGV on it.
func TestTamperedRequest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "wf.db")
	src := []byte("let x = wait(\"approval\")\nprint(x)\n")
	e, err := engine.Open(db, engine.Options{}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.Start(context.Background(), "flow.wf", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := waitingWith(t, src, vm.String("approval"))
	if _, err := e.Store().(*engine.SQLite).DB().Exec(`UPDATE versions SET snapshot = ? WHERE instance = ?`, snap, id); err != nil {
		t.Fatal(err)
	}
	e.Close()
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"signal", id, "approval", "true"}, "stored state cannot be loaded: the machine waits on wait, but the request is not a list"},
		{[]string{"show", id}, ""},
		{[]string{"history", id}, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append(c.args, "--db", db), strings.NewReader(""), &stdout, &stderr)
		if code != exitOK || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("wf %s: exit %d, stderr %q; want 0 and %q", c.args[0], code, stderr.String(), c.stderr)
		}
	}
}

// waitingWith returns a snapshot of src stopped in its first wait, made by
// a wait that asks with request.
func waitingWith(t *testing.T, src []byte, request vm.Value) []byte {
	prog, err := compiler.CompileSource("flow.wf", src, compiler.Options{Predeclared: append(vm.Universe(), engine.BuiltinNames()...)})
	if err != nil {
		t.Fatal(err)
	}
	hosts := engine.Builtins(engine.Env{}, nil)
	for i, h := range hosts {
		if h.Name == "wait" {
			hosts[i] = &vm.Builtin{Name: "wait", Fn: func(m *vm.Machine, _ []vm.Value) (vm.Value, error) {
				return m.Suspend("wait", request)
			}}
		}
	}
	m, err := vm.New(prog, vm.Options{Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}
