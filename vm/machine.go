package vm

// This file defines Machine, its options and the public entry points.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/wf-lang/wf/compiler"
)

// Options configure a Machine. The zero value is usable: output to
// os.Stdout, no step or allocation budget, a call depth of 1,000.
type Options struct {
	Stdout       io.Writer       // where print writes; default os.Stdout
	Context      context.Context // cancellation, checked in the loop and in long builtins
	MaxSteps     int64           // instructions before the machine stops; 0 means no limit
	MaxCallDepth int             // frames per fiber; default 1000
	MaxAlloc     int64           // bytes strings, lists and maps may grow by; 0 means no limit
	Hosts        []*Builtin      // host functions, callable by name from .wf; they add to or replace those Compile bound

	// FreshBudgets makes Restore start the step and allocation counts
	// at zero instead of at the totals the snapshot carries, so that
	// MaxSteps and MaxAlloc bound what this run does, not everything
	// the machine did since New. The durable engine restores a machine
	// for each step of an instance's life, and budgets each step.
	FreshBudgets bool

	// Deltas makes Restore and Snapshot remember the snapshot's objects
	// (each object's identity) and the machine mark the objects it
	// changes since, so that Delta can then write only what changed
	// (spec/snapshot.md, "Delta snapshots"). It costs a table of 24 to 40
	// bytes per object and keeps the base's objects alive until the
	// next Snapshot or Delta. A host function must not change a list or
	// map it did not make: such a change is not marked.
	Deltas bool

	// CheckDeltas checks every delta as it is written: the machine keeps
	// its base snapshot, and the delta applied to it must give the full
	// snapshot of the machine, or writing it fails with an error
	// wrapping ErrInternal (a change that was not marked). It costs a full
	// snapshot and an ApplyDelta per delta: for tests, and for tracking
	// down a lost change.
	CheckDeltas bool

	// SnapshotEvery, when positive, snapshots the entire machine and
	// replaces its state with a restored copy every SnapshotEvery steps.
	// Output must not change: it is the strongest test that snapshots
	// capture everything.
	SnapshotEvery int64

	stubHosts bool // bind missing host functions to stubs that fail (Inspect)
}

// stubHost stands in for a host function that is not registered, for
// machines that only decode and describe state.
func stubHost(name string) *Builtin {
	return &Builtin{Name: name, Fn: func(*Machine, []Value) (Value, error) {
		return Nil, errorf(ErrName, "host function %s is not registered", name)
	}}
}

// DefaultMaxCallDepth is the call depth ceiling when Options leave it 0.
const DefaultMaxCallDepth = 1000

// Funcode is a compiled function bound to a machine's program: the
// compiler's Function plus its constants as Values.
type Funcode struct {
	*compiler.Function
	Consts []Value
	quick  []uint32   // Code with superinstructions, what the loop runs (see compiler.Quicken)
	ints   []kernelOp // the superinstructions the int kernel runs, which quick's words index (intloop.go)
	cells  bool       // some local slot holds a captured variable's cell (the decoder's verify checks fewer slots when none does)
}

// Program is a compiled program prepared for execution: constants turned
// into Values, builtins bound by name, method names resolved.
type Program struct {
	*compiler.Program
	Funcs    []*Funcode
	builtins []Value
	methods  [][numKinds]libMethod // builtin method by name index and kind
	globals  map[string]int        // global slot by name
}

// Machine runs one program. It is not safe for concurrent use. Its whole
// state (globals, fibers with their frames and operand stacks, the heap
// they reach, the step counter) is plain data.
type Machine struct {
	prog    *Program
	opts    Options
	out     io.Writer
	ctx     context.Context
	globals []Value
	root    *Fiber
	cur     *Fiber
	steps   int64 // instructions executed so far
	alloc   int64 // bytes charged to the allocation budget
	// stackAlloc is stack growth charged to the allocation budget since
	// the machine was made or restored; not part of its state.
	stackAlloc int64
	nest       int  // Go builtins on the Go stack that called back into .wf
	outside    int  // Calls from outside the loop on the Go stack (part of nest)
	running    bool // the loop is on the Go stack (Run, Resume or an outside Call)
	hosts      map[string]*Builtin

	lastTrace []TraceEntry // traceback of the throw being handled, for rethrow

	markers   map[string]bool // version markers, fixed when it starts or is upgraded (nil: none)
	pending   *pendingHost    // the host call a suspended machine waits on
	failed    error           // set when an error stopped the machine mid-instruction
	preempted bool            // the last stop was the step budget, between instructions

	hook   func() error // called when steps reach hookAt (snapshot round trips)
	hookAt int64

	pausing *pause // the stop Pause armed, if any (a debugger's)

	lastSnap snapSize   // the size of the last Snapshot, to size the next one's buffers
	base     *deltaBase // with Options.Deltas: the snapshot Delta writes changes against
}

