package engine

// Tests of futures: start, await, and wait_any over futures, signals and
// a deadline, with a fake clock.

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// quotes is a set of activities for the future tests: each "quote"
// answers with its argument's price, after failing its first
// fails[name] attempts; it counts every attempt by key.
type quotes struct {
	mu       sync.Mutex
	fails    map[string]int
	attempts []string // "key attempt"
}

func (q *quotes) activity(name string, price int64) Activity {
	return Activity{Name: name, Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		info, _ := ActivityInfoFrom(ctx)
		q.mu.Lock()
		defer q.mu.Unlock()
		q.attempts = append(q.attempts, key+" "+vm.Repr(vm.Int(int64(info.Attempt))))
		if info.Attempt <= q.fails[name] {
			return vm.Nil, &ActivityError{Kind: "busy", Message: name + " is busy"}
		}
		return vm.Int(price), nil
	}}
}

func (q *quotes) seen() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.attempts...)
}

// TestFutureWins: two futures started, the first to complete answers the
// wait_any, which names it; the other's result waits in its future for
// a later await.
func TestFutureWins(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	opts := Options{Activities: []Activity{q.activity("ups", 12), q.activity("fedex", 9)}}
	f := newFixture(t, opts)
	id := f.start(`let a = start(ups, ["box"])
let b = start(fedex, ["box"], {"attempts": 3, "initial": "10s"})
let ev = wait_any([b, a, "cancel"], "1h")
print(ev.future == a, ev.future == b, ev.name, ev.value, ev.error)
print(await(b))
`, "")
	h := f.head(id)
	if h.Status != Sleeping || h.Output != "true false nil 12 nil\n" {
		t.Fatalf("after the first attempts: %s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	f.clock.Add(10 * time.Second)
	f.work()
	h = f.head(id)
	if h.Status != Completed || h.Output != "true false nil 12 nil\n9\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	want := []string{"i1:1 1", "i1:2 1", "i1:2 2"}
	if diff := cmp.Diff(want, sortedCopy(q.seen())); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	t.Log(strings.Join(f.reasons(id), "\n"))
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestFutureSignalWins: a signal queued before a future completes
// answers the wait_any; a signal already queued when an attempt is due
// answers before the attempt runs; a restart between attempts repeats
// none.
func TestFutureSignalWins(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 2}}
	opts := Options{Activities: []Activity{q.activity("fedex", 9)}}
	f := newFixture(t, opts)
	id := f.start(`let f = start(fedex, ["box"], {"attempts": 5, "initial": "10s"})
let ev = wait_any([f, "cancel"], "1h")
print(ev.name, ev.future, ev.value)
ev = wait_any([f, "stop"], "1h")
print(ev.name, ev.value)
print(await(f))
`, "")
	f.signal(id, "cancel", `"now"`)
	if h := f.head(id); h.Status != Waiting || h.WaitingFor != "stop" || h.Output != "cancel nil now\n" {
		t.Fatalf("after cancel: %s %q %q", h.Status, h.WaitingFor, h.Output)
	}
	f.restart(opts)
	f.clock.Add(10 * time.Second) // the second attempt is due, and a signal comes first
	f.signal(id, "stop", "1")
	rs := f.reasons(id) // the signal, then (for the await) the attempt
	if len(rs) != 5 || rs[3] != "wait_any: signal stop received, futures listed → running" ||
		!strings.HasPrefix(rs[4], "future fedex failed (seq 1, attempt 2)") {
		t.Fatalf("the queued signal did not come before the due attempt:\n%s", strings.Join(rs, "\n"))
	}
	h := f.head(id)
	if h.Status != Sleeping {
		t.Fatalf("awaiting: %s", h.Status)
	}
	for range 3 {
		f.clock.Add(20 * time.Second)
		f.work()
	}
	h = f.head(id)
	if h.Status != Completed || h.Output != "cancel nil now\nstop 1\n9\n" {
		t.Errorf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	if diff := cmp.Diff([]string{"i1:1 1", "i1:1 2", "i1:1 3"}, q.seen()); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

// TestFutureTimeoutWins: a deadline passed answers a wait_any with the
// timeout before an attempt due at the same time runs; the future goes
// on and a later await gets its result.
func TestFutureTimeoutWins(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("fedex", 9)}})
	id := f.start(`let f = start(fedex, ["box"], {"attempts": 2, "initial": "1h"})
let ev = wait_any([f, "cancel"], "1h")
print(ev)
print(await(f))
`, "")
	if h := f.head(id); h.Status != Waiting || !h.Due.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("%s %v", h.Status, h.Due)
	}
	f.clock.Add(time.Hour)
	f.work()
	want := `{"name": nil, "future": nil, "value": nil, "error": nil}` + "\n9\n"
	if h := f.head(id); h.Status != Completed || h.Output != want {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	rs := f.reasons(id)
	if len(rs) != 4 || !strings.HasPrefix(rs[2], "wait_any for future fedex (seq 1), signal \"cancel\" timed out") ||
		!strings.HasPrefix(rs[3], "future fedex done (seq 1, attempt 2); await: future fedex (seq 1) done") {
		t.Errorf("history:\n%s", strings.Join(rs, "\n"))
	}
}

