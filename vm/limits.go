package vm

// This file defines the budgets that bound a machine: steps, allocation,
// cancellation and call depth.

import "math"

// pollInterval is how many steps pass between two context checks.
const pollInterval = 1 << 12

// nextEvent returns the step count at which the loop must stop and call
// event: the step limit, the next cancellation poll, whichever is first.
func (m *Machine) nextEvent() int64 {
	next := int64(math.MaxInt64)
	if m.opts.MaxSteps > 0 {
		next = m.opts.MaxSteps
	}
	if m.ctx != nil && m.steps+pollInterval < next {
		next = m.steps + pollInterval
	}
	if m.hook != nil && m.hookAt < next {
		next = m.hookAt
	}
	return next
}

// event runs at the steps nextEvent announced. The machine state is fully
// saved in its fibers when it is called.
func (m *Machine) event() error {
	if m.opts.MaxSteps > 0 && m.steps >= m.opts.MaxSteps {
		// Between instructions and outside any Go builtin the state is
		// whole: the machine can be snapshotted where the budget ran out.
		m.preempted = m.nest == 0
		return errorf(ErrLimit, "step limit of %d exceeded", m.opts.MaxSteps)
	}
	if err := m.poll(); err != nil {
		return err
	}
	if m.hook != nil && m.steps >= m.hookAt {
		return m.hook()
	}
	return nil
}

// poll reports cancellation of the machine's context. Long builtins call
// it as they go.
func (m *Machine) poll() error {
	if m.ctx == nil {
		return nil
	}
	if err := m.ctx.Err(); err != nil {
		return errorf(ErrCancelled, "cancelled: %v", err)
	}
	return nil
}

// charge counts n bytes against the allocation budget. Strings, lists and
// maps charge as they grow; exceeding the budget stops the machine with an
// error no try/catch can intercept.
func (m *Machine) charge(n int64) error {
	if m.opts.MaxAlloc <= 0 {
		return nil
	}
	m.alloc += n
	if m.alloc > m.opts.MaxAlloc || n < 0 {
		return errorf(ErrLimit, "memory limit of %d bytes exceeded", m.opts.MaxAlloc)
	}
	return nil
}

// Charge counts n bytes against the allocation budget; host functions
// that build large values use it.
func (m *Machine) Charge(n int64) error {
	if m == nil {
		return errNoMachine
	}
	return m.charge(n)
}

// Poll reports cancellation; long-running host functions call it.
func (m *Machine) Poll() error {
	if m == nil {
		return errNoMachine
	}
	return m.poll()
}
