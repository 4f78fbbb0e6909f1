package engine

// Tests of wait_any: the first of several signals, or a timeout.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const escalation = `let ev = wait_any(["approve", "reject"], "1h")
print(ev.name, ev.value)
if ev.name == nil {
    print("escalating")
    ev = wait_any(["approve", "reject", "manager"], "1d")
    print(ev.name, ev.value)
}
`

// TestWaitAnyFirstSignal: wait_any returns the first signal of its
// names, as {"name", "value"}; other names stay queued.
func TestWaitAnyFirstSignal(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(escalation, "")
	if h := f.head(id); h.Status != Waiting || h.WaitingFor != "approve\nreject" || h.Due.IsZero() {
		t.Fatalf("after start: %+v", h.Instance)
	}
	f.signal(id, "other", "1")
	f.signal(id, "reject", `"too dear"`)
	if h := f.head(id); h.Status != Completed || h.Output != "reject too dear\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	want := []string{"started → waiting approve\nreject", "wait_any: signal reject received → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// TestWaitAnyTimeoutAndLateAnswer: after the timeout, wait_any returns
// {"name": nil}; an answer that came late stays queued and answers the
// next wait_any that lists its name (the first approver's late answer
// is accepted after escalation). Queued signals answer oldest first,
// whatever the order of the names; a worker delivers them (Detached).
func TestWaitAnyTimeoutAndLateAnswer(t *testing.T) {
	f := newFixture(t, Options{Detached: true})
	ctx := context.Background()
	id := f.start(escalation, "")
	f.clock.Add(time.Hour)
	f.signal(id, "approve", "true") // at the due time: late
	f.clock.Add(time.Second)
	f.signal(id, "manager", "false")
	f.work()
	h := f.head(id)
	if h.Status != Completed || h.Output != "nil nil\nescalating\napprove true\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	inbox, err := f.e.Store().Inbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var queued []string
	for _, m := range inbox {
		if m.ConsumedBy == 0 {
			queued = append(queued, m.Name)
		}
	}
	if diff := cmp.Diff([]string{"manager"}, queued); diff != "" {
		t.Errorf("queued (-want +got):\n%s", diff)
	}
}

// TestWaitAnyRefusesBadNames: names are checked where the script asks.
func TestWaitAnyRefusesBadNames(t *testing.T) {
	f := newFixture(t, Options{})
	for src, want := range map[string]string{
		`wait_any([])`:          "names must list 1 to 64 signal names or futures, not 0",
		`wait_any(["a", "a"])`:  `the signal name "a" is listed twice`,
		`wait_any(["a", 1])`:    "a signal name is a string or a future, not int",
		`wait_any(["a\nb"])`:    "signal name contains a newline",
		`wait_any(["a"], "1y")`: "wait_any: ",
		`wait("a\nb")`:          "signal name contains a newline",
	} {
		if h := f.head(f.start(src, "")); h.Status != Failed || !strings.Contains(h.Error, want) {
			t.Errorf("%s: %s %q, want failed with %q", src, h.Status, h.Error, want)
		}
	}
	if _, err := f.e.Signal(ctx(), "i1", "a\nb", nil); err == nil || !strings.Contains(err.Error(), "newline") {
		t.Errorf("Signal with a newline in the name: %v", err)
	}
}

func ctx() context.Context { return context.Background() }

// TestCheckHistoryFollowsWaitAnyAndRetries: CheckHistory replays
// wait_any's answers and timeouts, and an activity's retried attempts,
// on new code.
func TestCheckHistoryFollowsWaitAnyAndRetries(t *testing.T) {
	fl := &flaky{fails: 1, kind: "busy"}
	f := newFixture(t, Options{Activities: []Activity{fl.activity("charge", RetryPolicy{Attempts: 2})}})
	id := f.start(escalation+`print(charge(1))
`, "")
	f.clock.Add(time.Hour)
	f.work()
	f.signal(id, "manager", `"bo"`)
	f.clock.Add(time.Second)
	f.work()
	if h := f.head(id); h.Status != Completed {
		t.Fatalf("%s %q", h.Status, h.Error)
	}
	hc, err := f.e.CheckHistory(context.Background(), id, "new.wf", []byte(escalation+`print(charge(1))
`))
	if err != nil || hc.Diverged || hc.Stopped != "" || hc.Checked != 5 {
		t.Errorf("%+v %v", hc, err)
	}
	other := strings.Replace(escalation, `"manager"]`, `"boss"]`, 1)
	hc, err = f.e.CheckHistory(context.Background(), id, "new.wf", []byte(other+`print(charge(1))
`))
	if err != nil || !hc.Diverged || hc.Version != 2 || hc.Got != `waits for signal "approve, reject, boss"` {
		t.Errorf("%+v %v", hc, err)
	}
}
