package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebugInstance: wf debug ID starts from a stored instance's version,
// where it waits, runs it on with --signal, steps back, and leaves the
// database as it was; a missing instance, and --at with a file, are
// refused, and so is a version that keeps no machine.
func TestDebugInstance(t *testing.T) {
	dir := t.TempDir()
	prog, db := filepath.Join(dir, "flow.wf"), filepath.Join(dir, "t.db")
	src := "print(\"asking\")\nlet ok = wait(\"approve\")\nlet n = 0\nfor i in range(3) {\n    n += i\n}\nprint(\"approved\", ok, n)\n"
	if err := os.WriteFile(prog, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"start", "--db", db, prog}, nil, &out, &errb); code != exitOK {
		t.Fatalf("wf start: %d %s", code, errb.String())
	}
	id := strings.TrimSpace(out.String())
	out.Reset()
	cmds := "next\nnext\nnext\nrnext\nprint n\ncontinue\n"
	if code := run([]string{"debug", "--db", db, "--at", "1", "--signal", "approve=true", id}, strings.NewReader(cmds), &out, &errb); code != exitOK {
		t.Fatalf("wf debug ID: %d %s", code, errb.String())
	}
	for _, want := range []string{
		"instance " + id + " version 1 (waiting), " + prog,
		"] flow.wf:2 in <main> - start\n> 2 | let ok = wait(\"approve\")\nwaiting on host wait",
		"(wf) rnext\n[step 10] flow.wf:4 in <main> (reversed)",
		"(wf) print n\nn = 0\n",
		"approved true 3\n",
		"the program finished",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("wf debug ID printed no %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if run([]string{"show", "--db", db, id}, nil, &out, &errb); !strings.Contains(out.String(), "waiting") {
		t.Errorf("the instance changed: %s", out.String())
	}
	got := strings.Join(dapTalk(t, []string{
		`{"command":"initialize","arguments":{"adapterID":"wf"}}`,
		`{"command":"launch","arguments":{"program":"` + id + `","args":["--db","` + db + `","--signal","approve=true"],"stopOnEntry":true}}`,
		`{"command":"configurationDone"}`,
		`{"command":"next","arguments":{"threadId":1}}`,
		`{"command":"stepBack","arguments":{"threadId":1}}`,
		`{"command":"disconnect"}`,
	}), "\n")
	if want := "stopped start, step 7; waiting on host wait\nnext\nstopped step 8\nstepBack\nstopped start, step 7, reached going backwards; waiting on host wait"; !strings.Contains(got, want) {
		t.Errorf("wf dap on instance %s said:\n%s\nwant:\n%s", id, got, want)
	}
	// An attach request names the instance, its database and version.
	got = strings.Join(dapTalk(t, []string{
		`{"command":"initialize","arguments":{"adapterID":"wf"}}`,
		`{"command":"attach","arguments":{"id":"nosuchid","db":"` + db + `"}}`,
		`{"command":"attach","arguments":{"db":"` + db + `"}}`,
		`{"command":"attach","arguments":{"id":"` + id + `","db":"` + db + `","at":1,"args":["--signal","approve=true"]}}`,
		`{"command":"configurationDone"}`,
		`{"command":"next","arguments":{"threadId":1}}`,
		`{"command":"evaluate","arguments":{"expression":"ok"}}`,
		`{"command":"gotoTargets","arguments":{"source":{"path":"` + prog + `"},"line":2}}`,
		`{"command":"goto","arguments":{"threadId":1,"targetId":4503599627370497}}`,
		`{"command":"disconnect"}`,
	}), "\n")
	for _, want := range []string{"attach attach: wf debug: instance nosuchid: not found", `attach attach: no instance "id"`,
		"attach\ninitialized\nconfigurationDone\nstopped start, step 7; waiting on host wait\nnext\nstopped step 8\nevaluate\ngotoTargets\ngoto\nstopped version 1, step 7, reached going backwards; waiting on host wait\ndisconnect"} {
		if !strings.Contains(got, want) {
			t.Errorf("wf dap attach said:\n%s\nwant:\n%s", got, want)
		}
	}
	if code := run([]string{"signal", "--db", db, id, "approve", "true"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("wf signal: %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"debug", "--db", db, id}, strings.NewReader(""), &out, &errb); code != exitRuntime || !strings.Contains(errb.String(), "version 2 is completed and keeps no machine") {
		t.Errorf("a completed version: %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"debug", "--db", db, "nosuchid"}, strings.NewReader(""), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "not found") {
		t.Errorf("a missing instance: %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"debug", "--at", "1", prog}, strings.NewReader(""), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--at is for a stored instance") {
		t.Errorf("--at with a file: %d %s", code, errb.String())
	}
}

// TestDebugInstanceAcrossSet: a stored instance's history with a wf set
// between two signals replays, from version 1, as it ran: the edit is
// applied where the instance waited when it was made, so the run prints
// what the instance printed, and going back before the edit shows the
// value it replaced.
func TestDebugInstanceAcrossSet(t *testing.T) {
	dir := t.TempDir()
	prog, db := filepath.Join(dir, "limit.wf"), filepath.Join(dir, "t.db")
	src := "let limit = 10\nlet a = wait(\"spend\")\nlet b = wait(\"spend\")\nprint(\"left\", limit - a - b)\n"
	if err := os.WriteFile(prog, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"start", "--db", db, prog}, nil, &out, &errb); code != exitOK {
		t.Fatalf("wf start: %d %s", code, errb.String())
	}
	id := strings.TrimSpace(out.String())
	for _, args := range [][]string{
		{"signal", "--db", db, id, "spend", "3"},
		{"set", "--db", db, id, "limit", "100"},
		{"signal", "--db", db, id, "spend", "4"},
	} {
		if code := run(args, nil, &out, &errb); code != exitOK {
			t.Fatalf("wf %s: %d %s", args[0], code, errb.String())
		}
	}
	out.Reset()
	if run([]string{"show", "--db", db, id}, nil, &out, &errb); !strings.Contains(out.String(), "left 93") {
		t.Fatalf("the instance printed no 'left 93':\n%s", out.String())
	}
	out.Reset()
	cmds := "continue\nrstep\nprint limit\nrcontinue\nprint limit\nwatch limit\ncontinue\nprint limit\n"
	if code := run([]string{"debug", "--db", db, "--at", "1", id}, strings.NewReader(cmds), &out, &errb); code != exitOK {
		t.Fatalf("wf debug ID: %d %s", code, errb.String())
	}
	for _, want := range []string{
		"replaying what it got up to version 4",
		"left 93\n",
		"(wf) print limit\nlimit = 100\n",
		"(wf) rcontinue\n",
		"(wf) print limit\nlimit = 10\n",
		"watch limit: 10 -> 100",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("wf debug ID printed no %q:\n%s", want, out.String())
		}
	}
}
