package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadFlow is shaped like examples/service's approval workflow, with a
// timer and a signal that arrives before it is waited for, so that every
// kind of step runs: a start, queued and direct signals, an activity, a
// timer a worker fires.
const loadFlow = `let req = input()
print("request " + str(req["n"]))
let note = wait("note")
let decision = wait("approve", "3d")
sleep("1ms")
if decision["ok"] {
    print("order " + place_order(req["n"]) + " " + note)
}
`

// TestLoadOneEngine drives one engine from many goroutines at once, a
// worker running beside them, on a fresh database: every start and
// signal must succeed, every instance must finish with its output, and
// every activity key must be called once.
func TestLoadOneEngine(t *testing.T) {
	const clients, each = 32, 8
	var k keyCounter
	e, err := Open(filepath.Join(t.TempDir(), "wf.db"), Options{Activities: []Activity{k.activity()}}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, stop := context.WithCancel(context.Background())
	worker := make(chan error)
	go func() {
		worker <- e.Work(ctx, WorkerOptions{Poll: time.Millisecond, Logf: func(f string, a ...any) { t.Errorf(f, a...) }})
	}()
	ids := make(chan string, clients*each)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id, err := loadOne(ctx, e, c*each+i)
				if err != nil {
					t.Error(err)
					return
				}
				ids <- id
			}
		}()
	}
	wg.Wait()
	close(ids)
	waitFinished(t, e, clients*each)
	stop()
	if err := <-worker; err != nil {
		t.Errorf("worker: %v", err)
	}
	for id := range ids {
		h, err := e.Store().Head(context.Background(), id)
		want := fmt.Sprintf("order PO-%s:1 urgent\n", id)
		if err != nil || h.Status != Completed || !strings.HasSuffix(h.Output, want) {
			t.Errorf("%s: %s %v, output %q", id, h.Status, err, h.Output)
		}
	}
	k.check(t, clients*each)
}

// loadOne starts one instance and sends it its two signals, the first
// before it waits for it.
func loadOne(ctx context.Context, e *Engine, n int) (string, error) {
	id, err := e.Start(ctx, "load.wf", []byte(loadFlow), []byte(fmt.Sprintf(`{"n": %d}`, n)))
	if err != nil {
		return "", fmt.Errorf("start %d: %w", n, err)
	}
	if _, err := e.Signal(ctx, id, "approve", []byte(`{"ok": true}`)); err != nil {
		return id, fmt.Errorf("signal approve %s: %w", id, err)
	}
	if _, err := e.Signal(ctx, id, "note", []byte(`"urgent"`)); err != nil {
		return id, fmt.Errorf("signal note %s: %w", id, err)
	}
	return id, nil
}

// waitFinished waits until n instances have completed; after 30 s (the
// whole test takes about a second) it reports a hang.
func waitFinished(t *testing.T, e *Engine, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		done, err := e.List(context.Background(), Filter{Status: Completed})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("instances left unfinished after 30s")
}

// TestLockedByAnotherProcess: while another connection (standing in for
// another process) holds the write lock past the busy timeout and the
// retries, a write fails with ErrBusy and writes nothing; once the lock
// is released, the same call succeeds.
func TestLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wf.db")
	e, err := Open(path, Options{}, SQLiteOptions{BusyTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	id, err := e.Start(ctx, "t.wf", []byte(`wait("a")`), nil)
	if err != nil {
		t.Fatal(err)
	}
	other := openPool(dsn(path, "_txlock=immediate"), 1)
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Signal(ctx, id, "b", nil); !errors.Is(err, ErrBusy) {
		t.Errorf("Signal while another process writes: %v, want ErrBusy", err)
	}
	lock.Rollback()
	inbox, err := e.Store().Inbox(ctx, id)
	if err != nil || len(inbox) != 0 {
		t.Errorf("inbox %v %v, want nothing written", inbox, err)
	}
	if _, err := e.Signal(ctx, id, "b", nil); err != nil {
		t.Errorf("Signal once the lock is released: %v", err)
	}
}
