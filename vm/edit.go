package vm

// This file defines SetVariable: changing a variable inside a snapshot
// from outside, the way a debugger would, without running anything.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wf-lang/wf/compiler"
)

// ErrNoVariable is wrapped when SetVariable finds no variable by the name.
var ErrNoVariable = errors.New("no such variable")

// SetVariable returns a copy of the machine snapshot data in which the
// variable name holds v, and the value it held. The snapshot is decoded
// and verified as Restore does; host functions need not be registered.
//
// A plain name is looked up where the suspended code would see it first:
// the frames of the current fiber from the innermost out, then the fibers
// that resumed it, then the globals. "fn.name" picks the innermost frame
// of the function fn ("<main>" for the top level), and "global.name" the
// global. A captured variable is changed in its cell, so every closure
// sharing it sees the new value. A variable whose let has not run yet
// cannot be set.
func SetVariable(p *compiler.Program, data []byte, name string, v Value) ([]byte, Value, error) {
	m, err := Restore(p, data, Options{stubHosts: true})
	if err != nil {
		return nil, Nil, err
	}
	slot, err := m.findVariable(name)
	if err != nil {
		return nil, Nil, err
	}
	old := *slot
	if old == undefined {
		return nil, Nil, fmt.Errorf("variable %s is not initialized yet", name)
	}
	*slot = v
	out, err := m.Snapshot(SnapshotOptions{})
	return out, old, err
}

// findVariable returns where the value of the variable called name lives.
func (m *Machine) findVariable(name string) (*Value, error) {
	scope, bare, qualified := strings.Cut(name, ".")
	if !qualified {
		bare, scope = name, ""
	}
	if scope != "global" {
		if slot := m.findLocal(scope, bare); slot != nil {
			return slot, nil
		}
	}
	if scope == "" || scope == "global" {
		for i, g := range m.prog.Globals {
			if g == bare {
				return &m.globals[i], nil
			}
		}
	}
	return nil, fmt.Errorf("%w %q in the waiting frames or the globals", ErrNoVariable, name)
}

// findLocal searches the frames of the current fiber and its resumers,
// innermost first, for a live local called name in a function called fn
// (any function when fn is empty).
func (m *Machine) findLocal(fn, name string) *Value {
	seen := map[*Fiber]bool{}
	for f := m.cur; f != nil && !seen[f]; f = f.Parent {
		seen[f] = true
		for i := len(f.Frames) - 1; i >= 0; i-- {
			fr := f.Frames[i]
			if fn != "" && fr.Fn.Fn.Name != fn {
				continue
			}
			for _, l := range fr.Fn.Fn.LocalsAt(fr.PC) {
				if l.Name == name {
					return localSlot(f, fr, l)
				}
			}
		}
	}
	return nil
}

func localSlot(f *Fiber, fr Frame, l compiler.LocalInfo) *Value {
	slot := &f.Stack[fr.Base+l.Slot]
	if slot.k == kindCell {
		return &(*Cell)(slot.p).V
	}
	return slot
}
