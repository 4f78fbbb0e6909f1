package engine

import (
	"context"
	"fmt"
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
