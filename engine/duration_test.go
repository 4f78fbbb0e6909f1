package engine

// Tests of durations and of the times the store keeps.

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/vm"
)

// TestAbsurdDurationsAreRefused: a duration over MaxDuration is a
// value_error where the script asks for it, and the instance fails with
// it. sleep(9000000000) and wait(x, "13000w") used to be due in 2311 and
// 2275, stored wrapped around to 1726 and 1690, and fired at once.
func TestAbsurdDurationsAreRefused(t *testing.T) {
	f := newFixture(t, Options{})
	for _, c := range []struct{ src, want string }{
		{`sleep(9000000000)`, "value_error: sleep: duration 9e+09 seconds is over the maximum of 100 years (36500d)"},
		{`wait("x", "13000w")`, `value_error: wait: duration "13000w" is over the maximum of 100 years (36500d)`},
		{`sleep(3153600000.5)`, "over the maximum of 100 years"},
		{`sleep("36500d1ms")`, "over the maximum of 100 years"},
		{`sleep("99999999999999999999999h")`, "over the maximum of 100 years"},
	} {
		id := f.start(c.src, "")
		f.work()
		h := f.head(id)
		if h.Status != Failed || !strings.Contains(h.Error, c.want) || !strings.Contains(h.Error, "test.wf:1:") {
			t.Errorf("%s: %s %q, want failed at the call with %q", c.src, h.Status, h.Error, c.want)
		}
	}
}

// TestLongestDurationWaits: a sleep of exactly MaxDuration, and a wait
// with that timeout, are due a century from now and do not fire before.
func TestLongestDurationWaits(t *testing.T) {
	f := newFixture(t, Options{})
	start := f.clock.Now()
	for _, src := range []string{`sleep(3153600000)`, `sleep("36500d")`, `wait("x", "36500d")`} {
		f.clock.t = start
		id := f.start(src, "")
		want := f.clock.Now().Add(MaxDuration)
		f.clock.Add(99 * 365 * 24 * time.Hour)
		f.work()
		if h := f.head(id); h.Status.Final() || !h.Due.Equal(want) {
			t.Errorf("%s: %s due %v, want still due %v", src, h.Status, h.Due, want)
		}
	}
}

// TestTimesBeyond2262StayFar: times past what Unix nanoseconds hold are
// stored as the last time they hold, never wrapped into the past: a
// sleep due in 2300 (a clock in 2200) does not fire, and a lease until
// then keeps other owners out.
func TestTimesBeyond2262StayFar(t *testing.T) {
	f := newFixture(t, Options{})
	f.clock.t = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	id := f.start(`sleep("36500d")`, "")
	f.work()
	h := f.head(id)
	if h.Status != Sleeping || !h.Due.Equal(maxNanoTime) {
		t.Errorf("after a worker: %s due %v, want sleeping until %v", h.Status, h.Due, maxNanoTime)
	}
	ctx, now := context.Background(), f.clock.Now()
	token, err := f.e.Store().TakeLease(ctx, id, h.Version, "a", now, now.Add(math.MaxInt64))
	if err != nil || token == 0 {
		t.Fatalf("TakeLease: %v %v", token, err)
	}
	if h := f.head(id); !h.Lease.Until.Equal(maxNanoTime) {
		t.Errorf("lease until %v, want %v", h.Lease.Until, maxNanoTime)
	}
	if _, err := f.e.Store().(*SQLite).DB().Exec(`UPDATE instances SET wake_at = 0`); err != nil {
		t.Fatal(err)
	}
	if ids, err := f.e.Store().ClaimDue(ctx, "b", now, time.Minute, 10); err != nil || len(ids) != 0 {
		t.Errorf("ClaimDue by another owner: %v %v, want nothing while the lease lasts", ids, err)
	}
}

// TestStoredTimesRoundTrip: every time the store can hold comes back
// equal from unixNano and fromNanos; times outside come back as the
// nearest end.
func TestStoredTimesRoundTrip(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), time.Unix(0, 1), time.Unix(-1, 0),
		minNanoTime, maxNanoTime, time.Date(1900, 1, 1, 0, 0, 0, 0, time.Local),
	} {
		if got := fromNanos(nullInt(unixNano(tm))); !got.Equal(tm) {
			t.Errorf("%v came back as %v", tm, got)
		}
	}
	for tm, want := range map[time.Time]time.Time{
		time.Date(2311, 1, 1, 0, 0, 0, 0, time.UTC): maxNanoTime,
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC): minNanoTime,
	} {
		if got := fromNanos(nullInt(unixNano(tm))); !got.Equal(want) {
			t.Errorf("%v came back as %v, want %v", tm, got, want)
		}
	}
	if nanos(time.Time{}) != nil || !fromNanos(nullInt(0)).Equal(time.Unix(0, 0)) {
		t.Error("the zero time must be stored as NULL")
	}
}

func TestParseDurationLimits(t *testing.T) {
	for _, v := range []vm.Value{vm.Int(3153600000), vm.String("36500d"), vm.String("5214w2d"), vm.Float(0)} {
		if d, err := ParseDuration(v); err != nil || d > MaxDuration {
			t.Errorf("ParseDuration(%s) = %v, %v", vm.Repr(v), d, err)
		}
	}
	for _, v := range []vm.Value{vm.Int(3153600001), vm.Int(math.MaxInt64), vm.Float(math.Inf(1)), vm.Float(-1),
		vm.String("13000w"), vm.String("36501d"), vm.String("1e400s")} {
		if d, err := ParseDuration(v); err == nil {
			t.Errorf("ParseDuration(%s) = %v, want an error", vm.Repr(v), d)
		}
	}
}

func nullInt(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }
