package vm

// This file defines Inspect: a snapshot shown as plain data for people
// and tools (wf inspect, wf show), without running anything.

import (
	"context"
	"fmt"

	"github.com/wf-lang/wf/compiler"
)

// Inspection is a readable view of a snapshot: its globals, what each
// fiber is doing, where, and with which local variables. Values take the
// JSON form of View; Objects is the table their refs point into, and the
// generators and coroutines in it carry their frames.
type Inspection struct {
	Kind      string       `json:"kind"` // "machine" or "value"
	Program   string       `json:"program"`
	Hash      string       `json:"program_hash"`
	Steps     int64        `json:"steps,omitempty"`
	Waiting   string       `json:"waiting_on_host,omitempty"`
	Value     *ValueView   `json:"value,omitempty"` // the value of a value snapshot
	Globals   []Var        `json:"globals,omitempty"`
	Fibers    []int        `json:"fibers"` // ids of the fibers' objects: the main program and the current fiber first
	Objects   []ObjectView `json:"objects"`
	Truncated bool         `json:"truncated,omitempty"` // some part was cut by the limits
}

// Object returns the entry of the object table with the given id, or nil.
func (ins *Inspection) Object(id int) *ObjectView {
	if ins == nil || id < 1 || id > len(ins.Objects) {
		return nil
	}
	return &ins.Objects[id-1]
}

// InspectOptions configure Inspect: the view's limits, and a context that
// cancels decoding.
type InspectOptions struct {
	ViewOptions
	Context context.Context
}

// Inspect decodes and verifies a snapshot of program p and describes it
// within the limits of opts. Host functions need not be registered.
func Inspect(p *compiler.Program, data []byte, opts InspectOptions) (ins *Inspection, err error) {
	defer recoverAPI(&err)
	if err := checkProgram(p); err != nil {
		return nil, err
	}
	env, err := decodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	ropts := Options{Context: opts.Context, stubHosts: true}
	ins = &Inspection{Program: p.File, Hash: fmt.Sprintf("%x", p.Hash)}
	w := newViewer(opts.ViewOptions)
	if env.Kind == snapMachine {
		err = ins.machine(w, p, env, ropts)
	} else {
		err = ins.value(w, p, env, ropts)
	}
	if err != nil {
		return nil, err
	}
	w.drain()
	ins.Fibers, ins.Objects, ins.Truncated = w.fibers(), w.objs, w.cut
	return ins, nil
}

// machine restores a machine snapshot and enters its roots in the view:
// the main program and the current fiber first, then the globals.
func (ins *Inspection) machine(w *viewer, p *compiler.Program, env *envelope, opts Options) error {
	ins.Kind = "machine"
	m, _, err := restoreEnvelope(p, env, opts)
	if err != nil {
		return err
	}
	ins.Steps = m.steps
	if m.pending != nil {
		ins.Waiting = m.pending.Host
	}
	w.ref(coroutineValue(m.root))
	w.ref(fiberValue(m.cur))
	for i, name := range p.Globals {
		if m.globals[i] != undefined && !w.full() {
			ins.Globals = append(ins.Globals, w.variable(name, m.globals[i]))
		}
	}
	return nil
}

// value loads a value snapshot and enters the value in the view. The
// loading machine's main program, which the value may refer to, is shown
// by reference only.
func (ins *Inspection) value(w *viewer, p *compiler.Program, env *envelope, opts Options) error {
	ins.Kind = "value"
	m, err := New(p, opts)
	if err != nil {
		return err
	}
	v, err := m.loadEnvelope(env)
	if err != nil {
		return err
	}
	w.outside = m.root
	vv := w.value(v)
	ins.Value = &vv
	return nil
}
