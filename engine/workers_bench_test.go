package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/internal/pgtest"
)

// BenchmarkWorkers measures durable cycles done by workers, as a team
// would run wf on several hosts: client goroutines start an instance
// that waits for a signal and send it the signal, detached (the signal
// is only queued); 1, 2 or 4 workers, each an engine with a store of its
// own (a process, for SQLite; a process with its own pool, for
// PostgreSQL), claim the instances and run them to the end. It reports
// cycles/s from the first start to the last completion, and the
// signal-to-resume latency: from a signal's commit to the commit of the
// step that applied it (the message's send time and the version's
// creation time, both from the engine's clock), p50 and p99. The
// workers commit the steps of one claim together (batch=on, the
// default) or one by one (batch=off, WorkerOptions.NoBatch).
//
//	eval "$(.ci/postgres start)"
//	go test ./engine -run '^$' -bench Workers -benchtime 400x
func BenchmarkWorkers(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, workers := range []int{1, 2, 4} {
			for _, batch := range []string{"on", "off"} {
				b.Run(fmt.Sprintf("%s/workers=%d/batch=%s", store, workers, batch), func(b *testing.B) {
					runWorkers(b, newBenchDB(b, store), workers, engine.WorkerOptions{NoBatch: batch == "off"})
				})
			}
		}
	}
}

// BenchmarkSignalToResume measures the signal-to-resume latency of an
// idle worker: one instance at a time is started and signalled
// (detached), and the next only once the worker has completed it. On
// PostgreSQL the worker wakes on the Send's NOTIFY; on SQLite at its next
// poll (100 ms by default).
//
//	go test ./engine -run '^$' -bench SignalToResume -benchtime 100x
func BenchmarkSignalToResume(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			open := benchOpener(b, store)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			front, worker := open(engine.Options{Detached: true}), open(engine.Options{})
			var running sync.WaitGroup
			running.Go(func() { worker.Work(ctx, engine.WorkerOptions{}) })
			ids := make(chan string, b.N)
			for range b.N {
				id, err := front.Start(ctx, "cycle.wf", []byte(cycleFlow), nil)
				if err == nil {
					_, err = front.Signal(ctx, id, "go", []byte(`1`))
				}
				if err != nil {
					b.Fatal(err)
				}
				waitOneCompleted(b, front, id)
				ids <- id
			}
			close(ids)
			reportLatency(b, front, ids)
			stop()
			running.Wait()
		})
	}
}

// cycleFlow is the workflow of a cycle: wait for a signal, print it.
const cycleFlow = `let v = wait("go")
print(v)`

// waitOneCompleted polls until instance id has completed.
func waitOneCompleted(b *testing.B, e *engine.Engine, id string) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		h, err := e.Store().State(context.Background(), id)
		if err != nil {
			b.Fatal(err)
		}
		if h.Status == engine.Completed {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
	b.Fatalf("%s not completed after a minute", id)
}

// benchOpener returns how to open another engine on one new database.
func benchOpener(b *testing.B, store string) func(engine.Options) *engine.Engine {
	d := newBenchDB(b, store)
	return func(opts engine.Options) *engine.Engine { return d.open(b, opts, nil) }
}

// benchDB is a new database of one store for a benchmark.
type benchDB struct{ dsn, path string }

func newBenchDB(b *testing.B, store string) benchDB {
	if store == "postgres" {
		return benchDB{dsn: pgtest.DSN(b)}
	}
	return benchDB{path: filepath.Join(b.TempDir(), "wf.db")}
}

