package debug

// This file defines the commands that move the cursor, forwards and
// backwards, and those that set breakpoints and watches.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/statediff"
	"github.com/wf-lang/wf/vm"
)

// Stop describes where a command left the cursor.
type Stop struct {
	Step     int64
	Loc      vm.Location
	Reversed bool   // reached going backwards
	Reason   string // a breakpoint or watch that stopped it, "start", "end"; else ""
	Ended    bool   // at the end of the program
	Err      error  // the uncaught error the program ended with, if it did
}

// stop describes the cursor.
func (s *Session) stop(reversed bool, reason string) Stop {
	st := Stop{Step: s.m.Steps(), Loc: s.m.Location(), Reversed: reversed, Reason: reason, Ended: s.ended, Err: s.endErr}
	if s.ended && reason == "" {
		st.Reason = "end"
	}
	return st
}

// Here describes the cursor as a stop without a reason.
func (s *Session) Here() Stop { return s.stop(false, "") }

// forward runs to the first boundary after the cursor where c holds.
func (s *Session) forward(c cond) (Stop, error) {
	if s.ended {
		return Stop{}, ErrEnded
	}
	c.start(s.m)
	stop := c.stop
	if _, ok := c.(*breakCond); ok && len(s.breaks) == 0 && len(s.watches) == 0 {
		stop = nil // nothing to look for: run on the fast path
	}
	s.interruptible = true
	_, err := s.run(0, stop)
	s.interruptible = false
	if err != nil {
		return s.stop(false, ""), err
	}
	return s.stop(false, reasonOf(c)), nil
}

// reasonOf is what a condition says about its stop, if anything.
func reasonOf(c cond) string {
	if b, ok := c.(*breakCond); ok {
		return b.reason
	}
	return ""
}

// backward moves the cursor to the last boundary before it where c
// holds, or to step 0 when there is none. It scans windows of the run
// backwards from the cursor, each twice as long as the one before: it
// seeks to the window's first boundary (a restore and a replay on the
// fast path) and re-runs the window with c watching. Each window ends at
// the first boundary of the one after it, so every boundary is judged
// once, with the boundary before it, as the first run judged it. A stop
// a few lines back costs a replay and a short scan, however long the
// interval between two checkpoints.
func (s *Session) backward(c cond) (Stop, error) {
	hi := s.m.Steps()
	if hi <= s.base.step {
		return Stop{}, ErrStart
	}
	for w := int64(firstWindow); ; w *= 2 {
		if err := s.seek(max(hi-w, s.base.step)); err != nil {
			return s.stop(true, ""), err
		}
		lo := s.m.Steps()
		if lo >= hi {
			continue // no boundary in the window (an instruction charged work): widen it
		}
		found, reason, err := s.scan(hi, c)
		if err != nil {
			return s.stop(true, ""), err
		}
		if found >= 0 {
			err := s.seek(found)
			return s.stop(true, reason), err
		}
		if lo <= s.base.step {
			err := s.seek(s.base.step)
			return s.stop(true, "start"), err
		}
		hi = lo + 1
	}
}

// firstWindow is the steps the first window of a reverse command scans.
const firstWindow = 256

// scan re-runs from the cursor to hi with c watching, and returns the
// last boundary before hi where c held (-1 if none) and its reason.
func (s *Session) scan(hi int64, c cond) (int64, string, error) {
	found, reason := int64(-1), ""
	c.start(s.m)
	_, err := s.run(hi, func(m *vm.Machine) bool {
		if c.stop(m) && m.Steps() < hi {
			found, reason = m.Steps(), reasonOf(c)
		}
		return false
	})
	return found, reason, err
}

// depth is the call depth at the cursor.
// At the end, where no frame is left, it is the main program's, 1.
func (s *Session) depth() int { return max(s.m.Location().Depth, 1) }

// Step runs to the next line, into calls.
func (s *Session) Step() (Stop, error) { return s.forward(&stepCond{}) }

// Next runs to the next line of this function or a caller, over calls.
func (s *Session) Next() (Stop, error) { return s.forward(&stepCond{depth: s.depth()}) }

