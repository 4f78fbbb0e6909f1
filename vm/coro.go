package vm

// This file defines generators and coroutines: creating fibers and moving
// control between them. Every transfer is a change of m.cur plus a value
// pushed on the receiving fiber's stack; the Go stack is never involved.

// newGenerator returns a fresh generator fiber for a call of cl with args,
// charged to the allocation budget. Stack[0] holds the function itself,
// as the callee slot of a CALL would.
func (m *Machine) newGenerator(cl *Closure, args []Value) (*Fiber, error) {
	if err := m.charge(fiberSize + int64(1+cl.Fn.NumLocals+cl.Fn.MaxStack)*valueSize); err != nil {
		return nil, err
	}
	return newGenerator(cl, args), nil
}

// newGenerator is the uncharged part of Machine.newGenerator.
func newGenerator(cl *Closure, args []Value) *Fiber {
	g := newFiber(fiberGenerator)
	g.Fn = funcValue(cl)
	g.grow(1 + cl.Fn.NumLocals + cl.Fn.MaxStack)
	g.Stack[0] = funcValue(cl)
	copy(g.Stack[1:], args)
	g.Frames = []Frame{{Fn: cl, Base: 1}}
	g.SP = 1 + cl.Fn.NumLocals
	return g
}

// push appends v to a suspended fiber's operand stack: the value its
// pending yield or switch evaluates to.
func (f *Fiber) push(v Value) {
	f.grow(f.SP + 1)
	f.Stack[f.SP] = v
	f.SP++
}

// resumeGenerator makes g the running fiber, delivering sent as the value
// of its pending yield. exit is 0 for g.next()/g.send(), whose result the
// resumer expects on its stack, or forExit+1 for a for loop, which leaves
// the loop at forExit when g ends.
func (m *Machine) resumeGenerator(g *Fiber, sent Value, exit int) error {
	r := m.cur
	switch g.Status {
	case StatusRunning:
		return errorf(ErrGenerator, "generator is already running")
	case StatusDone:
		if exit > 0 {
			r.SP--
			r.Frames[len(r.Frames)-1].PC = exit - 1
			return nil
		}
		return errorf(ErrGenerator, "generator is done")
	case StatusNew:
		if sent.k != KindNil {
			return errorf(ErrGenerator, "cannot send a non-nil value to a generator that has not started")
		}
	}
	started := g.Status != StatusNew
	if err := m.enter(g, exit); err != nil {
		return err
	}
	if started {
		g.push(sent)
	}
	return nil
}

// enter makes the new or suspended g the running fiber, resumed by the
// current one: exit is 0 for a method call, a for loop's exit pc + 1, or
// closing.
func (m *Machine) enter(g *Fiber, exit int) error {
	r := m.cur
	if r.depth()+len(g.Frames) > m.opts.MaxCallDepth {
		return m.stackOverflow()
	}
	g.depthBase = int32(r.depth())
	g.Parent = r
	g.exit = int32(exit)
	g.Status = StatusRunning
	m.setCur(g)
	return nil
}

// yield suspends generator f and hands v to its resumer.
func (m *Machine) yield(f *Fiber, v Value) error {
	if f.Kind != fiberGenerator {
		return errorf(ErrGenerator, "yield outside a generator")
	}
	if f.nest > 0 {
		return errorf(ErrGenerator, "cannot yield from a function %s", m.goCaller())
	}
	f.Status = StatusSuspended
	r := f.Parent
	f.Parent = nil
	wasClosing := f.exit == closing
	f.exit = 0      // set again by the next resume; a suspended generator has no loop
	f.depthBase = 0 // likewise
	m.setCur(r)
	if wasClosing {
		return errorf(ErrGenerator, "generator ignored close(): it yielded instead of finishing")
	}
	r.push(v)
	return nil
}

