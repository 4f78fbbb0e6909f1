package vm_test

// Tests of host suspension: where a host function may suspend the machine,
// what Run and Resume do in each state, and that suspension points inside
// generators and coroutines survive Snapshot and Restore.

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// newAskMachine returns a machine running src with the suspending ask.
func newAskMachine(t *testing.T, src string, out *bytes.Buffer) *vm.Machine {
	t.Helper()
	m, err := vm.New(compile(t, src, "ask"), vm.Options{Stdout: out, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestResumeInCoroutineKeepsRootSuspended is the regression test for
// Resume marking the root fiber running although the suspension happened
// inside a coroutine, while the root waited at a switch: the coroutine
// could then no longer switch back to the main program.
func TestResumeInCoroutineKeepsRootSuspended(t *testing.T) {
	const src = `
let main = current()
let co = coroutine(fn() {
    let r = ask("q")
    print("main is", main.status)
    return main.switch(r)
})
print("main got", co.switch())
`
	for _, restart := range []bool{false, true} {
		h := &hostRun{src: src, restart: restart}
		h.run(t)
		want := "main is suspended\nmain got re:\"q\"\n"
		if diff := cmp.Diff(want, h.out.String()); diff != "" {
			t.Errorf("restart=%v: output (-want +got):\n%s", restart, diff)
		}
	}
}
