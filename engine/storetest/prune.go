package storetest

// This file checks Retain: the versions a policy does not keep go, every
// kept version reads exactly as before, a live head keeps what it needs.

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wf-lang/wf/engine"
)

// prune is Retain with Prune's policy: the last keep versions of the
// instances finished before before.
func (f *fixture) prune(keep int, before time.Time) (engine.Pruned, error) {
	return f.s.Retain(f.ctx, engine.RetentionPolicy{KeepLast: keep, FinishedBefore: before})
}

// history makes instance id with versions 1..n, each printing a line
// but the third, the fifth using version 2's snapshot (as a rewind
// does), and finishes it at version n+1 when final.
func (f *fixture) history(id string, n int, final bool) {
	f.t.Helper()
	f.create(id, engine.Running, "")
	for v := int64(2); v <= int64(n); v++ {
		st := f.next(f.state(id), engine.Running, "")
		if v != 3 {
			st.Version.Printed = fmt.Sprintf("%s %d\n", id, v)
		}
		if v == 5 {
			st.Version.SnapVersion, st.Version.Snapshot = 2, nil
		}
		_, err := f.s.Commit(f.ctx, st)
		f.ok(err)
	}
	if final {
		st := f.next(f.state(id), engine.Completed, "")
		st.Version.Printed = "done\n"
		_, err := f.s.Commit(f.ctx, st)
		f.ok(err)
	}
}

// versions reads versions 1..n of id; a missing one is a zero Version.
func (f *fixture) versions(id string, n int64) []engine.Version {
	f.t.Helper()
	out := make([]engine.Version, n)
	for i := range out {
		v, err := f.s.Version(f.ctx, id, int64(i)+1)
		if !errors.Is(err, engine.ErrNotFound) {
			f.ok(err)
		}
		out[i] = v
	}
	return out
}

// testPrune: Prune keeps the last versions of finished instances, each
// with its output and snapshot exactly as before, even where they lived
// in a deleted version; running instances, instances finished after the
// cut-off and a repeated prune lose nothing; a rewind that read a version
// since pruned cannot commit.
func testPrune(t *testing.T, f *fixture) {
	f.history("done", 6, true) // versions 1..7
	f.history("running", 6, false)
	before := f.versions("done", 7)
	if _, err := f.prune(0, f.later()); err == nil {
		t.Error("Prune kept 0 versions")
	}
	got, err := f.prune(3, f.t0) // finished at t0: not before t0
	f.ok(err)
	if got != (engine.Pruned{}) {
		t.Errorf("Prune before the instances finished: %+v, want nothing", got)
	}
	got, err = f.prune(3, f.t0.Add(time.Second))
	f.ok(err)
	if want := (engine.Pruned{Instances: 1, Versions: 4}); got != want {
		t.Errorf("Prune = %+v, want %+v", got, want)
	}
	after := f.versions("done", 7)
	// Printed and OutputFrom are how a store keeps Output, SnapVersion
	// where it keeps Snapshot: the first kept version now holds its whole
	// output, and version 5 a copy of version 2's snapshot.
	stored := cmpopts.IgnoreFields(engine.Version{}, "Printed", "OutputFrom", "SnapVersion")
	if diff := cmp.Diff(before[4:], after[4:], cmpTimes, stored); diff != "" {
		t.Errorf("kept versions (-before +after prune):\n%s", diff)
	}
	if after[4].SnapVersion != 5 || string(after[4].Snapshot) != "snapshot 2" {
		t.Errorf("version 5 uses the snapshot of %d, %q; want its own copy of snapshot 2", after[4].SnapVersion, after[4].Snapshot)
	}
	for i, v := range after[:4] {
		if v.Number != 0 {
			t.Errorf("version %d kept: %+v", i+1, v)
		}
	}
	if h, err := f.s.Head(f.ctx, "done"); err != nil || h.Output != before[6].Output || h.Version != 7 {
		t.Errorf("head after prune: version %d, output %q (%v); want 7, %q", h.Version, h.Output, err, before[6].Output)
	}
	if hist, err := f.s.History(f.ctx, "done"); err != nil || len(hist) != 3 || hist[0].Output != before[4].Output {
		t.Errorf("history after prune: %d versions (%v), want 3 from version 5", len(hist), err)
	}
	if len(f.versions("running", 6)[0].Output) != 0 || f.versions("running", 6)[0].Number != 1 {
		t.Error("Prune touched a running instance")
	}
	rewind := f.next(f.state("done"), engine.Running, "")
	rewind.Version.SnapVersion, rewind.Version.OutputFrom, rewind.Version.Snapshot = 2, 2, nil
	_, err = f.s.Commit(f.ctx, rewind)
	f.wantErr("a rewind to a pruned version", err, engine.ErrConflict)
	again, err := f.prune(3, f.later())
	f.ok(err)
	if again != (engine.Pruned{}) {
		t.Errorf("Prune again = %+v, want nothing", again)
	}
}

