//go:build unix

package main

// This file tests wf worker's log of its steps, in each --log format.

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// workerLog starts an instance that sleeps a moment, runs wf worker
// with flags until the instance completes, stops it with SIGTERM, and
// returns the instance's id and what the worker wrote on stderr.
func workerLog(t *testing.T, flags ...string) (id, stderr string) {
	wf, err := exec.LookPath("wf") // the test binary, linked by testscript.Main
	if err != nil {
		t.Skip("no wf command on PATH:", err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "wf.db")
	e, err := engine.Open(db, engine.Options{}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if id, err = e.Start(ctx, "nap.wf", []byte(`sleep("1ms")`+"\n"+`print("up")`), nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(wf, append([]string{"worker", "--db", db, "--poll", "5ms"}, flags...)...)
	cmd.Stderr = &out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // a hang, not a speed check
	for h, _ := e.Store().Head(ctx, id); h.Status != engine.Completed && time.Now().Before(deadline); h, _ = e.Store().Head(ctx, id) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("worker: %v\n%s", err, out.String())
	}
	return id, out.String()
}

// TestWorkerLogsJSON: with --log json every line on stderr is a JSON
// record, one of them the step that fired the instance's timer.
func TestWorkerLogsJSON(t *testing.T) {
	id, out := workerLog(t, "--log", "json")
	var steps int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			Msg, Instance, Reason, Status, Level string
			Version, Duration                    int64
			Pid                                  int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		switch rec.Msg {
		case "step":
			steps++
			if rec.Instance != id || rec.Version != 2 || rec.Reason != "timer fired" || rec.Status != "completed" || rec.Level != "INFO" || rec.Duration <= 0 {
				t.Errorf("step record %q; want %s's timer firing at version 2, completed, with a duration", line, id)
			}
		case "wf worker started":
			if rec.Pid == 0 {
				t.Errorf("start record %q without the pid", line)
			}
		case "wf worker stopped":
		default:
			t.Errorf("unexpected record %q", line)
		}
	}
	if steps != 1 {
		t.Errorf("%d step records in %q; want 1", steps, out)
	}
}

// TestWorkerLogsText: by default the records are slog's key=value
// lines; --log off writes nothing.
func TestWorkerLogsText(t *testing.T) {
	id, out := workerLog(t, "--no-batch")
	for _, want := range []string{"msg=step instance=" + id + ` version=2 reason="timer fired" status=completed duration=`,
		`msg="wf worker started"`, `msg="wf worker stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr %q lacks %q", out, want)
		}
	}
	if _, out = workerLog(t, "--log", "off"); out != "" {
		t.Errorf("--log off wrote %q", out)
	}
}
