package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// panickyStore panics in NextMessage for one instance, standing in for a
// bug in engine code that runs inside a step.
type panickyStore struct {
	Store
	id string
}

func (s *panickyStore) NextMessage(ctx context.Context, id, name string) (Message, bool, error) {
	if id == s.id {
		var m map[string]int
		m["boom"]++ // assignment to a nil map
	}
	return s.Store.NextMessage(ctx, id, name)
}

// State reads the head without the queued message a store may read
// with it (Head.NextRead), so that the step asks NextMessage.
func (s *panickyStore) State(ctx context.Context, id string) (Head, error) {
	h, err := s.Store.State(ctx, id)
	h.NextRead, h.Next = false, nil
	return h, err
}

// TestPanicInStepFailsInstance: a step that panics, in engine code or in
// an activity, fails its instance with the reason, and the worker (and
// Signal) go on: the other instances complete. A panic used to kill every
// process that ran the step, again after each restart.
func TestPanicInStepFailsInstance(t *testing.T) {
	boom := Activity{Name: "boom", Fn: func(context.Context, string, []vm.Value) (vm.Value, error) {
		var l *vm.List
		return vm.Int(int64(len(l.Elems))), nil // nil dereference
	}}
	f := newFixture(t, Options{Activities: []Activity{boom}})
	ctx := context.Background()
	const waits = `print(wait("go"))`
	bad, viaSignal := f.start(waits, ""), f.start(waits, "")
	activity, good := f.start(`wait("go")
boom()
`, ""), f.start(waits, "")
	f.e.store = &panickyStore{Store: f.e.store, id: bad}
	for _, id := range []string{bad, activity, good} {
		if _, err := f.e.Store().Send(ctx, id, "go", "1", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.work()
	f.e.store.(*panickyStore).id = viaSignal
	if _, err := f.e.Signal(ctx, viaSignal, "go", []byte("1")); err != nil {
		t.Errorf("Signal: %v", err)
	}
	for _, c := range []struct {
		id     string
		status Status
		err    string
	}{
		{bad, Failed, "assignment to entry in nil map"},
		{viaSignal, Failed, "assignment to entry in nil map"},
		{activity, Failed, "activity_error: activity boom (key i3:1) failed on attempt 1: panic: runtime error: invalid memory address"},
		{good, Completed, ""},
	} {
		h := f.head(c.id)
		if h.Status != c.status || !strings.Contains(h.Error, c.err) {
			t.Errorf("%s: %s %q, want %s with %q", c.id, h.Status, h.Error, c.status, c.err)
		}
	}
}
