package debug

// This file defines the log of inputs from outside: host function
// results and replies to host suspensions, by step, so that re-running
// any part of the timeline answers every host call as the first run did.

import (
	"errors"
	"io"

	"github.com/wf-lang/wf/vm"
)

// hostResult is what a host function returned at a step: a value as
// vm.Dump bytes, or an error.
type hostResult struct {
	value []byte
	kind  string // a *vm.Error's kind; "" for another error
	err   string // the error's message; "" when there is none
	isErr bool
}

// inputs is the session's log.
type inputs struct {
	hosts   map[int64]hostResult // host function results by step
	replies map[int64][]byte     // replies to suspensions, by step, as vm.Dump bytes
	thrown  map[int64]bool       // the reply at a step is an error value to throw (see Thrown)
}

func newInputs() *inputs {
	return &inputs{hosts: map[int64]hostResult{}, replies: map[int64][]byte{}, thrown: map[int64]bool{}}
}

// Thrown is what a Config.Reply returns to have the run throw Err where
// it waits instead of getting a reply, as a durable instance's history
// threw an activity's final failure or a cancellation into it. The
// session logs it as the reply at that step, so every pass throws it.
type Thrown struct{ Err *vm.Error }

func (t *Thrown) Error() string { return t.Err.Error() }

// resume gives m the logged reply v at a suspension: v itself, or, when
// thrown, the error it holds, thrown where m waits.
func resume(m *vm.Machine, v vm.Value, thrown bool) (*vm.Suspension, error) {
	if e := v.AsError(); thrown && e != nil {
		return m.ResumeError(vm.NewError(e.Kind, e.Msg))
	}
	return m.Resume(v)
}

// wrap returns h logged: at a step the log has, h is not called and the
// logged result is returned; at any other step h runs and its result is
// logged. Either way the value comes back through Dump and Load, so a
// live run and a replay build the same objects.
func (in *inputs) wrap(h *vm.Builtin) *vm.Builtin {
	return &vm.Builtin{Name: h.Name, Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		step := m.Steps()
		r, ok := in.hosts[step]
		if !ok {
			v, err := h.Fn(m, args)
			if vm.IsSuspension(err) {
				return v, err // asked again on replay: the reply is what is logged
			}
			if r, err = record(m, v, err); err != nil {
				return vm.Nil, err
			}
			in.hosts[step] = r
		}
		return r.replay(m)
	}}
}

// record turns a host function's result into a log entry.
func record(m *vm.Machine, v vm.Value, err error) (hostResult, error) {
	if err != nil {
		var e *vm.Error
		if errors.As(err, &e) && e != nil {
			return hostResult{kind: e.Kind, err: e.Msg, isErr: true}, nil
		}
		return hostResult{err: err.Error(), isErr: true}, nil
	}
	data, derr := m.Dump(v)
	if derr != nil {
		return hostResult{}, derr
	}
	return hostResult{value: data}, nil
}

// replay gives the logged result again.
func (r hostResult) replay(m *vm.Machine) (vm.Value, error) {
	if r.isErr {
		if r.kind == "" {
			return vm.Nil, errors.New(r.err)
		}
		return vm.Nil, vm.Errorf(r.kind, "%s", r.err)
	}
	return m.Load(r.value)
}

// gate is the program's output: passed through while the run is past
// every step run before, dropped while a part already run is replayed.
type gate struct {
	w     io.Writer
	muted bool
}

func (g *gate) Write(p []byte) (int, error) {
	if g.muted {
		return len(p), nil
	}
	return g.w.Write(p)
}
