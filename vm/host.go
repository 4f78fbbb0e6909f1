package vm

// This file defines host suspension: a Go host function can stop the whole
// machine with a request, and the host resumes it later, possibly in
// another process after Snapshot and Restore, with a reply that becomes the
// host function's result.

import (
	"errors"
	"fmt"
)

// Suspension describes a machine stopped by a host function.
type Suspension struct {
	Host    string // the host function that suspended
	Request Value  // what it asked for
}

// pendingHost records, in the machine's state, the host call whose reply
// the machine waits for.
type pendingHost struct {
	Host    string
	Request Value
}

// suspendSignal is the error a host function returns (through Suspend) to
// stop the machine.
type suspendSignal struct {
	host    string
	request Value
}

func (s *suspendSignal) Error() string { return "suspended by " + s.host }

// Suspend, returned from a host function, suspends the machine:
//
//	return m.Suspend("ask", request)
//
// Run (or Resume) then returns a *Suspension carrying request, and the
// machine waits for Resume. It is refused inside a callback of a Go
// builtin (a sort comparator, say), whose Go frame cannot be suspended.
func (m *Machine) Suspend(host string, request Value) (Value, error) {
	if m == nil {
		return Nil, errNoMachine
	}
	if !m.running {
		return Nil, errorf(ErrValue, "%s: Suspend is for a host function that Run or Resume called", host)
	}
	if m.nest > 0 {
		return Nil, errorf(ErrValue, "%s cannot suspend inside a function %s", host, m.goCaller())
	}
	return Nil, &suspendSignal{host: host, request: request}
}

// ErrNotSuspended is returned by Resume on a machine that is not waiting
// for a host reply.
var ErrNotSuspended = errors.New("machine is not suspended")

// errNoMachine is returned by the methods of a nil *Machine, or of one
// not made by New or Restore.
var errNoMachine = errors.New("vm: no machine (a nil *Machine, or one not made by New or Restore)")

// errRunning is returned by Run and Resume called from inside the machine
// they would run: from a host function, or a callback of Call.
var errRunning = errors.New("machine is running: Run and Resume cannot be called from inside one of its own host functions")

// ErrFinished is returned by Run and Resume on a machine that already
// finished.
var ErrFinished = errors.New("machine has finished")

// Run runs the program until the main function returns (nil, nil), a
// host function suspends the machine (a *Suspension), or an error stops
// it. A throw that nothing catches is a *RuntimeError. Neither Run nor
// Resume may be called from one of the machine's own host functions.
func (m *Machine) Run() (*Suspension, error) {
	if err := m.idle(); err != nil {
		return nil, err
	}
	if m.pending != nil {
		return nil, fmt.Errorf("machine is suspended in %s: call Resume", m.pending.Host)
	}
	return m.resume(nil)
}

// Resume delivers reply as the result of the pending host call and runs
// on, like Run.
func (m *Machine) Resume(reply Value) (*Suspension, error) {
	if err := m.idle(); err != nil {
		return nil, err
	}
	if m.pending == nil {
		return nil, ErrNotSuspended
	}
	m.pending = nil
	m.cur.push(reply)
	return m.resume(nil)
}

// ResumeError ends the pending host call by throwing err where it was
// called, as if the host function had returned it, and runs on like
// Run: a try around the call may catch it (an activity's failure, a
// workflow's cancellation), or the run ends with it. err is a wf error
// value (NewError, Errorf); another Go error is thrown as a value_error
// with its text. A suspended machine's snapshot is the same whichever way
// it will be resumed.
func (m *Machine) ResumeError(err error) (*Suspension, error) {
	if err := m.idle(); err != nil {
		return nil, err
	}
	if m.pending == nil {
		return nil, ErrNotSuspended
	}
	if err == nil {
		return nil, errors.New("vm: ResumeError needs an error")
	}
	if _, ok := err.(*Error); !ok {
		err = &Error{Kind: ErrValue, Msg: err.Error()}
	}
	m.pending = nil
	return m.resume(err)
}

// idle reports why m cannot start running now, if it cannot: it is not a
// machine, or it is running already. Calling Run from a host function
// used to re-enter the loop in the middle of the CALL that called the
// host.
func (m *Machine) idle() error {
	if m == nil || m.prog == nil {
		return errNoMachine
	}
	if m.running || m.nest > 0 {
		return errRunning
	}
	return nil
}

// Pending reports the host call a suspended machine waits on.
func (m *Machine) Pending() (*Suspension, bool) {
	if m == nil || m.pending == nil {
		return nil, false
	}
	return &Suspension{Host: m.pending.Host, Request: m.pending.Request}, true
}

// resume runs the machine on; throw, when not nil, is thrown first where
// the machine stopped (ResumeError).
// SetPending replaces the request of the host call a suspended machine
// waits on. A host keeps its own bookkeeping there (the durable engine
// counts an activity's attempts in it), and the machine's next snapshot
// carries it; the reply still goes to the same call.
func (m *Machine) SetPending(request Value) error {
	if err := m.idle(); err != nil {
		return err
	}
	if m.pending == nil {
		return ErrNotSuspended
	}
	m.pending.Request = request
	return nil
}

func (m *Machine) resume(throw error) (susp *Suspension, err error) {
	defer m.recoverAPI(&err)
	if m.root.Status == StatusDone {
		return nil, ErrFinished
	}
	if m.root.Status == StatusNew {
		// Only the first Run starts the root; after a suspension inside a
		// coroutine the root waits at a switch and must stay suspended.
		m.root.Status = StatusRunning
	}
	if m.failed != nil {
		return nil, m.failed
	}
	m.preempted = false
	m.running = true
	defer func() { m.running = false }()
	if throw != nil {
		err = m.throwIn(throw)
	}
	if err == nil {
		_, err = m.exec(nil, 0)
	}
	var s *suspendSignal
	if errors.As(err, &s) {
		return &Suspension{Host: s.host, Request: s.request}, nil
	}
	if _, ok := err.(pauseSignal); ok {
		return nil, ErrPaused
	}
	if err != nil {
		err = m.escaped(err)
		if !m.preempted {
			// The machine stopped mid-instruction; its state is no
			// longer one a snapshot may capture or a Run may continue.
			m.failed = err
		}
		return nil, err
	}
	return nil, nil
}

// throwIn delivers err to the handler that catches it where the machine
// stopped; when none does, it returns the error the run ends with.
func (m *Machine) throwIn(err error) error {
	if caught, err := m.unwind(err, nil, 0); !caught {
		return err
	}
	return nil
}

// IsSuspension reports whether err is what Suspend returned: a host
// function wrapping another (to log its results, say) passes it on.
func IsSuspension(err error) bool {
	_, ok := err.(*suspendSignal)
	return ok
}
