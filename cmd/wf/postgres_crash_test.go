//go:build unix

package main

import (
	"context"
	"math/rand"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/internal/pgtest"
)

// TestPostgresWorkersSurviveKillAndStop runs three "wf worker" processes,
// each with two claim loops, on one PostgreSQL database while this
// process starts instances and sends signals. At random moments one
// worker is killed with SIGKILL (and another started), or stopped with
// SIGSTOP for longer than its lease, so that another worker claims what
// it held, and then continued: its steps in flight must be refused by
// the lease token. At the end every acknowledged signal has been applied
// exactly once, by a version of its own, and every instance has the
// output of an uninterrupted run.
func TestPostgresWorkersSurviveKillAndStop(t *testing.T) {
	wf, dir, src := crashSetup(t)
	dsn := pgtest.DSN(t)
	e, err := engine.OpenPostgresEngine(context.Background(), dsn, engine.Options{Detached: true}, engine.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	load := newCrashLoad(t, e, src)
	done := load.start()
	kills, stops := chaos(t, wf, dsn, dir, done)
	t.Logf("%d SIGKILLs, %d SIGSTOPs past the lease", kills, stops)
	load.check(t, wf, dsn, dir, kills)
}

// chaos keeps three workers running until done is closed, killing or
// stopping one at random every 30 to 230 ms; it returns how many it
// killed and stopped.
func chaos(t *testing.T, wf, dsn, dir string, done <-chan struct{}) (kills, stops int) {
	rng := rand.New(rand.NewSource(1))
	var workers [3]*exec.Cmd
	for i := range workers {
		workers[i] = startWorker(t, wf, dsn, dir, "--concurrency", "2")
	}
	for {
		select {
		case <-done:
			for _, w := range workers {
				w.Process.Signal(syscall.SIGKILL)
				w.Wait()
			}
			return kills, stops
		case <-time.After(time.Duration(30+rng.Intn(200)) * time.Millisecond):
		}
		i := rng.Intn(len(workers))
		if rng.Intn(3) == 0 { // past the 500ms lease, then on
			workers[i].Process.Signal(syscall.SIGSTOP)
			time.Sleep(time.Duration(600+rng.Intn(400)) * time.Millisecond)
			workers[i].Process.Signal(syscall.SIGCONT)
			stops++
			continue
		}
		workers[i].Process.Signal(syscall.SIGKILL)
		workers[i].Wait()
		workers[i] = startWorker(t, wf, dsn, dir, "--concurrency", "2")
		kills++
	}
}

// TestPostgresWorkersSurviveRestart runs two "wf worker" processes on a
// PostgreSQL server of the test's own, started by .ci/postgres, and
// restarts it with pg_ctl restart -m immediate (a crash: no shutdown
// checkpoint, transactions in flight lost) after the first round of
// signals, while the workers run steps. The workers must wait the
// restart out rather than exit, and at the end every acknowledged signal
// has been applied exactly once and every instance has the output of an
// uninterrupted run.
func TestPostgresWorkersSurviveRestart(t *testing.T) {
	wf, dir, src := crashSetup(t)
	pgtest.ServerDSN(t) // only where the PostgreSQL tests run
	dsn, restart := privateServer(t)
	ctx := context.Background()
	e, err := engine.OpenPostgresEngine(ctx, dsn, engine.Options{Detached: true}, engine.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	workers := []*exec.Cmd{startWorker(t, wf, dsn, dir, "--concurrency", "2"), startWorker(t, wf, dsn, dir, "--concurrency", "2")}
	load := newCrashLoad(t, e, src)
	load.between = func(round int) {
		if round == 0 {
			restart()
			waitReachable(t, e)
		}
	}
	<-load.start()
	for i, w := range workers { // one that had exited would not stop cleanly now
		w.Process.Signal(syscall.SIGTERM)
		if err := w.Wait(); err != nil {
			t.Errorf("worker %d, stopped after the restart: %v", i, err)
		}
	}
	load.check(t, wf, dsn, dir, 0)
}

// privateServer starts a PostgreSQL server for this test alone with
// .ci/postgres, stopped when the test ends; it returns its DSN and a
// function that restarts it as after a crash. Without the script or the
// server binaries the test skips.
func privateServer(t *testing.T) (dsn string, restart func()) {
	script, err := filepath.Abs("../../.ci/postgres")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "-c", `source "$1" && pg_start >&2 && echo "$WF_PG_DIR" && echo "$WF_TEST_POSTGRES"`, "-", script).Output()
	if err != nil {
		t.Skipf("no PostgreSQL of the test's own (.ci/postgres): %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf(".ci/postgres said %q", out)
	}
	pgdir := lines[0]
	t.Cleanup(func() { exec.Command("bash", "-c", `source "$1" && pg_stop "$2"`, "-", script, pgdir).Run() })
	return lines[1], func() {
		// The new server writes to its log, and pg_ctl to a file: a
		// server holding a pipe of ours open would keep Run waiting.
		cmd := exec.Command("bash", "-c", `source "$1" &&
			pg_as "$(pg_bin)/pg_ctl" -D "$2/data" -l "$2/server.log" -m immediate -w restart >"$2/restart.log" 2>&1 ||
			{ cat "$2/restart.log"; exit 1; }`, "-", script, pgdir)
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("restarting the server: %v\n%s", err, out)
		}
	}
}

// waitReachable waits until e's store answers again after a restart: each
// failed call drops a dead connection from the pool.
func waitReachable(t *testing.T, e *engine.Engine) {
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := e.Store().List(context.Background(), engine.Filter{Limit: 1})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server is still unreachable a minute after its restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
