package vm

// This file defines pauses: a debugger's way to stop a running machine
// between two instructions, look at it, snapshot it, and let it run on
// exactly as if it had never stopped.

import (
	"errors"
	"slices"

	"github.com/wf-lang/wf/compiler"
)

// ErrPaused is returned by Run and Resume when the pause armed by Pause
// stopped the machine. The machine is whole: it may be snapshotted, and
// Run continues it.
var ErrPaused = errors.New("machine paused")

// pauseSignal is the error event returns to stop the loop for a pause.
type pauseSignal struct{}

func (pauseSignal) Error() string { return ErrPaused.Error() }

// pause is an armed pause: a step target, a predicate, or both.
type pause struct {
	at   int64               // stop once steps reach it; 0: no target
	from int64               // steps when it was armed: stop only tests boundaries after it
	stop func(*Machine) bool // stop when it reports true; nil: none
}

// Pause arms a stop for the machine's next Run or Resume: the machine
// stops at the first boundary between two instructions where its step
// count has reached step (0 means no step target), or where stop, called
// at every boundary after at least one more instruction, reports true.
// Run or Resume then returns ErrPaused and the pause is disarmed; Run
// continues the machine from there. A host suspension does not disarm
// it: the Resume after it stops where the pause says.
//
// Boundaries inside .wf code that a Go builtin called back (a sort
// comparator) are not stops: a pause there waits for the builtin to
// return. An instruction that charges work (see Options.MaxSteps) moves
// the step count by more than one, so the first boundary at or after
// step may be past it: the same one for every run of the same program.
//
// An armed pause costs nothing until its step comes; a predicate makes
// the loop take its slow path at every instruction, a few times slower,
// which is a debugger's price. Pause(0, nil) disarms.
func (m *Machine) Pause(step int64, stop func(*Machine) bool) error {
	if err := m.idle(); err != nil {
		return err
	}
	if step <= 0 && stop == nil {
		m.pausing = nil
		return nil
	}
	m.pausing = &pause{at: max(step, 0), from: m.steps, stop: stop}
	return nil
}

// pauseNext is the step at which the loop must look at the armed pause.
func (m *Machine) pauseNext() int64 {
	if m.pausing.stop != nil {
		return m.steps + 1
	}
	return m.pausing.at
}

// pauseNow reports whether the armed pause stops the machine here, and
// disarms it if so.
func (m *Machine) pauseNow() bool {
	p := m.pausing
	if m.nest > 0 {
		return false
	}
	// The predicate is asked at every boundary, also where the step
	// target is reached: a caller may keep state in it.
	stop := p.stop != nil && m.steps > p.from && p.stop(m)
	if stop || (p.at > 0 && m.steps >= p.at) {
		m.pausing = nil
		return true
	}
	return false
}

// Location is where a machine stands between two instructions: the
// function and pc of the current fiber's innermost frame, and the call
// depth there, which counts for a running generator the frames of the
// fibers that resumed it too. Fn is nil before the first Run's first
// instruction has a frame to show and after the program has finished.
type Location struct {
	Fn    *compiler.Function
	PC    int // the index of the next instruction
	Depth int
}

// Line returns the source line of the instruction at the location (0
// when there is none).
func (l Location) Line() int {
	if l.Fn == nil || l.PC < 0 || l.PC >= len(l.Fn.Lines) {
		return 0
	}
	return int(l.Fn.Lines[l.PC].Line)
}

// Location returns where the machine stands.
func (m *Machine) Location() Location {
	if m == nil || m.cur == nil || len(m.cur.Frames) == 0 {
		return Location{}
	}
	fr := &m.cur.Frames[len(m.cur.Frames)-1]
	return Location{Fn: fr.Fn.Fn.Function, PC: fr.PC, Depth: m.cur.depth()}
}

// Finished reports whether the program has run to its end. (A machine
// that an uncaught error stopped is not finished: Run returns the error
// again.)
func (m *Machine) Finished() bool {
	return m != nil && m.root != nil && m.root.Status == StatusDone
}

// Local returns the value of the local variable called name that is live
// in frame number frame of the running stack (0 is the innermost, as in a
// traceback; see Stack), and whether there is one. A captured variable's
// value is read through its cell. The value is shared with the machine,
// not copied.
func (m *Machine) Local(frame int, name string) (Value, bool) {
	f, fr := m.stackFrame(frame)
	if fr == nil {
		return Nil, false
	}
	locals := fr.Fn.Fn.Locals
	for i := len(locals) - 1; i >= 0; i-- {
		l := locals[i]
		if l.Name != name || fr.PC < l.Start || fr.PC >= l.End || fr.Base+l.Slot >= len(f.Stack) {
			continue
		}
		v := f.Stack[fr.Base+l.Slot]
		if v.k == kindCell {
			v = (*Cell)(v.p).V
		}
		return v, true
	}
	return Nil, false
}

// chain returns the fibers whose frames make the running stack, outermost
// first: the current fiber and, while it is a running generator, the
// fibers that resumed it. (A coroutine's parent is not its caller: its
// stack is its own.)
func (m *Machine) chain() []*Fiber {
	if m == nil || m.cur == nil {
		return nil
	}
	fibers := []*Fiber{m.cur}
	for f := m.cur; f.Kind == fiberGenerator && f.Parent != nil && len(fibers) <= m.opts.MaxCallDepth; f = f.Parent {
		fibers = append(fibers, f.Parent)
	}
	slices.Reverse(fibers)
	return fibers
}

// stackFrame returns frame number n of the running stack, counted from
// the innermost, with its fiber; nil when there is none.
func (m *Machine) stackFrame(n int) (*Fiber, *Frame) {
	fibers := m.chain()
	for i := len(fibers) - 1; i >= 0 && n >= 0; i-- {
		f := fibers[i]
		if n < len(f.Frames) {
			return f, &f.Frames[len(f.Frames)-1-n]
		}
		n -= len(f.Frames)
	}
	return nil, nil
}

// StackView is the JSON form of a machine's running stack: its frames,
// outermost first, with their live locals, the globals that are set,
// and the table of the objects their values refer to.
type StackView struct {
	Steps     int64        `json:"steps"`
	Frames    []FrameView  `json:"frames"`
	Globals   []Var        `json:"globals,omitempty"`
	Objects   []ObjectView `json:"objects,omitempty"`
	Truncated bool         `json:"truncated,omitempty"` // some part was cut by the limits
}

// Stack describes the running stack within the limits of opts: the
// frames a traceback would show, a paused debugger's bt and locals.
func (m *Machine) Stack(opts ViewOptions) *StackView {
	sv := &StackView{Frames: []FrameView{}}
	if m == nil || m.prog == nil {
		return sv
	}
	sv.Steps = m.steps
	w := newViewer(opts)
	for _, f := range m.chain() {
		for _, fr := range f.Frames {
			sv.Frames = append(sv.Frames, w.frame(f, fr))
		}
	}
	for i, name := range m.prog.Globals {
		if m.globals[i] != undefined && !w.full() {
			sv.Globals = append(sv.Globals, w.variable(name, m.globals[i]))
		}
	}
	w.drain()
	sv.Objects, sv.Truncated = w.objs, w.cut
	return sv
}

// Program returns the compiled program the machine runs.
func (m *Machine) Program() *compiler.Program {
	if m == nil || m.prog == nil {
		return nil
	}
	return m.prog.Program
}