// TestFutureFailure: a future's last failed attempt is its error: a
// wait_any returns it as the reply's error, without throwing; await
// throws it, with the kind and message a direct call's failure has.
func TestFutureFailure(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 3}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("fedex", 9)}})
	id := f.start(`let f = start(fedex, ["box"], {"attempts": 2, "initial": "1s"})
let ev = wait_any([f])
print(ev.future == f, ev.value, ev.error.kind)
try { await(f) } catch e { print(e.kind, e.message) }
try { fedex("box") } catch e { print(e.kind, e.message) }
`, "")
	f.clock.Add(time.Second)
	f.work()
	want := "true nil busy\nbusy activity fedex (key i1:1) failed on attempt 2: fedex is busy\n" +
		"busy activity fedex (key i1:2) failed on attempt 1: fedex is busy\n"
	if h := f.head(id); h.Status != Completed || h.Output != want {
		t.Errorf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
}

// TestFutureAwaitAfterCompletion: a future runs while the workflow waits
// for a signal; its result stays in it, and an await afterwards returns
// at once, making no version of its own.
func TestFutureAwaitAfterCompletion(t *testing.T) {
	q := &quotes{}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 12)}})
	id := f.start(`let f = start(ups, ["box"])
wait("go")
print(f.state, await(f))
`, "")
	if got := q.seen(); len(got) != 1 {
		t.Fatalf("the future did not run while the workflow waited: %q", got)
	}
	f.signal(id, "go", "1")
	h := f.head(id)
	if h.Status != Completed || h.Output != "done 12\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	want := []string{"started → waiting go", "future ups done (seq 1) → waiting go", "signal go received → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// meet is an activity that returns only once n calls are inside it at
// once: futures that run one after the other fail it ("alone"), which
// proves they run concurrently without measuring time. A wait of 10s
// bounds a failure.
func meet(n int) Activity {
	var mu sync.Mutex
	in := 0
	all := make(chan struct{})
	return Activity{Name: "meet", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		mu.Lock()
		in++
		if in == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return vm.String("together"), nil
		case <-time.After(10 * time.Second):
			return vm.Nil, &ActivityError{Kind: "alone", Message: "nobody came", NonRetryable: true}
		}
	}}
}

// TestFuturesRunConcurrently: two futures are in flight at once, and so
// are a future and a direct activity call.
func TestFuturesRunConcurrently(t *testing.T) {
	f := newFixture(t, Options{Activities: []Activity{meet(2)}})
	id := f.start(`let a = start(meet, ["a"])
let b = start(meet, ["b"])
print(await(a), await(b))
`, "")
	if h := f.head(id); h.Status != Completed || h.Output != "together together\n" {
		t.Errorf("two futures: %s %q %s", h.Status, h.Output, h.Error)
	}
	f = newFixture(t, Options{Activities: []Activity{meet(2)}})
	id = f.start(`let a = start(meet, ["a"])
print(meet("b"), await(a))
`, "")
	if h := f.head(id); h.Status != Completed || h.Output != "together together\n" {
		t.Errorf("a future and a call: %s %q %s", h.Status, h.Output, h.Error)
	}
}