// liveHistory makes running instance id with versions 1..12, version n
// created n seconds after t0 and printing a line, version 8 using
// version 2's snapshot and the head, 12, version 3's (as rewinds do).
func (f *fixture) liveHistory(id string) {
	f.t.Helper()
	f.create(id, engine.Running, "")
	for v := int64(2); v <= 12; v++ {
		st := f.next(f.state(id), engine.Running, "")
		st.Version.Printed = fmt.Sprintf("%s %d\n", id, v)
		st.Version.Created = f.t0.Add(time.Duration(v) * time.Second)
		switch v {
		case 8:
			st.Version.SnapVersion, st.Version.Snapshot = 2, nil
		case 12:
			st.Version.SnapVersion, st.Version.Snapshot = 3, nil
		}
		_, err := f.s.Commit(f.ctx, st)
		f.ok(err)
	}
}

// testRetain: a policy keeps the last versions, every Kth and the recent
// ones, of live instances only when asked; a live head keeps the version
// whose snapshot it uses; every kept version reads as before; a step
// from the head commits after it, a rewind to a deleted version does not;
// applying it again deletes what the head no longer needs.
func testRetain(t *testing.T, f *fixture) {
	f.liveHistory("live")
	before := f.versions("live", 12)
	for _, bad := range []engine.RetentionPolicy{{KeepLast: 0}, {KeepLast: 1, KeepEvery: -1}} {
		if _, err := f.s.Retain(f.ctx, bad); err == nil {
			t.Errorf("Retain(%+v) gave no error", bad)
		}
	}
	p := engine.RetentionPolicy{KeepLast: 2, KeepEvery: 4, KeepSince: f.t0.Add(10 * time.Second), FinishedBefore: f.later()}
	got, err := f.s.Retain(f.ctx, p)
	f.ok(err)
	if got != (engine.Pruned{}) {
		t.Errorf("Retain without Live = %+v, want nothing (the instance runs)", got)
	}
	p.Live = true
	got, err = f.s.Retain(f.ctx, p)
	f.ok(err)
	if want := (engine.Pruned{Instances: 1, Versions: 6}); got != want {
		t.Errorf("Retain = %+v, want %+v", got, want)
	}
	after := f.versions("live", 12)
	stored := cmpopts.IgnoreFields(engine.Version{}, "Printed", "OutputFrom", "SnapVersion")
	for i := range after {
		n := int64(i) + 1
		kept := n == 3 || n == 4 || n == 8 || n >= 10 // 3: the head's snapshot; 4, 8: every 4th; 10-12: recent, 11-12: last 2
		switch {
		case kept && after[i].Number != n:
			t.Errorf("version %d deleted", n)
		case kept:
			if diff := cmp.Diff(before[i], after[i], cmpTimes, stored); diff != "" {
				t.Errorf("version %d (-before +after):\n%s", n, diff)
			}
		case after[i].Number != 0:
			t.Errorf("version %d kept", n)
		}
	}
	if after[7].SnapVersion != 8 || after[11].SnapVersion != 3 {
		t.Errorf("versions 8 and 12 use the snapshots of %d and %d; want 8 (a copy of 2's) and 3", after[7].SnapVersion, after[11].SnapVersion)
	}
	if h, err := f.s.Head(f.ctx, "live"); err != nil || h.Version != 12 || string(h.Snapshot) != "snapshot 3" || h.Output != before[11].Output {
		t.Errorf("head after retain: %d, %q, %q (%v)", h.Version, h.Snapshot, h.Output, err)
	}
	rewind := f.next(f.state("live"), engine.Running, "")
	rewind.Version.SnapVersion, rewind.Version.OutputFrom, rewind.Version.Snapshot = 5, 5, nil
	_, err = f.s.Commit(f.ctx, rewind)
	f.wantErr("a rewind to a deleted version", err, engine.ErrConflict)
	f.commit("live", engine.Waiting, "go")
	again, err := f.s.Retain(f.ctx, p)
	f.ok(err)
	if again != (engine.Pruned{Instances: 1, Versions: 1}) { // 3: the head, 13, needs it no more
		t.Errorf("Retain again = %+v, want version 3 deleted", again)
	}
	if v, err := f.s.Version(f.ctx, "live", 12); err != nil || v.SnapVersion != 12 || string(v.Snapshot) != "snapshot 3" {
		t.Errorf("version 12 after version 3 went: snapshot of %d, %q (%v); want its own copy of snapshot 3", v.SnapVersion, v.Snapshot, err)
	}
}
