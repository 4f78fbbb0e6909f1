package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wf-lang/wf/compiler"
)

// bigStateRebuilt is bigState, but a tick of 0 changes every record, so
// that its version stores a full snapshot, the base of the next ones.
const bigStateRebuilt = `let book = {}
for i in range(4000) { book["k" + str(i)] = {"qty": i, "note": "record number " + str(i)} }
let n = 0
while true {
    let v = wait("tick")
    n += 1
    if v == 0 {
        for i in range(4000) { book["k" + str(i)]["qty"] += 1 }
    } else {
        book["k" + str(n * 7 % 4000)]["qty"] += v
    }
    print("tick " + str(n) + " " + str(book["k" + str(n * 7 % 4000)]["qty"]))
}
`

// TestRetainLiveDeltas: retention on a waiting instance whose versions
// are deltas. Keeping every 5th deletes the base of version 5, which is
// then stored in full; keeping every 3rd keeps that base, which 3 and 6
// share. Either way every kept version reads exactly as before
// (snapshot, output, status), the head and its base stay, and the
// instance goes on, rewinds and forks at kept versions as before.
func TestRetainLiveDeltas(t *testing.T) {
	t.Run("every5", func(t *testing.T) {
		// Kept: 11, 12 (the last 2), 5, 10 (every 5th), 7 (the head's base).
		f, id := retainDeltas(t, 5, Pruned{Instances: 1, Versions: 7, Compacted: 1}, func(n int64) bool { return n%5 == 0 || n == 7 || n >= 11 })
		forkAt(t, f, id, 5, "tick 4 32\ntick 5 36\n")
	})
	t.Run("every3", func(t *testing.T) {
		// Kept: 11, 12, 3, 6, 9, 7, and 1, the base of 3 and 6.
		f, id := retainDeltas(t, 3, Pruned{Instances: 1, Versions: 5}, func(n int64) bool { return n%3 == 0 || n == 1 || n == 7 || n >= 11 })
		forkAt(t, f, id, 3, "tick 2 16\ntick 3 22\n")
		if _, err := f.e.Rewind(context.Background(), id, 6, false); err != nil {
			t.Fatal(err)
		}
		f.signal(id, "tick", "2")
		if out := f.head(id).Output; !strings.HasSuffix(out, "tick 5 40\ntick 6 44\n") {
			t.Errorf("rewind to version 6 and a tick: output ends %q", out[max(0, len(out)-40):])
		}
	})
}

// retainDeltas makes a waiting instance of bigStateRebuilt with versions
// 1-6 stored as deltas on 1, 7 in full, 8-12 deltas on 7; keeps the last
// 2 and every everyth, live; checks that it did want, that the versions
// kept says are kept and read as before, and that the instance goes on.
func retainDeltas(t *testing.T, every int64, want Pruned, kept func(int64) bool) (*fixture, string) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(bigStateRebuilt, "")
	for _, v := range []string{"1", "2", "3", "4", "5", "0", "1", "2", "3", "4", "5"} {
		f.signal(id, "tick", v)
	}
	h := f.head(id)
	if h.Version != 12 || h.Stored == nil || h.Stored.BaseVersion != 7 {
		t.Fatalf("head version %d, stored %+v; want 12, a delta against version 7", h.Version, h.Stored)
	}
	before := f.allVersions(id, 12)
	got, err := f.e.Retain(ctx, RetentionPolicy{KeepLast: 2, KeepEvery: every})
	if err != nil || got != (Pruned{}) {
		t.Fatalf("Retain without Live = %+v, %v; want nothing", got, err)
	}
	got, err = f.e.Retain(ctx, RetentionPolicy{KeepLast: 2, KeepEvery: every, Live: true})
	if err != nil || got != want {
		t.Fatalf("Retain = %+v, %v; want %+v", got, err, want)
	}
	after := f.allVersions(id, 12)
	stored := cmpopts.IgnoreFields(Version{}, "Printed", "OutputFrom", "SnapVersion")
	for i := range after {
		switch n := int64(i) + 1; {
		case kept(n) && after[i].Number != n:
			t.Errorf("version %d deleted", n)
		case kept(n):
			if diff := cmp.Diff(before[i], after[i], stored); diff != "" {
				t.Errorf("version %d (-before +after):\n%s", n, diff)
			}
		case after[i].Number != 0:
			t.Errorf("version %d kept", n)
		}
	}
	if h := f.head(id); h.Stored == nil || h.Stored.BaseVersion != 7 {
		t.Errorf("head after retention: stored %+v, want a delta against version 7", h.Stored)
	}
	f.signal(id, "tick", "1")
	if out := f.head(id).Output; !strings.HasSuffix(out, "tick 11 83\ntick 12 86\n") {
		t.Errorf("a tick after retention: output ends %q", out[max(0, len(out)-40):])
	}
	prog, err := compiler.CompileSource("test.wf", []byte(bigStateRebuilt), compiler.Options{Predeclared: f.e.predeclared(nil)})
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, f, id, prog)
	return f, id
}