// Finish runs until the function at the cursor returns to its caller.
func (s *Session) Finish() (Stop, error) {
	if s.ended {
		return Stop{}, ErrEnded
	}
	if s.depth() <= 1 {
		return Stop{}, fmt.Errorf("finish: the main program has no caller")
	}
	return s.forward(&finishCond{depth: s.depth()})
}

// Continue runs to the next breakpoint or watch stop, or the end.
func (s *Session) Continue() (Stop, error) { return s.forward(&breakCond{s: s}) }

// RStep goes back to the last line start before the cursor, into calls:
// the stop from which Step would come back here, when here is a line.
func (s *Session) RStep() (Stop, error) { return s.backward(&stepCond{}) }

// RNext goes back to the last line start before the cursor in this
// function or a caller, over calls.
func (s *Session) RNext() (Stop, error) { return s.backward(&stepCond{depth: s.depth()}) }

// RFinish goes back to the caller of the function at the cursor, just
// before the call.
func (s *Session) RFinish() (Stop, error) {
	if s.depth() <= 1 {
		return Stop{}, fmt.Errorf("rfinish: the main program has no caller")
	}
	return s.backward(&finishCond{depth: s.depth()})
}

// RContinue goes back to the last breakpoint or watch stop before the
// cursor, or to step 0.
func (s *Session) RContinue() (Stop, error) { return s.backward(&breakCond{s: s}) }

// Goto moves the cursor to the first boundary at or after step, or to
// the end when the program ends before it.
func (s *Session) Goto(step int64) (Stop, error) {
	if step < s.base.step {
		return Stop{}, fmt.Errorf("goto: step %d is before the start of this run (step %d)", step, s.base.step)
	}
	reversed := step < s.m.Steps()
	err := s.seek(step)
	return s.stop(reversed, ""), err
}

// Break sets a breakpoint at FILE:LINE, at LINE of the program's file,
// at the entry of the function called spec, or on an event ("wait",
// "signal", "activity"; a function of that name comes first). A line
// without code is refused.
func (s *Session) Break(spec string) (*Breakpoint, error) { return s.BreakWith(spec, BreakOpts{}) }

// BreakOpts are a breakpoint's optional parts, as text: a condition, a
// hit condition and a message expression (see Breakpoint).
type BreakOpts struct {
	Cond, Hits, Log string
	// Message makes a logpoint print Log's value as text, as an editor's
	// log message, instead of "EXPR = VALUE".
	Message bool
}

// BreakWith sets a breakpoint as Break does, with a condition, a hit
// condition, or a message to log instead of stopping. A new logpoint
// prints its hits on the run so far at once, and later ones as the run
// first reaches them.
func (s *Session) BreakWith(spec string, o BreakOpts) (*Breakpoint, error) {
	b, err := s.place(spec)
	if err != nil {
		return nil, err
	}
	if o.Cond != "" {
		if b.Cond, err = NewExpr(o.Cond); err != nil {
			return nil, fmt.Errorf("break: condition: %w", err)
		}
	}
	if o.Log != "" {
		if b.Log, err = NewExpr(o.Log); err != nil {
			return nil, fmt.Errorf("logpoint: %w", err)
		}
		b.message = o.Message
	}
	if err := b.parseHits(o.Hits); err != nil {
		return nil, fmt.Errorf("break: %w", err)
	}
	s.nextBreak++
	b.ID = s.nextBreak
	s.breaks = append(s.breaks, b)
	if b.Log != nil {
		return b, s.pastLogs(b)
	}
	return b, nil
}

// place reads where a breakpoint is.
func (s *Session) place(spec string) (*Breakpoint, error) {
	b := &Breakpoint{}
	if line, ok := s.lineOf(spec); ok {
		if line <= 0 || !s.hasCode(line) {
			return nil, fmt.Errorf("break: line %d of %s has no code", line, s.prog.File)
		}
		b.Line = line
	} else if strings.Contains(spec, ":") {
		return nil, fmt.Errorf("break: %q is not a line of %s (FILE:LINE, LINE or a function name)", spec, s.prog.File)
	} else if s.hasFunc(spec) {
		b.Func = spec
	} else if slices.Contains(eventKinds, spec) {
		b.Event = spec
	} else {
		return nil, fmt.Errorf("break: no function named %q", spec)
	}
	return b, nil
}

