//go:build unix

package main

import (
	"context"
	"math/rand"
	"os/exec"
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