// finishFiber handles the return of a fiber's outermost frame: a generator
// ends and its resumer receives the return value (or leaves its for loop);
// a coroutine ends and its parent receives the value at its pending switch.
func (m *Machine) finishFiber(f *Fiber, v Value) error {
	f.Status = StatusDone
	f.Result = v
	f.Stack = nil
	switch f.Kind {
	case fiberGenerator:
		r := f.Parent
		f.Parent = nil
		if f.exit > 0 {
			r.SP--
			r.Frames[len(r.Frames)-1].PC = int(f.exit) - 1
		} else {
			r.push(v)
		}
		m.setCur(r)
		return nil
	case fiberCoroutine:
		p := f.Parent
		for p != nil && p.Status == StatusDone {
			p = p.Parent
		}
		if p == nil {
			return errorf(ErrCoroutine, "coroutine ended with no live parent")
		}
		p.push(v)
		p.Status = StatusRunning
		m.setCur(p)
		return nil
	}
	return errorf(ErrCoroutine, "the main program's fiber ended unexpectedly")
}

// fiberMethod runs the methods that transfer control, so they are
// handled here rather than in Go: g.next(), g.send(v), g.raise(x),
// g.close() and co.switch(...).
func (m *Machine) fiberMethod(recv Value, name string, n int) error {
	f := m.cur
	args := f.Stack[f.SP-n : f.SP]
	if recv.k == KindCoroutine {
		if name != "switch" {
			return errorf(ErrType, "coroutine has no method %s", name)
		}
		vals := append([]Value(nil), args...)
		f.SP -= n + 1
		if err := m.switchTo(recv.asFiber(), vals); err != nil {
			f.SP += n + 1
			return err
		}
		return nil
	}
	want, ok := generatorArity(name)
	if !ok {
		return errorf(ErrType, "generator has no method %s", name)
	}
	if n != want {
		return argCountError("generator."+name, want, n)
	}
	var x Value
	if n == 1 {
		x = args[0]
	}
	f.SP -= n + 1
	err := m.generatorMethod(recv.asFiber(), name, x)
	if err != nil && m.cur == f {
		f.SP += n + 1 // nothing moved: the call fails where it stands
	}
	return err
}

// generatorArity returns the argument count of a generator method, and
// whether there is one of that name. (A switch: g.next() is a hot path,
// and a map lookup cost more than the rest of the resume.)
func generatorArity(name string) (int, bool) {
	switch name {
	case "next", "close":
		return 0, true
	case "send", "raise":
		return 1, true
	}
	return 0, false
}

// generatorMethod resumes g for next, send, raise or close; the caller's
// operands are popped already.
func (m *Machine) generatorMethod(g *Fiber, name string, x Value) error {
	switch name {
	case "raise":
		return m.raiseIn(g, x)
	case "close":
		return m.closeGenerator(g)
	}
	return m.resumeGenerator(g, x, 0)
}

// raiseIn implements g.raise(x): x is thrown where g is suspended, as if
// its yield had thrown it. A catch in g may handle it and yield again
// (raise then returns the value yielded) or return (raise returns the
// return value); if it escapes, g is done and the throw goes on in the
// caller. A generator that has not started ends without running; one
// that has finished leaves the throw to the caller at once.
func (m *Machine) raiseIn(g *Fiber, x Value) error {
	if err := m.enterable(g); err != nil {
		return err
	}
	if g.Status == StatusDone {
		return m.thrown(x, false)
	}
	if err := m.enter(g, 0); err != nil {
		return err
	}
	return m.thrown(x, false)
}

