package main

// This file extends the SIGKILL crash test to activities that fail and
// are retried, wait_any, futures raced with a signal or awaited later,
// and cancellation with a cleanup activity: a
// worker with those activities (this test binary, as the command
// wf-activity-worker) is killed at random moments while this process
// starts, signals and cancels instances.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// crashActivityWorkflow waits for either of two signals three times,
// adding each value with an activity that fails (v % 3) times before it
// succeeds, called as a future raced with a signal nobody sends; an
// audit future started at once runs while the workflow waits for its
// first signals, and is awaited after the second; a cancellation is
// caught and undone by another activity.
const crashActivityWorkflow = `let total = input()["base"]
let policy = {"attempts": 4, "initial": "20ms", "backoff": 1}
let audit = start(add, [0, total], policy)
try {
    for i in range(3) {
        let ev = wait_any(["add", "bonus"], "1h")
        let sum = wait_any([start(add, [total, ev.value], policy), "never"], "1h")
        if sum.future == nil or sum.error != nil {
            throw error("lost", "the sum did not come: " + str(sum))
        }
        total = sum.value
        print("step " + str(i) + " " + ev.name + " " + str(ev.value) + " total " + str(total))
        if i == 1 {
            print("audit " + str(await(audit)))
        }
        sleep("20ms")
    }
    print("done " + str(total))
} catch e {
    if e.kind != "cancelled" {
        throw e
    }
    print("cancelled at " + str(total) + ": " + undo(total))
}
`

// crashActivities are the activities of the crash workflow; each call
// is logged to $WF_ACTIVITY_LOG as "key attempt", before it returns.
func crashActivities(logPath string) []engine.Activity {
	var mu sync.Mutex
	logCall := func(ctx context.Context) engine.ActivityInfo {
		info, _ := engine.ActivityInfoFrom(ctx)
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o666)
		if err == nil {
			fmt.Fprintf(f, "%s %d\n", info.Key, info.Attempt)
			f.Close()
		}
		return info
	}
	return []engine.Activity{
		{Name: "add", Fn: func(ctx context.Context, _ string, args []vm.Value) (vm.Value, error) {
			info := logCall(ctx)
			if int64(info.Attempt) <= args[1].AsInt()%3 {
				return vm.Nil, &engine.ActivityError{Kind: "flaky", Message: "try again"}
			}
			return vm.Int(args[0].AsInt() + args[1].AsInt()), nil
		}},
		{Name: "undo", Fn: func(ctx context.Context, _ string, args []vm.Value) (vm.Value, error) {
			logCall(ctx)
			return vm.String("undone " + vm.Str(args[0])), nil
		}},
	}
}

