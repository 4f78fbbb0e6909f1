package engine

// Tests of a debugger's replay of a stored instance (DebugPoint's
// replies) through the versions that throw into the workflow or gather
// over several: an activity's final failure, parallel() and a
// cancellation, on a debug.Session going forward and back.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/debug"
	"github.com/wf-lang/wf/vm"
)

// debugSession starts a debug session on instance id from version at,
// answering its suspensions with the recorded replies, as wf debug does;
// it prints to out.
func (f *fixture) debugSession(id string, at int64, out *strings.Builder) (*debug.Session, *DebugPoint) {
	f.t.Helper()
	p, err := f.e.DebugPoint(context.Background(), id, at)
	if err != nil {
		f.t.Fatal(err)
	}
	edits := map[int][]debug.Edit{}
	for i, es := range p.Edits {
		for _, e := range es {
			edits[i] = append(edits[i], debug.Edit{Name: e.Name, Value: e.Value, Apply: e.Apply})
		}
	}
	var s *debug.Session
	s, err = debug.New(debug.Config{Program: p.Program, Snapshot: p.Snapshot, Version: p.Version.Number,
		Options: vm.Options{Stdout: out, Hosts: p.Hosts}, Edits: edits,
		Reply: func(*vm.Suspension) (vm.Value, error) {
			i := s.RepliesBefore()
			if i >= len(p.Replies) {
				return vm.Nil, errors.New("no recorded reply")
			}
			v, thrown, err := p.Replies[i].For(s.Machine())
			if thrown != nil {
				return vm.Nil, &debug.Thrown{Err: thrown}
			}
			return v, err
		}})
	if err != nil {
		f.t.Fatal(err)
	}
	return s, p
}

// failingFlow catches one activity's failure, calls parallel() (one call
// failing, one retried), then waits to be cancelled and cleans up.
const failingFlow = `try { charge(5) } catch e { print("caught", e.kind, e.message) }
let args = []
for i in range(4) { args.push([i]) }
print(parallel(square, args))
try { wait("never") } catch e {
    print("cleanup after", e.kind)
    try { charge(1) } catch e2 { print("cleanup failed:", e2.message) }
}
`

// TestDebugFollowsFailuresParallelCancel: a debug session from version 1
// runs to the end with what the instance got: the failure thrown where
// charge was called, parallel()'s results gathered over a retry, the
// cancellation thrown into the wait and the cleanup's call; its output
// is the instance's, again after going back to the start and forward.
func TestDebugFollowsFailuresParallelCancel(t *testing.T) {
	fl := &flaky{fails: 1, kind: "card_declined"}
	square := Activity{Name: "square", Retry: RetryPolicy{Attempts: 2, Initial: time.Second},
		Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
			info, _ := ActivityInfoFrom(ctx)
			switch n := args[0].AsInt(); {
			case n == 3:
				return vm.Nil, &ActivityError{Kind: "unlucky", Message: "no", NonRetryable: true}
			case n == 2 && info.Attempt == 1:
				return vm.Nil, errors.New("busy")
			default:
				return vm.Int(n * n), nil
			}
		}}
	f := newFixture(t, Options{Activities: []Activity{fl.activity("charge", RetryPolicy{}), square}})
	id := f.start(`print("begin")
`+failingFlow, "")
	f.clock.Add(time.Second)
	f.work()
	if err := f.e.CancelWith(context.Background(), id, CancelOptions{Reason: "stop", Grace: time.Hour}); err != nil {
		t.Fatal(err)
	}
	f.work()
	h := f.head(id)
	if h.Status != Cancelled || !strings.Contains(h.Output, "cleanup after cancelled") {
		t.Fatalf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	var out strings.Builder
	s, p := f.debugSession(id, 1, &out)
	if len(p.Replies) < 4 {
		t.Fatalf("replies: %+v\n%s", p.Replies, strings.Join(f.reasons(id), "\n"))
	}
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	if ended, err := s.Ended(); !ended || err != nil {
		t.Fatalf("the session did not end: %v %v\n%s", ended, err, out.String())
	}
	want := strings.TrimPrefix(h.Output, "begin\n")
	if out.String() != want {
		t.Errorf("the debugger printed\n%q\nwant the instance's\n%q", out.String(), want)
	}
	if _, err := s.Goto(s.Start()); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	if ended, err := s.Ended(); !ended || err != nil {
		t.Errorf("after going back and on again: %v %v", ended, err)
	}
}

