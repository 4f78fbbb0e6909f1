package engine

// Tests of parallel(): one activity's calls run concurrently, retried one
// by one, gathered in order, surviving a restart between attempts.

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// TestParallelGathersInOrder: 20 calls run concurrently (the activity
// sees several at once), each with its own key; calls that fail are
// retried on their own; a non-retryable failure is its error value in
// the list; a restart between attempts repeats no call that succeeded.
func TestParallelGathersInOrder(t *testing.T) {
	var mu sync.Mutex
	running, most := 0, 0
	seen := map[string]int{}
	square := Activity{Name: "square", Retry: RetryPolicy{Attempts: 3, Initial: time.Second},
		Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
			info, _ := ActivityInfoFrom(ctx)
			mu.Lock()
			seen[key]++
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			n := args[0].AsInt()
			switch {
			case n == 13:
				return vm.Nil, &ActivityError{Kind: "unlucky", Message: "no", NonRetryable: true}
			case n%5 == 0 && info.Attempt == 1:
				return vm.Nil, errors.New("busy")
			}
			return vm.Int(n * n), nil
		}}
	opts := Options{Activities: []Activity{square}}
	f := newFixture(t, opts)
	id := f.start(`let args = []
for i in range(20) { args.push([i]) }
let rs = parallel(square, args)
let total = 0
for r in rs {
    if type(r) == "error" { print("failed:", r.kind) } else { total += r }
}
print("total", total)
`, "")
	if h := f.head(id); h.Status != Sleeping || h.NextSeq != 21 {
		t.Fatalf("after the first attempts: %+v", h.Instance)
	}
	f.restart(opts)
	f.clock.Add(time.Second)
	f.work()
	want := 0
	for i := 0; i < 20; i++ {
		if i != 13 {
			want += i * i
		}
	}
	h := f.head(id)
	if h.Status != Completed || h.Output != "failed: unlucky\ntotal "+vm.Repr(vm.Int(int64(want)))+"\n" {
		t.Errorf("%s %q", h.Status, h.Output)
	}
	var keys []string
	for k, n := range seen {
		if n > 1 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if diff := cmp.Diff([]string{"i1:1", "i1:11", "i1:16", "i1:6"}, keys); diff != "" {
		t.Errorf("keys called twice (-want +got):\n%s", diff)
	}
	if most < 2 {
		t.Errorf("at most %d calls ran at once, want concurrency", most)
	}
	r := f.reasons(id)
	if len(r) != 3 || !strings.Contains(r[1], "#5 failed on attempt 1: activity_error, to retry") ||
		!strings.Contains(r[1], "#13 failed on attempt 1: unlucky,") || !strings.Contains(r[2], "#5 done on attempt 2") ||
		strings.Contains(r[2], "#4 ") {
		t.Errorf("history:\n%s", strings.Join(r, "\n"))
	}
}

// TestParallelRefusesBadArguments: the checks happen where the script
// calls parallel, and an empty list returns at once.
func TestParallelRefusesBadArguments(t *testing.T) {
	echo := Activity{Name: "echo", Fn: func(_ context.Context, _ string, args []vm.Value) (vm.Value, error) { return args[0], nil }}
	f := newFixture(t, Options{Activities: []Activity{echo}})
	if h := f.head(f.start(`print(parallel(echo, []))`, "")); h.Status != Completed || h.Output != "[]\n" {
		t.Errorf("empty: %s %q", h.Status, h.Output)
	}
	for src, want := range map[string]string{
		`parallel(print, [[1]])`:                  "parallel: <builtin print> is not a registered activity",
		`parallel(echo, [1])`:                     "each call's arguments must be a list, not int",
		`parallel(echo, [[1]], {"attempts": -1})`: "attempts must be an int",
	} {
		if h := f.head(f.start(src, "")); h.Status != Failed || !strings.Contains(h.Error, want) {
			t.Errorf("%s: %s %q, want %q", src, h.Status, h.Error, want)
		}
	}
}

// TestParallelStateOverLimitFails: results kept between attempts count
// toward Options.MaxSnapshot; past it the instance fails, keeping its
// last good state, instead of committing a state it could not load.
func TestParallelStateOverLimitFails(t *testing.T) {
	big := Activity{Name: "big", Retry: RetryPolicy{Attempts: 2},
		Fn: func(ctx context.Context, _ string, args []vm.Value) (vm.Value, error) {
			if args[0].AsInt() == 0 {
				return vm.Nil, errors.New("later")
			}
			return vm.String(strings.Repeat("x", 5000)), nil
		}}
	f := newFixture(t, Options{Activities: []Activity{big}, MaxSnapshot: 20000})
	h := f.head(f.start(`parallel(big, [[0], [1], [2], [3], [4], [5], [6], [7]])`, ""))
	if h.Status != Failed || !strings.Contains(h.Error, "over the limit of 20000 for a snapshot") || h.Snapshot == nil {
		t.Errorf("%s %q", h.Status, h.Error)
	}
}