// activityWorkerMain is wf-activity-worker DB LOG: wf worker with the
// crash workflow's activities.
func activityWorkerMain() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := engine.Open(os.Args[1], engine.Options{Activities: crashActivities(os.Args[2])}, engine.SQLiteOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer e.Close()
	fmt.Fprintln(os.Stderr, "wf-activity-worker: ready")
	if err := e.Work(ctx, engine.WorkerOptions{Poll: 5 * time.Millisecond, Lease: 500 * time.Millisecond}); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// TestActivityWorkerSurvivesSIGKILL: under SIGKILLs of the worker, every
// instance ends as an uninterrupted run would (completed, or cancelled
// with its cleanup's output), and its history records each attempt of
// each activity call exactly once, in order, each one made (the log may
// hold more: an attempt a kill interrupted before its commit is made
// again, with the same key and attempt number).
func TestActivityWorkerSurvivesSIGKILL(t *testing.T) {
	_, dir, _ := crashSetup(t)
	db, logPath := filepath.Join(dir, "wf.db"), filepath.Join(dir, "calls.log")
	e, err := engine.Open(db, engine.Options{Detached: true, Activities: crashActivities(logPath)}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	load := &activityLoad{t: t, e: e, src: []byte(crashActivityWorkflow), want: map[string]string{}, fails: map[string]int{}}
	done := make(chan struct{})
	go func() { load.run(20); close(done) }()
	rng := rand.New(rand.NewSource(2))
	kills := 0
	for running := true; running; kills++ {
		w := startActivityWorker(t, db, logPath, dir)
		time.Sleep(time.Duration(30+rng.Intn(200)) * time.Millisecond)
		w.Process.Signal(syscall.SIGKILL)
		w.Wait()
		select {
		case <-done:
			running = false
		default:
		}
	}
	load.check(t, db, logPath, kills)
}

// startActivityWorker starts wf-activity-worker in a child process.
func startActivityWorker(t *testing.T, db, logPath, dir string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("wf-activity-worker") // the test binary, linked by testscript.Main
	if err != nil {
		t.Skip("no wf-activity-worker command on PATH:", err)
	}
	cmd := exec.Command(bin, db, logPath)
	cmd.Dir = dir
	r, w := io.Pipe()
	cmd.Stderr = &pipe{r: r, w: w}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// activityLoad starts instances of the crash workflow, signals them and
// cancels every fifth, remembering what each should end with.
type activityLoad struct {
	t     *testing.T
	e     *engine.Engine
	src   []byte
	mu    sync.Mutex
	want  map[string]string // instance → the output of an uninterrupted run
	fails map[string]int    // instance → the failed attempts of an uninterrupted run
	errs  []error
}

func (l *activityLoad) fail(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

// run starts n instances and sends each three signals, "add" or "bonus",
// in rounds; after the second round it cancels every fifth instance once
// it has taken both signals.
func (l *activityLoad) run(n int) {
	ctx := context.Background()
	ids := make([]string, n)
	outs := make([]strings.Builder, n)
	totals, fails := make([]int, n), make([]int, n)
	for i := range n {
		id, err := l.e.Start(ctx, "crash.wf", l.src, []byte(fmt.Sprintf(`{"base": %d}`, i*100)))
		if err != nil {
			l.fail(err)
			return
		}
		ids[i], totals[i], fails[i] = id, i*100, (i*100)%3 // the audit's failures
	}
	for s := 0; s < 3; s++ {
		for i, id := range ids {
			if s == 2 && i%5 == 4 {
				continue // cancelled
			}
			name, v := []string{"add", "bonus"}[(i+s)%2], i+s*1000
			if _, err := l.e.Signal(ctx, id, name, []byte(strconv.Itoa(v))); err != nil {
				l.fail(err)
				continue
			}
			totals[i] += v
			fails[i] += v % 3
			fmt.Fprintf(&outs[i], "step %d %s %d total %d\n", s, name, v, totals[i])
			if s == 1 {
				fmt.Fprintf(&outs[i], "audit %d\n", i*100)
			}
			time.Sleep(25 * time.Millisecond)
		}
		if s == 1 {
			l.cancelSome(ids, outs, totals)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, id := range ids {
		if i%5 != 4 {
			fmt.Fprintf(&outs[i], "done %d\n", totals[i])
		}
		l.want[id], l.fails[id] = outs[i].String(), fails[i]
	}
}

// cancelSome cancels every fifth instance once it waits having taken
// every signal sent to it, so that its output is known.
func (l *activityLoad) cancelSome(ids []string, outs []strings.Builder, totals []int) {
	ctx := context.Background()
	for i, id := range ids {
		if i%5 != 4 {
			continue
		}
		deadline := time.Now().Add(60 * time.Second)
		for !l.settled(id) {
			if time.Now().After(deadline) {
				l.fail(fmt.Errorf("%s never took its signals", id))
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := l.e.Cancel(ctx, id); err != nil {
			l.fail(fmt.Errorf("cancel %s: %w", id, err))
			continue
		}
		fmt.Fprintf(&outs[i], "cancelled at %d: undone %d\n", totals[i], totals[i])
	}
}

// settled reports whether id waits for its next signal with none
// queued (not for a sum, raced with a signal that never comes).
func (l *activityLoad) settled(id string) bool {
	ctx := context.Background()
	h, err := l.e.Store().State(ctx, id)
	if err != nil || h.Status != engine.Waiting || h.WaitingFor != "add\nbonus" {
		return false
	}
	inbox, err := l.e.Store().Inbox(ctx, id)
	if err != nil {
		return false
	}
	for _, m := range inbox {
		if m.ConsumedBy == 0 {
			return false
		}
	}
	return true
}

// attemptRe matches an attempt in a version's reason: an activity
// call's, or each of the futures' attempts a step made.
var attemptRe = regexp.MustCompile(`(?:^activity|future) (add|undo) (failed|done) \(seq (\d+)(?:, attempt (\d+))?\)`)

// check runs a last worker until every instance has ended and compares
// outputs, histories and the call log.
func (l *activityLoad) check(t *testing.T, db, logPath string, kills int) {
	for _, err := range l.errs {
		t.Errorf("load: %v", err)
	}
	w := startActivityWorker(t, db, logPath, filepath.Dir(db))
	if _, err := bufio.NewReader(w.Stderr.(*pipe).r).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && !l.allEnded(ctx) {
		time.Sleep(50 * time.Millisecond)
	}
	w.Process.Signal(syscall.SIGTERM)
	if err := w.Wait(); err != nil {
		t.Errorf("worker after SIGTERM: %v", err)
	}
	logged := map[string]int{}
	data, _ := os.ReadFile(logPath)
	for _, line := range strings.Fields(strings.ReplaceAll(string(data), " ", "#")) {
		logged[strings.ReplaceAll(line, "#", " ")]++
	}
	again := 0
	for _, n := range logged {
		again += n - 1
	}
	t.Logf("%d kills, %d instances, %d activity attempts made again after a kill", kills, len(l.want), again)
	for id, want := range l.want {
		l.checkInstance(t, ctx, id, want, l.fails[id], logged)
	}
	if s, ok := l.e.Store().(*engine.SQLite); ok {
		if res, err := s.IntegrityCheck(); err != nil || res != "ok" {
			t.Errorf("integrity_check: %q %v", res, err)
		}
	}
}

func (l *activityLoad) allEnded(ctx context.Context) bool {
	for id := range l.want {
		if h, err := l.e.Store().State(ctx, id); err != nil || !h.Status.Final() {
			return false
		}
	}
	return true
}

// checkInstance compares one instance's end with an uninterrupted run,
// and checks that its history records each attempt once, in order, and
// only attempts that were made.
func (l *activityLoad) checkInstance(t *testing.T, ctx context.Context, id, want string, fails int, logged map[string]int) {
	h, err := l.e.Store().Head(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	status := engine.Completed
	if strings.Contains(want, "cancelled at") {
		status = engine.Cancelled
	}
	if h.Status != status || h.Output != want {
		t.Errorf("%s: %s, output %q, want %s with %q", id, h.Status, h.Output, status, want)
	}
	hist, err := l.e.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{} // seq → the attempt expected next
	failed := 0
	for _, v := range hist {
		for _, m := range attemptRe.FindAllStringSubmatch(v.Reason, -1) {
			failed += l.checkAttempt(t, id, v, m, next, logged)
		}
	}
	if failed != fails {
		t.Errorf("%s: %d failed attempts in the history, want %d", id, failed, fails)
	}
}

// checkAttempt checks one attempt recorded in version v: the next of its
// call, and in the log. It returns 1 for a failed attempt.
func (l *activityLoad) checkAttempt(t *testing.T, id string, v engine.Version, m []string, next, logged map[string]int) int {
	n := 1
	if m[4] != "" {
		n, _ = strconv.Atoi(m[4])
	}
	if next[m[3]] == 0 {
		next[m[3]] = 1
	}
	if n != next[m[3]] {
		t.Errorf("%s version %d: %q, want attempt %d", id, v.Number, v.Reason, next[m[3]])
	}
	next[m[3]]++
	if key := fmt.Sprintf("%s:%s %d", id, m[3], n); logged[key] == 0 {
		t.Errorf("%s version %d records attempt %q, which the log does not have", id, v.Number, key)
	}
	if m[2] == "failed" {
		return 1
	}
	return 0
}
