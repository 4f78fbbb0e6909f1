package debug

// This file defines the moves an editor asks for by place rather than by
// direction: back to where a frame was entered (RestartFrame), and the
// steps at which a line ran (LineHits), to go to with Goto.

import (
	"fmt"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// entryCond stops at the entry of a function at a call depth.
type entryCond struct {
	fn    *compiler.Function
	depth int
}

func (c *entryCond) start(*vm.Machine) {}

func (c *entryCond) stop(m *vm.Machine) bool {
	loc := m.Location()
	return loc.PC == 0 && loc.Depth == c.depth && loc.Fn == c.fn
}

// RestartFrame goes back to where frame number n at the cursor (0 the
// innermost) was entered: the first instruction of its call, with the
// arguments it was called with. That is the last entry of its function
// at its depth before the cursor, as the frame is still running. The
// main program's frame restarts at the start of the timeline.
func (s *Session) RestartFrame(n int) (Stop, error) {
	fn, depth, err := s.frameAt(n)
	if err != nil {
		return Stop{}, err
	}
	if depth <= 1 {
		return s.Goto(s.base.step)
	}
	if s.m.Steps() <= s.base.step {
		return Stop{}, ErrStart
	}
	st, err := s.backward(&entryCond{fn: fn, depth: depth})
	if err == nil && st.Reason == "start" {
		return st, fmt.Errorf("restart frame: the entry of %s is before the start of this run", fn.Name)
	}
	st.Reason = "restart of frame " + itoa(n)
	return st, err
}

// maxLineHits bounds the steps LineHits returns.
const maxLineHits = 1000

// LineHits returns the steps, in order, at which line began to run on
// the timeline so far (up to the furthest step reached), at most
// maxLineHits of them, and the versions of a stored instance whose step
// (see GotoVersion) stands on that line. It runs a machine of its own;
// the cursor stays.
func (s *Session) LineHits(line int) (hits []int64, versions []VersionPoint, err error) {
	hits, err = s.lineHits(line)
	if err != nil || s.version == 0 {
		return hits, nil, err
	}
	for i, step := range s.versionSteps() {
		if step > s.frontier {
			break
		}
		if l, err := s.lineAt(step); err == nil && l == line {
			versions = append(versions, VersionPoint{Version: s.version + int64(i), Step: step})
		}
	}
	return hits, versions, nil
}

// VersionPoint is where the run reaches a stored version.
type VersionPoint struct {
	Version, Step int64
}

// lineAt returns the line of the boundary at step, with a machine of its
// own.
func (s *Session) lineAt(step int64) (int, error) {
	saved, savedEv := s.events, s.lastEvent
	defer func() { s.events, s.lastEvent = saved, savedEv }()
	m, err := s.fresh()
	if err != nil {
		return 0, err
	}
	if m.Steps() < step {
		if err := s.runOther(m, step, nil); err != nil {
			return 0, err
		}
	}
	return m.Location().Line(), nil
}

func (s *Session) lineHits(line int) ([]int64, error) {
	if !s.hasCode(line) {
		return nil, fmt.Errorf("line %d of %s has no code", line, s.prog.File)
	}
	saved, savedEv := s.events, s.lastEvent
	defer func() { s.events, s.lastEvent = saved, savedEv }()
	m, err := s.fresh()
	if err != nil {
		return nil, err
	}
	b := &Breakpoint{Line: line}
	var hits []int64
	prev := m.Location()
	err = s.runOther(m, s.frontier, func(m *vm.Machine) bool {
		cur := m.Location()
		if cur.Fn != nil && b.hits(prev, cur) {
			hits = append(hits, m.Steps())
		}
		prev = cur
		return len(hits) >= maxLineHits
	})
	return hits, err
}

// ClearWatches removes every watch.
func (s *Session) ClearWatches() { s.watches = nil }