// open opens another engine on d; with c, its store counts in c the
// steps it commits that complete an instance.
func (d benchDB) open(b *testing.B, opts engine.Options, c *completions) *engine.Engine {
	var s engine.Store
	var err error
	if d.dsn != "" {
		var pg *engine.Postgres
		pg, err = engine.OpenPostgres(context.Background(), d.dsn, engine.PostgresOptions{})
		s = pg
		if c != nil && err == nil {
			s = countingPG{pg, c}
		}
	} else {
		var sq *engine.SQLite
		sq, err = engine.OpenSQLite(d.path, engine.SQLiteOptions{})
		s = sq
		if c != nil && err == nil {
			s = countingSQLite{sq, c}
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	e, err := engine.New(s, opts)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// completions counts the steps that completed an instance, as the raw
// loop counts its own, so that waiting for the end of a run costs the
// database nothing: polling List, whose answer grows with the run, took
// time from the slower configurations' workers.
type completions struct{ n atomic.Int64 }

func (c *completions) add(st engine.Step) {
	if st.Instance.Status == engine.Completed {
		c.n.Add(1)
	}
}

func (c *completions) addBatch(steps []engine.Step, out []engine.Committed) {
	for i, o := range out {
		if o.Err == nil {
			c.add(steps[i])
		}
	}
}

// countingPG and countingSQLite are stores counting completions; the
// embedded pointer keeps the rest of the store, Wakeups included.
type countingPG struct {
	*engine.Postgres
	c *completions
}

func (s countingPG) Commit(ctx context.Context, st engine.Step) (bool, error) {
	due, err := s.Postgres.Commit(ctx, st)
	if err == nil {
		s.c.add(st)
	}
	return due, err
}

func (s countingPG) CommitBatch(ctx context.Context, steps []engine.Step) ([]engine.Committed, error) {
	out, err := s.Postgres.CommitBatch(ctx, steps)
	s.c.addBatch(steps, out)
	return out, err
}

type countingSQLite struct {
	*engine.SQLite
	c *completions
}

func (s countingSQLite) Commit(ctx context.Context, st engine.Step) (bool, error) {
	due, err := s.SQLite.Commit(ctx, st)
	if err == nil {
		s.c.add(st)
	}
	return due, err
}

func (s countingSQLite) CommitBatch(ctx context.Context, steps []engine.Step) ([]engine.Committed, error) {
	out, err := s.SQLite.CommitBatch(ctx, steps)
	s.c.addBatch(steps, out)
	return out, err
}

// benchClients is how many goroutines start and signal instances.
const benchClients = 4

// runWorkers runs b.N cycles through workers and reports the figures.
func runWorkers(b *testing.B, d benchDB, workers int, o engine.WorkerOptions) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	front := d.open(b, engine.Options{Detached: true}, nil)
	var done completions
	var running sync.WaitGroup
	for range workers {
		e := d.open(b, engine.Options{}, &done)
		running.Go(func() { e.Work(ctx, o) })
	}
	src := []byte(cycleFlow)
	ids := make(chan string, b.N)
	b.ResetTimer()
	var clients sync.WaitGroup
	for c := range benchClients {
		clients.Go(func() {
			for i := c; i < b.N; i += benchClients {
				id, err := front.Start(ctx, "cycle.wf", src, nil)
				if err == nil {
					_, err = front.Signal(ctx, id, "go", []byte(`1`))
				}
				if err != nil {
					b.Error(err)
					return
				}
				ids <- id
			}
		})
	}
	clients.Wait()
	close(ids)
	for deadline := time.Now().Add(10 * time.Minute); done.n.Load() < int64(b.N) && !b.Failed(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d instances completed after 10 minutes", done.n.Load(), b.N)
		}
	}
	b.StopTimer()
	waitAllCompleted(b, front, b.N) // the store agrees
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
	reportLatency(b, front, ids)
	stop()
	running.Wait()
}

// waitAllCompleted polls until n instances have completed.
func waitAllCompleted(b *testing.B, e *engine.Engine, n int) {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		list, err := e.Store().List(context.Background(), engine.Filter{Status: engine.Completed})
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == n {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("%d instances not completed after 10 minutes", n)
}

// reportLatency reports p50 and p99 of signal-to-resume over ids.
func reportLatency(b *testing.B, e *engine.Engine, ids <-chan string) {
	ctx := context.Background()
	var lat []time.Duration
	for id := range ids {
		inbox, err := e.Store().Inbox(ctx, id)
		if err != nil || len(inbox) != 1 {
			b.Fatalf("inbox of %s: %v, %v", id, inbox, err)
		}
		v, err := e.Store().Version(ctx, id, inbox[0].ConsumedBy)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, v.Created.Sub(inbox[0].Sent))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkStoreCycles is BenchmarkWorkers without the engine: the same
// transactions on the store alone (Create; Send; ClaimDue, then State,
// NextMessage and a Commit that consumes the signal and completes the
// instance), with a made-up snapshot of the size the engine writes and
// no workflow run. It is the most the store allows, against which
// BenchmarkWorkers shows what the engine adds.
//
//	go test ./engine -run '^$' -bench StoreCycles -benchtime 400x
func BenchmarkStoreCycles(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%s/workers=%d", store, workers), func(b *testing.B) {
				open := benchOpener(b, store)
				runStoreCycles(b, func() engine.Store { return open(engine.Options{}).Store() }, workers)
			})
		}
	}
}