// closeGenerator implements g.close(): an error of kind generator_exit is
// thrown where g is suspended, so that its finally blocks run, and its
// catch blocks may clean up too. When that error leaves g, or g returns,
// close returns (nil, or the return value); another error leaving g goes
// on in the caller; a yield while closing is a generator_error in the
// caller. A generator that has not started or has finished is only
// marked done.
func (m *Machine) closeGenerator(g *Fiber) error {
	if err := m.enterable(g); err != nil {
		return err
	}
	if g.Status == StatusNew || g.Status == StatusDone {
		g.Status, g.Frames, g.Stack, g.SP = StatusDone, nil, nil, 0
		m.cur.push(Nil)
		return nil
	}
	if err := m.enter(g, closing); err != nil {
		return err
	}
	return errorf(ErrGeneratorExit, "generator closed")
}

// closing is the exit of a generator that runs after close(): its
// resumer waits in close for it to finish (snapshots record it as -1).
const closing = -1

// enterable refuses to resume a generator that is running.
func (m *Machine) enterable(g *Fiber) error {
	if g.Status == StatusRunning {
		return errorf(ErrGenerator, "generator is already running")
	}
	return nil
}

// switchTo transfers control from the current coroutine to t, following
// greenlet: the first switch starts t's function with args; later ones
// deliver args (nil, the one value, or a list of them) as the result of
// t's pending switch.
func (m *Machine) switchTo(t *Fiber, args []Value) error {
	cur := m.cur
	if cur.Kind == fiberGenerator {
		return errorf(ErrCoroutine, "cannot switch coroutines while a generator is running; yield first")
	}
	if cur.nest > 0 {
		return errorf(ErrCoroutine, "cannot switch from a function %s", m.goCaller())
	}
	if t == cur {
		cur.push(packArgs(args))
		return nil
	}
	switch t.Status {
	case StatusDone:
		return errorf(ErrCoroutine, "cannot switch to a finished coroutine")
	case StatusRunning:
		return errorf(ErrCoroutine, "cannot switch to a coroutine that is running a generator")
	case StatusNew:
		if err := m.start(t, args); err != nil {
			return err
		}
	default:
		t.push(packArgs(args))
	}
	cur.Status = StatusSuspended
	t.Status = StatusRunning
	m.setCur(t)
	return nil
}

// start lays out the first frame of a new coroutine.
func (m *Machine) start(t *Fiber, args []Value) error {
	cl := t.Fn.asClosure()
	if len(args) != cl.Fn.NumParams {
		return argCountError(cl.Fn.Name, cl.Fn.NumParams, len(args))
	}
	if err := m.growStack(t, 1+cl.Fn.NumLocals+cl.Fn.MaxStack); err != nil {
		return err
	}
	t.Stack[0] = t.Fn
	copy(t.Stack[1:], args)
	t.Frames = []Frame{{Fn: cl, Base: 1}}
	t.SP = 1 + cl.Fn.NumLocals
	return nil
}

func packArgs(args []Value) Value {
	switch len(args) {
	case 0:
		return Nil
	case 1:
		return args[0]
	}
	return NewList(args)
}

// newCoroutine implements coroutine(fn): a coroutine whose parent is the
// current coroutine.
func (m *Machine) newCoroutine(fn Value) (Value, error) {
	if fn.k != KindFunc || fn.asClosure().Fn.Generator {
		return Nil, errorf(ErrType, "coroutine() needs a fn that is not a generator, got %s", fn.TypeName())
	}
	if err := m.charge(fiberSize); err != nil {
		return Nil, err
	}
	c := newFiber(fiberCoroutine)
	c.Fn = fn
	c.Parent = m.currentCoroutine()
	return coroutineValue(c), nil
}

// currentCoroutine returns the coroutine (or root) on whose behalf the
// current fiber runs: generators run inside their resumer.
func (m *Machine) currentCoroutine() *Fiber {
	f := m.cur
	for f.Kind == fiberGenerator && f.Parent != nil {
		f = f.Parent
	}
	return f
}

// fiberStatus is the status a generator or coroutine reports to .wf code.
func fiberStatus(f *Fiber) string {
	if f.Status == StatusNew && f.Kind == fiberGenerator {
		return "suspended"
	}
	return f.Status.String()
}
