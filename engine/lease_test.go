package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wf-lang/wf/vm"
)

// serviceFlow is examples/service's workflow: wait for an approval, then
// call an activity.
const serviceFlow = `let req = input()
let decision = wait("approve", "3d")
if decision["ok"] {
    print("order " + place_order(req["n"]))
}
`

// keyCounter is an activity that counts its calls per key; each call
// takes a moment, as a call to another service would.
type keyCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (k *keyCounter) activity() Activity {
	k.calls = map[string]int{}
	return Activity{Name: "place_order", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		k.mu.Lock()
		k.calls[key]++
		k.mu.Unlock()
		time.Sleep(time.Millisecond)
		return vm.String("PO-" + key), nil
	}}
}

// check fails unless each of want keys was called exactly once.
func (k *keyCounter) check(t *testing.T, want int) {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	twice := 0
	for key, n := range k.calls {
		if n != 1 {
			twice++
			t.Logf("key %s: %d calls", key, n)
		}
	}
	if twice > 0 || len(k.calls) != want {
		t.Errorf("%d keys called, want %d; %d called more than once", len(k.calls), want, twice)
	}
}

// TestActivityOncePerKey signals instances from many goroutines while a
// worker runs in the same process, as examples/service does: each
// activity key must be called exactly once, since no process crashed.
func TestActivityOncePerKey(t *testing.T) {
	const n = 40
	var k keyCounter
	e, err := Open(filepath.Join(t.TempDir(), "wf.db"), Options{Activities: []Activity{k.activity()}}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, stop := context.WithCancel(context.Background())
	worker := make(chan error)
	go func() { worker <- e.Work(ctx, WorkerOptions{Poll: time.Millisecond}) }()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := e.Start(ctx, "service.wf", []byte(serviceFlow), []byte(fmt.Sprintf(`{"n": %d}`, i)))
			if err == nil {
				_, err = e.Signal(ctx, id, "approve", []byte(`{"ok": true}`))
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitFinished(t, e, n)
	stop()
	if err := <-worker; err != nil {
		t.Error(err)
	}
	k.check(t, n)
}

// TestPausedPastLeaseCannotCommit: a caller whose activity call outlives
// its lease (a GC pause, a partition) loses the instance to another that
// takes the lease and calls the activity again, with the same key. The
// first to return is the paused one, but its commit is fenced by the
// lease token it ran under, so it is refused although the version has
// not moved; the instance goes on with the second call's result.
func TestPausedPastLeaseCannotCommit(t *testing.T) {
	started := make(chan int, 2)
	gates := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var mu sync.Mutex
	calls := 0
	slow := Activity{Name: "slow", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		mu.Lock()
		n := calls
		calls++
		mu.Unlock()
		started <- n
		<-gates[n]
		return vm.String(fmt.Sprintf("call %d for %s", n, key)), nil
	}}
	f := newFixture(t, Options{Activities: []Activity{slow}, Lease: time.Minute})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { _, err := f.e.Start(ctx, "t.wf", []byte("print(slow())\n"), nil); first <- err }()
	<-started // the starter holds the lease and is in the call
	f.clock.Add(2 * time.Minute)
	second := make(chan error, 1)
	go func() { second <- f.e.Advance(ctx, "i1") }()
	<-started // the lease ended: another caller took it and calls again
	close(gates[0])
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if h := f.head("i1"); h.Status != Running || h.Version != 1 {
		t.Fatalf("after the paused caller returned: %s at version %d, want still running at 1", h.Status, h.Version)
	}
	close(gates[1])
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if h := f.head("i1"); h.Status != Completed || h.Output != "call 1 for i1:1\n" {
		t.Errorf("instance %s with output %q, want completed with the second call's result", h.Status, h.Output)
	}
}

// TestWorkConcurrency: Work with Concurrency 3 advances three instances
// at once, each claimed by a loop of its own: their activities wait for
// each other, so they complete only if all three run together (one at a
// time, the first fails after 10 s and the rest stay pending).
func TestWorkConcurrency(t *testing.T) {
	const n = 3
	var arrived sync.WaitGroup
	arrived.Add(n)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	meet := Activity{Name: "meet", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		arrived.Done()
		select {
		case <-all:
			return vm.String("met"), nil
		case <-time.After(10 * time.Second): // a hang, not a speed check
			return vm.Nil, fmt.Errorf("%s: the other calls never came", key)
		}
	}}
	f := newFixture(t, Options{Activities: []Activity{meet}, Detached: true})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	for range n {
		id := f.start(`wait("go")
print(meet())`, "")
		f.signal(id, "go", "1")
	}
	done := make(chan error, 1)
	go func() { done <- f.e.Work(ctx, WorkerOptions{Concurrency: n, Batch: 1, Poll: time.Millisecond}) }()
	deadline := time.Now().Add(time.Minute)
	for i := 1; i <= n; i++ {
		h := f.head(fmt.Sprintf("i%d", i))
		for ; !h.Status.Final() && time.Now().Before(deadline); h = f.head(h.ID) {
			time.Sleep(time.Millisecond)
		}
		if h.Status != Completed || h.Output != "met\n" {
			t.Errorf("%s: %s, %q; want completed, met", h.ID, h.Status, h.Output)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// awayStore is a store whose server is away for its first claims.
type awayStore struct {
	Store
	mu    sync.Mutex
	fails int
}

func (s *awayStore) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fails > 0 {
		s.fails--
		return nil, fmt.Errorf("claim: %w: connection refused", ErrUnavailable)
	}
	return s.Store.ClaimDue(ctx, owner, now, lease, limit)
}

// TestWorkWaitsOutUnavailable: a worker whose database server is away
// (restarting, say) logs it and goes on once it is back, rather than
// exiting.
func TestWorkWaitsOutUnavailable(t *testing.T) {
	f := newFixture(t, Options{Detached: true})
	id := f.start(`print(wait("go"))`, "")
	f.signal(id, "go", `"back"`)
	away := &awayStore{Store: f.e.Store(), fails: 3}
	e, err := New(away, Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var logged sync.Map
	done := make(chan error, 1)
	go func() {
		done <- e.Work(ctx, WorkerOptions{Poll: time.Millisecond, Logf: func(format string, args ...any) {
			logged.Store(fmt.Sprintf(format, args...), true)
		}})
	}()
	deadline := time.Now().Add(time.Minute) // a hang, not a speed check
	for h := f.head(id); h.Status != Completed; h = f.head(id) {
		select {
		case err := <-done:
			t.Fatalf("Work returned %v before the instance completed", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s after a minute", h.Status)
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
	if _, ok := logged.Load("wf worker: claim: database unavailable: connection refused (1 in a row); retrying in 1ms"); !ok {
		t.Error("the unavailable server was not logged")
	}
}