// TestDebugNumbersFutures: a future the debugger's run starts takes the
// number the instance gave it, from a version after earlier futures and
// calls, not 1.
func TestDebugNumbersFutures(t *testing.T) {
	q := &quotes{}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 12)}})
	id := f.start(`let a = start(ups, ["x"])
print(ups("y"))
wait("go")
let b = start(ups, ["z"])
print(b.future)
`, "")
	f.signal(id, "go", "1")
	h := f.head(id)
	if h.Status != Completed || !strings.HasSuffix(h.Output, "\n3\n") {
		t.Fatalf("%s %q\n%s", h.Status, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	var out strings.Builder
	s, _ := f.debugSession(id, h.Version-1, &out)
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "3\n" {
		t.Errorf("the debugger's future printed %q, want the instance's 3", out.String())
	}
}

// TestDebugFollowsFutures: a debug session from version 1 of an
// instance whose futures were retried, raced a signal and were awaited
// runs to the end printing what the instance printed (the winner's
// whole map included); going back and forth across the first future's
// completion, the futures' maps and the reply at each version are the
// ones that version stored, but for the attempts the next version made,
// which the run gets where it waits, before the next reply.
func TestDebugFollowsFutures(t *testing.T) {
	q := &quotes{fails: map[string]int{"fedex": 1}}
	f := newFixture(t, Options{Activities: []Activity{q.activity("ups", 12), q.activity("fedex", 9)}})
	id := f.start(futureRace, "")
	f.signal(id, "go", `"now"`)
	f.clock.Add(10 * time.Second)
	f.work()
	h := f.head(id)
	if h.Status != Completed {
		t.Fatalf("%s %q", h.Status, h.Output)
	}
	var out strings.Builder
	s, _ := f.debugSession(id, 1, &out)
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	if ended, err := s.Ended(); !ended || err != nil || out.String() != h.Output {
		t.Fatalf("the debugger printed\n%q (%v %v)\nwant the instance's\n%q\n%s", out.String(), ended, err, h.Output, strings.Join(f.reasons(id), "\n"))
	}
	for _, n := range []int64{2, 3, 2, 3} { // across ups's completion (version 2), back, and on
		if _, err := s.GotoVersion(n); err != nil {
			t.Fatal(err)
		}
		p, err := f.e.DebugPoint(context.Background(), id, n)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := vm.Restore(p.Program, p.Snapshot, vm.Options{Hosts: p.Hosts})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a", "b", "ev"} {
			want, _ := stored.Global(name)
			got, _ := s.Machine().Global(name)
			if n == 3 && name == "b" { // where version 3 waits, version 4's attempt is made before its reply
				if g := got.AsMap(); g == nil || vm.Repr(mapGet(g, "state")) != `"done"` || vm.Repr(mapGet(g, "value")) != "9" {
					t.Errorf("version 3: b = %s in the debugger, want fedex's attempt that version 4 recorded", vm.Repr(got))
				}
				continue
			}
			if vm.Repr(got) != vm.Repr(want) {
				t.Errorf("version %d: %s = %s in the debugger, %s stored", n, name, vm.Repr(got), vm.Repr(want))
			}
		}
	}
}

// mapGet is m[k], nil when absent.
func mapGet(m *vm.Map, k string) vm.Value {
	v, _ := m.GetString(k)
	return v
}