// forkAt forks instance id at version n, ticks it once and checks that
// its output ends with want.
func forkAt(t *testing.T, f *fixture, id string, n int64, want string) {
	t.Helper()
	fork, err := f.e.Fork(context.Background(), id, n)
	if err != nil {
		t.Fatal(err)
	}
	f.signal(fork, "tick", "1")
	if out := f.head(fork).Output; !strings.HasSuffix(out, want) {
		t.Errorf("fork at version %d and a tick: output ends %q, want %q", n, out[max(0, len(out)-40):], want)
	}
}

// allVersions reads versions 1..n of id with their snapshots; a deleted
// one is a zero Version.
func (f *fixture) allVersions(id string, n int64) []Version {
	f.t.Helper()
	out := make([]Version, n)
	for i := range out {
		v, err := f.e.Store().Version(context.Background(), id, int64(i)+1)
		if err != nil && !strings.Contains(err.Error(), ErrNotFound.Error()) {
			f.t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// TestRetainGapStopsCheckHistory: after a retention that leaves gaps in
// a history, CheckHistory and the debugger's replies stop at the first
// gap instead of replaying the events after it on the wrong state.
func TestRetainGapStopsCheckHistory(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	src := `let n = 0
while true { n += wait("tick"); print(n) }
`
	id := f.start(src, "")
	for i := range 6 {
		f.signal(id, "tick", fmt.Sprint(i+1))
	}
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil { // version 8 uses version 1's snapshot
		t.Fatal(err)
	}
	got, err := f.e.Retain(ctx, RetentionPolicy{KeepLast: 3, KeepEvery: 3, Live: true})
	if want := (Pruned{Instances: 1, Versions: 3}); err != nil || got != want { // 2, 4, 5
		t.Fatalf("Retain = %+v, %v; want %+v", got, err, want)
	}
	hc, err := f.e.CheckHistory(ctx, id, "test.wf", []byte(src))
	if err != nil || hc.Diverged || hc.Checked != 1 || !strings.Contains(hc.Stopped, "version 2 was deleted") {
		t.Errorf("history check after retention: %+v, %v", hc, err)
	}
	replies, _, _, err := f.e.recorded(ctx, id, 1, &debugFutures{e: f.e})
	if err != nil || len(replies) != 0 {
		t.Errorf("replies after version 1, before the gap at 2: %+v, %v; want none", replies, err)
	}
	replies, _, _, err = f.e.recorded(ctx, id, 6, &debugFutures{e: f.e})
	if err != nil || len(replies) != 1 || replies[0].Version != 7 {
		t.Errorf("replies after version 6: %+v, %v; want version 7's", replies, err)
	}
}

// TestRetainWhileSignalled: retention of a live instance stored by
// deltas, run over and over while signals keep coming (some of which
// store a full snapshot, the base of the next deltas), loses no signal
// and breaks no version: every signal is applied in order, and every
// version left restores to its canonical snapshot.
func TestRetainWhileSignalled(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(bigStateRebuilt, "")
	done := make(chan struct{})
	errs := make(chan error, 1)
	rounds, deleted := 0, int64(0)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := f.e.Retain(ctx, RetentionPolicy{KeepLast: 1, KeepEvery: 4, Live: true})
			if err != nil {
				errs <- err
				return
			}
			rounds, deleted = rounds+1, deleted+got.Versions
		}
	}()
	var want strings.Builder
	for n := 1; n <= 24; n++ {
		v := n % 3 // 0 rewrites every record: a full snapshot
		if _, err := f.e.Signal(ctx, id, "tick", []byte(fmt.Sprint(v))); err != nil {
			t.Fatalf("signal %d: %v", n, err)
		}
		fmt.Fprintf(&want, "tick %d ", n)
	}
	close(done)
	if err := <-errs; err != nil {
		t.Fatalf("Retain: %v", err)
	}
	f.work()
	h := f.head(id)
	var got strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(h.Output), "\n") {
		fields := strings.Fields(line)
		fmt.Fprintf(&got, "%s %s ", fields[0], fields[1])
	}
	if deleted == 0 {
		t.Error("no retention deleted a version while the signals came")
	}
	if h.Version != 25 || got.String() != want.String() {
		t.Errorf("after 24 signals and %d retentions: version %d, ticks %q", rounds, h.Version, got.String())
	}
	prog, err := compiler.CompileSource("test.wf", []byte(bigStateRebuilt), compiler.Options{Predeclared: f.e.predeclared(nil)})
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, f, id, prog)
	t.Logf("%d retentions ran during the signals, deleting %d versions", rounds, deleted)
}

