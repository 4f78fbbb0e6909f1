package storetest

// This file checks leases: who may hold an instance, and that every grant
// counts (Lease.Token).

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// testLeaseOnCreateAndCommit: Create and Commit give the lease to the
// step's owner when the instance is due at once after the step, and
// clear it otherwise.
func testLeaseOnCreateAndCommit(t *testing.T, f *fixture) {
	lease := engine.Lease{Owner: "c", Until: f.t0.Add(time.Hour)}
	st := f.first("i1", engine.Running, "")
	st.Lease = lease
	f.ok(f.s.Create(f.ctx, st))
	h := f.state("i1")
	if h.Lease.Owner != "c" || !h.Lease.Until.Equal(lease.Until) || h.Lease.Token < 1 {
		t.Errorf("lease of a new running instance: %+v, want c's until %v with a token", h.Lease, lease.Until)
	}
	st = f.first("i2", engine.Waiting, "go")
	st.Lease = lease
	f.ok(f.s.Create(f.ctx, st))
	if got := f.state("i2").Lease; got.Owner != "" {
		t.Errorf("lease of a new waiting instance: %+v, want none", got)
	}
	// i1 runs on: the lease goes to the committer, with a new token.
	st = f.next(h, engine.Running, "")
	st.Lease = engine.Lease{Owner: "d", Until: f.t0.Add(2 * time.Hour)}
	_, err := f.s.Commit(f.ctx, st)
	f.ok(err)
	h2 := f.state("i1")
	if h2.Lease.Owner != "d" || h2.Lease.Token <= h.Lease.Token {
		t.Errorf("lease after a commit that leaves work due: %+v, want d's with a token above %d", h2.Lease, h.Lease.Token)
	}
	// Waiting with nothing queued: the lease is cleared.
	st = f.next(h2, engine.Waiting, "go")
	st.Lease = engine.Lease{Owner: "d", Until: f.t0.Add(2 * time.Hour)}
	_, err = f.s.Commit(f.ctx, st)
	f.ok(err)
	if got := f.state("i1").Lease; got.Owner != "" {
		t.Errorf("lease after a commit that waits: %+v, want none", got)
	}
	// Waiting for a queued signal: due at once, so leased.
	f.send("i1", "more", "1")
	st = f.next(f.state("i1"), engine.Waiting, "more")
	st.Lease = engine.Lease{Owner: "e", Until: f.t0.Add(time.Hour)}
	_, err = f.s.Commit(f.ctx, st)
	f.ok(err)
	if got := f.state("i1").Lease; got.Owner != "e" {
		t.Errorf("lease after a commit that waits for a queued signal: %+v, want e's", got)
	}
}

// createWaking makes a running instance id whose wake time is wake.
func (f *fixture) createWaking(id string, status engine.Status, wake time.Time) {
	f.t.Helper()
	st := f.first(id, status, "")
	st.Wake = wake
	f.ok(f.s.Create(f.ctx, st))
}

// testClaimDue: ClaimDue leases instances whose wake time has come,
// oldest first, up to its limit, skips leased ones until their lease
// ends, and each claim adds to the lease token.
func testClaimDue(t *testing.T, f *fixture) {
	f.createWaking("i1", engine.Running, f.t0)
	f.createWaking("i2", engine.Running, f.t0.Add(-time.Second))
	f.createWaking("i3", engine.Running, f.t0.Add(-2*time.Second))
	f.createWaking("later", engine.Sleeping, f.t0.Add(time.Hour))
	f.create("waiting", engine.Waiting, "go")
	now := f.later()
	ids, err := f.s.ClaimDue(f.ctx, "a", now, time.Hour, 2)
	f.ok(err)
	if !slices.Equal(ids, []string{"i3", "i2"}) {
		t.Errorf("ClaimDue(limit 2) = %v, want [i3 i2]", ids)
	}
	h := f.state("i3")
	if h.Lease.Owner != "a" || !h.Lease.Until.Equal(now.Add(time.Hour)) || h.Lease.Token < 1 {
		t.Errorf("i3's lease: %+v, want a's until %v", h.Lease, now.Add(time.Hour))
	}
	ids, err = f.s.ClaimDue(f.ctx, "b", now, time.Hour, 10)
	f.ok(err)
	if !slices.Equal(ids, []string{"i1"}) {
		t.Errorf("ClaimDue while i2 and i3 are leased = %v, want [i1]", ids)
	}
	// Two hours on, every lease has ended and the sleeper is due.
	ids, err = f.s.ClaimDue(f.ctx, "c", now.Add(2*time.Hour), time.Hour, 10)
	f.ok(err)
	if !slices.Equal(ids, []string{"i3", "i2", "i1", "later"}) {
		t.Errorf("ClaimDue after the leases ended = %v, want [i3 i2 i1 later]", ids)
	}
	if got := f.state("i3").Lease; got.Owner != "c" || got.Token != h.Lease.Token+1 {
		t.Errorf("i3's lease after a second claim: %+v, want c's with token %d", got, h.Lease.Token+1)
	}
}

