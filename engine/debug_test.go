package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/vm"
)

// TestDebugPointReplies: a debug point carries the replies the instance
// got after its version, in order, and a now() that gives the recorded
// times first; a rewind ends what a replay can follow.
func TestDebugPointReplies(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(stamped, "")
	f.clock.Add(time.Minute)
	f.signal(id, "go", `{"a": 1}`)
	p, err := f.e.DebugPoint(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replies) != 1 || p.Replies[0].Version != 2 || vm.Repr(p.Replies[0].Value) != `{"a": 1}` {
		t.Fatalf("replies %+v", p.Replies)
	}
	m, err := vm.Restore(p.Program, p.Snapshot, vm.Options{Hosts: p.Hosts, Stdout: &strings.Builder{}})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	if _, err := m.Resume(p.Replies[0].Value); err != nil {
		t.Fatal(err)
	}
	hist, _ := f.e.History(ctx, id)
	_, nows := SplitDetail(hist[1].Detail)
	if got, _ := m.Global("t"); got.AsFloat() != nows[0]-60 {
		t.Fatalf("t = %v", got)
	}
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil {
		t.Fatal(err)
	}
	if p, err := f.e.DebugPoint(ctx, id, 1); err != nil || len(p.Replies) != 1 {
		t.Fatalf("after a rewind: %+v %v", p.Replies, err)
	}
}

// TestForkFrom: a state made outside the store (here, version 1's
// machine run on by hand) becomes a new instance, run on to its next
// block; a snapshot of another program is refused.
func TestForkFrom(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(stamped, "")
	p, err := f.e.DebugPoint(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	fork, err := f.e.ForkFrom(ctx, id, p.Snapshot, "from a test")
	if err != nil {
		t.Fatal(err)
	}
	h := f.head(fork)
	if h.Status != Waiting || h.WaitingFor != "go" || h.Parent != id {
		t.Fatalf("fork head %+v", h.Instance)
	}
	if got := f.reasons(fork); len(got) != 1 || !strings.HasPrefix(got[0], "forked from "+id+": from a test") {
		t.Fatalf("fork history %v", got)
	}
	f.signal(fork, "go", `"ok"`)
	if h := f.head(fork); h.Status != Completed || !strings.Contains(h.Output, "ok") {
		t.Fatalf("the fork runs on: %+v %q", h.Instance, h.Output)
	}
	other := f.start("let x = wait(\"y\")\n", "")
	q, _ := f.e.DebugPoint(ctx, other, 1)
	if _, err := f.e.ForkFrom(ctx, id, q.Snapshot, "x"); err == nil {
		t.Fatal("a snapshot of another program was accepted")
	}
}

// TestDebugPointFollowsRetriesAndEdits: a replay from version 1 goes past
// an activity's failed attempts (the machine got nothing from them) to
// the result of the attempt that succeeded, and carries a Set made while
// the instance waited as an edit before the reply that came after it.
func TestDebugPointFollowsRetriesAndEdits(t *testing.T) {
	fl := &flaky{fails: 2, kind: "unavailable"}
	f := newFixture(t, Options{Activities: []Activity{fl.activity("charge", RetryPolicy{Attempts: 3, Initial: time.Second})}})
	ctx := context.Background()
	id := f.start("let limit = 10\nlet r = charge(5)\nlet v = wait(\"go\")\nprint(r, limit, v)\n", "")
	for range 2 {
		f.clock.Add(2 * time.Second)
		f.work()
	}
	if err := f.e.Set(ctx, id, "limit", []byte("11"), false); err != nil {
		t.Fatal(err)
	}
	f.signal(id, "go", `"now"`)
	if h := f.head(id); h.Status != Completed || h.Output != "charged 5 11 now\n" {
		t.Fatalf("%s %q", h.Status, h.Output)
	}
	p, err := f.e.DebugPoint(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Replies {
		got = append(got, vm.Repr(r.Value))
	}
	if strings.Join(got, " ") != `"charged 5" "now"` || p.Replies[0].Version != 4 || p.Replies[1].Version != 6 {
		t.Errorf("replies %v %+v", got, p.Replies)
	}
	if e := p.Edits[1]; len(e) != 1 || e[0].Name != "limit" || vm.Repr(e[0].Value) != "11" || e[0].Version != 5 {
		t.Errorf("edits %+v, want limit = 11 (version 5) before the second reply", p.Edits)
	}
}
