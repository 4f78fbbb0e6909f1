package storetest

// This file checks CommitBatch: each step checked alone, a conflicting
// one left out whole, the others committed.

import (
	"errors"
	"testing"

	"github.com/wf-lang/wf/engine"
)

// testCommitBatch: of four steps in one batch, one from a stale version
// and one that fails on its second consumed message (after its head,
// version and first message were written) are left out, with nothing of
// theirs kept; the other two are committed whole, output and consumed
// message included, and the due one is reported due.
func testCommitBatch(t *testing.T, f *fixture) {
	for _, id := range []string{"a", "b", "c", "d"} {
		f.create(id, engine.Waiting, "go")
	}
	ma, mc, md := f.send("a", "go", "1"), f.send("c", "go", "2"), f.send("d", "go", "3")
	f.send("d", "go", "4") // still queued after d's step: d is due
	a := f.next(f.state("a"), engine.Completed, "")
	a.Consumed, a.Version.Printed = []int64{ma.ID}, "a done\n"
	stale := f.next(f.state("b"), engine.Completed, "")
	f.commit("b", engine.Waiting, "go")
	c := f.next(f.state("c"), engine.Completed, "")
	c.Consumed = []int64{mc.ID, 1 << 40}
	d := f.next(f.state("d"), engine.Waiting, "go")
	d.Consumed = []int64{md.ID}
	got, err := f.s.CommitBatch(f.ctx, []engine.Step{a, stale, c, d})
	f.ok(err)
	if len(got) != 4 || got[0].Err != nil || got[3].Err != nil || !got[3].Due || got[0].Due ||
		!errors.Is(got[1].Err, engine.ErrConflict) || !errors.Is(got[2].Err, engine.ErrConflict) {
		t.Fatalf("CommitBatch = %+v; want a committed, b and c in conflict, d committed and due", got)
	}
	f.wantVersion("a", 2, engine.Completed)
	f.wantVersion("b", 2, engine.Waiting)
	f.wantVersion("c", 1, engine.Waiting)
	f.wantVersion("d", 2, engine.Waiting)
	if h, err := f.s.Head(f.ctx, "a"); err != nil || h.Output != "a done\n" {
		t.Errorf("a's output %q (%v), want %q", h.Output, err, "a done\n")
	}
	f.wantConsumed("a", 2)
	f.wantConsumed("c", 0)
	f.wantConsumed("d", 2, 0)
}

// testCommitBatchSameInstance: two steps of one instance in a batch are
// refused, and nothing is written.
func testCommitBatchSameInstance(t *testing.T, f *fixture) {
	h := f.create("a", engine.Waiting, "go")
	one, two := f.next(h, engine.Waiting, "go"), f.next(h, engine.Completed, "")
	if _, err := f.s.CommitBatch(f.ctx, []engine.Step{one, two}); err == nil {
		t.Fatal("CommitBatch took two steps of one instance")
	}
	f.wantVersion("a", 1, engine.Waiting)
}

// wantVersion fails unless id's head is version n in status.
func (f *fixture) wantVersion(id string, n int64, status engine.Status) {
	f.t.Helper()
	if h := f.state(id); h.Version != n || h.Status != status {
		f.t.Errorf("%s: version %d %s, want %d %s", id, h.Version, h.Status, n, status)
	}
	if _, err := f.s.Version(f.ctx, id, n+1); !errors.Is(err, engine.ErrNotFound) {
		f.t.Errorf("%s: version %d: %v, want ErrNotFound", id, n+1, err)
	}
}

// wantConsumed fails unless id's inbox, oldest first, was consumed by
// the versions by (0: queued).
func (f *fixture) wantConsumed(id string, by ...int64) {
	f.t.Helper()
	inbox, err := f.s.Inbox(f.ctx, id)
	f.ok(err)
	var got []int64
	for _, m := range inbox {
		got = append(got, m.ConsumedBy)
	}
	if len(got) != len(by) {
		f.t.Errorf("%s: inbox consumed by %v, want %v", id, got, by)
		return
	}
	for i := range by {
		if got[i] != by[i] {
			f.t.Errorf("%s: inbox consumed by %v, want %v", id, got, by)
			return
		}
	}
}
