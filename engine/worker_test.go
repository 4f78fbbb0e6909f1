package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// spoilFirstBatch is a store whose first CommitBatch carries a first
// step fenced by a lease token nobody holds, as if another worker had
// claimed that instance meanwhile; it records the batches' sizes.
type spoilFirstBatch struct {
	Store
	mu    sync.Mutex
	sizes []int
	outs  [][]Committed
}

func (s *spoilFirstBatch) CommitBatch(ctx context.Context, steps []Step) ([]Committed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sizes) == 0 {
		steps[0].Fence = 1 << 40
	}
	s.sizes = append(s.sizes, len(steps))
	outs, err := s.Store.CommitBatch(ctx, steps)
	s.outs = append(s.outs, outs)
	return outs, err
}

// TestWorkBatch: a worker that claims several instances at once commits
// their steps in one batch; the step that conflicts is retried alone,
// and every instance ends with its own signal applied once.
func TestWorkBatch(t *testing.T) {
	const n = 6
	f := newFixture(t, Options{Detached: true})
	for i := range n {
		id := f.start(`print("got", wait("go"))`, "")
		f.signal(id, "go", fmt.Sprint(i))
	}
	spy := &spoilFirstBatch{Store: f.e.Store()}
	e, err := New(spy, Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- e.Work(ctx, WorkerOptions{Poll: time.Millisecond, Logf: func(format string, args ...any) {
			t.Errorf(format, args...)
		}})
	}()
	for i := range n {
		h := f.waitFinal(fmt.Sprintf("i%d", i+1))
		if want := fmt.Sprintf("got %d\n", i); h.Status != Completed || h.Output != want || h.Version != 2 {
			t.Errorf("%s: %s at version %d, %q; want completed at 2, %q", h.ID, h.Status, h.Version, h.Output, want)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.sizes) == 0 || spy.sizes[0] != n || spy.outs[0][0].Err == nil {
		t.Errorf("batches of %v steps, first outcomes %+v; want a first batch of %d with its first step in conflict", spy.sizes, spy.outs, n)
	}
}

// waitFinal waits for id to finish, a minute at most (a hang, not a
// speed check), and returns its head.
func (f *fixture) waitFinal(id string) Head {
	f.t.Helper()
	deadline := time.Now().Add(time.Minute)
	h := f.head(id)
	for ; !h.Status.Final() && time.Now().Before(deadline); h = f.head(id) {
		time.Sleep(time.Millisecond)
	}
	return h
}

// failingStore fails its first claims, and its first commit, with a
// store error that is neither ErrBusy nor ErrUnavailable.
type failingStore struct {
	Store
	mu             sync.Mutex
	claims, commit int // failures left
}

func (s *failingStore) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]string, error) {
	s.mu.Lock()
	fail := s.claims > 0
	s.claims--
	s.mu.Unlock()
	if fail {
		return nil, errors.New("disk I/O error")
	}
	return s.Store.ClaimDue(ctx, owner, now, lease, n)
}

func (s *failingStore) Commit(ctx context.Context, st Step) (bool, error) {
	s.mu.Lock()
	fail := s.commit > 0
	s.commit--
	s.mu.Unlock()
	if fail {
		return false, errors.New("disk I/O error")
	}
	return s.Store.Commit(ctx, st)
}

// TestWorkSurvivesStoreErrors: Work logs store errors and retries with
// a growing pause instead of returning, then fires the timer that came
// due meanwhile; it logs each step it commits; it returns nil only when
// its context ends.
func TestWorkSurvivesStoreErrors(t *testing.T) {
	const fails = 4
	f := newFixture(t, Options{})
	id := f.start(`sleep("1h")
print("woke")`, "")
	f.clock.Add(2 * time.Hour)
	flaky := &failingStore{Store: f.e.Store(), claims: fails, commit: 1}
	e, err := New(flaky, Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logged []string
	var records bytes.Buffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.Work(ctx, WorkerOptions{Poll: time.Millisecond,
			Logger: slog.New(slog.NewJSONHandler(&lockedWriter{mu: &mu, w: &records}, nil)),
			Logf: func(format string, args ...any) {
				mu.Lock()
				logged = append(logged, fmt.Sprintf(format, args...))
				mu.Unlock()
			}})
	}()
	h := f.head(id)
	for deadline := time.Now().Add(time.Minute); !h.Status.Final() && time.Now().Before(deadline); h = f.head(id) {
		f.clock.Add(time.Minute) // past the pause after the failed commit
		time.Sleep(time.Millisecond)
	}
	if h.Status != Completed || h.Output != "woke\n" {
		t.Errorf("%s, %q; want completed, woke", h.Status, h.Output)
	}
	select {
	case err := <-done:
		t.Fatalf("Work returned %v while its context lives", err)
	default:
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Work after cancel: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != fails+1 {
		t.Errorf("logged %q; want %d claim retries, then the failed commit", logged, fails)
	}
	for i, l := range logged {
		want := fmt.Sprintf("disk I/O error (%d in a row); retrying in", i+1)
		if i == fails {
			want = id + ": disk I/O error"
		}
		if !strings.Contains(l, want) || i > fails {
			t.Errorf("log line %d: %q; want %q", i, l, want)
		}
	}
	var step struct {
		Msg, Instance, Reason, Status string
		Version                       int64
		Duration                      int64
	}
	lines := strings.Split(strings.TrimSpace(records.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &step); err != nil {
		t.Fatalf("%v in %q", err, records.String())
	}
	if step.Msg != "step" || step.Instance != id || step.Reason != "timer fired" || step.Status != "completed" || step.Version != 2 {
		t.Errorf("last record %+v; want the step that fired the timer", step)
	}
}

// lockedWriter writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestRetryPause: the pause doubles from the poll interval, is capped,
// and is drawn from the upper half of its range.
func TestRetryPause(t *testing.T) {
	for _, c := range []struct {
		base time.Duration
		n    int
		want time.Duration
	}{
		{100 * time.Millisecond, 1, 100 * time.Millisecond},
		{100 * time.Millisecond, 4, 800 * time.Millisecond},
		{100 * time.Millisecond, 60, MaxRetryPause},
		{time.Hour, 3, time.Hour},
	} {
		for range 20 {
			if got := retryPause(c.base, c.n); got < c.want/2 || got > c.want {
				t.Errorf("retryPause(%v, %d) = %v; want within [%v, %v]", c.base, c.n, got, c.want/2, c.want)
			}
		}
	}
}
