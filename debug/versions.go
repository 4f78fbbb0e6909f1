package debug

// This file defines the coarse timeline of a stored instance in a
// session that starts from one of its versions: version N is where the
// run suspends for the (N-K)th time after version K, the start (each
// suspension's reply, from the instance's history, made the next
// version), or the end of the run for the last one.

import (
	"fmt"
	"slices"

	"github.com/wf-lang/wf/vm"
)

// replyCond stops at the first boundary after a reply to a suspension.
type replyCond struct {
	s    *Session
	seen int64
}

func (c *replyCond) start(*vm.Machine) { c.seen = c.s.events }

func (c *replyCond) stop(*vm.Machine) bool { return c.s.event(&c.seen) != nil }

// suspensions returns the steps at which the run suspended so far, in
// order: where the replies in the log were given.
func (s *Session) suspensions() []int64 {
	steps := make([]int64, 0, len(s.log.replies)+1)
	for k := range s.log.replies {
		steps = append(steps, k)
	}
	slices.Sort(steps)
	if s.waiting != nil && !slices.Contains(steps, s.m.Steps()) {
		steps = append(steps, s.m.Steps()) // waiting here for a reply nobody gave
	}
	return steps
}

// versionSteps returns the steps of the versions from the start on, as
// far as the run has gone: the start, then each later suspension.
func (s *Session) versionSteps() []int64 {
	steps := s.suspensions()
	if len(steps) == 0 || steps[0] != s.base.step {
		steps = append([]int64{s.base.step}, steps...)
	}
	return steps
}

// GotoVersion moves the cursor to where the run reaches version n of the
// stored instance it started from (Config.Version): the suspension that
// ended the step making it, or the end of the run for the last. It runs
// forward as far as needed.
func (s *Session) GotoVersion(n int64) (Stop, error) {
	k := s.version
	if k == 0 {
		return Stop{}, fmt.Errorf("goto v%d: versions are a stored instance's (wf debug ID)", n)
	}
	if n < k {
		return Stop{}, fmt.Errorf("goto v%d: this session starts at version %d (wf debug ID --at %d starts earlier)", n, k, n)
	}
	i, back := int(n-k), s.m.Steps()
	for len(s.versionSteps()) <= i && !s.ended {
		at := s.m.Steps()
		if _, err := s.forward(&replyCond{s: s}); err != nil && s.waiting == nil {
			return s.stop(false, ""), err
		}
		if s.waiting != nil && s.m.Steps() == at || s.waiting != nil && len(s.versionSteps()) <= i {
			break // no reply to go on with
		}
	}
	reason := fmt.Sprintf("version %d", n)
	if steps := s.versionSteps(); i < len(steps) {
		st, err := s.Goto(steps[i])
		st.Reason, st.Reversed = reason, steps[i] < back
		return st, err
	} else if s.ended && i == len(steps) {
		return s.stop(back > s.m.Steps(), reason), nil
	}
	return s.stop(false, ""), fmt.Errorf("goto v%d: the run does not get there (it ends, or waits at step %d for a reply it has not got)", n, s.m.Steps())
}

// VersionBefore returns the stored version the run had reached by step:
// the latest whose step is at or before it; 0 when the session is not
// on a stored instance or the run has not been that far.
func (s *Session) VersionBefore(step int64) int64 {
	if s.version == 0 || step < s.base.step {
		return 0
	}
	n := int64(0)
	for _, t := range s.versionSteps() {
		if t <= step {
			n++
		}
	}
	return s.version + n - 1
}