// TestFutureCancelAndEnd: cancelling ends the futures outstanding (an
// await in the cleanup throws "cancelled" at once) and no attempt runs
// after; a workflow that ends leaves its unawaited futures unattempted.
func TestFutureCancelAndEnd(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	opts := Options{Activities: []Activity{q.activity("fedex", 9)}}
	f := newFixture(t, opts)
	id := f.start(`let f = start(fedex, ["box"], {"attempts": 3, "initial": "1m"})
try { wait("never") } catch e {
    try { await(f) } catch e2 { print(e2.kind, e2.message) }
}
`, "")
	if err := f.e.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	h := f.head(id)
	if h.Status != Cancelled || h.Output != "cancelled future fedex (seq 1) cancelled with the instance\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	id = f.start(`try { wait("never") } catch e {
    let g = start(fedex, ["refund"])
    print("cleanup")
    print(await(g))
}
`, "")
	if err := f.e.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	rs := f.reasons(id)
	if h := f.head(id); h.Status != Cancelled || h.Output != "cleanup\n" ||
		rs[len(rs)-1] != "cleanup cut: it waits on future fedex (seq 1), and a cleanup only calls activities, one at a time → cancelled" {
		t.Errorf("a future in a cleanup: %s %q\n%s", h.Status, h.Output, strings.Join(rs, "\n"))
	}
	id = f.start(`let f = start(fedex, ["box"], {"attempts": 3, "initial": "1m"})
sleep("1s")
print("done")
`, "")
	f.clock.Add(time.Hour)
	f.work()
	if h := f.head(id); h.Status != Completed {
		t.Errorf("%s %q", h.Status, h.Error)
	}
	f.clock.Add(time.Hour)
	f.work()
	if diff := cmp.Diff([]string{"i1:1 1", "i3:1 1"}, q.seen()); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

// TestFutureBadUse: misuse is an error where the script calls.
func TestFutureBadUse(t *testing.T) {
	q := &quotes{}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 1)}})
	for src, want := range map[string]string{
		`await(5)`:                     "await: 5 is not a future",
		`start(print, [])`:             "start: <builtin print> is not a registered activity",
		`start(ups, 1)`:                "start: the arguments must be a list",
		`start(ups, [], {"tries": 1})`: `start: unknown option "tries"`,
		`let f = start(ups, [])
wait_any([f, f])`: "the future ups (seq 1) is listed twice",
		`let f = start(ups, [])
f["state"] = "gone"
await(f)`: `await: a future's state is "gone"`,
		`let f = start(ups, [], {"attempts": 2})
f["options"] = 5
wait("x")`: "wait: the options are a int, not a map",
		`let f = start(ups, [])
await(load(dump(f)))`: "await: the future ups (seq 1) was not started by this instance's start()",
		`let f = start(ups, [])
wait_any([load(dump(f)), "x"])`: "wait_any: the future ups (seq 1) was not started",
	} {
		id := f.start(src, "")
		if h := f.head(id); h.Status != Failed || !strings.Contains(h.Error, want) {
			t.Errorf("%s: %s %q, want failed with %q", src, h.Status, h.Error, want)
		}
	}
	if len(q.seen()) != 0 {
		t.Errorf("attempts: %q", q.seen())
	}
}