// testClaimDueConcurrent: owners claiming at once take every due instance
// once between them.
func testClaimDueConcurrent(t *testing.T, f *fixture) {
	const n, owners = 60, 6
	for i := range n {
		f.createWaking(fmt.Sprintf("i%d", i), engine.Running, f.t0)
	}
	claims := make([][]string, owners)
	var wg sync.WaitGroup
	errs := make(chan error, owners)
	for k := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ids, err := f.s.ClaimDue(f.ctx, fmt.Sprint("o", k), f.later(), time.Hour, 5)
				if err != nil || len(ids) == 0 {
					errs <- err
					return
				}
				claims[k] = append(claims[k], ids...)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		f.ok(err)
	}
	by := map[string]string{}
	for k, ids := range claims {
		for _, id := range ids {
			if prev, ok := by[id]; ok {
				t.Errorf("%s claimed by %s and o%d", id, prev, k)
			}
			by[id] = fmt.Sprint("o", k)
			if got := f.state(id).Lease.Owner; got != by[id] {
				t.Errorf("%s claimed by %s is leased to %q", id, by[id], got)
			}
		}
	}
	if len(by) != n {
		t.Errorf("%d instances claimed, want %d", len(by), n)
	}
}

// testTakeLease: TakeLease leases an instance at its version unless
// another owner's lease is live; renewing one's own lease is a new grant.
func testTakeLease(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "go")
	now, hour := f.t0, f.t0.Add(time.Hour)
	var token int64
	take := func(version int64, owner string, at time.Time) bool {
		t.Helper()
		var err error
		token, err = f.s.TakeLease(f.ctx, "i1", version, owner, at, at.Add(time.Hour))
		f.ok(err)
		return token != 0
	}
	if !take(1, "a", now) {
		t.Fatal("TakeLease of an unleased instance failed")
	}
	first := f.state("i1").Lease
	if first.Owner != "a" || !first.Until.Equal(hour) || first.Token < 1 || first.Token != token {
		t.Errorf("lease after TakeLease returned token %d: %+v", token, first)
	}
	if take(1, "b", now.Add(time.Minute)) {
		t.Error("TakeLease took a lease another owner holds")
	}
	if take(2, "a", now) {
		t.Error("TakeLease at a version the instance is not at succeeded")
	}
	if !take(1, "a", now.Add(time.Minute)) {
		t.Error("the holder could not renew its lease")
	}
	if got := f.state("i1").Lease; got.Owner != "a" || got.Token != first.Token+1 || token != got.Token {
		t.Errorf("lease after renewal (TakeLease returned %d): %+v, want a's with token %d", token, got, first.Token+1)
	}
	if !take(1, "b", now.Add(2*time.Hour)) {
		t.Error("TakeLease of a lease that has ended failed")
	}
	if got := f.state("i1").Lease; got.Owner != "b" {
		t.Errorf("lease after the takeover: %+v, want b's", got)
	}
}

// testSnooze: only the holder, at the version, snoozes: it sets the wake
// time and releases the lease; anyone else's Snooze changes nothing.
func testSnooze(t *testing.T, f *fixture) {
	f.createWaking("i1", engine.Running, f.t0)
	if ids := f.claimed("a", 10); !slices.Equal(ids, []string{"i1"}) {
		t.Fatalf("claimed %v, want [i1]", ids)
	}
	before := f.state("i1")
	f.ok(f.s.Snooze(f.ctx, "i1", 1, "b", f.t0.Add(24*time.Hour)))
	f.ok(f.s.Snooze(f.ctx, "i1", 2, "a", f.t0.Add(24*time.Hour)))
	if got := f.state("i1"); got.Lease != before.Lease {
		t.Errorf("lease after others' Snooze: %+v, want %+v", got.Lease, before.Lease)
	}
	f.ok(f.s.Snooze(f.ctx, "i1", 1, "a", f.t0.Add(24*time.Hour)))
	if got := f.state("i1"); got.Lease.Owner != "" {
		t.Errorf("lease after the holder's Snooze: %+v, want none", got.Lease)
	}
	ids, err := f.s.ClaimDue(f.ctx, "c", f.t0.Add(2*time.Hour), time.Hour, 10)
	f.ok(err)
	if len(ids) != 0 {
		t.Errorf("claimed %v before the snoozed wake time", ids)
	}
	ids, err = f.s.ClaimDue(f.ctx, "c", f.t0.Add(25*time.Hour), time.Hour, 10)
	f.ok(err)
	if !slices.Equal(ids, []string{"i1"}) {
		t.Errorf("claimed %v after the snoozed wake time, want [i1]", ids)
	}
}

// testCommitFence: a step fenced by a lease token commits only while
// nobody has been granted the lease since; an unfenced step is checked
// by its version alone.
func testCommitFence(t *testing.T, f *fixture) {
	f.createWaking("i1", engine.Running, f.t0)
	if ids := f.claimed("a", 10); len(ids) != 1 {
		t.Fatalf("claimed %v, want [i1]", ids)
	}
	h := f.state("i1")
	// a's lease ends; b claims the instance before a commits.
	ids, err := f.s.ClaimDue(f.ctx, "b", f.later().Add(2*time.Hour), time.Hour, 10)
	f.ok(err)
	if len(ids) != 1 {
		t.Fatalf("b claimed %v, want [i1]", ids)
	}
	stale := f.next(h, engine.Waiting, "go")
	stale.Fence = h.Lease.Token
	_, err = f.s.Commit(f.ctx, stale)
	f.wantErr("commit fenced by a superseded lease", err, engine.ErrConflict)
	if got := f.state("i1"); got.Version != 1 || got.Lease.Owner != "b" {
		t.Errorf("after the refused commit: version %d leased to %q, want 1 and b", got.Version, got.Lease.Owner)
	}
	current := f.next(h, engine.Waiting, "go")
	current.Fence = f.state("i1").Lease.Token
	_, err = f.s.Commit(f.ctx, current)
	f.ok(err)
	unfenced := f.next(f.state("i1"), engine.Completed, "")
	_, err = f.s.Commit(f.ctx, unfenced)
	f.ok(err)
}
