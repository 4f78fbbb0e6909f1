package debug

// The property that makes reverse execution trustworthy: over every
// conformance program and every example that runs without hosts, a stop
// reached going backwards is the state first seen there going forwards,
// snapshot byte for snapshot byte, at the step the command's definition
// names (computed here from a plain single-stepped run).

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// timeline is a plain run's boundaries: steps[i] and locs[i] are the step
// and location of the i-th stop of a machine paused at every
// instruction, the start first and the end last.
type timeline struct {
	prog  *compiler.Program
	steps []int64
	locs  []vm.Location
}

// maxTimeline keeps the property test quick: longer programs are skipped.
const maxTimeline = 60_000

func recordTimeline(t *testing.T, prog *compiler.Program) (*timeline, bool) {
	m, err := vm.New(prog, vm.Options{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	tl := &timeline{prog: prog, steps: []int64{0}, locs: []vm.Location{m.Location()}}
	always := func(*vm.Machine) bool { return true }
	for len(tl.steps) < maxTimeline {
		m.Pause(0, always)
		susp, err := m.Run()
		if susp != nil || err != nil && !errors.Is(err, vm.ErrPaused) {
			return nil, false // needs a host, or fails: not for this test
		}
		tl.steps = append(tl.steps, m.Steps())
		tl.locs = append(tl.locs, m.Location())
		if err == nil {
			return tl, true
		}
	}
	return nil, false
}

// stateAt is the snapshot a plain forward run has at step.
func (tl *timeline) stateAt(t *testing.T, step int64) []byte {
	m, err := vm.New(tl.prog, vm.Options{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if step > 0 {
		m.Pause(step, nil)
		if _, err := m.Run(); err != nil && !errors.Is(err, vm.ErrPaused) {
			t.Fatal(err)
		}
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// last returns the index of the last boundary before j where ok holds,
// or 0 (the start).
func (tl *timeline) last(j int, ok func(i int) bool) int {
	for i := j - 1; i >= 1; i-- {
		if ok(i) {
			return i
		}
	}
	return 0
}

// first returns the index of the first boundary after j where ok holds,
// or the end.
func (tl *timeline) first(j int, ok func(i int) bool) int {
	for i := j + 1; i < len(tl.steps); i++ {
		if ok(i) {
			return i
		}
	}
	return len(tl.steps) - 1
}

func (tl *timeline) stmt(i int) bool { return isStatement(tl.locs[i-1], tl.locs[i]) }

func programs(t *testing.T) map[string]*compiler.Program {
	files, _ := filepath.Glob("../spec/conformance/*.wf")
	more, _ := filepath.Glob("../examples/*.wf")
	progs := map[string]*compiler.Program{}
	for _, path := range append(files, more...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := compiler.CompileSource(filepath.Base(path), src, compiler.Options{Predeclared: vm.Universe()})
		if err == nil {
			progs[path] = p
		}
	}
	return progs
}

func TestReverseIsExact(t *testing.T) {
	ran := 0
	for path, prog := range programs(t) {
		tl, ok := recordTimeline(t, prog)
		if !ok {
			continue
		}
		ran++
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			checkReverse(t, tl, rand.New(rand.NewPCG(uint64(len(tl.steps)), 11)))
		})
	}
	if ran < 25 {
		t.Errorf("only %d programs ran", ran)
	}
}

// newTestSession returns a session with checkpoints every 37 steps
// whatever their size, under a cap of 8 KiB: dense enough that short
// programs cross many, small enough that thinning happens.
func newTestSession(t *testing.T, prog *compiler.Program) *Session {
	s, err := New(Config{Program: prog, Options: vm.Options{Stdout: io.Discard}, CheckpointEvery: 37, MaxCheckpointBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	s.cps.perByte = 0
	return s
}

// checkReverse goes to random boundaries t+k and runs each reverse
// command k times, then its forward twin, checking each stop.
func checkReverse(t *testing.T, tl *timeline, rng *rand.Rand) {
	s := newTestSession(t, tl.prog)
	n := len(tl.steps)
	for range 12 {
		j := rng.IntN(n)
		k := 1 + rng.IntN(4)
		line := tl.locs[rng.IntN(n-1)].Line()
		b := &Breakpoint{Line: line}
		if line > 0 {
			s.breaks = []*Breakpoint{b}
		}
		bp := func(i int) bool { return line > 0 && tl.locs[i].Fn != nil && b.hits(tl.locs[i-1], tl.locs[i]) }
		type op struct {
			name string
			back func() (Stop, error)
			fwd  func() (Stop, error)
			ok   func(d int) func(i int) bool
		}
		ops := []op{
			{"rstep", s.RStep, s.Step, func(int) func(int) bool { return tl.stmt }},
			{"rnext", s.RNext, s.Next, func(d int) func(int) bool {
				return func(i int) bool { return tl.stmt(i) && tl.locs[i].Depth <= d }
			}},
			{"rfinish", s.RFinish, s.Finish, func(d int) func(int) bool {
				return func(i int) bool { return tl.locs[i].Depth < d }
			}},
			{"rcontinue", s.RContinue, s.Continue, func(int) func(int) bool { return bp }},
		}
		for _, o := range ops {
			at := j
			goTo(t, s, tl, at)
			for range k {
				d := max(tl.locs[at].Depth, 1)
				if (o.name == "rfinish") && d <= 1 || at == 0 {
					break
				}
				want := tl.last(at, o.ok(d))
				st, err := o.back()
				if err != nil {
					t.Fatalf("%s from step %d: %v", o.name, tl.steps[at], err)
				}
				check(t, s, tl, o.name, tl.steps[at], st, want)
				at = want
			}
			d := max(tl.locs[at].Depth, 1)
			if at == n-1 || o.name == "rfinish" && d <= 1 {
				continue
			}
			want := tl.first(at, o.ok(d))
			st, err := o.fwd()
			if err != nil {
				t.Fatalf("forward twin of %s from step %d: %v", o.name, tl.steps[at], err)
			}
			check(t, s, tl, o.name+" (forward twin)", tl.steps[at], st, want)
		}
	}
}

func goTo(t *testing.T, s *Session, tl *timeline, i int) {
	t.Helper()
	st, err := s.Goto(tl.steps[i])
	if err != nil || st.Step != tl.steps[i] {
		t.Fatalf("goto %d: at %d, %v", tl.steps[i], st.Step, err)
	}
}

// check compares a stop with boundary want of the timeline: its step and
// its state, byte for byte.
func check(t *testing.T, s *Session, tl *timeline, what string, from int64, st Stop, want int) {
	t.Helper()
	if st.Step != tl.steps[want] {
		t.Fatalf("%s from step %d stopped at step %d, want %d", what, from, st.Step, tl.steps[want])
	}
	got, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, tl.stateAt(t, st.Step)) {
		t.Fatalf("%s from step %d: the state at step %d differs from the one first seen there", what, from, st.Step)
	}
}
