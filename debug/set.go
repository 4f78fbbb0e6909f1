package debug

// This file defines Set: changing a variable at the cursor, which starts
// a new timeline from there.
//
// The state with the change is kept as a pinned checkpoint at the
// cursor's step, which thinning never drops: every run that reaches that
// step from before it (a seek, a reverse command's scan) swaps its
// machine for the pinned state, so the timeline after the change is the
// changed one, and the one before it is as it was. What the run had
// recorded past the cursor (checkpoints, host results, replies) belonged
// to the old timeline and is dropped; the run after the change prints
// its output again.

import (
	"fmt"

	"github.com/wf-lang/wf/vm"
)

// Set sets the variable name, a live local of frame number frame at the
// cursor (0 the innermost) or else a global, to the value of expr
// evaluated there, and returns the value it held. A frame of -1 names
// the global, even where a local hides it (expr is evaluated in frame 0). The value must be
// data (nil, a bool, number or string, or lists and maps of them): a
// function or a fiber belongs to the evaluation's own program.
func (s *Session) Set(frame int, name, expr string) (vm.Value, error) {
	if s.endErr != nil || s.ended {
		return vm.Nil, fmt.Errorf("the program has ended; go back to a step where %s is live", name)
	}
	global := frame < 0
	frame = max(frame, 0)
	r, err := s.Eval(expr, frame)
	if err != nil {
		return vm.Nil, err
	}
	if err := plainData(r.Value, 0); err != nil {
		return vm.Nil, err
	}
	target := name
	if _, ok := s.m.Local(frame, name); ok && !global && frame > 0 {
		fn, _, err := s.frameAt(frame)
		if err != nil {
			return vm.Nil, err
		}
		target = fn.Name + "." + name // the innermost frame of that function
	} else if !ok || global {
		if _, ok := s.m.Global(name); !ok {
			return vm.Nil, fmt.Errorf("no variable %q live in frame %d or set in the globals", name, frame)
		}
		target = "global." + name
	}
	data, err := s.Snapshot()
	if err != nil {
		return vm.Nil, err
	}
	edited, old, err := vm.SetVariable(s.prog, data, target, r.Value)
	if err != nil {
		return vm.Nil, err
	}
	step := s.m.Steps()
	s.truncate(step)
	s.cps.pin(step, edited)
	return old, s.restore(checkpoint{step: step, data: edited, pinned: true})
}

// maxSetDepth bounds how deep plainData looks into a value.
const maxSetDepth = 200

// plainData reports an error unless v is data a snapshot of any program
// can hold.
func plainData(v vm.Value, depth int) error {
	if depth > maxSetDepth {
		return fmt.Errorf("the value nests deeper than %d", maxSetDepth)
	}
	switch v.Kind() {
	case vm.KindNil, vm.KindBool, vm.KindInt, vm.KindFloat, vm.KindString:
		return nil
	case vm.KindList:
		for _, e := range v.AsList().Elems {
			if err := plainData(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case vm.KindMap:
		var err error
		v.AsMap().Each(func(k, x vm.Value) bool {
			if err = plainData(k, depth+1); err == nil {
				err = plainData(x, depth+1)
			}
			return err == nil
		})
		return err
	}
	return fmt.Errorf("a %s cannot be set from the debugger: only data (nil, bools, numbers, strings, lists, maps)", v.TypeName())
}

// truncate forgets what the run recorded past step: a new timeline
// starts there.
func (s *Session) truncate(step int64) {
	s.frontier = step
	s.cps.dropAfter(step)
	for k := range s.log.hosts {
		if k >= step {
			delete(s.log.hosts, k)
		}
	}
	for k := range s.log.replies {
		if k >= step {
			delete(s.log.replies, k)
			delete(s.log.thrown, k)
		}
	}
	for _, b := range s.breaks {
		if b.counts != nil {
			b.counts = &hitCounter{}
		}
	}
}

// RepliesBefore returns how many replies to suspensions the run got
// before the cursor's step: the ordinal of a suspension there, for a
// Config.Reply that answers from a record.
func (s *Session) RepliesBefore() int {
	n := 0
	for k := range s.log.replies {
		if k < s.m.Steps() {
			n++
		}
	}
	return n
}

// edit makes the machine waiting at the cursor's step the one an edit
// made there: a pinned checkpoint's (Set's, or an earlier pass of this),
// or, the first time the run waits for a reply that Config.Edits has
// changes before, the state with those changes, pinned there.
func (s *Session) edit() error {
	step := s.m.Steps()
	if pin, ok := s.cps.pinnedAfter(step - 1); ok && pin.step == step {
		if s.m == s.edited {
			return nil
		}
		return s.takeEdited(pin)
	}
	edits := s.edits[s.RepliesBefore()]
	if len(edits) == 0 {
		return nil
	}
	data, err := s.Snapshot()
	if err != nil {
		return err
	}
	for _, e := range edits {
		if e.Apply != nil {
			if data, err = e.Apply(data); err != nil {
				return fmt.Errorf("the recorded change at step %d: %w", step, err)
			}
			continue
		}
		if data, _, err = vm.SetVariable(s.prog, data, e.Name, e.Value); err != nil {
			return fmt.Errorf("the recorded edit of %s at step %d: %w", e.Name, step, err)
		}
	}
	s.cps.pin(step, data)
	return s.takeEdited(checkpoint{step: step, data: data, pinned: true})
}

// takeEdited restores the pinned checkpoint cp in the middle of a run,
// and pauses the new machine as run paused the one it replaces.
func (s *Session) takeEdited(cp checkpoint) error {
	if err := s.restore(cp); err != nil {
		return err
	}
	return s.m.Pause(s.pause.limit, s.pause.pred)
}

// pauseArgs are a Machine.Pause call's arguments.
type pauseArgs struct {
	limit int64
	pred  func(*vm.Machine) bool
}
