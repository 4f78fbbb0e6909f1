package engine

// Tests of activity failures as values, retries run durably, per-call
// options and per-attempt timeouts.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// flaky is an activity that fails its first fails attempts of each key
// with kind, and records every attempt it saw.
type flaky struct {
	mu    sync.Mutex
	fails int
	kind  string
	seen  []string // "key attempt"
}

func (fl *flaky) activity(name string, retry RetryPolicy) Activity {
	return Activity{Name: name, Retry: retry, Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		info, ok := ActivityInfoFrom(ctx)
		if !ok || info.Key != key || info.Name != name {
			return vm.Nil, errors.New("no ActivityInfo in the context")
		}
		fl.mu.Lock()
		defer fl.mu.Unlock()
		fl.seen = append(fl.seen, key+" "+vm.Repr(vm.Int(int64(info.Attempt))))
		if info.Attempt <= fl.fails {
			return vm.Nil, &ActivityError{Kind: fl.kind, Message: "try again"}
		}
		return vm.String("charged " + vm.Str(args[0])), nil
	}}
}

// TestActivityFailureIsCaught: an activity's failure is thrown in the
// workflow with its kind, name, key and attempt; a panic is one too.
func TestActivityFailureIsCaught(t *testing.T) {
	fl := &flaky{fails: 1, kind: "card_declined"}
	boom := Activity{Name: "boom", Fn: func(context.Context, string, []vm.Value) (vm.Value, error) { panic("oops") }}
	f := newFixture(t, Options{Activities: []Activity{fl.activity("charge", RetryPolicy{}), boom}})
	id := f.start(`try { charge(5) } catch e { print(e.kind, e.message) }
try { boom() } catch e { print(e.kind, e.message) } finally { print("cleaned") }
`, "")
	want := "card_declined activity charge (key i1:1) failed on attempt 1: try again\n" +
		"activity_error activity boom (key i1:2) failed on attempt 1: panic: oops\ncleaned\n"
	if h := f.head(id); h.Status != Completed || h.Output != want {
		t.Errorf("%s %q, want completed with %q", h.Status, h.Output, want)
	}
}

// TestActivityRetries: an activity failing twice under a policy of 3
// attempts sleeps 1s then 2s between attempts (fired by a worker), keeps
// its key, records every attempt once, and survives a restart between
// attempts.
func TestActivityRetries(t *testing.T) {
	fl := &flaky{fails: 2, kind: "unavailable"}
	opts := Options{Activities: []Activity{fl.activity("charge", RetryPolicy{Attempts: 3, Initial: time.Second})}}
	f := newFixture(t, opts)
	id := f.start(`print(charge(5))`, "")
	if h := f.head(id); h.Status != Sleeping || !h.Due.Equal(f.clock.Now().Add(time.Second)) || h.ActivitySeq != 1 {
		t.Fatalf("after a failed attempt: %+v", h.Instance)
	}
	f.restart(opts) // a crash between attempts: the next process goes on
	f.work()        // not due yet
	f.clock.Add(time.Second)
	f.work()
	f.clock.Add(1500 * time.Millisecond)
	f.work() // the second retry waits 2s
	if h := f.head(id); h.Status != Sleeping {
		t.Fatalf("before the third attempt's due time: %s", h.Status)
	}
	f.clock.Add(500 * time.Millisecond)
	f.work()
	if h := f.head(id); h.Status != Completed || h.Output != "charged 5\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	if diff := cmp.Diff([]string{"i1:1 1", "i1:1 2", "i1:1 3"}, fl.seen); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	want := []string{
		"started → running",
		"activity charge failed (seq 1, attempt 1): unavailable: try again; attempt 2 at 2026-01-02T03:04:06Z → sleeping",
		"activity charge failed (seq 1, attempt 2): unavailable: try again; attempt 3 at 2026-01-02T03:04:08Z → sleeping",
		"activity charge done (seq 1, attempt 3) → completed",
	}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// TestActivityOptionsPerCall: activity(fn, args, options) overrides the
// activity's policy; a non-retryable kind ends the call at once; the
// last failure is thrown; bad options are a value_error at the call.
func TestActivityOptionsPerCall(t *testing.T) {
	fl := &flaky{fails: 5, kind: "card_declined"}
	f := newFixture(t, Options{Activities: []Activity{fl.activity("charge", RetryPolicy{Attempts: 10})}})
	id := f.start(`try {
    activity(charge, [1], {"attempts": 2, "initial": "10s"})
} catch e { print("1:", e.kind) }
try {
    activity(charge, [2], {"non_retryable": ["card_declined"]})
} catch e { print("2:", e.message) }
activity(charge, [3], {"attempts": 0})
`, "")
	f.clock.Add(10 * time.Second)
	f.work()
	h := f.head(id)
	wantOut := "1: card_declined\n2: activity charge (key i1:2) failed on attempt 1: try again\n"
	if h.Status != Failed || h.Output != wantOut || !strings.Contains(h.Error, "attempts must be an int from 1 to 1000, not 0") {
		t.Errorf("%s %q %q", h.Status, h.Output, h.Error)
	}
	if diff := cmp.Diff([]string{"i1:1 1", "i1:1 2", "i1:2 1"}, fl.seen); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

// TestActivityTimeout: an attempt running past its timeout fails with
// kind "timeout"; its context ends.
func TestActivityTimeout(t *testing.T) {
	slow := Activity{Name: "slow", Retry: RetryPolicy{Timeout: 50 * time.Millisecond},
		Fn: func(ctx context.Context, _ string, _ []vm.Value) (vm.Value, error) {
			<-ctx.Done()
			return vm.Nil, ctx.Err()
		}}
	f := newFixture(t, Options{Activities: []Activity{slow}})
	id := f.start(`try { slow() } catch e { print(e.kind) }`, "")
	if h := f.head(id); h.Status != Completed || h.Output != "timeout\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
}

// TestUserCancelledErrorIsOrdinary: error("cancelled", …) is caught like
// any error value.
func TestUserCancelledErrorIsOrdinary(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`try { throw error("cancelled", "mine") } catch e { print(e.kind, e.message) }`, "")
	if h := f.head(id); h.Status != Completed || h.Output != "cancelled mine\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
}

// restart replaces the fixture's engine by a new one over the same
// database, as after a crash (on SQLite; a PostgreSQL fixture's schema
// belongs to its engine, which stays).
func (f *fixture) restart(opts Options) {
	f.t.Helper()
	if fixtureOnPostgres {
		return
	}
	f.e.Close()
	opts.Now = f.clock.Now
	e, err := Open(f.path, opts, SQLiteOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.e = e
}
