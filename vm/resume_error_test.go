package vm_test

// Tests of ResumeError: a host call's failure delivered into the machine
// as a throw where the call was made, after a snapshot round trip too.

import (
	"bytes"
	"errors"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestResumeErrorIsCaught: an error delivered by ResumeError is caught by
// the try around the suspended call, in a coroutine and after a restore;
// finally blocks run; an uncaught one ends the run with it.
func TestResumeErrorIsCaught(t *testing.T) {
	const src = `
let co = coroutine(fn() {
    try {
        ask("charge")
    } catch e {
        print("caught", e.kind, e.message)
    } finally {
        print("finally")
    }
    return ask("again")
})
print("main got", co.switch())
`
	var out bytes.Buffer
	m := newAskMachine(t, src, &out)
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err = vm.Restore(compile(t, src, "ask"), snap, vm.Options{Stdout: &out, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	susp, err := m.ResumeError(vm.NewError("cancelled", "by the operator"))
	if err != nil || susp == nil {
		t.Fatalf("ResumeError: %v, %v", susp, err)
	}
	if want := "caught cancelled by the operator\nfinally\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	_, err = m.ResumeError(vm.NewError("card_declined", "no funds"))
	var re *vm.RuntimeError
	if !errors.As(err, &re) || re.Value.AsError().Kind != "card_declined" {
		t.Errorf("uncaught ResumeError: %v, want a runtime error of kind card_declined", err)
	}
}

// TestResumeErrorNotSuspended: ResumeError needs a pending host call.
func TestResumeErrorNotSuspended(t *testing.T) {
	var out bytes.Buffer
	m := newAskMachine(t, `print(1)`, &out)
	if _, err := m.ResumeError(vm.NewError("x", "y")); !errors.Is(err, vm.ErrNotSuspended) {
		t.Errorf("ResumeError on a new machine: %v, want ErrNotSuspended", err)
	}
}
