package engine

// Tests of cancellation with cleanup: the workflow observes a cancel as
// a catchable error where it waits, its cleanup may call activities
// within a grace period, and a forced cancel runs nothing.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

const refunding = `let paid = charge(10)
try {
    wait("shipped")
    print("shipped")
} catch e {
    print("caught", e.kind, e.message)
    print(refund(paid))
    throw e
} finally {
    print("finally")
}
`

func refundActivities(calls *[]string) []Activity {
	act := func(name string) Activity {
		return Activity{Name: name, Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
			*calls = append(*calls, name+" "+key)
			return vm.String(strings.TrimSuffix(name, "e") + "ed " + vm.Str(args[0])), nil
		}}
	}
	return []Activity{act("charge"), act("refund")}
}

// TestCancelRunsCleanup: the cancel is thrown at the wait; catch runs a
// refund activity, finally runs, and the instance ends cancelled.
func TestCancelRunsCleanup(t *testing.T) {
	var calls []string
	f := newFixture(t, Options{Activities: refundActivities(&calls)})
	id := f.start(refunding, "")
	if err := f.e.CancelWith(context.Background(), id, CancelOptions{Reason: "customer asked"}); err != nil {
		t.Fatal(err)
	}
	h := f.head(id)
	want := "caught cancelled customer asked\nrefunded charged 10\nfinally\n"
	if h.Status != Cancelled || h.Output != want || h.Error != "" {
		t.Errorf("%s %q %q, want cancelled with %q", h.Status, h.Output, h.Error, want)
	}
	if diff := cmp.Diff([]string{"charge i1:1", "refund i1:2"}, calls); diff != "" {
		t.Errorf("activity calls (-want +got):\n%s", diff)
	}
	wantHist := []string{
		"started → running",
		"activity charge done (seq 1) → waiting shipped",
		"cancelled: customer asked → cancelling",
		"activity refund done (seq 2) → cancelled",
	}
	if diff := cmp.Diff(wantHist, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if _, err := f.e.Signal(context.Background(), id, "shipped", nil); err == nil {
		t.Error("a cancelled instance took a signal")
	}
}

// TestCancelSwallowedEndsAtNextWait: a script that catches the cancel
// and goes on ends cancelled at its next wait; one without a try ends
// at once; a user's error("cancelled") is not a cancellation.
func TestCancelSwallowedEndsAtNextWait(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`try { wait("a") } catch e { print("ignored", e.kind) }
print("went on")
wait("b")
print("never")
`, "")
	if err := f.e.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	h := f.head(id)
	if h.Status != Cancelled || h.Output != "ignored cancelled\nwent on\n" || h.WaitingFor != "" {
		t.Errorf("%s %q waiting for %q", h.Status, h.Output, h.WaitingFor)
	}
	if r := f.reasons(id); r[len(r)-1] != "cancelled; the cleanup waits, so it ends here → cancelled" {
		t.Errorf("last version %q", r[len(r)-1])
	}
	plain := f.start(`sleep("1h")`, "")
	if err := f.e.Cancel(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	if h := f.head(plain); h.Status != Cancelled || h.Error != "" {
		t.Errorf("sleeping instance: %s %q", h.Status, h.Error)
	}
	failing := f.start(`try { wait("a") } finally { throw error("oops", "cleanup failed") }`, "")
	if err := f.e.Cancel(context.Background(), failing); err != nil {
		t.Fatal(err)
	}
	if h := f.head(failing); h.Status != Cancelled || !strings.Contains(h.Error, "oops: cleanup failed") {
		t.Errorf("failing cleanup: %s %q", h.Status, h.Error)
	}
}

// TestCancelGraceAndForce: a cleanup whose activity has not run when the
// grace period ends is cut there, by a worker; a forced cancel runs
// nothing of the workflow; a cancel reaches an activity's retry wait.
func TestCancelGraceAndForce(t *testing.T) {
	var calls []string
	acts := refundActivities(&calls)
	fl := &flaky{fails: 100, kind: "down"}
	acts = append(acts, fl.activity("flaky", RetryPolicy{Attempts: 5}))
	f := newFixture(t, Options{Activities: acts, Detached: true})
	ctx := context.Background()
	id := f.start(refunding, "")
	// The cancel commits, and its process dies before running the cleanup.
	o := CancelOptions{Grace: time.Minute, Reason: "instance cancelled"}
	if _, err := f.e.cancelStep(ctx, f.head(id), o, "cancelled", f.e.newHolder("", time.Minute)); err != nil {
		t.Fatal(err)
	}
	if h := f.head(id); h.Status != Cancelling {
		t.Fatalf("%s, want cancelling", h.Status)
	}
	f.clock.Add(2 * time.Hour)
	f.work()
	if h := f.head(id); h.Status != Cancelled || strings.Contains(h.Output, "refunded") {
		t.Errorf("%s %q, want cancelled with no refund", h.Status, h.Output)
	}
	if r := f.reasons(id); r[len(r)-1] != "cleanup cut: the grace period ended → cancelled" {
		t.Errorf("last version %q", r[len(r)-1])
	}

	forced := f.start(`try { wait("a") } finally { print("finally") }`, "")
	if err := f.e.CancelWith(ctx, forced, CancelOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if h := f.head(forced); h.Status != Cancelled || h.Output != "" {
		t.Errorf("forced: %s %q", h.Status, h.Output)
	}

	retrying := f.start(`try { flaky(1) } catch e { print(e.kind) }`, "")
	if h := f.head(retrying); h.Status != Sleeping {
		t.Fatalf("retrying: %s", h.Status)
	}
	if err := f.e.Cancel(ctx, retrying); err != nil {
		t.Fatal(err)
	}
	if h := f.head(retrying); h.Status != Cancelled || h.Output != "cancelled\n" {
		t.Errorf("cancel during a retry wait: %s %q", h.Status, h.Output)
	}
}
