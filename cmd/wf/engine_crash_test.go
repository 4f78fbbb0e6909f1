package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// crashWorkflow takes three signals, with durable timers and some work
// between them, so that kills land in every phase of a step.
const crashWorkflow = `let total = input()["base"]
for i in range(3) {
    let v = wait("add")
    let x = 0
    for j in range(20000) {
        x = x + j % 7
    }
    total = total + v
    print("step " + str(i) + " got " + str(v) + " total " + str(total) + " work " + str(x))
    sleep("20ms")
}
print("done " + str(total))
`

// crashExpected is the output of an uninterrupted run.
func crashExpected(base int, values []int) string {
	var b strings.Builder
	total := base
	for i, v := range values {
		total += v
		fmt.Fprintf(&b, "step %d got %d total %d work 59997\n", i, v, total)
	}
	fmt.Fprintf(&b, "done %d\n", total)
	return b.String()
}

// TestWorkerSurvivesSIGKILL runs "wf worker" in a child process, kills
// it with SIGKILL at random moments while this process starts instances
// and sends signals, restarts it, and checks that every acknowledged start
// and signal took effect exactly once, that every instance ends with the
// output of an uninterrupted run, and that the database is intact.
func TestWorkerSurvivesSIGKILL(t *testing.T) {
	wf, dir, src := crashSetup(t)
	db := filepath.Join(dir, "wf.db")
	e, err := engine.Open(db, engine.Options{Detached: true}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	load := newCrashLoad(t, e, src)
	done := load.start()
	rng := rand.New(rand.NewSource(1))
	const kills = 30
	for i := 0; i < kills; i++ {
		w := startWorker(t, wf, db, dir)
		time.Sleep(time.Duration(30+rng.Intn(200)) * time.Millisecond)
		w.Process.Signal(syscall.SIGKILL)
		w.Wait()
	}
	<-done
	load.check(t, wf, db, dir, kills)
}

// crashSetup skips a crash test in -short mode or without the wf
// command, and writes the crash workflow into a new directory; it
// returns the command, the directory and the workflow's path.
func crashSetup(t *testing.T) (wf, dir, src string) {
	if testing.Short() {
		t.Skip("crash test: a few dozen child processes")
	}
	wf, err := exec.LookPath("wf") // the test binary, linked by testscript.Main
	if err != nil {
		t.Skip("no wf command on PATH:", err)
	}
	dir = t.TempDir()
	src = filepath.Join(dir, "crash.wf")
	os.WriteFile(src, []byte(crashWorkflow), 0o666)
	return wf, dir, src
}

func startWorker(t *testing.T, wf, db, dir string, flags ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(wf, append([]string{"worker", "--db", db, "--poll", "5ms", "--lease", "500ms"}, flags...)...)
	cmd.Dir = dir
	r, w := io.Pipe()
	cmd.Stderr = &pipe{r: r, w: w}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // a failed test must not leave its worker running
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// pipe is a worker's stderr, readable by the test.
type pipe struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func (p *pipe) Write(b []byte) (int, error) {
	go p.w.Write(append([]byte(nil), b...)) // never block the worker on an unread pipe
	return len(b), nil
}

// crashLoad starts instances and signals them, remembering what was
// acknowledged.
type crashLoad struct {
	t   *testing.T
	e   *engine.Engine
	src []byte

	mu     sync.Mutex
	acked  map[string][]int // instance → acknowledged signal values, in order
	base   map[string]int
	errors []error

	between func(round int) // if set, called after each round of signals
}

func newCrashLoad(t *testing.T, e *engine.Engine, path string) *crashLoad {
	src, _ := os.ReadFile(path)
	return &crashLoad{t: t, e: e, src: src, acked: map[string][]int{}, base: map[string]int{}}
}

// start runs the crash load (40 instances, 3 signals each; set
// $WF_CRASH_INSTANCES for a longer run) in the background; the channel
// closes when it is done.
func (l *crashLoad) start() <-chan struct{} {
	n := 40
	if v, err := strconv.Atoi(os.Getenv("WF_CRASH_INSTANCES")); err == nil && v > 0 {
		n = v
	}
	done := make(chan struct{})
	go func() { l.run(n, 3); close(done) }()
	return done
}

// run starts n instances and sends each its signals, interleaved, with
// short pauses so the kills fall in between.
func (l *crashLoad) run(n, signals int) {
	ctx := context.Background()
	var ids []string
	for i := 0; i < n; i++ {
		id, err := l.e.Start(ctx, "crash.wf", l.src, []byte(fmt.Sprintf(`{"base": %d}`, i*100)))
		if err != nil {
			l.fail(err)
			continue
		}
		l.mu.Lock()
		l.base[id] = i * 100
		l.mu.Unlock()
		ids = append(ids, id)
	}
	for s := 0; s < signals; s++ {
		for i, id := range ids {
			v := i + s*1000
			if _, err := l.e.Signal(ctx, id, "add", []byte(fmt.Sprint(v))); err != nil {
				l.fail(err)
				continue
			}
			l.mu.Lock()
			l.acked[id] = append(l.acked[id], v)
			l.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
		if l.between != nil {
			l.between(s)
		}
	}
}

func (l *crashLoad) fail(err error) {
	l.mu.Lock()
	l.errors = append(l.errors, err)
	l.mu.Unlock()
}

// check lets one last worker finish everything, stops it with SIGTERM,
// and compares.
func (l *crashLoad) check(t *testing.T, wf, db, dir string, kills int) {
	for _, err := range l.errors {
		t.Errorf("load: %v", err)
	}
	w := startWorker(t, wf, db, dir)
	ready := bufio.NewReader(w.Stderr.(*pipe).r)
	if _, err := ready.ReadString('\n'); err != nil { // the banner: signals are handled from now on
		t.Fatal(err)
	}
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		list, err := l.e.List(ctx, engine.Filter{Status: engine.Completed})
		if err == nil && len(list) == len(l.base) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.Process.Signal(syscall.SIGTERM)
	if err := w.Wait(); err != nil {
		t.Errorf("worker after SIGTERM: %v", err)
	}
	t.Logf("%d kills, %d instances", kills, len(l.base))
	for id, base := range l.base {
		h, err := l.e.Store().Head(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := crashExpected(base, l.acked[id]); h.Status != engine.Completed || h.Output != want {
			t.Errorf("%s: %s, output %q, want %q", id, h.Status, h.Output, want)
		}
		inbox, _ := l.e.Store().Inbox(ctx, id)
		if len(inbox) != len(l.acked[id]) {
			t.Errorf("%s: %d signals stored, %d acknowledged", id, len(inbox), len(l.acked[id]))
		}
		by := map[int64]bool{}
		for _, m := range inbox {
			if m.ConsumedBy == 0 || by[m.ConsumedBy] {
				t.Errorf("%s: signal %d consumed by version %d, not by a version of its own", id, m.ID, m.ConsumedBy)
			}
			by[m.ConsumedBy] = true
		}
	}
	if s, isSQLite := l.e.Store().(*engine.SQLite); isSQLite {
		ok, err := s.IntegrityCheck()
		if err != nil || ok != "ok" {
			t.Errorf("integrity_check: %q %v", ok, err)
		}
	}
}
