package vm

// This file defines the budgets that bound a machine: steps, allocation,
// cancellation and call depth.

import "math"

// What the allocation budget charges for each kind of object, in bytes:
// about what Go allocates for it on a 64-bit machine. Containers charge
// their slots as they grow; these are the fixed parts.
const (
	valueSize    = 24  // a list slot, a stack slot
	mapEntrySize = 256 // a map entry with its share of the index, grown
	mapSize      = 160 // an empty map
	errorSize    = 64  // an error value, without its traceback
	traceSize    = 48  // one traceback line
	closureSize  = 48  // a function value, plus 8 per captured variable
	cellSize     = 32  // a captured variable
	fiberSize    = 384 // a generator or coroutine with its first stack
	rangeSize    = 32  // a range value
	bytesSize    = 32  // a bytes value, plus its bytes
)

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
	if m.pausing != nil {
		next = min(next, m.pauseNext())
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
		if err := m.hook(); err != nil {
			return err
		}
	}
	if m.pausing != nil && m.pauseNow() {
		m.preempted = true // between instructions, outside any Go builtin: whole
		return pauseSignal{}
	}
	return nil
}

// work charges n steps for work done inside one instruction (elements
// compared or copied, bytes scanned), so that MaxSteps bounds run time and
// not only instructions, and polls cancellation. Builtins charge in
// batches, not per element. The dispatch loop reloads its step count
// after every slow path that may call it, so the budget stops the machine
// at the next instruction boundary, where its state is whole; only an
// instruction that runs workSlack steps past the budget is stopped in
// the middle.
func (m *Machine) work(n int64) error {
	m.steps += n
	if m.opts.MaxSteps > 0 && m.steps > m.opts.MaxSteps+workSlack {
		return errorf(ErrLimit, "step limit of %d exceeded", m.opts.MaxSteps)
	}
	return m.poll()
}

// workSlack is how far past MaxSteps the work of one instruction may go
// before it is stopped mid-instruction: a few hundred microseconds.
const workSlack = 1 << 16

// workBytes charges the work of copying or scanning n bytes: a step per
// 64, nothing below that (the instruction itself is a step).
func (m *Machine) workBytes(n int) error {
	if n < 64 {
		return nil
	}
	return m.work(int64(n >> 6))
}

// workRunes charges the work of decoding n bytes character by character
// (case mapping, character classes): a step per 4, a cost measured close
// to an instruction's.
func (m *Machine) workRunes(n int) error {
	if n < 4 {
		return nil
	}
	return m.work(int64(n >> 2))
}

// workElems charges the work of visiting n values: a step each, nothing
// below 16 (the instruction itself is a step).
func (m *Machine) workElems(n int) error {
	if n < 16 {
		return nil
	}
	return m.work(int64(n))
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
//
// Building n bytes is also work: charge counts a step per 16 bytes
// against the step budget too, so that builtins which make large results
// pay for them in steps without a second call. (Allocating, filling and
// later collecting a large string costs about 1 ns a byte: 16 bytes is
// several instructions' worth.)
func (m *Machine) charge(n int64) error {
	if n >= 64 { // small objects are paid for by their instruction
		if err := m.work(n >> 4); err != nil {
			return err
		}
	}
	if m.opts.MaxAlloc <= 0 {
		return nil
	}
	m.alloc += n
	if m.alloc+m.stackAlloc > m.opts.MaxAlloc || n < 0 {
		return errorf(ErrLimit, "memory limit of %d bytes exceeded", m.opts.MaxAlloc)
	}
	return nil
}

// chargeStack counts n bytes of fiber stack growth against the
// allocation budget. Unlike charge it does not count work, and what it
// counts is not part of the machine's state: a stack's capacity depends
// on how it grew, which a restored machine does not repeat (it allocates
// exactly what each fiber holds), while snapshots of one logical state
// must be identical. So the stack part of the budget starts from zero in
// a restored machine, and stacks, which are live memory rather than
// garbage, stay bounded per run.
func (m *Machine) chargeStack(n int64) error {
	if m.opts.MaxAlloc <= 0 {
		return nil
	}
	m.stackAlloc += n
	if m.alloc+m.stackAlloc > m.opts.MaxAlloc {
		return errorf(ErrLimit, "memory limit of %d bytes exceeded", m.opts.MaxAlloc)
	}
	return nil
}

// AllocLeft reports how many bytes the allocation budget has left, and
// whether there is a budget at all. Host functions that read data of
// unknown size (a file, a response) read at most that much.
func (m *Machine) AllocLeft() (n int64, limited bool) {
	if m == nil || m.opts.MaxAlloc <= 0 {
		return 0, false
	}
	return m.opts.MaxAlloc - m.alloc - m.stackAlloc, true
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
