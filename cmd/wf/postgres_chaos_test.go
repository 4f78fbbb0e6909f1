//go:build unix

package main

// This file defines the PostgreSQL chaos test: many worker processes,
// loaders in processes of their own, kills, pauses past the lease and a
// server crash, all in one run.

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/internal/pgtest"
	"github.com/wf-lang/wf/vm"
)

// chaosWorkers and chaosLoaders are how many worker and loader
// processes the chaos test runs.
const (
	chaosWorkers = 6
	chaosLoaders = 3
)

// TestPostgresChaos runs six worker processes (wf-chaos worker, each with
// two claim loops, half of them committing in batches) on one PostgreSQL
// server of the test's own, while three loader processes start 200
// instances of chaosWorkflow ($WF_CRASH_INSTANCES for more) and send
// each three signals. Each signal's value goes through an activity that
// records every call in a table. Every 30 to 230 ms a worker is killed
// with SIGKILL (and another started) or stopped with SIGSTOP for longer
// than its 500 ms lease and then continued; once, when 40% of the load
// has been acknowledged, the server is restarted as after a crash
// (pg_ctl restart -m immediate). At the end:
//
//   - every acknowledged start is an instance, and there are no others;
//   - every acknowledged signal is in its inbox once, consumed by a
//     version of its own;
//   - every instance's history numbers its versions 1, 2, ... and has
//     each transition of an uninterrupted run once: no step committed
//     twice;
//   - every activity key completed once in the history, and was called
//     (its side effect recorded) at least once; keys called again are
//     those whose holder was killed or paused between the call and its
//     commit, as Options.Lease documents, and are counted;
//   - every output equals that of an uninterrupted run (chaosExpected,
//     itself checked against an uninterrupted run on SQLite).
func TestPostgresChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test: a few dozen child processes")
	}
	chaos, err := exec.LookPath("wf-chaos") // the test binary, linked by testscript.Main
	if err != nil {
		t.Skip("no wf-chaos command on PATH:", err)
	}
	pgtest.ServerDSN(t) // only where the PostgreSQL tests run
	want := chaosReference(t)
	dsn, restart := privateServer(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA chaos; CREATE TABLE "+chaosCalls+" (key text NOT NULL, pid int NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	e, err := engine.OpenPostgresEngine(ctx, dsn, engine.Options{Detached: true}, engine.PostgresOptions{})
	if err != nil { // the schema, created before the workers race to
		t.Fatal(err)
	}
	defer e.Close()

	n := 200
	if v, err := strconv.Atoi(os.Getenv("WF_CRASH_INSTANCES")); err == nil && v > 0 {
		n = v
	}
	began := time.Now()
	r := &chaosRun{t: t, bin: chaos, dsn: dsn, n: n, acked: map[int][]int{}, started: map[int]bool{}}
	r.openLog()
	r.startWorkers()
	loaded := r.startLoaders()
	r.havoc(loaded, func() {
		restart()
		waitReachable(t, e)
	})
	r.finish(e)
	t.Logf("%d instances, %d workers, %d loaders, in %v: %d SIGKILLs, %d SIGSTOPs past the lease, %d server restart",
		n, chaosWorkers, chaosLoaders, time.Since(began).Round(time.Millisecond), r.kills, r.stops, r.restarts)
	if r.restarts != 1 {
		t.Errorf("the server was restarted %d times, want once", r.restarts)
	}
	conn.Close(ctx)
	if conn, err = pgx.Connect(ctx, dsn); err != nil { // the restart broke the first
		t.Fatal(err)
	}
	r.check(ctx, e, conn, want)
}

// chaosRun is the state of one chaos test.
type chaosRun struct {
	t        *testing.T
	bin, dsn string
	n        int
	workers  [chaosWorkers]*exec.Cmd
	log      *os.File // the processes' stderr, shown if the test fails

	mu      sync.Mutex
	acked   map[int][]int // instance number → acknowledged signal values, in order
	started map[int]bool  // acknowledged starts
	acks    int           // starts and signals acknowledged

	kills, stops, restarts int
}

// openLog opens the file the processes write their stderr to; the end
// of it is logged if the test fails.
func (r *chaosRun) openLog() {
	path := filepath.Join(r.t.TempDir(), "stderr.log")
	f, err := os.Create(path)
	if err != nil {
		r.t.Fatal(err)
	}
	r.log = f
	r.t.Cleanup(func() {
		f.Close()
		if r.t.Failed() {
			b, _ := os.ReadFile(path)
			r.t.Logf("the processes' stderr ends:\n%s", b[max(0, len(b)-8000):])
		}
	})
}

// startWorkers starts the worker processes, batching in even ones.
func (r *chaosRun) startWorkers() {
	for i := range r.workers {
		r.workers[i] = r.startWorker(i)
	}
}

func (r *chaosRun) startWorker(i int) *exec.Cmd {
	mode := []string{"batch", "nobatch"}[i%2]
	cmd := exec.Command(r.bin, "worker", r.dsn, "2", mode)
	cmd.Stderr = r.log
	r.start(cmd)
	return cmd
}

// start starts cmd, to be killed if the test ends first.
func (r *chaosRun) start(cmd *exec.Cmd) {
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGCONT)
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
}

