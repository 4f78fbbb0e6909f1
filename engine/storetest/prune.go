package storetest

// This file checks Prune: old versions of finished instances go, every
// kept version reads exactly as before.

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wf-lang/wf/engine"
)

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
	if _, err := f.s.Prune(f.ctx, 0, f.later()); err == nil {
		t.Error("Prune kept 0 versions")
	}
	got, err := f.s.Prune(f.ctx, 3, f.t0) // finished at t0: not before t0
	f.ok(err)
	if got != (engine.Pruned{}) {
		t.Errorf("Prune before the instances finished: %+v, want nothing", got)
	}
	got, err = f.s.Prune(f.ctx, 3, f.t0.Add(time.Second))
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
	again, err := f.s.Prune(f.ctx, 3, f.later())
	f.ok(err)
	if again != (engine.Pruned{}) {
		t.Errorf("Prune again = %+v, want nothing", again)
	}
}
