package engine

// The compatibility fixtures: a store of suspended instances, and
// snapshot files, made by each bytecode version of wf, checked in under
// testdata/compat/<bytecode version>/. Every later build must resume
// every one of them to the same output, through the upgrade maps stored
// with them: a change of the code generator that would strand a stored
// instance fails this test, and so does a new bytecode version with no
// fixtures of its own. Make them (never overwriting older ones) with
//
//	go test ./engine -run TestCompatFixtures -update-compat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

var updateCompat = flag.Bool("update-compat", false, "write testdata/compat/<bytecode version> with this build")

// compatAction is one thing done to an instance: a signal, or time
// passing (then due timers fire).
type compatAction struct {
	Signal  string `json:"signal,omitempty"`
	Value   string `json:"value,omitempty"`
	Advance string `json:"advance,omitempty"` // a Go duration
}

// compatCase is one instance of the fixture store: how it was made, what
// is done to it in the test, and the output that must come of it.
type compatCase struct {
	ID     string         `json:"id"`
	File   string         `json:"file"`
	Input  string         `json:"input,omitempty"`
	Before []compatAction `json:"before,omitempty"` // applied when the fixture was made
	After  []compatAction `json:"after"`            // applied by the test
	Output string         `json:"output"`           // the whole output after After
}

// compatSnapshot is one snapshot file: made from File stopped at its
// Stop-th suspension; the test resumes it, replying to each request with
// the request's text and "!", and compares the output after the stop.
type compatSnapshot struct {
	File   string `json:"file"`
	Stop   int    `json:"stop"`
	Output string `json:"output"`
}

type compatFixture struct {
	Bytecode  string           `json:"bytecode"`
	Made      string           `json:"made"` // the command that made it
	Cases     []compatCase     `json:"cases"`
	Snapshots []compatSnapshot `json:"snapshots"`
}

const compatDir = "testdata/compat"

var compatActivities = []Activity{{Name: "double", Fn: func(_ context.Context, _ string, args []vm.Value) (vm.Value, error) {
	if len(args) != 1 || args[0].Kind() != vm.KindInt {
		return vm.Nil, errors.New("double wants an int")
	}
	return vm.Int(2 * args[0].AsInt()), nil
}}}

// compatSources are the workflows of the fixtures: waits with input, a
// generator and a coroutine suspended mid-loop, timers, an activity, a
// wait inside try/finally with a closure over a local.
var compatSources = map[string]string{
	"approval.wf": `let expense = input()
print("expense of " + str(expense["amount"]) + " by " + expense["who"])
let decision = wait("approval", "7d")
if decision == nil {
    print("escalated")
} else {
    print("approved: " + str(decision["ok"]))
}
`,
	"loop.wf": `fn items(n) {
    let i = 0
    while i < n {
        yield "item " + str(i)
        i += 1
    }
}
let total = 0
for name in items(3) {
    let qty = len(str(wait(name)))
    total += qty
    print(name, qty, total)
}
print("total", total)
`,
	"coroutine.wf": `let main = current()
let worker = coroutine(fn(n) {
    let seen = []
    while true {
        seen.push(n)
        n = main.switch(len(seen) * n)
    }
})
let a = worker.switch(2)
let b = len(str(wait("go")))
print(a, worker.switch(b), worker.switch(b + 1))
`,
	"timers.wf": `print("napping")
sleep("1h")
let answer = wait("answer", "1d")
print("answer", answer)
`,
	"activity.wf": `let n = wait("n")
let d = double(n)
print("double", n, d)
let again = wait("again")
print("again", double(again))
`,
	"finally.wf": `fn guarded(label) {
    let count = 0
    let bump = fn() { count += 1; return count }
    try {
        bump()
        let v = wait(label)
        bump()
        return str(v) + "/" + str(bump())
    } finally {
        print("finally", label, count)
    }
}
print(guarded("x"))
`,
}

