package engine

// Tests of CheckHistory on instances that use futures: real histories
// replayed in full, with the futures' maps (times and attempts
// included) as the instance saw them; a changed program and an edited
// version caught; an older history without the record stopped.

import (
	"context"
	"strings"
	"testing"
	"time"
)

// futureRace starts two quotes, takes the first to complete or a
// signal, prints the reply with the winner's whole map (its attempts
// and times), then waits for the other or a signal, and awaits it.
const futureRace = `let a = start(ups, ["box"], {"attempts": 4, "initial": "10s"})
let b = start(fedex, ["box"], {"attempts": 4, "initial": "10s"})
let ev = wait_any([a, b, "stop"], "1h")
print(ev)
let other = a
if ev.future == a { other = b }
ev = wait_any([other, "go"])
print(ev.name, ev.value)
print(await(other))
`

// TestCheckHistoryFutures: histories of futures retried, answering a
// wait_any and an await, failing for good, racing a signal and ended by
// a cancellation replay in full; the futures' results come from the
// history (the activities are not called).
func TestCheckHistoryFutures(t *testing.T) {
	q := &quotes{fails: map[string]int{"ups": 2, "fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 12), q.activity("fedex", 9)}})
	id := f.start(futureRace, "")
	f.clock.Add(10 * time.Second)
	f.work() // fedex answers on its second attempt, ups fails again
	f.signal(id, "go", `"now"`)
	for range 2 {
		f.clock.Add(30 * time.Second)
		f.work()
	}
	h := f.head(id)
	if h.Status != Completed || !strings.Contains(h.Output, "go now\n12\n") {
		t.Fatalf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	calls := len(q.seen())
	wantChecked(t, "a race", f.checkHistory(id, futureRace), h.Version)
	if n := len(q.seen()); n != calls {
		t.Errorf("the replay called activities: %d attempts, %d before", n, calls)
	}

	failing := `let f = start(ups, ["box"], {"attempts": 2, "initial": "1s"})
let ev = wait_any([f])
print(ev.error.kind, ev.future.attempts)
try { await(f) } catch e { print(e.kind, e.message) }
`
	q.fails["ups"] = 5
	id = f.start(failing, "")
	f.clock.Add(time.Second)
	f.work()
	wantChecked(t, "a future failing for good", f.checkHistory(id, failing), f.head(id).Version)

	cancelled := `let f = start(fedex, ["box"], {"attempts": 3, "initial": "1m"})
try { wait("never") } catch e {
    try { await(f) } catch e2 { print(e2.kind, e2.message, f.at) }
}
`
	id = f.start(cancelled, "")
	f.clock.Add(time.Second)
	if err := f.e.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	wantChecked(t, "a cancellation", f.checkHistory(id, cancelled), f.head(id).Version)
}

// TestCheckHistoryFuturesDiverge: a program that prints otherwise, one
// that starts its futures in another order, and one whose wait_any does
// not list the future that came, each diverge at the version where they
// first differ.
func TestCheckHistoryFuturesDiverge(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 12), q.activity("fedex", 9)}})
	id := f.start(futureRace, "")
	f.signal(id, "go", "1")
	f.clock.Add(10 * time.Second)
	f.work()
	if h := f.head(id); h.Status != Completed {
		t.Fatalf("%s\n%s", h.Status, strings.Join(f.reasons(id), "\n"))
	}
	printed := strings.Replace(futureRace, "print(await(other))", `print("other:", await(other))`, 1)
	if hc := f.checkHistory(id, printed); !hc.Diverged || hc.What != "output" || hc.Version != 4 {
		t.Errorf("a program that prints otherwise: %+v", hc)
	}
	swapped := strings.Replace(strings.Replace(futureRace, "start(ups,", "start(X,", 1), "start(fedex,", "start(ups,", 1)
	swapped = strings.Replace(swapped, "start(X,", "start(fedex,", 1)
	if hc := f.checkHistory(id, swapped); !hc.Diverged || hc.What != "futures" || hc.Version != 2 ||
		!strings.HasPrefix(hc.Got, "future fedex done (seq 1)") {
		t.Errorf("a program that starts its futures in another order: %+v", hc)
	}
	unlisted := strings.Replace(futureRace, `wait_any([a, b, "stop"], "1h")`, `wait_any([b, "stop"], "1h")`, 1)
	if hc := f.checkHistory(id, unlisted); !hc.Diverged || hc.What != "state" || hc.Version != 2 ||
		hc.Want != "waits for any of a list with future ups (seq 1), done" || hc.Got != `waits for signal "stop"` {
		t.Errorf("a program that does not list the future that came: %+v", hc)
	}
}

// TestCheckHistoryFuturesEdited: a stored version whose future's result
// or reason was edited is caught; one without the record (made by a wf
// that did not keep it) stops the replay, saying so.
func TestCheckHistoryFuturesEdited(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 12), q.activity("fedex", 9)}})
	id := f.start(futureRace, "")
	f.signal(id, "go", "1")
	hist, err := f.e.History(context.Background(), id)
	if err != nil || len(hist) < 2 || !strings.Contains(hist[1].Detail, `"result":12`) {
		t.Fatalf("version 2 does not record ups's result: %+v %v", hist, err)
	}
	f.editVersion(id, 2, "detail", strings.Replace(hist[1].Detail, `"result":12`, `"result":13`, 1))
	if hc := f.checkHistory(id, futureRace); !hc.Diverged || hc.What != "output" || hc.Version != 2 || !strings.Contains(hc.Got, "13") {
		t.Errorf("an edited result: %+v", hc)
	}
	f.editVersion(id, 2, "detail", hist[1].Detail)
	wantChecked(t, "the detail restored", f.checkHistory(id, futureRace), int64(len(hist)))
	f.editVersion(id, 2, "reason", strings.Replace(hist[1].Reason, "future ups done (seq 1)", "future ups done (seq 1, attempt 2)", 1))
	if hc := f.checkHistory(id, futureRace); !hc.Diverged || hc.What != "futures" || hc.Version != 2 {
		t.Errorf("an edited reason: %+v", hc)
	}
	f.editVersion(id, 2, "reason", hist[1].Reason)
	f.editVersion(id, 2, "detail", "")
	if hc := f.checkHistory(id, futureRace); hc.Diverged || hc.Checked != 1 || !strings.Contains(hc.Stopped, "futures' outcomes are not recorded") {
		t.Errorf("a version without the record: %+v", hc)
	}
}
