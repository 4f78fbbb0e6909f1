package vm

// This file defines fibers and frames: the suspended-or-running state of
// every thread of control, as plain data.

// FiberKind says what a fiber is for.
type FiberKind uint8

// The fiber kinds.
const (
	fiberRoot      FiberKind = iota // the main program
	fiberGenerator                  // created by calling a generator function
	fiberCoroutine                  // created by coroutine(fn)
)

// FiberStatus is the life-cycle state of a fiber.
type FiberStatus uint8

// The fiber states. A generator or coroutine starts in StatusNew (a
// generator reports it as "suspended"), runs, suspends, and finally ends in
// StatusDone.
const (
	StatusNew FiberStatus = iota
	StatusSuspended
	StatusRunning
	StatusDone
)

var statusNames = [...]string{"new", "suspended", "running", "done"}

func (s FiberStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "invalid"
}

// Frame is one activation of a .wf function: its closure, the pc of the
// next instruction, and where its locals start on the fiber's stack. The
// operand stack of the frame lies above its locals.
type Frame struct {
	Fn   *Closure
	PC   int
	Base int
}

// Handler is an installed try block: when a throw reaches it, frames above
// Depth are dropped, the stack is cut to SP, the thrown value is pushed and
// execution continues at PC in frame Depth-1.
type Handler struct {
	Depth int
	PC    int
	SP    int
}

// Fiber is a thread of control: a stack of frames over one value stack.
// The root fiber runs the main program; each generator and coroutine has
// its own fiber. Switching between fibers never uses the Go stack.
type Fiber struct {
	Kind    FiberKind
	Status  FiberStatus
	cramped bool  // restored with no room above its values: setCur makes room (see makeRoom)
	dirty   bool  // changed since the machine's base snapshot (track.go)
	snap    int32 // the fiber's index in the snapshot being written, if it checks out (ptrindex.go)
	Stack   []Value
	SP      int // stack height while the fiber is not running
	Frames  []Frame
	// tries holds the installed try blocks (see handlers), nil until the
	// fiber's first: few fibers have any, and a slice here made every
	// fiber 16 bytes bigger.
	tries  *[]Handler
	Parent *Fiber // coroutine: who receives its result; generator: its resumer while running
	Fn     Value  // coroutine: the function the first switch starts
	Result Value  // the value the fiber ended with
	// exit, nest and depthBase are int32, dirty sits with the kind and
	// the try blocks are behind a pointer, so that a Fiber fits 144
	// bytes: most of a restored generator's memory (see RATIONALE.md).
	exit int32 // generator resumed by a for loop: the loop's exit pc + 1; closing; else 0
	nest int32 // Go builtin calls active on this fiber (it may not suspend while > 0)
	// depthBase is, while a generator runs, the frames of the fibers
	// that resumed it (its resumer, the resumer's resumer, ...): the
	// call depth ceiling counts the whole chain, so recursion through new
	// generators is bounded like plain recursion. 0 for other fibers.
	depthBase int32
}

// handlers returns the fiber's installed try blocks, innermost last.
func (f *Fiber) handlers() []Handler {
	if f.tries == nil {
		return nil
	}
	return *f.tries
}

// setHandlers replaces the fiber's installed try blocks.
func (f *Fiber) setHandlers(h []Handler) {
	if f.tries == nil {
		if len(h) == 0 {
			return
		}
		f.tries = new([]Handler)
	}
	*f.tries = h
}

// pushHandler installs a try block.
func (f *Fiber) pushHandler(h Handler) {
	if f.tries == nil {
		f.tries = new([]Handler)
	}
	*f.tries = append(*f.tries, h)
}

// newFiber makes an empty fiber. Its stack starts at what its first frame
// needs (pushFrame grows it) and doubles from there, so a small generator
// costs a few hundred bytes, not a fixed 1.5 KB.
func newFiber(kind FiberKind) *Fiber {
	return &Fiber{Kind: kind, Stack: make([]Value, 0, minStack)}
}

// minStack is the smallest stack a fiber starts with, in values.
const minStack = 8

// pushFrame starts cl on the fiber with its arguments already at
// Stack[base:]. It does not check the depth ceiling.
func (f *Fiber) pushFrame(cl *Closure, base int) {
	f.Frames = append(f.Frames, Frame{Fn: cl, Base: base})
	need := base + cl.Fn.NumLocals + cl.Fn.MaxStack
	f.grow(need)
	f.SP = base + cl.Fn.NumLocals
}

// depth is the number of frames of f and of the chain that resumed it.
func (f *Fiber) depth() int { return int(f.depthBase) + len(f.Frames) }

// growStack is grow paid for by m's allocation budget (see chargeStack).
func (m *Machine) growStack(f *Fiber, n int) error {
	if n <= cap(f.Stack) {
		f.grow(n)
		return nil
	}
	if err := m.chargeStack(int64(max(2*cap(f.Stack), n)) * valueSize); err != nil {
		return err
	}
	f.grow(n)
	return nil
}

// makeRoom gives a restored fiber, whose stack holds only its values,
// the room its frames' code may use, as pushFrame does: the loop does
// not check the stack's length as it pushes. setCur calls it before the
// fiber first runs (see Fiber.cramped and decoder.slots).
func (f *Fiber) makeRoom() {
	f.cramped = false
	need := f.room()
	old := f.Stack
	if f.grow(need); cap(old) < need {
		clear(old) // it may share a chunk of the decoder's slab: hold nothing there
	}
}

// room is the stack a fiber's code may use: every frame's, not only the
// top one's, since a caller deep in an expression resumes above its
// callee's base when the callee returns.
func (f *Fiber) room() int {
	need := 0
	for _, fr := range f.Frames {
		need = max(need, fr.Base+fr.Fn.Fn.NumLocals+fr.Fn.Fn.MaxStack)
	}
	return need
}

// grow makes sure the stack can hold n values.
func (f *Fiber) grow(n int) {
	if n <= len(f.Stack) {
		return
	}
	if n <= cap(f.Stack) {
		f.Stack = f.Stack[:cap(f.Stack)]
		return
	}
	c := 2 * cap(f.Stack)
	if c < n {
		c = n
	}
	s := make([]Value, c)
	copy(s, f.Stack)
	f.Stack = s
}