// runStoreCycles runs b.N store-only cycles through workers.
func runStoreCycles(b *testing.B, open func() engine.Store, workers int) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	front := open()
	if err := front.PutProgram(ctx, engine.Program{Hash: "bench", File: "b.wf", Source: []byte("x")}); err != nil {
		b.Fatal(err)
	}
	var running sync.WaitGroup
	for w := range workers {
		s := open()
		running.Go(func() { storeWorker(ctx, b, s, fmt.Sprint("w", w)) })
	}
	b.ResetTimer()
	var clients sync.WaitGroup
	for c := range benchClients {
		clients.Go(func() {
			for i := c; i < b.N; i += benchClients {
				id := fmt.Sprintf("i%d", i)
				err := front.Create(ctx, benchStep(engine.Head{}, id, engine.Waiting))
				if err == nil {
					_, err = front.Send(ctx, id, "go", "1", time.Now())
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	clients.Wait()
	waitStoreCompleted(b, front, b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
	stop()
	running.Wait()
}

// benchSnapshot is about the size of the engine's snapshot of cycleFlow.
var benchSnapshot = make([]byte, 400)

// benchStep is the step from h to status: the first when h is zero.
func benchStep(h engine.Head, id string, status engine.Status) engine.Step {
	now := time.Now()
	in := h.Instance
	if in.ID == "" {
		in = engine.Instance{ID: id, Program: "bench", NextSeq: 1, Created: now}
	}
	in.Version, in.Status, in.Updated = in.Version+1, status, now
	in.WaitingFor = map[bool]string{true: "go"}[status == engine.Waiting]
	v := engine.Version{Number: in.Version, Reason: "bench", Status: status, WaitingFor: in.WaitingFor,
		SnapVersion: in.Version, Snapshot: benchSnapshot, OutputFrom: h.Version, Created: now}
	return engine.Step{Instance: in, From: h.Version, Version: v}
}

// storeWorker claims due instances and completes each with the signal
// it waits for, until ctx ends.
func storeWorker(ctx context.Context, b *testing.B, s engine.Store, owner string) {
	for ctx.Err() == nil {
		ids, err := s.ClaimDue(ctx, owner, time.Now(), time.Minute, 16)
		if err != nil && ctx.Err() == nil {
			b.Error(err)
			return
		}
		for _, id := range ids {
			h, err := s.State(ctx, id)
			if err != nil {
				b.Error(err)
				return
			}
			m, ok, err := s.NextMessage(ctx, id, "go")
			if err != nil || !ok {
				b.Errorf("%s: no message (%v)", id, err)
				return
			}
			st := benchStep(h, id, engine.Completed)
			st.Consumed, st.Version.Printed, st.Fence = []int64{m.ID}, "1\n", h.Lease.Token
			if _, err := s.Commit(ctx, st); err != nil {
				b.Error(err)
				return
			}
		}
		if len(ids) == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// waitStoreCompleted polls until n instances have completed.
func waitStoreCompleted(b *testing.B, s engine.Store, n int) {
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		list, err := s.List(context.Background(), engine.Filter{Status: engine.Completed})
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == n {
			return
		}
	}
	b.Fatalf("%d instances not completed after 10 minutes", n)
}
