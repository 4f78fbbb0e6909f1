package vm

// This file defines calls, returns into fibers, and throws: the parts of
// the loop that move between frames and fibers.

import (
	"errors"
	"fmt"
	"slices"
)

// call calls fv with the n arguments on top of the current fiber's stack
// (fv sits just below them). A .wf function gets a new frame and the loop
// continues in it; a generator function returns a new generator; a Go
// function runs to completion. Results replace fv on the stack.
func (m *Machine) call(f *Fiber, fv Value, n int) error {
	sp := f.SP
	switch fv.k {
	case KindFunc:
		cl := fv.asClosure()
		callee := cl.Fn
		if n != callee.NumParams {
			return argCountError(callee.Name, callee.NumParams, n)
		}
		if callee.Generator {
			g, err := m.newGenerator(cl, f.Stack[sp-n:sp])
			if err != nil {
				return err
			}
			f.Stack[sp-n-1] = generatorValue(g)
			f.SP = sp - n
			return nil
		}
		if f.depth() >= m.opts.MaxCallDepth {
			return m.stackOverflow()
		}
		nb := sp - n
		if err := m.growStack(f, nb+callee.NumLocals+callee.MaxStack); err != nil {
			return err
		}
		clear(f.Stack[sp : nb+callee.NumLocals])
		f.Frames = append(f.Frames, Frame{Fn: cl, Base: nb})
		f.SP = nb + callee.NumLocals
		return nil
	case KindBuiltin:
		v, err := m.callBuiltin(fv.AsBuiltin(), f.Stack[sp-n:sp])
		if s, ok := err.(*suspendSignal); ok {
			// The call's result is delivered by Resume.
			f.SP = sp - n - 1
			m.pending = &pendingHost{Host: s.host, Request: s.request}
			return s
		}
		if err != nil {
			return err
		}
		f = m.cur
		f.SP = sp - n
		f.Stack[f.SP-1] = v
		return nil
	}
	return errorf(ErrType, "cannot call %s value", article(fv.TypeName()))
}

// callBuiltin runs a Go function.
func (m *Machine) callBuiltin(b *Builtin, args []Value) (Value, error) {
	if b.Fn == nil {
		return Nil, errorf(ErrType, "builtin %s has no Go function", b.Name)
	}
	v, err := b.Fn(m, args)
	if err != nil {
		if err = wrapGoError(b.Name, err); err != nil {
			return Nil, err
		}
	}
	return v, nil
}

// Call calls a wf function value (or a builtin) from Go and returns its
// result. A host function calls it for a callback, as sort does with a
// comparator: the function then runs on the current fiber above the
// caller's frames. An embedder calls it on a machine that has not
// started, has finished, has failed with a runtime error or waits for
// Resume, to call a function it got with Global, say: the function then
// runs on a fiber of its own, so the machine's state is left as it was,
// and an error it throws comes back as a *RuntimeError, as from Run (a
// builtin's error comes back as the builtin returned it).
// Either way the function may not yield or switch away, and no host
// function it calls may suspend the machine: the Go caller's frame
// cannot be suspended. Its steps count toward the machine's budget.
func (m *Machine) Call(fn Value, args ...Value) (Value, error) {
	if m == nil {
		return Nil, errNoMachine
	}
	if !m.running {
		return m.callOutside(fn, args)
	}
	f := m.cur
	switch fn.k {
	case KindBuiltin:
		// A builtin gets a copy: handing it args itself would make args
		// escape, and every caller's argument slice, a sort comparator's
		// included, would be allocated on the heap (BenchmarkCallComparator:
		// 204,110 allocations per sort of 12,000 ints before, 33 after).
		return m.callBuiltin(fn.asBuiltin(), slices.Clone(args))
	case KindFunc:
	default:
		return Nil, errorf(ErrType, "cannot call %s value", article(fn.TypeName()))
	}
	if m.nest >= maxNest {
		return Nil, errorf(ErrStackOverflow, "stack overflow: more than %d nested calls from Go builtins (such as sort comparators)", maxNest)
	}
	sp := f.SP
	if err := m.growStack(f, sp+1+len(args)); err != nil {
		return Nil, err
	}
	f.Stack[sp] = fn
	copy(f.Stack[sp+1:], args)
	f.SP = sp + 1 + len(args)
	depth := len(f.Frames)
	if err := m.call(f, fn, len(args)); err != nil {
		f.SP = sp
		return Nil, err
	}
	if len(f.Frames) == depth { // a generator function: no frame was pushed
		f.SP = sp
		return f.Stack[sp], nil
	}
	f.nest++
	m.nest++
	v, err := m.exec(f, depth)
	f.nest--
	m.nest--
	if err != nil {
		f.Frames = f.Frames[:depth]
		f.popHandlers(depth + 1)
	}
	f.SP = sp
	return v, err
}

// stackOverflow is the error of a call past the depth ceiling.
func (m *Machine) stackOverflow() *Error {
	return errorf(ErrStackOverflow, "stack overflow: more than %d nested calls", m.opts.MaxCallDepth)
}

