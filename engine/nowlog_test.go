package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSplitDetail reads details as every version stores them: none, a
// value alone (as before the record existed), a value with a record, a
// record alone, and values whose text looks like a mark but is not one.
func TestSplitDetail(t *testing.T) {
	for _, c := range []struct {
		detail, value string
		nows          []float64
	}{
		{"", "", nil},
		{`{"ok": true}`, `{"ok": true}`, nil},
		{"{\n\"now\": [1]}", "{\n\"now\": [1]}", nil}, // a signal sent with newlines: no mark
		{`"\nnow [1]"`, `"\nnow [1]"`, nil},           // an escaped newline in a string
		{`{"ok": true}` + "\nnow [1.5,2]", `{"ok": true}`, []float64{1.5, 2}},
		{"\nnow [3]", "", []float64{3}},
		{"7\nnow [bad", "7\nnow [bad", nil}, // a record that does not decode is kept as text
	} {
		value, nows := SplitDetail(c.detail)
		if value != c.value || !slices.Equal(nows, c.nows) {
			t.Errorf("SplitDetail(%q) = %q, %v; want %q, %v", c.detail, value, nows, c.value, c.nows)
		}
		if c.nows != nil {
			if back := joinDetail(value, nows); back != c.detail {
				t.Errorf("joinDetail(%q, %v) = %q, want %q", value, nows, back, c.detail)
			}
		}
	}
	if joinDetail("5", nil) != "5" {
		t.Error("a step that never called now() keeps its detail as it was")
	}
}

// stamped prints the times now() gives in two steps.
const stamped = `let t = now()
print("started at", t)
let ok = wait("go")
print("resumed at", now(), now() - t, ok)
`

// TestNowRecorded: each step's version records what now() returned, in
// order, next to the signal it got; CheckHistory replays the instance
// with those values, so a program that prints the time reproduces its
// history although the clock has moved on, which it did not before.
func TestNowRecorded(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(stamped, "")
	start := float64(f.clock.Now().UnixNano()) / 1e9
	f.clock.Add(90 * time.Second)
	f.signal(id, "go", `"yes"`)
	hist, err := f.e.History(ctx, id)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %v %v", hist, err)
	}
	v1, nows1 := SplitDetail(hist[0].Detail)
	v2, nows2 := SplitDetail(hist[1].Detail)
	if v1 != "" || !slices.Equal(nows1, []float64{start}) {
		t.Errorf("version 1 recorded %q %v, want the start time %v", v1, nows1, start)
	}
	if v2 != `"yes"` || !slices.Equal(nows2, []float64{start + 90, start + 90}) {
		t.Errorf("version 2 recorded %q %v, want the signal and two calls at +90s", v2, nows2)
	}
	if !strings.Contains(hist[1].Output, " 90.0 yes") {
		t.Fatalf("output %q", hist[1].Output)
	}
	f.clock.Add(time.Hour)
	hc, err := f.e.CheckHistory(ctx, id, "same.wf", []byte(stamped))
	if err != nil || hc.Diverged || hc.Checked != 2 {
		t.Fatalf("the same program on a later clock: %+v %v", hc, err)
	}
	// A program that calls now() once more than recorded gets the live
	// clock for that call: its output differs from the history.
	more := strings.Replace(stamped, `now() - t`, `now() - now()`, 1)
	if hc, err := f.e.CheckHistory(ctx, id, "more.wf", []byte(more)); err != nil || !hc.Diverged || hc.Version != 2 {
		t.Fatalf("a program calling now() more often: %+v %v", hc, err)
	}
}

// TestClock gives recorded values first, then live ones, and records
// up to MaxRecordedNows.
func TestClock(t *testing.T) {
	live := time.Unix(100, 0)
	c := NewClock(func() time.Time { return live }, []float64{1, 2})
	got := []float64{c.Now(), c.Now(), c.Now()}
	if !slices.Equal(got, []float64{1, 2, 100}) || !slices.Equal(c.Given(), got) || c.Given() != nil {
		t.Fatalf("got %v", got)
	}
	for range MaxRecordedNows + 10 {
		c.Now()
	}
	if n := len(c.Given()); n != MaxRecordedNows {
		t.Fatalf("recorded %d values, want the cap %d", n, MaxRecordedNows)
	}
}
