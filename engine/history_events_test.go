package engine

// Tests of CheckHistory on the versions that throw into the workflow or
// gather over several versions: activity failures, parallel(),
// cancellation and its cleanup; each on a real history, then on a
// tampered one.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/vm"
)

// checkHistory runs CheckHistory of instance id against src.
func (f *fixture) checkHistory(id, src string) *HistoryCheck {
	f.t.Helper()
	hc, err := f.e.CheckHistory(context.Background(), id, "new.wf", []byte(src))
	if err != nil {
		f.t.Fatal(err)
	}
	return hc
}

// editVersion sets column col (reason or detail) of instance id's version n
// to value, on either store, as a damaged or edited database would.
func (f *fixture) editVersion(id string, n int64, col, value string) {
	f.t.Helper()
	if col != "reason" && col != "detail" {
		f.t.Fatalf("editVersion: column %q", col)
	}
	var err error
	switch s := f.e.store.(type) {
	case *SQLite:
		_, err = s.DB().Exec(`UPDATE versions SET `+col+` = ? WHERE instance = ? AND version = ?`, value, id, n)
	case *Postgres:
		_, err = s.pool.Exec(context.Background(), `UPDATE wf_versions SET `+col+` = $1 WHERE instance = $2 AND version = $3`, []byte(value), id, n)
	default:
		err = errors.New("editVersion: unknown store")
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// wantChecked fails unless hc checked every one of n versions.
func wantChecked(t *testing.T, what string, hc *HistoryCheck, n int64) {
	t.Helper()
	if hc.Diverged || hc.Stopped != "" || hc.Checked != n {
		t.Errorf("%s: %+v, want all %d versions checked", what, hc, n)
	}
}

// TestCheckHistoryActivityFailures: a failure thrown into the workflow
// (caught, and one that fails the instance) replays as the same error;
// a recorded failure with another message is caught as a divergence.
func TestCheckHistoryActivityFailures(t *testing.T) {
	fl := &flaky{fails: 1, kind: "card_declined"}
	boom := Activity{Name: "boom", Fn: func(context.Context, string, []vm.Value) (vm.Value, error) { panic("oops") }}
	f := newFixture(t, Options{Activities: []Activity{fl.activity("charge", RetryPolicy{}), boom}})
	src := `try { charge(5) } catch e { print(e.kind, e.message) }
boom()
`
	id := f.start(src, "")
	if h := f.head(id); h.Status != Failed || h.Version != 3 {
		t.Fatalf("%s at version %d, want failed at 3", h.Status, h.Version)
	}
	wantChecked(t, "the same program", f.checkHistory(id, src), 3)
	caught := strings.Replace(src, "boom()", `try { boom() } catch e { print("caught") }`, 1)
	if hc := f.checkHistory(id, caught); !hc.Diverged || hc.Version != 3 || hc.What != "output" {
		t.Errorf("a program that catches the second failure: %+v", hc)
	}
	f.editVersion(id, 2, "reason", "activity charge failed (seq 1, attempt 1): card_declined: insufficient funds")
	if hc := f.checkHistory(id, src); !hc.Diverged || hc.Version != 2 || hc.What != "output" || !strings.Contains(hc.Got, "insufficient funds") {
		t.Errorf("a tampered failure message: %+v", hc)
	}
}

// parallelSquares calls square on 0..5 at once and prints what came back.
const parallelSquares = `let args = []
for i in range(6) { args.push([i]) }
for r in parallel(square, args) {
    if type(r) == "error" { print("failed:", r.kind, r.message) } else { print(r) }
}
`

// TestCheckHistoryParallel: the results of parallel()'s calls, gathered
// over a version with retries and the one that ends the last call,
// replay in order (an error value where a call failed); a program that
// calls parallel otherwise, and a tampered result, diverge; a history
// whose results were not recorded stops.
func TestCheckHistoryParallel(t *testing.T) {
	square := Activity{Name: "square", Retry: RetryPolicy{Attempts: 2, Initial: time.Second},
		Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
			info, _ := ActivityInfoFrom(ctx)
			switch n := args[0].AsInt(); {
			case n == 3:
				return vm.Nil, &ActivityError{Kind: "unlucky", Message: "no", NonRetryable: true}
			case n%2 == 0 && info.Attempt == 1:
				return vm.Nil, errors.New("busy")
			default:
				return vm.Int(n * n), nil
			}
		}}
	f := newFixture(t, Options{Activities: []Activity{square}})
	id := f.start(parallelSquares, "")
	f.clock.Add(time.Second)
	f.work()
	h := f.head(id)
	want := "0\n1\n4\nfailed: unlucky activity square (key i1:4) failed on attempt 1: no\n16\n25\n"
	if h.Status != Completed || h.Output != want || h.Version != 3 {
		t.Fatalf("%s at version %d, %q; want completed at 3 with %q", h.Status, h.Version, h.Output, want)
	}
	wantChecked(t, "the same program", f.checkHistory(id, parallelSquares), 3)
	five := strings.Replace(parallelSquares, "range(6)", "range(5)", 1)
	if hc := f.checkHistory(id, five); !hc.Diverged || hc.Version != 3 || hc.What != "state" || hc.Want != "calls square in parallel (6 calls)" {
		t.Errorf("a program with 5 calls: %+v", hc)
	}
	v3, err := f.e.Store().Version(context.Background(), id, 3)
	if err != nil {
		t.Fatal(err)
	}
	f.editVersion(id, 3, "detail", strings.Replace(v3.Detail, `"result":16`, `"result":17`, 1))
	if hc := f.checkHistory(id, parallelSquares); !hc.Diverged || hc.Version != 3 || hc.What != "output" || !strings.Contains(hc.Got, "17") {
		t.Errorf("a tampered result: %+v", hc)
	}
	f.editVersion(id, 2, "detail", "")
	if hc := f.checkHistory(id, parallelSquares); hc.Diverged || hc.Checked != 1 || !strings.Contains(hc.Stopped, "results are not recorded") {
		t.Errorf("a history without recorded results: %+v", hc)
	}
}

// TestCheckHistoryCancel: a cancellation throws its error where the
// instance waits; the cleanup's activity and its end replay and are
// checked, whether the cleanup ends by rethrowing or by waiting again; a
// program whose cleanup does otherwise diverges.
func TestCheckHistoryCancel(t *testing.T) {
	var calls []string
	f := newFixture(t, Options{Activities: refundActivities(&calls)})
	ctx := context.Background()
	id := f.start(refunding, "")
	if err := f.e.CancelWith(ctx, id, CancelOptions{Reason: "customer asked"}); err != nil {
		t.Fatal(err)
	}
	wantChecked(t, "the same program", f.checkHistory(id, refunding), 4)
	noRefund := strings.Replace(refunding, "print(refund(paid))", `print("no refund")`, 1)
	if hc := f.checkHistory(id, noRefund); !hc.Diverged || hc.Version != 3 || hc.What != "output" {
		t.Errorf("a cleanup that prints otherwise: %+v", hc)
	}
	quiet := strings.Replace(refunding, "print(refund(paid))", `wait("refund")`, 1) // same output; ends at the wait
	if hc := f.checkHistory(id, quiet); !hc.Diverged || hc.Version != 3 || hc.What != "state" || hc.Want != "cleans up: calls an activity" || hc.Got != "cancelled" {
		t.Errorf("a cleanup that waits instead of calling an activity: %+v", hc)
	}
	f.editVersion(id, 3, "reason", "cancelled: fraud")
	if hc := f.checkHistory(id, refunding); !hc.Diverged || hc.Version != 3 || !strings.Contains(hc.Got, "fraud") {
		t.Errorf("a tampered cancellation message: %+v", hc)
	}

	swallow := `try { wait("a") } catch e { print("caught", e.message) }
wait("b")
`
	id2 := f.start(swallow, "")
	if err := f.e.Cancel(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if r := f.reasons(id2); len(r) != 2 || !strings.Contains(r[1], cleanupWaits) {
		t.Fatalf("history: %q", r)
	}
	wantChecked(t, "a cleanup that waits", f.checkHistory(id2, swallow), 2)
	if hc := f.checkHistory(id2, strings.Replace(swallow, `wait("b")`, `print("went on")`, 1)); !hc.Diverged || hc.Version != 2 {
		t.Errorf("a cleanup that prints on: %+v", hc)
	}
}

// TestCheckHistoryStopsAtUnknown: a version whose reason no replay
// knows (a request kind this wf's replay does not follow) stops the
// check there, saying which version and why.
func TestCheckHistoryStopsAtUnknown(t *testing.T) {
	f := newFixture(t, Options{})
	src := `print(wait("a"))
print(wait("b"))
`
	id := f.start(src, "")
	f.signal(id, "a", `"x"`)
	f.signal(id, "b", `"y"`)
	wantChecked(t, "the same program", f.checkHistory(id, src), 3)
	f.editVersion(id, 3, "reason", "future f1 resolved")
	hc := f.checkHistory(id, src)
	if hc.Diverged || hc.Checked != 2 || !strings.Contains(hc.Stopped, "version 3 (future f1 resolved): a replay cannot follow it") {
		t.Errorf("an unknown event: %+v", hc)
	}
}

// TestFollowerReadsReasons: the reasons a cancellation or a failure may
// be recorded with, by an actor or ending the cleanup, give the error
// the engine threw; a forced cancel and a cut cleanup give nothing.
func TestFollowerReadsReasons(t *testing.T) {
	fl := &follower{id: "i7"}
	for reason, want := range map[string]string{
		"cancelled":                       "cancelled: instance cancelled",
		"cancelled (by ops)":              "cancelled: instance cancelled",
		"cancelled: fraud (by ops)":       "cancelled: fraud",
		"cancelled: fraud" + cleanupWaits: "cancelled: fraud",
		"activity pay failed (seq 3, attempt 2): card_declined: no: really": "card_declined: activity pay (key i7:3) failed on attempt 2: no: really",
		"cancelled (forced) (by ops)":                                       "",
		"cleanup cut: the grace period ended":                               "",
	} {
		ev, ok, why := fl.event(Version{Reason: reason}, false)
		got := ""
		var ve *vm.Error
		if errors.As(ev.thrown, &ve) {
			got = ve.Kind + ": " + ve.Msg
		}
		if !ok || got != want || ev.reply != nil {
			t.Errorf("%q: thrown %q, reply %v, ok %v (%s); want %q", reason, got, ev.reply, ok, why, want)
		}
	}
}