// maxNest bounds the .wf calls from Go builtins active at once (a sort
// comparator that sorts, whose comparator sorts, ...). Each holds a Go
// stack frame of the dispatch loop and of the builtin; without a bound a
// chain of them through fresh generators, each fiber shallow, would grow
// the Go stack until the process dies.
const maxNest = 200

// callOutside is Call from outside the loop. A .wf function runs on a
// new coroutine fiber whose parent is the current coroutine, so that
// current() and coroutines made inside behave as in a callback; the
// fiber ends with the call, and the machine's current fiber is restored.
// Before this, Call pushed onto the current fiber, which on a finished
// machine has a stack height of -1: index out of range [-1].
func (m *Machine) callOutside(fn Value, args []Value) (v Value, err error) {
	if errors.Is(m.failed, ErrInternal) {
		return Nil, fmt.Errorf("call: %w", m.failed)
	}
	defer m.recoverAPI(&err)
	prev := m.cur
	m.nest++
	m.outside++
	defer func() { m.cur, m.running = prev, false; m.nest--; m.outside-- }()
	switch fn.k {
	case KindBuiltin:
		return m.callBuiltin(fn.asBuiltin(), slices.Clone(args)) // see Call
	case KindFunc:
	default:
		return Nil, errorf(ErrType, "cannot call %s value", article(fn.TypeName()))
	}
	if fc := fn.asClosure().Fn; m.prog == nil || fc.Index >= len(m.prog.Funcs) || m.prog.Funcs[fc.Index] != fc {
		return Nil, errorf(ErrValue, "cannot call a function of another program")
	}
	t := m.callFiber(fn, args)
	m.running = true
	m.setCur(t)
	if err = m.call(t, fn, len(args)); err == nil && len(t.Frames) == 0 {
		v = t.Stack[0] // a generator function: it made a generator
	} else if err == nil {
		v, err = m.exec(t, 0)
	}
	if err != nil && m.outside == 1 {
		err = m.escaped(err) // a nested Call's error goes back to its builtin as is
	}
	if err != nil {
		m.abandonTo(t)
	}
	m.abandon(t)
	t.Stack = nil
	return v, err
}

// goCaller names the innermost Go caller of the running .wf code, for
// the errors of what it may not do: an outside Call sits below every
// builtin's callback on the Go stack, so it is the innermost exactly when
// no callback is active above it.
func (m *Machine) goCaller() string {
	if m.nest == m.outside {
		return "called from Go by Machine.Call"
	}
	return "called by a Go builtin (such as a sort comparator)"
}

// callFiber returns the running fiber an outside Call of fn runs on,
// with fn and args on its stack as a CALL expects them.
func (m *Machine) callFiber(fn Value, args []Value) *Fiber {
	t := newFiber(fiberCoroutine)
	t.Status = StatusRunning
	t.Fn = fn
	t.Parent = m.currentCoroutine()
	t.nest = 1
	t.grow(1 + len(args))
	t.Stack[0] = fn
	copy(t.Stack[1:], args)
	t.SP = 1 + len(args)
	return t
}

// abandonTo ends the fibers a throw or a limit left running between the
// current fiber and t: generators t resumed, which would otherwise stay
// running with no one to return to.
func (m *Machine) abandonTo(t *Fiber) {
	for f := m.cur; f != nil && f != t; {
		f = m.abandon(f)
	}
}

func argCountError(name string, want, got int) *Error {
	s := "s"
	if want == 1 {
		s = ""
	}
	return errorf(ErrArgs, "%s takes %d argument%s, got %d", funcName(name), want, s, got)
}

func funcName(name string) string {
	if name == "" {
		return "anonymous function"
	}
	return name
}

// makeClosure builds a closure of fc, capturing cells from the running
// frame: its locals (which hold cells) or its own captured cells.
func (m *Machine) makeClosure(fc *Funcode, enclosing *Closure, locals []Value) (*Closure, error) {
	if err := m.charge(closureSize + 8*int64(len(fc.Captures))); err != nil {
		return nil, err
	}
	cl := &Closure{Fn: fc}
	if len(fc.Captures) > 0 {
		cl.Cells = cl.one[:]
		if len(fc.Captures) > 1 {
			cl.Cells = make([]*Cell, len(fc.Captures))
		}
		for i, c := range fc.Captures {
			switch {
			case c.FromFree:
				cl.Cells[i] = enclosing.Cells[c.Index]
			case locals[c.Index].k == kindCell:
				cl.Cells[i] = (*Cell)(locals[c.Index].p)
			default:
				return nil, errNotCell()
			}
		}
	}
	return cl, nil
}

// errNotCell reports a captured variable's slot without a cell; only a
// doctored snapshot can cause it.
func errNotCell() error { return errorf(ErrValue, "variable slot holds no cell") }

