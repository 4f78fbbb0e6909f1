package engine

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// tamper replaces the snapshot of instance id (started from src with
// input) by one whose machine stopped in host with request, as a
// tampered database or another program could store it: the snapshot
// itself is well formed, only the request has the wrong shape.
func (f *fixture) tamper(id, src, input, host string, request vm.Value) {
	f.t.Helper()
	prog, err := compiler.CompileSource("test.wf", []byte(src), compiler.Options{Predeclared: f.e.predeclared(nil)})
	if err != nil {
		f.t.Fatal(err)
	}
	hosts := Builtins(Env{ID: id, Input: input}, nil)
	for i, b := range hosts {
		if b.Name == "wait" {
			hosts[i] = &vm.Builtin{Name: "wait", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
				return m.Suspend(host, request)
			}}
		}
	}
	m, err := vm.New(prog, vm.Options{Hosts: hosts, Stdout: io.Discard})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		f.t.Fatal(err)
	}
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	db := f.e.Store().(*SQLite).DB()
	if _, err := db.Exec(`UPDATE versions SET snapshot = ? WHERE instance = ?`, snap, id); err != nil {
		f.t.Fatal(err)
	}
}

// TestTamperedRequestIsCorrupt stores well-formed snapshots whose pending
// request has the wrong shape for its builtin. Signal and a worker must
// report them (ErrCorrupt) and change nothing, Show must show them or say
// they are corrupt; nothing may crash. ParseCall used to cast the stored
// request unchecked: a string taken for a list made Signal, and so wf
// signal, die with SIGSEGV.
func TestTamperedRequestIsCorrupt(t *testing.T) {
	list := func(vs ...vm.Value) vm.Value { return vm.NewList(vs) }
	cases := []struct {
		name, host string
		request    vm.Value
	}{
		{"wait with a string", "wait", vm.String("approval")},
		{"wait with an int", "wait", vm.Int(7)},
		{"wait with one element", "wait", list(vm.String("approval"))},
		{"wait with a number for a name", "wait", list(vm.Int(1), vm.Nil)},
		{"wait with an empty name", "wait", list(vm.String(""), vm.Nil)},
		{"wait with a string timeout", "wait", list(vm.String("approval"), vm.String("3d"))},
		{"wait with a negative timeout", "wait", list(vm.String("approval"), vm.Float(-1))},
		{"wait with a huge timeout", "wait", list(vm.String("approval"), vm.Float(1e300))},
		{"sleep with a list", "sleep", list(vm.Float(1))},
		{"sleep with nan", "sleep", vm.Float(nan())},
		{"activity with a string", "charge", vm.String("x")},
	}
	charge := Activity{Name: "charge", Fn: func(context.Context, string, []vm.Value) (vm.Value, error) {
		t.Error("an activity ran from a tampered request")
		return vm.Nil, nil
	}}
	f := newFixture(t, Options{Activities: []Activity{charge}})
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			id := f.start(approval, `{"what": "x"}`)
			f.tamper(id, approval, `{"what": "x"}`, c.host, c.request)
			if _, err := f.e.Signal(ctx, id, "approval", []byte("true")); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Signal: %v, want ErrCorrupt", err)
			}
			if _, err := f.e.Show(ctx, id, 0); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("Show: %v, want a report or ErrCorrupt", err)
			}
			f.work()
			if h := f.head(id); h.Status != Waiting || h.Version != 1 {
				t.Errorf("after a worker: %s version %d, want it left waiting at version 1", h.Status, h.Version)
			}
		})
	}
}

func nan() float64 { var z float64; return z / z }