// startLoaders starts the loader processes, each with its share of the
// instances, and reads what they acknowledge; the channel closes once
// they have all exited.
func (r *chaosRun) startLoaders() <-chan struct{} {
	var wg sync.WaitGroup
	for i := 0; i < chaosLoaders; i++ {
		first, end := r.n*i/chaosLoaders, r.n*(i+1)/chaosLoaders
		cmd := exec.Command(r.bin, "load", r.dsn, strconv.Itoa(first), strconv.Itoa(end-first))
		cmd.Stderr = r.log
		out, err := cmd.StdoutPipe()
		if err != nil {
			r.t.Fatal(err)
		}
		r.start(cmd)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.read(out)
			if err := cmd.Wait(); err != nil {
				r.t.Errorf("loader %d: %v", i, err)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// read records a loader's acknowledgements.
func (r *chaosRun) read(out interface{ Read([]byte) (int, error) }) {
	s := bufio.NewScanner(out)
	for s.Scan() {
		var what string
		var inst, v int
		fmt.Sscan(s.Text(), &what, &inst, &v)
		r.mu.Lock()
		if what == "start" {
			r.started[inst] = true
		} else {
			r.acked[inst] = append(r.acked[inst], v)
		}
		r.acks++
		r.mu.Unlock()
	}
}

// havoc kills or pauses a worker every 30 to 230 ms until loaded is
// closed, and calls restart once, when 40% of the load is acknowledged.
func (r *chaosRun) havoc(loaded <-chan struct{}, restart func()) {
	rng := rand.New(rand.NewSource(1))
	total := r.n * 4 // a start and three signals each
	for {
		select {
		case <-loaded:
			return
		case <-time.After(time.Duration(30+rng.Intn(200)) * time.Millisecond):
		}
		r.mu.Lock()
		acks := r.acks
		r.mu.Unlock()
		if r.restarts == 0 && acks*10 >= total*4 {
			restart()
			r.restarts++
			continue
		}
		i := rng.Intn(len(r.workers))
		if rng.Intn(3) == 0 { // past the 500ms lease, then on
			r.workers[i].Process.Signal(syscall.SIGSTOP)
			time.Sleep(time.Duration(600+rng.Intn(400)) * time.Millisecond)
			r.workers[i].Process.Signal(syscall.SIGCONT)
			r.stops++
			continue
		}
		r.workers[i].Process.Signal(syscall.SIGKILL)
		r.workers[i].Wait()
		r.workers[i] = r.startWorker(i)
		r.kills++
	}
}

// finish lets the workers complete every instance, then stops them with
// SIGTERM: each must exit cleanly, whatever it went through.
func (r *chaosRun) finish(e *engine.Engine) {
	deadline := time.Now().Add(time.Minute + time.Duration(r.n)*20*time.Millisecond)
	for time.Now().Before(deadline) {
		list, err := e.List(context.Background(), engine.Filter{Status: engine.Completed})
		if err == nil && len(list) >= len(r.started) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, w := range r.workers {
		w.Process.Signal(syscall.SIGTERM)
		if err := w.Wait(); err != nil {
			r.t.Errorf("worker %d after SIGTERM: %v", i, err)
		}
	}
}

// check compares the database with the acknowledgements and with want,
// the sorted transitions of an uninterrupted run.
func (r *chaosRun) check(ctx context.Context, e *engine.Engine, conn *pgx.Conn, want []string) {
	t := r.t
	if len(r.started) != r.n {
		t.Errorf("%d starts acknowledged, want %d", len(r.started), r.n)
	}
	list, err := e.List(ctx, engine.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(r.started) {
		t.Errorf("%d instances stored, %d starts acknowledged", len(list), len(r.started))
	}
	var signals, applied, versions, keys int
	completed := map[string]bool{} // activity keys completed in the histories
	for inst := range r.started {
		id := fmt.Sprintf("chaos-%d", inst)
		signals += len(r.acked[inst])
		applied += r.checkInbox(ctx, e, id, r.acked[inst])
		hist := r.checkHistory(ctx, e, id, want)
		versions += len(hist)
		for _, v := range hist {
			if seq, ok := strings.CutPrefix(v.Reason, "activity record done (seq "); ok {
				key := id + ":" + strings.TrimSuffix(seq, ")")
				if completed[key] {
					t.Errorf("%s: activity key %s completed twice", id, key)
				}
				completed[key] = true
				keys++
			}
		}
		h, err := e.Store().Head(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if w := chaosExpected(inst*100, r.acked[inst]); h.Status != engine.Completed || h.Output != w {
			t.Errorf("%s: %s, output %q, want %q", id, h.Status, h.Output, w)
		}
	}
	calls, again := r.checkCalls(ctx, conn, completed)
	t.Logf("%d signals acknowledged, %d applied once each; %d versions, none twice; "+
		"%d activity keys completed once each, in %d calls (%d keys called again after a kill or pause)",
		signals, applied, versions, keys, calls, again)
	if signals != 3*r.n || keys != 3*r.n {
		t.Errorf("%d signals and %d activity keys, want %d of each", signals, keys, 3*r.n)
	}
}

// checkInbox checks that each acknowledged value is in id's inbox once,
// consumed by a version of its own; it returns how many were.
func (r *chaosRun) checkInbox(ctx context.Context, e *engine.Engine, id string, acked []int) int {
	inbox, err := e.Store().Inbox(ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	if len(inbox) != len(acked) {
		r.t.Errorf("%s: %d signals stored, %d acknowledged", id, len(inbox), len(acked))
	}
	by := map[int64]bool{}
	applied := 0
	for i, m := range inbox {
		if i < len(acked) && m.Value != strconv.Itoa(acked[i]) {
			r.t.Errorf("%s: signal %d is %s, want %d", id, i, m.Value, acked[i])
		}
		if m.ConsumedBy == 0 || by[m.ConsumedBy] {
			r.t.Errorf("%s: signal %d consumed by version %d, not by a version of its own", id, m.ID, m.ConsumedBy)
			continue
		}
		by[m.ConsumedBy] = true
		applied++
	}
	return applied
}

// checkHistory checks that id's versions are numbered 1, 2, ... and that
// its transitions, sorted, are want; it returns the history.
func (r *chaosRun) checkHistory(ctx context.Context, e *engine.Engine, id string, want []string) []engine.Version {
	hist, err := e.History(ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	var got []string
	for i, v := range hist {
		if v.Number != int64(i+1) {
			r.t.Errorf("%s: version %d numbered %d", id, i+1, v.Number)
		}
		got = append(got, v.Reason)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		r.t.Errorf("%s: transitions %q, want each of an uninterrupted run once: %q", id, got, want)
	}
	return hist
}

// checkCalls counts the record activity's calls per key: every completed
// key was called, and no other. It returns the calls and how many keys
// were called more than once.
func (r *chaosRun) checkCalls(ctx context.Context, conn *pgx.Conn, completed map[string]bool) (calls, again int) {
	rows, err := conn.Query(ctx, "SELECT key, count(*) FROM "+chaosCalls+" GROUP BY key")
	if err != nil {
		r.t.Fatal(err)
	}
	called := map[string]int{}
	for rows.Next() {
		var key string
		var c int
		if err := rows.Scan(&key, &c); err != nil {
			r.t.Fatal(err)
		}
		called[key] = c
		calls += c
		if c > 1 {
			again++
		}
		if !completed[key] {
			r.t.Errorf("activity key %s called (%d times) but never completed", key, c)
		}
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
	for key := range completed {
		if called[key] == 0 {
			r.t.Errorf("activity key %s completed without a call", key)
		}
	}
	return calls, again
}

// chaosReference runs chaosWorkflow uninterrupted for three instances on
// SQLite, with the record activity's arithmetic and no side effect,
// checks chaosExpected against their outputs, and returns their
// transitions, sorted.
func chaosReference(t *testing.T) []string {
	act := engine.Activity{Name: "record", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		return record(args)
	}}
	e, err := engine.Open(filepath.Join(t.TempDir(), "ref.db"), engine.Options{Activities: []engine.Activity{act}}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go e.Work(ctx, engine.WorkerOptions{Poll: 5 * time.Millisecond})
	var want []string
	for inst := 0; inst < 3; inst++ {
		id, err := e.Start(ctx, "chaos.wf", []byte(chaosWorkflow), []byte(fmt.Sprintf(`{"base": %d}`, inst*100)))
		if err != nil {
			t.Fatal(err)
		}
		var values []int
		for round := 0; round < 3; round++ {
			v := inst + round*1_000_000
			waitFor(t, e, id, engine.Waiting)
			if _, err := e.Signal(ctx, id, "add", []byte(strconv.Itoa(v))); err != nil {
				t.Fatal(err)
			}
			values = append(values, v)
		}
		h := waitFor(t, e, id, engine.Completed)
		if w := chaosExpected(inst*100, values); h.Output != w {
			t.Fatalf("uninterrupted run: output %q, chaosExpected says %q", h.Output, w)
		}
		hist, err := e.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range hist {
			got = append(got, v.Reason)
		}
		slices.Sort(got)
		if want != nil && !slices.Equal(got, want) {
			t.Fatalf("uninterrupted runs differ: %q and %q", got, want)
		}
		want = got
	}
	return want
}

// waitFor waits until instance id has the status.
func waitFor(t *testing.T, e *engine.Engine, id string, status engine.Status) engine.Head {
	deadline := time.Now().Add(30 * time.Second)
	for {
		h, err := e.Store().Head(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if h.Status == status {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s after 30s, want %s", id, h.Status, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