// popHandlers removes the handlers installed by frames deeper than depth-1.
func (f *Fiber) popHandlers(depth int) {
	h := f.handlers()
	n := len(h)
	for n > 0 && h[n-1].Depth >= depth {
		n--
	}
	if n < len(h) {
		*f.tries = h[:n]
	}
}

// thrown turns a THROW operand into the error the loop unwinds with.
func (m *Machine) thrown(v Value, rethrow bool) error {
	if v.k == KindError {
		// An error keeps the traceback of where it was first thrown, so
		// "catch e { ...; throw e }" reports the original failure.
		e := v.AsError()
		if e.Trace == nil {
			e.Trace = m.traceback()
			m.touchError(e)
		}
		return e
	}
	t := &thrownValue{Value: v}
	if rethrow && m.lastTrace != nil {
		t.Trace = m.lastTrace
	} else {
		t.Trace = m.traceback()
	}
	return t
}

// thrownValue carries a thrown non-error value through the Go side.
type thrownValue struct {
	Value Value
	Trace []TraceEntry
}

func (t *thrownValue) Error() string { return "uncaught throw: " + shortRepr(t.Value) }

// traceback describes the current fiber's frames, outermost first.
func (m *Machine) traceback() []TraceEntry {
	f := m.cur
	out := make([]TraceEntry, 0, len(f.Frames))
	for i := range f.Frames {
		fr := &f.Frames[i]
		pc := fr.PC - 1
		if pc < 0 {
			pc = 0
		}
		out = append(out, TraceEntry{Func: funcName(fr.Fn.Fn.Name), Pos: fr.Fn.Fn.PosAt(m.prog.File, pc)})
	}
	return out
}

// excValue returns the wf value a Go error is caught as, filling in the
// traceback of runtime errors that have none yet.
func (m *Machine) excValue(err error) (Value, []TraceEntry) {
	switch e := err.(type) {
	case *Error:
		if e.Trace == nil {
			e.Trace = m.traceback()
			m.touchError(e)
		}
		return ErrorValue(e), e.Trace
	case *thrownValue:
		return e.Value, e.Trace
	}
	e := &Error{Kind: ErrValue, Msg: err.Error(), Trace: m.traceback()}
	return ErrorValue(e), e.Trace
}

// unwind delivers err to the innermost handler that may catch it, moving
// up from the current fiber through the fibers waiting on it. It reports
// false when the throw leaves the frames of the exec that stop/stopDepth
// describe; the machine is then positioned for exec to return, with the
// error it returns: err, or the memory limit error when the error value
// and its traceback do not fit the allocation budget.
func (m *Machine) unwind(err error, stop *Fiber, stopDepth int) (bool, error) {
	switch e := err.(type) {
	case *Error:
		if isUncatchable(e) {
			return false, err
		}
	case *suspendSignal, pauseSignal:
		return false, err
	}
	exc, trace := m.excValue(err)
	m.lastTrace = trace
	for {
		f := m.cur
		if hs := f.handlers(); len(hs) > 0 {
			h := hs[len(hs)-1]
			if m.isStop(f, stop) && h.Depth <= stopDepth {
				return false, err
			}
			// A caught error is kept by the program, traceback and all.
			if cerr := m.charge(errorSize + int64(len(trace))*traceSize); cerr != nil {
				return false, cerr
			}
			*f.tries = hs[:len(hs)-1]
			f.Frames = f.Frames[:h.Depth]
			f.Stack[h.SP] = exc
			f.SP = h.SP + 1
			f.Frames[h.Depth-1].PC = h.PC
			return true, nil
		}
		if m.isStop(f, stop) {
			return false, err
		}
		closed := f.exit == closing && isExit(exc)
		next := m.abandon(f)
		if next == nil {
			return false, err
		}
		if closed {
			// The error close() threw left the generator: close returns.
			next.push(Nil)
			m.setCur(next)
			return true, nil
		}
		m.setCur(next)
		next.Status = StatusRunning
	}
}

// abandon ends a fiber that a throw escapes and returns the fiber the
// throw goes to next: a generator's resumer, a coroutine's parent.
func (m *Machine) abandon(f *Fiber) *Fiber {
	f.Status = StatusDone
	f.Frames = nil
	f.tries = nil
	f.SP = 0
	next := f.Parent
	if f.Kind == fiberGenerator {
		f.Parent = nil
		return next
	}
	for next != nil && next.Status == StatusDone {
		next = next.Parent
	}
	return next
}

// isExit reports whether v is the error close() throws into a generator.
func isExit(v Value) bool { return v.k == KindError && v.AsError().Kind == ErrGeneratorExit }

// escaped converts an error leaving exec into the error Run reports.
func (m *Machine) escaped(err error) error {
	switch e := err.(type) {
	case *Error:
		if isUncatchable(e) {
			return &RuntimeError{Value: ErrorValue(e), Trace: m.traceback()}
		}
		return &RuntimeError{Value: ErrorValue(e), Trace: e.Trace}
	case *thrownValue:
		return &RuntimeError{Value: e.Value, Trace: e.Trace}
	}
	return err
}