// snapSize is how many heap objects and bytes a snapshot's heap held.
type snapSize struct {
	objects int // heap objects
	indexed int // objects numbered in the pointer index, not in their own field
	bytes   int // heap bytes
}

// New returns a machine ready to run p from the start. Every host
// function p uses must be bound to p by Compile or be in opts.Hosts.
func New(p *compiler.Program, opts Options) (*Machine, error) {
	if err := checkProgram(p); err != nil {
		return nil, err
	}
	if err := checkHosts("Options.Hosts", opts.Hosts); err != nil {
		return nil, err
	}
	m := &Machine{opts: opts, out: opts.Stdout, ctx: opts.Context}
	if m.out == nil {
		m.out = os.Stdout
	}
	if m.opts.MaxCallDepth <= 0 {
		m.opts.MaxCallDepth = DefaultMaxCallDepth
	}
	bound := sharedOf(p).hosts
	m.hosts = make(map[string]*Builtin, len(bound)+len(opts.Hosts))
	for name, h := range bound {
		m.hosts[name] = h
	}
	for _, h := range opts.Hosts {
		m.hosts[h.Name] = h
	}
	prog, err := m.load(p)
	if err != nil {
		return nil, err
	}
	m.prog = prog
	m.globals = make([]Value, len(p.Globals))
	for i := range m.globals {
		m.globals[i] = undefined
	}
	for _, name := range p.Markers { // a new machine takes every marker its program asks for
		if m.markers == nil {
			m.markers = map[string]bool{}
		}
		m.markers[name] = true
	}
	main := &Closure{Fn: prog.Funcs[0]}
	m.root = newFiber(fiberRoot)
	m.root.pushFrame(main, 0)
	m.cur = m.root
	if opts.SnapshotEvery > 0 {
		m.snapshotEvery(opts.SnapshotEvery)
	}
	return m, nil
}

// checkProgram refuses what New cannot run: no program, or one without
// the main function every compiled program has.
func checkProgram(p *compiler.Program) error {
	if p == nil {
		return errors.New("vm: nil program")
	}
	if len(p.Funcs) == 0 {
		return fmt.Errorf("vm: program %s has no code (make programs with Compile or compiler.Compile)", p.File)
	}
	return nil
}

// checkHosts refuses host functions without a name or a Go function.
// (Two with one name are not an error: the later one wins, as before.)
func checkHosts(field string, hosts []*Builtin) error {
	for i, h := range hosts {
		if h == nil || h.Fn == nil || h.Name == "" {
			return fmt.Errorf("vm: %s[%d]: a host function needs a Name and a Fn", field, i)
		}
	}
	return nil
}

// shared caches what every machine of a program can share: its functions
// with their constants as Values, the builtin method each (kind, name)
// pair resolves to, and its globals by name; it also holds the host
// functions Compile bound to the program. The key is weak, so a program
// no longer used leaves the cache.
var shared sync.Map // weak.Pointer[compiler.Program] → *sharedProgram

type sharedProgram struct {
	funcs   []*Funcode
	methods [][numKinds]libMethod // by name index
	globals map[string]int        // global slot by name
	hosts   map[string]*Builtin   // host functions Compile bound; set before the program is returned, then read-only
}

func sharedOf(p *compiler.Program) *sharedProgram {
	key := weak.Make(p)
	if sp, ok := shared.Load(key); ok {
		return sp.(*sharedProgram)
	}
	sp := &sharedProgram{funcs: make([]*Funcode, len(p.Funcs)), methods: make([][numKinds]libMethod, len(p.Names))}
	for i, f := range p.Funcs {
		sp.funcs[i] = newFuncode(f)
	}
	for i, name := range p.Names {
		for k := range numKinds {
			sp.methods[i][k] = methods[k][name]
		}
	}
	sp.globals = make(map[string]int, len(p.Globals))
	for i, name := range p.Globals {
		sp.globals[name] = i
	}
	actual, loaded := shared.LoadOrStore(key, sp)
	if !loaded {
		runtime.AddCleanup(p, func(k weak.Pointer[compiler.Program]) { shared.Delete(k) }, key)
	}
	return actual.(*sharedProgram)
}