func compatCases() []compatCase {
	return []compatCase{
		{File: "approval.wf", Input: `{"who": "ana", "amount": 120}`, After: []compatAction{{Signal: "approval", Value: `{"ok": true}`}}},
		{File: "approval.wf", Input: `{"who": "bo", "amount": 7}`, After: []compatAction{{Advance: "200h"}}},
		{File: "loop.wf", Before: []compatAction{{Signal: "item 0", Value: "5"}}, After: []compatAction{{Signal: "item 1", Value: "6"}, {Signal: "item 2", Value: "7"}}},
		{File: "coroutine.wf", After: []compatAction{{Signal: "go", Value: "10"}}},
		{File: "timers.wf", After: []compatAction{{Advance: "2h"}, {Signal: "answer", Value: `"yes"`}}},
		{File: "timers.wf", Before: []compatAction{{Advance: "2h"}}, After: []compatAction{{Advance: "25h"}}},
		{File: "activity.wf", Before: []compatAction{{Signal: "n", Value: "21"}}, After: []compatAction{{Signal: "again", Value: "4"}}},
		{File: "finally.wf", After: []compatAction{{Signal: "x", Value: "100"}}},
	}
}

// TestCompatFixtures resumes the fixtures of every bytecode version.
func TestCompatFixtures(t *testing.T) {
	if *updateCompat {
		makeCompat(t)
	}
	dirs, _ := filepath.Glob(filepath.Join(compatDir, "wf-bytecode-*"))
	if !containsDir(dirs, compiler.BytecodeVersion) {
		t.Errorf("no compatibility fixtures for %s: make them with\n\tgo test ./engine -run TestCompatFixtures -update-compat", compiler.BytecodeVersion)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fx := readCompat(t, dir)
			checkCompatStore(t, dir, fx)
			checkCompatSnapshots(t, dir, fx)
		})
	}
}

func containsDir(dirs []string, name string) bool {
	for _, d := range dirs {
		if filepath.Base(d) == name {
			return true
		}
	}
	return false
}

func readCompat(t *testing.T, dir string) compatFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx compatFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return fx
}

