package vm_test

// Tests that a panic inside a public entry point becomes an error wrapping
// vm.ErrInternal instead of killing the embedding process.

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestPanicInRunIsInternalError: a host function that panics makes Run
// return ErrInternal naming the panic; the machine then refuses to go on.
func TestPanicInRunIsInternalError(t *testing.T) {
	boom := &vm.Builtin{Name: "boom", Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
		var l *vm.List
		return vm.Int(int64(len(l.Elems))), nil // nil dereference
	}}
	m, err := vm.New(compile(t, `print("before")
boom()
print("after")`, "boom"), vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{boom}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run()
	if !errors.Is(err, vm.ErrInternal) {
		t.Fatalf("Run: got %v, want an error wrapping ErrInternal", err)
	}
	if !strings.Contains(err.Error(), "nil pointer") || !strings.Contains(err.Error(), "recover_test.go") {
		t.Errorf("the error should name the panic and where it happened: %v", err)
	}
	if _, err := m.Run(); !errors.Is(err, vm.ErrInternal) {
		t.Errorf("a second Run: got %v, want the same internal error", err)
	}
	if _, err := m.Snapshot(vm.SnapshotOptions{}); err == nil {
		t.Errorf("Snapshot of a machine that failed internally: want an error")
	}
}
