package vm

// This file defines Inspect: a snapshot rendered as plain data for people
// and tools (wf inspect), without running anything.

import (
	"fmt"

	"github.com/wf-lang/wf/compiler"
)

// Inspection is a readable view of a snapshot: what each fiber is doing,
// where, and with which local variables.
type Inspection struct {
	Kind    string        `json:"kind"` // "machine" or "value"
	Program string        `json:"program"`
	Hash    string        `json:"program_hash"`
	Steps   int64         `json:"steps,omitempty"`
	Waiting string        `json:"waiting_on_host,omitempty"`
	Value   string        `json:"value,omitempty"`
	Globals []NamedValue  `json:"globals,omitempty"`
	Fibers  []FiberReport `json:"fibers"`
}

// NamedValue is a variable and its value in Repr form.
type NamedValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FiberReport describes one fiber.
type FiberReport struct {
	ID     int           `json:"id"`
	Kind   string        `json:"kind"` // "main", "generator" or "coroutine"
	Status string        `json:"status"`
	Func   string        `json:"function,omitempty"`
	Parent int           `json:"parent,omitempty"` // ID of the parent coroutine or resumer; 0 for none
	Frames []FrameReport `json:"frames,omitempty"`
}

// FrameReport describes one frame, outermost first.
type FrameReport struct {
	Func   string       `json:"function"`
	Pos    string       `json:"position"`
	PC     int          `json:"pc"`
	Locals []NamedValue `json:"locals,omitempty"`
}

// Inspect decodes and verifies a snapshot of program p and describes it.
// Host functions need not be registered.
func Inspect(p *compiler.Program, data []byte) (ins *Inspection, err error) {
	defer recoverAPI(&err)
	env, err := decodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	opts := Options{stubHosts: true}
	ins = &Inspection{Program: p.File, Hash: fmt.Sprintf("%x", p.Hash)}
	var m *Machine
	var d *decoder
	if env.Kind == snapMachine {
		ins.Kind = "machine"
		if m, d, err = restoreEnvelope(p, env, opts); err != nil {
			return nil, err
		}
		ins.Steps = m.steps
		if m.pending != nil {
			ins.Waiting = m.pending.Host
		}
		for i, name := range p.Globals {
			if m.globals[i] != undefined {
				ins.Globals = append(ins.Globals, NamedValue{name, Repr(m.globals[i])})
			}
		}
	} else {
		ins.Kind = "value"
		if m, err = New(p, opts); err != nil {
			return nil, err
		}
		var v Value
		if v, d, err = m.loadEnvelope(env); err != nil {
			return nil, err
		}
		ins.Value = Repr(v)
	}
	ins.Fibers = d.reportFibers(m)
	return ins, nil
}

// reportFibers describes every fiber of the decoded heap, numbered in heap
// order from 1.
func (d *decoder) reportFibers(m *Machine) []FiberReport {
	ids := map[*Fiber]int{}
	var fibers []*Fiber
	for _, v := range d.objs {
		if v.k == KindGenerator || v.k == KindCoroutine {
			f := v.asFiber()
			if _, seen := ids[f]; !seen {
				fibers = append(fibers, f)
				ids[f] = len(fibers)
			}
		}
	}
	out := make([]FiberReport, len(fibers))
	for i, f := range fibers {
		out[i] = m.reportFiber(f, ids[f], ids[f.Parent])
	}
	return out
}

func (m *Machine) reportFiber(f *Fiber, id, parent int) FiberReport {
	r := FiberReport{ID: id, Kind: fiberNoun(f), Status: f.Status.String(), Parent: parent}
	if f.Kind == fiberRoot {
		r.Kind = "main"
	}
	if f == m.root && r.Status == "new" {
		r.Status = "running"
	}
	r.Func = funcName(fiberFuncName(f))
	if f.Kind == fiberRoot {
		r.Func = "<main>"
	}
	for _, fr := range f.Frames {
		fn := fr.Fn.Fn
		pc := fr.PC - 1
		if pc < 0 {
			pc = 0
		}
		rep := FrameReport{Func: funcName(fn.Name), Pos: fn.PosAt(m.prog.File, pc).String(), PC: fr.PC}
		for _, l := range fn.LocalsAt(fr.PC) {
			v := f.Stack[fr.Base+l.Slot]
			if v.k == kindCell {
				v = (*Cell)(v.p).V
			}
			rep.Locals = append(rep.Locals, NamedValue{l.Name, Repr(v)})
		}
		r.Frames = append(r.Frames, rep)
	}
	return r
}
