package debug

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// hostProgram uses a host function whose results change with every call
// (tick) and one that suspends (ask).
const hostProgram = `let seen = []
for i in range(3) {
    seen.push(tick())
    print("tick", seen[-1])
}
let answer = ask("name?")
print("hello", answer, seen)
`

func hostSession(t *testing.T, out *bytes.Buffer) (*Session, *int, *int) {
	t.Helper()
	p, err := compiler.CompileSource("hosts.wf", []byte(hostProgram), compiler.Options{Predeclared: append(vm.Universe(), "tick", "ask")})
	if err != nil {
		t.Fatal(err)
	}
	ticks, asks := 0, 0
	tick := &vm.Builtin{Name: "tick", Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
		ticks++
		return vm.NewList([]vm.Value{vm.Int(int64(ticks * 10))}), nil
	}}
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		return m.Suspend("ask", args[0])
	}}
	s, err := New(Config{Program: p, Options: vm.Options{Stdout: out, Hosts: []*vm.Builtin{tick, ask}},
		Reply: func(*vm.Suspension) (vm.Value, error) { asks++; return vm.String("ada"), nil }, CheckpointEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	s.cps.perByte = 0
	return s, &ticks, &asks
}

// TestInputsAreLogged: going back and forth over host calls asks each
// host once per step, gives the program the same results, prints each
// line once, and reaches the same states.
func TestInputsAreLogged(t *testing.T) {
	var out bytes.Buffer
	s, ticks, asks := hostSession(t, &out)
	var states [][]byte
	for {
		st, err := s.Step()
		if err != nil {
			t.Fatal(err)
		}
		if st.Ended {
			break
		}
		data, _ := s.Snapshot()
		states = append(states, data)
	}
	end := s.Steps()
	first := out.String()
	for i := len(states) - 1; i >= 0; i-- {
		if _, err := s.RStep(); err != nil {
			t.Fatal(err)
		}
		if data, _ := s.Snapshot(); !bytes.Equal(data, states[i]) {
			t.Fatalf("state %d differs going back", i)
		}
	}
	if st, err := s.Goto(end); err != nil || !st.Ended {
		t.Fatalf("goto the end: %+v, %v", st, err)
	}
	if *ticks != 3 || *asks != 1 {
		t.Errorf("tick called %d times, ask answered %d times; want 3 and 1", *ticks, *asks)
	}
	if out.String() != first || !strings.Contains(first, "hello ada [[10], [20], [30]]") {
		t.Errorf("output %q after replays, %q first", out.String(), first)
	}
}

// TestSuspensionWithoutReply: with no Reply the cursor stays where the
// machine waits, and reverse commands still work.
func TestSuspensionWithoutReply(t *testing.T) {
	var out bytes.Buffer
	s, _, _ := hostSession(t, &out)
	s.reply = nil
	_, err := s.Continue()
	if err == nil || !strings.Contains(err.Error(), "waiting on host ask") || s.Waiting() == nil {
		t.Fatalf("continue: %v, waiting %v", err, s.Waiting())
	}
	if _, err := s.RStep(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Continue(); err == nil {
		t.Fatal("continue past the suspension without a reply")
	}
}

// TestEdges: the errors a user meets at the edges of the timeline and
// with bad breakpoints.
func TestEdges(t *testing.T) {
	p, err := compiler.CompileSource("e.wf", []byte("fn f(x) {\n    return x + 1\n}\n\nprint(f(1))\n"), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Program: p, Options: vm.Options{Stdout: &bytes.Buffer{}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RStep(); !errors.Is(err, ErrStart) {
		t.Errorf("rstep at 0: %v", err)
	}
	for spec, want := range map[string]string{
		"4": "line 4 of e.wf has no code", "e.wf:99": "line 99 of e.wf has no code",
		"other.wf:2": `"other.wf:2" is not a line`, "g": `no function named "g"`, "-1": "has no code",
	} {
		if _, err := s.Break(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("break %s: %v, want %q", spec, err, want)
		}
	}
	if _, err := s.Finish(); err == nil {
		t.Error("finish in the main program")
	}
	if b, err := s.Break("f"); err != nil || b.Func != "f" {
		t.Fatalf("break f: %v", err)
	}
	st, err := s.Continue()
	if err != nil || st.Loc.Fn == nil || st.Loc.Fn.Name != "f" || st.Loc.Line() != 2 {
		t.Fatalf("continue to f: %+v, %v", st, err)
	}
	if st, err = s.Goto(1 << 40); err != nil || !st.Ended {
		t.Fatalf("goto past the end: %+v, %v", st, err)
	}
	if _, err := s.Step(); !errors.Is(err, ErrEnded) {
		t.Errorf("step at the end: %v", err)
	}
	if _, err := s.Goto(-1); err == nil {
		t.Error("goto -1")
	}
}

// TestCheckpointCap: the checkpoints never hold more than their cap, a
// snapshot larger than the cap is not kept, and thinning keeps the
// newest.
func TestCheckpointCap(t *testing.T) {
	c := newCheckpoints(1000, 10)
	c.perByte = 0
	for step := int64(10); step <= 5000; step += 10 {
		if c.due(step) {
			c.add(step, make([]byte, 90))
		}
		if c.bytes > c.max {
			t.Fatalf("%d bytes kept under a cap of %d", c.bytes, c.max)
		}
	}
	if len(c.list) < 5 || c.last() < 5000-c.every*c.spacing {
		t.Errorf("kept %d, the newest at %d", len(c.list), c.last())
	}
	c.add(6000, make([]byte, 2000))
	if c.last() == 6000 {
		t.Error("a snapshot over the cap was kept")
	}
	if cp := c.before(5); cp.step != 0 || cp.data != nil {
		t.Error("before the first checkpoint is not the start")
	}
}

// TestWatch: continue stops where a watched variable changes, global or
// local, and rcontinue finds the same stops in reverse order.
func TestWatch(t *testing.T) {
	const src = `let x = 0
fn f(n) {
    let acc = 0
    for i in range(n) {
        if i % 2 == 1 { acc += i }
    }
    return acc
}
let i = 0
while i < 10 {
    i += 1
    if i % 3 == 0 { x = x + i }
}
print(x, f(6))
`
	s := sourceSession(t, src)
	if err := s.Watch(0, "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.Watch(0, "nope"); err == nil {
		t.Error("watched a variable that does not exist")
	}
	global := func() string { v, _ := s.Machine().Global("x"); return vm.Repr(v) }
	var forward []string
	var steps []int64
	continueAll(t, s, func(st Stop) {
		if !strings.HasPrefix(st.Reason, "watch x: ") {
			t.Fatalf("stopped for %q", st.Reason)
		}
		forward = append(forward, global())
		steps = append(steps, st.Step)
	})
	if got := strings.Join(forward, " "); got != "0 3 9 18" {
		t.Errorf("forward stops saw x = %s, want 0 3 9 18", got)
	}
	for i := len(steps) - 1; i >= 0; i-- {
		st, err := s.RContinue()
		if err != nil || st.Step != steps[i] || !st.Reversed || global() != forward[i] {
			t.Fatalf("rcontinue %d: step %d (want %d), x = %s, %v", i, st.Step, steps[i], global(), err)
		}
	}
	// A local: break in f, watch acc there.
	s.watches = nil
	if _, err := s.Break("f"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	s.breaks = nil
	if err := s.Watch(0, "acc"); err != nil {
		t.Fatal(err)
	}
	var accs []string
	for {
		st, err := s.Continue()
		if err != nil || st.Ended {
			break
		}
		v, _ := s.Machine().Local(0, "acc")
		accs = append(accs, vm.Repr(v))
	}
	if got := strings.Join(accs, " "); got != "1 4 9" {
		t.Errorf("acc changed to %s, want 1 4 9", got)
	}
}

// TestWatchObject: a list changed in place is a change; the stop shows
// its text before and after.
func TestWatchObject(t *testing.T) {
	s := sourceSession(t, "let l = []\nlet n = 0\nfor i in range(3) { n += 1 }\nl.push(1)\nl.push(2)\n")
	if err := s.Watch(0, "l"); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	continueAll(t, s, func(st Stop) { reasons = append(reasons, st.Reason) })
	want := "watch l: <unset> -> []|watch l: [] -> [1]|watch l: [1] -> [1, 2]"
	if got := strings.Join(reasons, "|"); got != want {
		t.Errorf("stops %q, want %q", got, want)
	}
}

// TestStartFromSnapshot: a session can start from a snapshot, one that
// waits on a host reply included: its timeline begins there, going back
// stops there exactly, and going forward prints what the rest prints.
func TestStartFromSnapshot(t *testing.T) {
	var out bytes.Buffer
	s0, _, _ := hostSession(t, &out)
	if _, err := s0.Goto(1 << 30); err != nil {
		t.Fatal(err)
	}
	m, err := vm.New(s0.prog, vm.Options{Stdout: &bytes.Buffer{}, Hosts: s0.opts.Hosts}) // the logged hosts: tick answers as before
	if err != nil {
		t.Fatal(err)
	}
	susp, err := m.Run()
	if err != nil || susp == nil {
		t.Fatalf("run to ask: %v, %v", susp, err)
	}
	start, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rest bytes.Buffer
	s, err := New(Config{Program: s0.prog, Options: vm.Options{Stdout: &rest, Hosts: s0.opts.Hosts}, Snapshot: start,
		Reply: func(*vm.Suspension) (vm.Value, error) { return vm.String("bob"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Steps() != m.Steps() || s.Waiting() == nil {
		t.Fatalf("starts at step %d waiting %v, want %d waiting on ask", s.Steps(), s.Waiting(), m.Steps())
	}
	if _, err := s.RStep(); !errors.Is(err, ErrStart) {
		t.Errorf("rstep at the start: %v", err)
	}
	if _, err := s.Goto(3); err == nil {
		t.Error("goto before the start")
	}
	if _, err := s.Step(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RStep(); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Snapshot(); !bytes.Equal(got, start) {
		t.Error("going back to the start does not give the start snapshot")
	}
	if st, err := s.Continue(); err != nil || !st.Ended {
		t.Fatalf("continue: %+v, %v", st, err)
	}
	if rest.String() != "hello bob [[10], [20], [30]]\n" {
		t.Errorf("printed %q", rest.String())
	}
}

// sourceSession returns a session on src, its output discarded.
func sourceSession(t *testing.T, src string) *Session {
	t.Helper()
	p, err := compiler.CompileSource("test.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Program: p, Options: vm.Options{Stdout: &bytes.Buffer{}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// continueAll continues to the end, calling at at each stop on the way.
func continueAll(t *testing.T, s *Session, at func(Stop)) {
	t.Helper()
	for {
		st, err := s.Continue()
		if err != nil {
			t.Fatal(err)
		}
		if st.Ended {
			return
		}
		at(st)
	}
}

// TestWatchExpression: an expression is watched where its value changes,
// not where its variables do: a changes at every turn of the loop, but
// a - a % 2 at every other one, and b does not count. Going back stops at the same
// steps, and an expression of a local is watched in its frame.
func TestWatchExpression(t *testing.T) {
	src := `let a = 0
let b = 10
for i in range(6) {
    a += 1
    b -= 1
}
fn f(n) {
    let acc = 0
    for i in range(n) { acc += i }
    return acc
}
print(a - a % 2, b, f(4))
`
	s := sourceSession(t, src)
	if err := s.Watch(0, "a - a % 2"); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var steps []int64
	continueAll(t, s, func(st Stop) {
		if !strings.HasPrefix(st.Reason, "watch a - a % 2: ") {
			t.Fatalf("stopped for %q", st.Reason)
		}
		seen = append(seen, strings.TrimPrefix(st.Reason, "watch a - a % 2: "))
		steps = append(steps, st.Step)
	})
	if got, want := strings.Join(seen, "|"), "0 -> 2|2 -> 4|4 -> 6"; got != want {
		t.Errorf("forward stops %q, want %q", got, want)
	}
	for i := len(steps) - 1; i >= 0; i-- {
		st, err := s.RContinue()
		if err != nil || st.Step != steps[i] || !st.Reversed {
			t.Fatalf("rcontinue %d: step %d (want %d), %v", i, st.Step, steps[i], err)
		}
	}
	for _, bad := range []string{"a +", "nope + 1", "1 + 2"} {
		if err := s.Watch(0, bad); err == nil {
			t.Errorf("watch %q: no error", bad)
		}
	}
	s.watches = nil
	if _, err := s.Break("f"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Continue(); err != nil {
		t.Fatal(err)
	}
	s.breaks = nil
	if err := s.Watch(0, "acc * 2 > 4"); err != nil {
		t.Fatal(err)
	}
	var flips []string
	continueAll(t, s, func(st Stop) { flips = append(flips, st.Reason) })
	if got, want := strings.Join(flips, "|"), "watch acc * 2 > 4: false -> true"; got != want {
		t.Errorf("local expression stops %q, want %q", got, want)
	}
}
