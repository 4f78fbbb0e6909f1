package storetest

// This file checks exactly-once consumption under concurrent Send and
// Commit.

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wf-lang/wf/engine"
)

// testExactlyOnce sends signals from several goroutines while several
// others consume them as a worker would (read the head, take the oldest
// queued message, commit a step that consumes it): every message must be
// consumed exactly once, each by a version of its own, and every
// acknowledged message must be there.
func testExactlyOnce(t *testing.T, f *fixture) {
	const senders, perSender, consumers = 3, 15, 4
	f.create("i1", engine.Waiting, "go")
	var sent sync.Map // message id → value
	var sending, consuming sync.WaitGroup
	var sendersDone atomic.Bool
	errs := make(chan error, senders+consumers)
	for k := range senders {
		sending.Add(1)
		go func() {
			defer sending.Done()
			for i := range perSender {
				v := fmt.Sprintf(`"%d.%d"`, k, i)
				m, err := f.s.Send(f.ctx, "i1", "go", v, f.t0)
				if err != nil {
					errs <- err
					return
				}
				sent.Store(m.ID, v)
			}
		}()
	}
	for range consumers {
		consuming.Add(1)
		go func() {
			defer consuming.Done()
			errs <- consume(f, &sendersDone)
		}()
	}
	sending.Wait()
	sendersDone.Store(true)
	consuming.Wait()
	close(errs)
	for err := range errs {
		f.ok(err)
	}
	checkConsumedOnce(t, f, &sent, senders*perSender)
}

// consume takes queued messages one step at a time until the senders are
// done and nothing is queued; losing a race is ErrConflict, and tried
// again.
func consume(f *fixture, sendersDone *atomic.Bool) error {
	for {
		done := sendersDone.Load()
		h, err := f.s.State(f.ctx, "i1")
		if err != nil {
			return err
		}
		m, ok, err := f.s.NextMessage(f.ctx, "i1", "go")
		if err != nil {
			return err
		}
		if !ok {
			if done {
				return nil
			}
			continue
		}
		st := f.next(h, engine.Waiting, "go")
		st.Consumed, st.Version.Detail = []int64{m.ID}, m.Value
		if _, err := f.s.Commit(f.ctx, st); err != nil && !errors.Is(err, engine.ErrConflict) {
			return err
		}
	}
}

// checkConsumedOnce: each of the n acknowledged messages is in the inbox,
// consumed by a version of its own, whose detail is its value.
func checkConsumedOnce(t *testing.T, f *fixture, sent *sync.Map, n int) {
	inbox, err := f.s.Inbox(f.ctx, "i1")
	f.ok(err)
	hist, err := f.s.History(f.ctx, "i1")
	f.ok(err)
	if len(inbox) != n || len(hist) != n+1 {
		t.Fatalf("%d messages in the inbox and %d versions; want %d and %d", len(inbox), len(hist), n, n+1)
	}
	by := map[int64]engine.Message{}
	for _, m := range inbox {
		want, ok := sent.Load(m.ID)
		switch {
		case !ok || want != m.Value:
			t.Errorf("message %d %s: not the one acknowledged (%v)", m.ID, m.Value, want)
		case m.ConsumedBy == 0:
			t.Errorf("message %d is still queued", m.ID)
		case by[m.ConsumedBy].ID != 0:
			t.Errorf("version %d consumed messages %d and %d", m.ConsumedBy, by[m.ConsumedBy].ID, m.ID)
		}
		by[m.ConsumedBy] = m
	}
	for _, v := range hist[1:] {
		if m := by[v.Number]; m.Value != v.Detail {
			t.Errorf("version %d applied %s but consumed message %d (%s)", v.Number, v.Detail, m.ID, m.Value)
		}
	}
}