// compatEngine opens a copy of a fixture store.
func compatEngine(t *testing.T, dbFile string, c *clock) *Engine {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wf.db")
	if dbFile != "" {
		b, err := os.ReadFile(dbFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	e, err := Open(path, Options{Now: c.Now, Activities: compatActivities, NewID: func() string { n++; return fmt.Sprintf("c%d", n) }}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// compatEpoch is the fixtures' clock at the time they were made.
var compatEpoch = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func checkCompatStore(t *testing.T, dir string, fx compatFixture) {
	c := &clock{t: compatEpoch}
	for _, a := range fx.Cases {
		c.Add(durationOf(t, a.Before))
	}
	e := compatEngine(t, filepath.Join(dir, "store.db"), c)
	for _, cs := range fx.Cases {
		applyCompat(t, e, c, cs.ID, cs.After)
		h, err := e.Store().Head(context.Background(), cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.Output != cs.Output {
			t.Errorf("%s (%s): output %q, want %q", cs.ID, cs.File, h.Output, cs.Output)
		}
	}
}

func durationOf(t *testing.T, acts []compatAction) time.Duration {
	var d time.Duration
	for _, a := range acts {
		if a.Advance != "" {
			x, err := time.ParseDuration(a.Advance)
			if err != nil {
				t.Fatal(err)
			}
			d += x
		}
	}
	return d
}

// applyCompat sends signals and moves the clock, running what falls due.
func applyCompat(t *testing.T, e *Engine, c *clock, id string, acts []compatAction) {
	t.Helper()
	ctx := context.Background()
	for _, a := range acts {
		if a.Signal != "" {
			if _, err := e.Signal(ctx, id, a.Signal, []byte(a.Value)); err != nil {
				t.Fatalf("%s: signal %s: %v", id, a.Signal, err)
			}
			continue
		}
		c.Add(durationOf(t, []compatAction{a}))
		if err := e.Advance(ctx, id); err != nil {
			t.Fatalf("%s: advance: %v", id, err)
		}
	}
}

func checkCompatSnapshots(t *testing.T, dir string, fx compatFixture) {
	for _, s := range fx.Snapshots {
		src, err1 := os.ReadFile(filepath.Join(dir, "snapshots", s.File))
		snap, err2 := os.ReadFile(filepath.Join(dir, "snapshots", s.File+".snap"))
		mapJSON, err3 := os.ReadFile(filepath.Join(dir, "snapshots", s.File+".map.json"))
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		prog := compileCompat(t, s.File, src)
		old, err := compiler.DecodeMap(mapJSON)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		moved, _, err := vm.Upgrade(prog, old, snap, vm.Options{Hosts: compatHosts()})
		if err != nil {
			t.Fatalf("%s: %v", s.File, err)
		}
		if got := resumeCompat(t, prog, moved, &out); got != s.Output {
			t.Errorf("%s: output %q, want %q", s.File, got, s.Output)
		}
	}
}

// compatHosts are the snapshot programs' host functions: each suspends
// with its first argument.
func compatHosts() []*vm.Builtin {
	var hs []*vm.Builtin
	for _, name := range []string{"wait", "sleep"} {
		hs = append(hs, &vm.Builtin{Name: name, Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			return m.Suspend(name, args[0])
		}})
	}
	return hs
}

func compileCompat(t *testing.T, file string, src []byte) *compiler.Program {
	t.Helper()
	p, err := vm.Compile(file, src, vm.CompileOptions{Hosts: compatHosts()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compatReply(s *vm.Suspension) vm.Value { return vm.String(vm.Str(s.Request) + "!") }

// resumeCompat runs a restored machine to its end, replying to each
// suspension, and returns what it printed.
func resumeCompat(t *testing.T, p *compiler.Program, snap []byte, out *bytes.Buffer) string {
	t.Helper()
	m, err := vm.Restore(p, snap, vm.Options{Stdout: out, Hosts: compatHosts()})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Pending()
	for s != nil && err == nil {
		s, err = m.Resume(compatReply(s))
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// makeCompat writes the fixtures of this build's bytecode version, unless
// they exist.
func makeCompat(t *testing.T) {
	dir := filepath.Join(compatDir, compiler.BytecodeVersion)
	if _, err := os.Stat(dir); err == nil {
		t.Logf("%s exists; fixtures are never remade", dir)
		return
	}
	if err := os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755); err != nil {
		t.Fatal(err)
	}
	fx := compatFixture{Bytecode: compiler.BytecodeVersion, Made: "go test ./engine -run TestCompatFixtures -update-compat"}
	fx.Cases = makeCompatStore(t, dir)
	fx.Snapshots = makeCompatSnapshots(t, dir)
	b, _ := json.MarshalIndent(fx, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "fixture.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeCompatStore starts every case, applies its Before actions, copies
// the store, then applies After on the original to learn the output.
func makeCompatStore(t *testing.T, dir string) []compatCase {
	ctx := context.Background()
	c := &clock{t: compatEpoch}
	e := compatEngine(t, "", c)
	cases := compatCases()
	for i := range cases {
		cs := &cases[i]
		id, err := e.Start(ctx, cs.File, []byte(compatSources[cs.File]), inputOf(cs.Input))
		if err != nil {
			t.Fatal(err)
		}
		cs.ID = id
		applyCompat(t, e, c, id, cs.Before)
	}
	db := e.Store().(*SQLite).DB()
	if _, err := db.Exec(`VACUUM INTO ?`, filepath.Join(dir, "store.db")); err != nil {
		t.Fatal(err)
	}
	for i := range cases {
		applyCompat(t, e, c, cases[i].ID, cases[i].After)
		h, err := e.Store().Head(ctx, cases[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		cases[i].Output = h.Output
	}
	return cases
}

func inputOf(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// makeCompatSnapshots stops each program at its first and second
// suspension (where it has one), and records the output of the rest.
func makeCompatSnapshots(t *testing.T, dir string) []compatSnapshot {
	var out []compatSnapshot
	for _, file := range []string{"loop.wf", "coroutine.wf", "finally.wf", "timers.wf"} {
		src := []byte(compatSources[file])
		p := compileCompat(t, file, src)
		stop := 2
		snap := stopAt(t, p, stop)
		if snap == nil {
			stop, snap = 1, stopAt(t, p, 1)
		}
		name := filepath.Join(dir, "snapshots", file)
		must(t, os.WriteFile(name, src, 0o644))
		must(t, os.WriteFile(name+".snap", snap, 0o644))
		must(t, os.WriteFile(name+".map.json", p.Map().Encode(), 0o644))
		var buf bytes.Buffer
		out = append(out, compatSnapshot{File: file, Stop: stop, Output: resumeCompat(t, p, snap, &buf)})
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// stopAt runs p to its n-th suspension and returns the snapshot, or nil
// if it ends first.
func stopAt(t *testing.T, p *compiler.Program, n int) []byte {
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: compatHosts()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Run()
	for i := 1; i < n && s != nil && err == nil; i++ {
		s, err = m.Resume(compatReply(s))
	}
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return nil
	}
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}