// quicken turns superinstructions on; tests turn it off to compare.
var quicken = true

func newFuncode(f *compiler.Function) *Funcode {
	fc := &Funcode{Function: f, Consts: make([]Value, len(f.Consts)), quick: f.Code}
	for _, l := range f.Locals {
		fc.cells = fc.cells || l.Cell && l.Slot < f.NumLocals
	}
	if quicken {
		fc.quick = compiler.Quicken(f.Code)
	}
	for j, c := range f.Consts {
		switch c.Kind {
		case compiler.ConstInt:
			fc.Consts[j] = Int(c.Int)
		case compiler.ConstFloat:
			fc.Consts[j] = Float(c.Float)
		default:
			fc.Consts[j] = String(c.Str)
		}
	}
	if quicken {
		fc.decodeInts() // after the constants: an int CONST operand is decoded as its value
	}
	return fc
}

// load prepares a compiled program for this machine: shared functions,
// builtins bound by name.
func (m *Machine) load(p *compiler.Program) (*Program, error) {
	sp := sharedOf(p)
	prog := &Program{Program: p, Funcs: sp.funcs, methods: sp.methods, globals: sp.globals}
	prog.builtins = make([]Value, len(p.Builtins))
	for i, name := range p.Builtins {
		b := m.lookupBuiltin(name)
		if b == nil && !m.opts.stubHosts {
			return nil, fmt.Errorf("%s: host function %q is not registered", p.File, name)
		}
		if b == nil {
			b = stubHost(name)
			m.hosts[name] = b
		}
		prog.builtins[i] = BuiltinValue(b)
	}
	return prog, nil
}

// lookupBuiltin finds a predeclared function: host functions first, then
// the standard library.
func (m *Machine) lookupBuiltin(name string) *Builtin {
	if h, ok := m.hosts[name]; ok {
		return h
	}
	return universe[name]
}

// Universe returns the names of the standard library's functions, for the
// compiler's resolver, sorted, in a new slice with room for a few more
// (callers append their host functions' names).
func Universe() []string {
	names := universeNames()
	return append(make([]string, 0, len(names)+16), names...)
}

// universeNames lists the library once per process: the library is
// complete once the package is initialized, and ranging over its map on
// every compile cost about 7% of the startup workload (compile and run
// a one-line program).
var universeNames = sync.OnceValue(func() []string {
	return slices.Sorted(maps.Keys(universe))
})

// Global returns the value of the program's top-level variable or
// function called name, and whether it has one: false when the program
// declares no such name or its let or fn statement has not run yet. The
// value is shared with the machine, not copied. A function it returns can
// be called with Call.
func (m *Machine) Global(name string) (Value, bool) {
	if m == nil || m.prog == nil {
		return Nil, false
	}
	i, ok := m.prog.globals[name]
	if !ok || m.globals[i] == undefined {
		return Nil, false
	}
	return m.globals[i], true
}

// Globals returns the names of the globals that hold a value, in the
// order the program declares them.
func (m *Machine) Globals() []string {
	if m == nil || m.prog == nil {
		return nil
	}
	var names []string
	for i, name := range m.prog.Globals {
		if m.globals[i] != undefined {
			names = append(names, name)
		}
	}
	return names
}

// Steps reports the number of instructions executed so far.
func (m *Machine) Steps() int64 {
	if m == nil {
		return 0
	}
	return m.steps
}

// Output returns the writer print writes to.
func (m *Machine) Output() io.Writer {
	if m == nil {
		return nil
	}
	return m.out
}

// Renew prepares an idle machine for another run as Restore with
// Options.FreshBudgets would leave a copy restored from its snapshot:
// print writes to out, ctx cancels it, and the step and allocation
// counts start at zero. The durable engine keeps the machine of a step
// it has just committed and renews it for the instance's next step
// instead of restoring the snapshot again.
func (m *Machine) Renew(ctx context.Context, out io.Writer) error {
	if err := m.idle(); err != nil {
		return err
	}
	if out == nil {
		out = os.Stdout
	}
	m.ctx, m.out, m.opts.Context, m.opts.Stdout = ctx, out, ctx, out
	m.steps, m.alloc, m.stackAlloc = 0, 0, 0
	m.lastTrace, m.preempted = nil, false
	return nil
}
