package engine

// Tests of the limits on what the engine stores.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// TestStateOverSnapshotLimitFailsStep: a step that makes the state
// larger than vm.Restore accepts (64 MiB) fails its instance, whose
// failed version keeps the last good state, instead
// of committing a snapshot nothing can restore: the instance used to stay
// waiting for good, and each signal acknowledged after it was stored and
// never applied. A signal queued before the failure stays queued,
// unconsumed; Signal refuses any more.
func TestStateOverSnapshotLimitFailsStep(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(`wait("big")
let big = "x" * 67108864
let then = wait("then")
`, "")
	if _, err := f.e.Store().Send(ctx, id, "then", "1", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	msg, err := f.e.Signal(ctx, id, "big", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.work()
	h := f.head(id)
	if h.Status != Failed || !strings.Contains(h.Error, "over the limit of 67108864 for a snapshot") {
		t.Errorf("after the signal: %s %q, want failed for the snapshot limit", h.Status, h.Error)
	}
	if h.Version != 2 || h.SnapVersion != 1 || h.Snapshot == nil {
		t.Errorf("failed version %d keeps the state of version %d, want 2 keeping 1's", h.Version, h.SnapVersion)
	}
	inbox, err := f.e.Store().Inbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, m := range inbox {
		got = append(got, fmt.Sprintf("%s consumed by %d", m.Name, m.ConsumedBy))
	}
	if diff := cmp.Diff([]string{"then consumed by 0", "big consumed by 2"}, got); diff != "" || msg.ConsumedBy != 2 {
		t.Errorf("inbox (-want +got):\n%s", diff)
	}
	if _, err := f.e.Signal(ctx, id, "then", []byte("2")); !errors.Is(err, ErrFinal) {
		t.Errorf("a signal after the failure: %v, want ErrFinal", err)
	}
}

// TestStateLimitKeepsLastGoodState: with a small Options.MaxSnapshot, a
// workflow whose state grows each step fails at the step that crosses
// the limit, whether Signal or a worker runs it; the signal it applied
// is consumed by the failed version; rewinding to the last good version
// goes on from there; and a first step over the limit fails the new
// instance.
func TestStateLimitKeepsLastGoodState(t *testing.T) {
	for _, detached := range []bool{false, true} {
		f := newFixture(t, Options{MaxSnapshot: 8000, Detached: detached})
		ctx := context.Background()
		id := f.start(`let keep = []
while true {
    keep.push("x" * 1000)
    print(len(keep))
    wait("more")
}
`, "")
		for f.head(id).Status == Waiting {
			f.signal(id, "more", "null")
			f.work()
		}
		h := f.head(id)
		if !strings.Contains(h.Error, "over the limit of 8000 for a snapshot") || h.SnapVersion != h.Version-1 {
			t.Fatalf("detached %v: %s at version %d (state of %d): %q", detached, h.Status, h.Version, h.SnapVersion, h.Error)
		}
		if rep, err := f.e.Show(ctx, id, 0); err != nil || len(rep.Queued) != 0 {
			t.Errorf("detached %v: queued %+v, %v; want the last signal consumed by the failed version", detached, rep.Queued, err)
		}
		if _, err := f.e.Rewind(ctx, id, h.Version-1, false); err != nil {
			t.Fatal(err)
		}
		if h := f.head(id); h.Status != Waiting {
			t.Errorf("detached %v: after rewinding to the last good state: %s", detached, h.Status)
		}
	}
	f := newFixture(t, Options{MaxSnapshot: 8000})
	first := f.head(f.start(`let s = "x" * 10000
wait("x")
`, ""))
	if first.Status != Failed || first.Snapshot != nil || !strings.Contains(first.Error, "over the limit") {
		t.Errorf("first step over the limit: %s %q", first.Status, first.Error)
	}
}

// TestValuesOverLimitAreRefused: Start, Signal and Set refuse values
// over Options.MaxValue, and names over MaxName, with ErrTooLarge and
// store nothing; an activity result over it fails the activity; wait
// refuses a name over MaxName.
func TestValuesOverLimitAreRefused(t *testing.T) {
	echo := Activity{Name: "echo", Fn: func(_ context.Context, _ string, args []vm.Value) (vm.Value, error) {
		return args[0], nil
	}}
	f := newFixture(t, Options{MaxValue: 100, Activities: []Activity{echo}})
	ctx := context.Background()
	id := f.start(approval, `{"what": "a laptop"}`)
	long := []byte(`"` + strings.Repeat("x", 100) + `"`)
	_, startErr := f.e.Start(ctx, "t.wf", []byte(approval), long)
	_, signalErr := f.e.Signal(ctx, id, "approval", long)
	_, nameErr := f.e.Signal(ctx, id, strings.Repeat("n", MaxName+1), nil)
	setErr := f.e.Set(ctx, id, "req", long, true)
	for what, err := range map[string]error{"Start": startErr, "Signal": signalErr, "Signal's name": nameErr, "Set": setErr} {
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", what, err)
		}
	}
	if list, _ := f.e.List(ctx, Filter{}); len(list) != 1 {
		t.Errorf("%d instances, want the one started", len(list))
	}
	if inbox, _ := f.e.Store().Inbox(ctx, id); len(inbox) != 0 {
		t.Errorf("inbox = %+v, want nothing stored", inbox)
	}
	if diff := cmp.Diff([]string{"started → waiting approval"}, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	for _, c := range []struct{ src, want string }{
		{`echo("x" * 100)`, "activity echo (key i2:1) failed on attempt 1: the result is 102 bytes of JSON, over the limit of 100"},
		{`wait("n" * 257)`, "value_error: wait: the signal name is 257 bytes, over the limit of 256"},
	} {
		if h := f.head(f.start(c.src, "")); h.Status != Failed || !strings.Contains(h.Error, c.want) {
			t.Errorf("%s: %s %q, want failed with %q", c.src, h.Status, h.Error, c.want)
		}
	}
}

// TestOutputPerStepIsBounded: print past Options.MaxOutput in one step
// fails with a value_error, which a workflow may catch; the limit is per
// step.
func TestOutputPerStepIsBounded(t *testing.T) {
	f := newFixture(t, Options{MaxOutput: 100})
	h := f.head(f.start(`print("x" * 200)`, ""))
	if h.Status != Failed || !strings.Contains(h.Error, "value_error: print: this step's output would be over the limit of 100 bytes") {
		t.Errorf("printing 200 bytes: %s %q", h.Status, h.Error)
	}
	id := f.start(`try { print("x" * 200) } catch e { print("caught") }
print("y" * 80)
wait("next")
print("z" * 80)
`, "")
	f.signal(id, "next", "null")
	if h := f.head(id); h.Status != Completed || h.Output != "caught\n"+strings.Repeat("y", 80)+"\n"+strings.Repeat("z", 80)+"\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
}

// TestErrorTextIsBounded: a failure's stored text is cut at
// maxErrorText, at a character boundary, saying how much was cut.
func TestErrorTextIsBounded(t *testing.T) {
	f := newFixture(t, Options{})
	h := f.head(f.start(`throw error("boom", "é" * 100000)`, ""))
	if h.Status != Failed || len(h.Error) > maxErrorText+40 || !strings.HasSuffix(h.Error, "more bytes cut)") {
		t.Errorf("%s with a %d-byte error ending %q", h.Status, len(h.Error), h.Error[max(0, len(h.Error)-40):])
	}
	if !utf8.ValidString(h.Error) {
		t.Error("the cut error text is not valid UTF-8")
	}
}