// Unbreak removes breakpoint b; its ID is not given again.
func (s *Session) Unbreak(b *Breakpoint) {
	s.breaks = slices.DeleteFunc(s.breaks, func(x *Breakpoint) bool { return x == b })
}

// lineOf reads LINE or FILE:LINE, where FILE names the program's file
// (its path or base name).
func (s *Session) lineOf(spec string) (int, bool) {
	file, num, found := strings.Cut(spec, ":")
	if !found {
		num, file = spec, ""
	}
	if file != "" && file != s.prog.File && file != filepath.Base(s.prog.File) {
		return 0, false
	}
	line, err := strconv.Atoi(num)
	return line, err == nil
}

func (s *Session) hasCode(line int) bool {
	for _, f := range s.prog.Funcs {
		for _, p := range f.Lines {
			if int(p.Line) == line {
				return true
			}
		}
	}
	return false
}

func (s *Session) hasFunc(name string) bool {
	for _, f := range s.prog.Funcs[1:] {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Watch stops Continue and RContinue where the variable called name
// changes value: a local of the function of frame number frame at the
// cursor (0 is the innermost), else a global. A local is watched in that
// function at that call depth, wherever it is live. Any other text is
// watched as an expression (watchExpr).
func (s *Session) Watch(frame int, name string) error {
	w, err := s.watchVar(frame, name)
	if err != nil && identRE.FindString(name) != name {
		w, err = s.watchExpr(frame, name)
	}
	if err != nil {
		return err
	}
	s.watches = append(s.watches, w)
	return nil
}

// watchVar makes the watch of the variable called name, seen from frame
// number frame at the cursor.
func (s *Session) watchVar(frame int, name string) (*watch, error) {
	if fn, depth, err := s.frameAt(frame); err == nil && declares(fn, name) {
		return &watch{name: name, fn: fn, depth: depth}, nil
	}
	if slices.Contains(s.prog.Globals, name) {
		return &watch{name: name}, nil
	}
	return nil, fmt.Errorf("watch: no variable %q here", name)
}

// declares reports whether fn has a local called name.
func declares(fn *compiler.Function, name string) bool {
	for _, l := range fn.Locals {
		if l.Name == name {
			return true
		}
	}
	return false
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }

// frameAt returns the function and call depth of frame number n at the
// cursor, 0 being the innermost.
func (s *Session) frameAt(n int) (*compiler.Function, int, error) {
	frames := s.m.Stack(vm.ViewOptions{}).Frames
	i := len(frames) - 1 - n
	if n < 0 || i < 0 {
		return nil, 0, fmt.Errorf("no frame %d (the stack has %d)", n, len(frames))
	}
	for _, f := range s.prog.Funcs {
		if f.ID == frames[i].ID {
			return f, s.depth() - n, nil
		}
	}
	return nil, 0, fmt.Errorf("frame %d runs no function of the program", n)
}

// Diff returns the structural diff (package statediff) of the machine's
// inspections (vm.Inspect) at steps a and b, and leaves the cursor where
// it was.
func (s *Session) Diff(a, b int64) ([]statediff.Change, error) {
	back := s.m.Steps()
	defer s.seek(back)
	ia, err := s.inspectAt(a)
	if err != nil {
		return nil, err
	}
	ib, err := s.inspectAt(b)
	if err != nil {
		return nil, err
	}
	return statediff.Diff(ia, ib)
}

// inspectAt inspects the state at step.
func (s *Session) inspectAt(step int64) (*vm.Inspection, error) {
	if err := s.seek(step); err != nil {
		return nil, err
	}
	data, err := s.Snapshot()
	if err != nil {
		return nil, err
	}
	return vm.Inspect(s.prog, data, vm.InspectOptions{})
}