// TestFutureCarriedThroughSignals: a future pending while the workflow
// waits for plain signals is carried through Signal's fast path, on the
// warm machine, and its next attempt runs when due while the workflow
// waits again.
func TestFutureCarriedThroughSignals(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("fedex", 9)}})
	id := f.start(`let f = start(fedex, ["box"], {"attempts": 2, "initial": "1m"})
print(wait("a"))
print(wait("b"))
print(await(f))
`, "")
	restores := f.e.warm.restores.Load()
	f.signal(id, "a", "1")
	if n := f.e.warm.restores.Load(); n != restores {
		t.Errorf("%d restores for the signal, want the warm machine", n-restores)
	}
	f.clock.Add(time.Minute)
	f.work()
	f.signal(id, "b", "2")
	if h := f.head(id); h.Status != Completed || h.Output != "1\n2\n9\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	want := []string{"started → waiting a",
		"future fedex failed (seq 1, attempt 1): busy: fedex is busy; attempt 2 at 2026-01-02T03:05:05Z → waiting a",
		"signal a received → waiting b", "future fedex done (seq 1, attempt 2) → waiting b", "signal b received → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// TestFutureSurvivesUpgrade: an instance waiting with a future pending is
// upgraded to new code; the future goes on, and the new code awaits it.
func TestFutureSurvivesUpgrade(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("fedex", 9)}})
	const v1 = `let f = start(fedex, ["box"], {"attempts": 2, "initial": "1m"})
wait("go")
print("v1", await(f))
`
	id := f.start(v1, "")
	res, err := f.e.Upgrade(context.Background(), "v2.wf", []byte(strings.Replace(v1, `"v1"`, `"v2"`, 1)), UpgradeOptions{All: true})
	if err != nil || len(res) != 1 || res[0].Verdict != "ok" {
		t.Fatalf("%+v %v", res, err)
	}
	f.clock.Add(time.Minute)
	f.work()
	f.signal(id, "go", "1")
	if h := f.head(id); h.Status != Completed || h.Output != "v2 9\n" {
		t.Errorf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
}

const bigFutures = `let pad = []
for i in range(8000) { pad.push("padding " + str(i)) }
let a = start(ups, ["box"])
let b = start(fedex, ["box"], {"attempts": 3, "initial": "10s"})
let ev = wait_any([a, "cancel"], "1h")
print("first", ev.value, b.state)
let s = wait("go")
print("fedex", await(b), len(pad), s)
`

// TestFutureOnBigState: futures in an instance whose state is stored as
// deltas (over 64 KB): the futures' outcomes, which the engine writes
// into their maps from Go, reach the stored deltas (the fixture checks
// every delta against the full snapshot), across warm and cold steps.
func TestFutureOnBigState(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 2}}
	opts := Options{Activities: []Activity{q.activity("ups", 12), q.activity("fedex", 9)}}
	f := newFixture(t, opts)
	id := f.start(bigFutures, "")
	if h := f.head(id); h.Status != Waiting || h.Output != "first 12 pending\n" {
		t.Fatalf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	for range 2 {
		f.clock.Add(10 * time.Minute)
		f.work()
	}
	if h := f.head(id); h.Stored == nil || !strings.Contains(h.Output, "first") {
		t.Fatalf("version %d is stored in full (%d bytes), want a delta", h.Version, len(h.Snapshot))
	}
	f.e.warm = newWarmCache(1, 1) // keeps nothing: the next step restores from the stored delta
	if _, err := f.e.Signal(context.Background(), id, "go", []byte(`"now"`)); err != nil {
		t.Fatal(err)
	}
	h := f.head(id)
	if h.Status != Completed || h.Output != "first 12 pending\nfedex 9 8000 now\n" {
		t.Errorf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
}

// TestShowAwaitingFuture: wf show says what an instance in await waits
// for: the future's first attempt, then its next attempt and when, not
// the timer or activity call its status alone would suggest.
func TestShowAwaitingFuture(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("fedex", 9)}})
	start := f.clock.Now()
	id := f.start(`let f = start(fedex, ["box"], {"attempts": 3, "initial": "1m"})
print(await(f))
`, "")
	due := start.Add(time.Minute).UTC().Format(time.RFC3339)
	for at, want := range map[int64]string{1: "future fedex (seq 1): its first attempt", 0: "future fedex (seq 1): attempt 2 due " + due} {
		rep, err := f.e.Show(context.Background(), id, at)
		if err != nil || rep.Pending != want {
			t.Errorf("version %d: waiting for %q (%v), want %q\n%s", at, rep.Pending, err, want, strings.Join(f.reasons(id), "\n"))
		}
	}
}
