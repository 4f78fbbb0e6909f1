package storetest

// This file checks the rule that a signal is never left unnoticed: an
// instance whose head waits for a name with a queued message is due
// after Commit, Send or Snooze, in whatever order they ran.

import (
	"fmt"
	"sync"
	"testing"

	"github.com/wf-lang/wf/engine"
)

// testWakeCommitThenSend: a signal sent to an instance that waits for it
// makes it due.
func testWakeCommitThenSend(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "go")
	if f.due("i1") {
		t.Fatal("an instance waiting with nothing queued is due")
	}
	f.create("i2", engine.Waiting, "go")
	f.send("i2", "other", "1")
	if f.due("i2") {
		t.Error("a signal of another name made the instance due")
	}
	f.send("i2", "go", "1")
	if !f.due("i2") {
		t.Error("a signal for the name the instance waits for did not make it due")
	}
}

// testWakeAnyName: an instance waiting for several names (one a line)
// is due when any of them is queued, and not for a name that only shares
// a part of one.
func testWakeAnyName(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "approve\ncancel")
	f.send("i1", "approv", "1")
	f.send("i1", "cancel\napprove", "1")
	if f.due("i1") {
		t.Fatal("a signal of another name made the instance due")
	}
	f.send("i1", "cancel", "1")
	if !f.due("i1") {
		t.Error("a signal for the second name the instance waits for did not make it due")
	}
	f.create("i2", engine.Waiting, "b")
	f.send("i2", "a", "1")
	if _, due := f.commit("i2", engine.Waiting, "x\na\ny"); !due || !f.due("i2") {
		t.Errorf("commit to wait for names one of which is queued: Commit reports due %v, claimable %v; want both", due, f.due("i2"))
	}
}

// testWakeSendThenCommit: a commit that makes an instance wait for a name
// already queued leaves it due, and says so.
func testWakeSendThenCommit(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "first")
	f.send("i1", "second", "1")
	_, due := f.commit("i1", engine.Waiting, "second")
	if !due || !f.due("i1") {
		t.Errorf("commit to wait for a queued name: Commit reports due %v, claimable %v; want both", due, f.due("i1"))
	}
	f.create("i2", engine.Waiting, "first")
	if _, due := f.commit("i2", engine.Waiting, "second"); due || f.due("i2") {
		t.Errorf("commit to wait with nothing queued is due")
	}
}

// testWakeSnooze: a Snooze (its owner found nothing to do) does not put
// off an instance that has a queued signal it waits for.
func testWakeSnooze(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "go")
	f.send("i1", "go", "1")
	ids := f.claimed("w", 10)
	if len(ids) != 1 {
		t.Fatalf("claimed %v, want [i1]", ids)
	}
	h := f.state("i1")
	f.ok(f.s.Snooze(f.ctx, "i1", h.Version, "w", f.t0.Add(1e15)))
	if got := f.state("i1"); got.Lease.Owner != "" {
		t.Errorf("lease after Snooze: %+v, want none", got.Lease)
	}
	if !f.due("i1") {
		t.Error("Snooze put off an instance with a queued signal it waits for")
	}
}

// testWakeConcurrent races, for each of many instances, a Commit that
// makes it wait for a name against a Send of that name: whichever runs
// first, every instance must be due at the end.
func testWakeConcurrent(t *testing.T, f *fixture) {
	const n = 40
	heads := make([]engine.Head, n)
	for i := range heads {
		heads[i] = f.create(fmt.Sprintf("i%d", i), engine.Waiting, "first")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, h := range heads {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := f.s.Commit(f.ctx, f.next(h, engine.Waiting, "go"))
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := f.s.Send(f.ctx, h.ID, "go", "1", f.t0)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		f.ok(err)
	}
	got := map[string]bool{}
	for _, id := range f.claimed("w", 2*n) {
		got[id] = true
	}
	for _, h := range heads {
		if !got[h.ID] {
			t.Errorf("%s waits for a queued signal and is not due", h.ID)
		}
	}
}