// BenchmarkRetainBigState: the database of BenchmarkBigStateSignals's
// instance (about 5 MB of state, b.N signals, versions stored as deltas)
// before and after retention keeps its last 10 versions and every
// 100th, while it waits for its next signal; sizes after VACUUM, and
// the time Retain takes. Reproduce with
//
//	go test ./engine -run '^$' -bench RetainBigState -benchtime 1000x
func BenchmarkRetainBigState(b *testing.B) {
	e, err := Open(filepath.Join(b.TempDir(), "wf.db"), Options{}, SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	id, err := e.Start(ctx, "book.wf", []byte(bigStateSignals), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := e.Signal(ctx, id, "tick", []byte("1")); err != nil {
			b.Fatal(err)
		}
	}
	db := e.Store().(*SQLite).DB()
	vacuumed := func() float64 {
		if _, err := db.Exec(`VACUUM`); err != nil {
			b.Fatal(err)
		}
		return float64(dbBytes(b, db))
	}
	before := vacuumed()
	b.ResetTimer()
	got, err := e.Retain(ctx, RetentionPolicy{KeepLast: 10, KeepEvery: 100, Live: true})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Signal(ctx, id, "tick", []byte("1")); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(before, "db-bytes-before")
	b.ReportMetric(vacuumed(), "db-bytes-after")
	b.ReportMetric(float64(got.Versions), "versions-deleted")
	b.ReportMetric(b.Elapsed().Seconds(), "retain-s")
}

// TestWorkAppliesRetention: a worker with a retention schedule applies
// it periodically, to live instances when the policy says so, and
// refuses a policy Retain would refuse.
func TestWorkAppliesRetention(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`while true { print(wait("tick")) }`, "")
	for i := range 5 {
		f.signal(id, "tick", fmt.Sprint(i))
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	bad := WorkerOptions{Retention: RetentionSchedule{Policy: RetentionPolicy{KeepLast: 1, KeepEvery: -1}}}
	if err := f.e.Work(ctx, bad); err == nil {
		t.Error("Work took a retention policy with KeepEvery -1")
	}
	runs := make(chan Pruned, 100)
	done := make(chan error, 1)
	o := WorkerOptions{Poll: time.Hour, Retention: RetentionSchedule{Policy: RetentionPolicy{KeepLast: 2, Live: true}, Every: time.Millisecond},
		onRetain: func(p Pruned, err error) {
			if err != nil {
				t.Error(err)
			}
			select {
			case runs <- p:
			default:
			}
		}}
	go func() { done <- f.e.Work(ctx, o) }()
	if got := <-runs; got != (Pruned{Instances: 1, Versions: 4}) {
		t.Errorf("the first run: %+v, want 4 versions of 1 instance", got)
	}
	if got := <-runs; got != (Pruned{}) {
		t.Errorf("the second run: %+v, want nothing", got)
	}
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
	if r := f.reasons(id); len(r) != 2 {
		t.Errorf("history after retention: %q, want the last 2 versions", r)
	}
}
