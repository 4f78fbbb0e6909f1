package vm

// This file defines Upgrade: moving a suspended machine onto new code.
//
// A snapshot's frames name functions by index and resume points by pc,
// and its local slots by number: all of it meaningful only with the
// exact program (and build) that made it. An upgrade reads those numbers
// through the old program's upgrade map (compiler.Map), which turns them
// into names that survive edits and builds (function ids, suspension
// point ids, variable names, temporaries described by the expressions
// that made them), and writes the same state in the new program's
// numbers. It never guesses: a frame whose function or point is gone,
// whose pending temporaries differ, or whose closure captures a variable
// the old one did not, cannot move; a variable that loses a value or
// gains none moves only through the new program's on_upgrade hook. The
// result is a snapshot of the new program, accepted by the same verifier
// as any other before it is returned.

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// Verdict says whether an instance can move to new code.
type Verdict int

// The verdicts, from best to worst.
const (
	// Moves: every frame maps by names alone.
	Moves Verdict = iota
	// MovesWithHook: some variable loses or gains a value, and the new
	// program's on_upgrade hook decides it.
	MovesWithHook
	// NeedsHook: as MovesWithHook, but the new program has no hook.
	NeedsHook
	// CannotMove: a frame has no place in the new code.
	CannotMove
)

func (v Verdict) String() string {
	switch v {
	case Moves:
		return "ok"
	case MovesWithHook:
		return "ok with hook"
	case NeedsHook:
		return "needs hook"
	}
	return "cannot move"
}

// HookName is the global function an upgrade calls for what names cannot
// decide (spec/language.md, "Upgrading running instances").
const HookName = "on_upgrade"

// Problem is one reason an instance cannot move by names alone.
type Problem struct {
	Verdict Verdict  // NeedsHook (or MovesWithHook) or CannotMove
	Func    string   // the function's id
	Point   string   // the suspension point's id, if any
	What    string   // the reason, e.g. "suspension point gone"
	Old     lang.Pos // where in the old program
	New     lang.Pos // where in the new program (zero if nowhere)
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.What)
	if p.Point != "" {
		fmt.Fprintf(&b, " at %s", p.Point)
	}
	fmt.Fprintf(&b, " in %s", p.Func)
	if p.Old.Line > 0 {
		fmt.Fprintf(&b, " (old %s", p.Old)
		if p.New.Line > 0 {
			fmt.Fprintf(&b, ", new %s", p.New)
		}
		b.WriteString(")")
	} else if p.New.Line > 0 {
		fmt.Fprintf(&b, " (new %s)", p.New)
	}
	return b.String()
}

// Report is the outcome of planning or doing an upgrade.
type Report struct {
	Verdict  Verdict
	Problems []Problem
	Frames   int // frames moved
	Hooked   int // hook calls made (Upgrade only)
}

func (r *Report) add(p Problem) {
	r.Problems = append(r.Problems, p)
	r.Verdict = max(r.Verdict, p.Verdict)
}

// Reason returns the first problem that decides the verdict, or "".
func (r *Report) Reason() string {
	if r == nil {
		return ""
	}
	for _, p := range r.Problems {
		if p.Verdict == r.Verdict {
			return p.String()
		}
	}
	return ""
}

// ErrCannotMove is wrapped by Upgrade's error when the report's verdict
// is NeedsHook or CannotMove; the report says why.
var ErrCannotMove = errors.New("instance cannot move to the new program")

// PlanUpgrade reports whether the machine snapshot data, made from the
// program whose upgrade map is old, can move to p, without running
// anything. opts supplies the host functions the snapshot refers to.
func PlanUpgrade(p *compiler.Program, old *compiler.Map, data []byte, opts Options) (rep *Report, err error) {
	defer recoverAPI(&err)
	u, err := newUpgrade(p, old, data, opts)
	if err != nil {
		return nil, err
	}
	u.move()
	return u.rep, nil
}

// Upgrade moves the machine snapshot data, made from the program whose
// upgrade map is old, onto p, and returns the new snapshot (of p) and
// the report. It runs p's on_upgrade hook, under opts' limits and with
// its output to opts.Stdout, for each frame that needs it. It fails,
// wrapping ErrCannotMove, when the report's verdict is NeedsHook or
// CannotMove, and with the verifier's error if the result were not a
// valid snapshot of p. Upgrading to the same program gives the same
// bytes.
func Upgrade(p *compiler.Program, old *compiler.Map, data []byte, opts Options) (out []byte, rep *Report, err error) {
	defer recoverAPI(&err)
	u, err := newUpgrade(p, old, data, opts)
	if err != nil {
		return nil, nil, err
	}
	u.move()
	if u.rep.Verdict >= NeedsHook {
		return nil, u.rep, fmt.Errorf("%w: %s", ErrCannotMove, u.rep.Reason())
	}
	if err := u.runHooks(); err != nil {
		return nil, u.rep, err
	}
	if u.rep.Verdict >= NeedsHook {
		return nil, u.rep, fmt.Errorf("%w: %s", ErrCannotMove, u.rep.Reason())
	}
	out, err = u.m.Snapshot(SnapshotOptions{EmbedProgram: u.embed})
	if err != nil {
		return nil, u.rep, err
	}
	if _, err := Restore(p, out, Options{Hosts: opts.Hosts, stubHosts: true}); err != nil {
		return nil, u.rep, fmt.Errorf("upgrade: the moved state does not verify: %w", err)
	}
	return out, u.rep, nil
}

// upgrade is one upgrade in progress: the old state decoded through a
// stand-in of the old program, and the new machine being filled.
type upgrade struct {
	oldMap, newMap *compiler.Map
	old            *Machine // the old state, on a stand-in program
	d              *decoder
	m              *Machine // the new machine
	rep            *Report
	embed          bool
	oldFn          map[*Closure]*compiler.MapFunc // each closure's old function
	removed        map[*Closure]bool              // closures whose function is gone
	hooks          []hookCall
	newFuncs       map[string]*Funcode
}

func newUpgrade(p *compiler.Program, old *compiler.Map, data []byte, opts Options) (*upgrade, error) {
	if err := checkProgram(p); err != nil {
		return nil, err
	}
	if old == nil {
		return nil, errors.New("upgrade: no map of the old program")
	}
	env, err := decodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	if env.Kind != snapMachine {
		return nil, badf("this is a value snapshot (from dump), not a machine snapshot")
	}
	stand, err := standInOf(old)
	if err != nil {
		return nil, err
	}
	// The stand-in gets the new program's host functions, so that a host
	// function value decodes to the very *Builtin the new machine uses.
	hosts := append([]*Builtin(nil), opts.Hosts...)
	for _, h := range sharedOf(p).hosts {
		hosts = append(hosts, h)
	}
	sopts := Options{Hosts: hosts, stubHosts: true, Context: opts.Context}
	om, err := New(stand, sopts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	d, err := om.decodeBody(env, false)
	if err != nil {
		return nil, err
	}
	m, err := New(p, opts)
	if err != nil {
		return nil, err
	}
	u := &upgrade{oldMap: old, newMap: p.Map(), old: om, d: d, m: m, rep: &Report{}, embed: env.hasSource,
		oldFn: map[*Closure]*compiler.MapFunc{}, removed: map[*Closure]bool{}, newFuncs: map[string]*Funcode{}}
	for _, fc := range m.prog.Funcs {
		u.newFuncs[fc.ID] = fc
	}
	return u, nil
}

// standIns caches the stand-in program of each map, so that upgrading
// many instances of one program builds it (and the vm's shared tables
// for it) once.
var standIns sync.Map // weak.Pointer[compiler.Map] → *compiler.Program

func standInOf(old *compiler.Map) (*compiler.Program, error) {
	key := weak.Make(old)
	if p, ok := standIns.Load(key); ok {
		return p.(*compiler.Program), nil
	}
	p, err := standIn(old)
	if err != nil {
		return nil, err
	}
	if _, loaded := standIns.LoadOrStore(key, p); !loaded {
		runtime.AddCleanup(old, func(k weak.Pointer[compiler.Map]) { standIns.Delete(k) }, key)
	}
	return p, nil
}

// standIn makes a program with the old map's functions and globals and
// no code: enough to decode the old snapshot's objects, not to run them.
func standIn(old *compiler.Map) (*compiler.Program, error) {
	if old.Format != compiler.MapFormat {
		return nil, fmt.Errorf("upgrade map format %d, this wf reads format %d", old.Format, compiler.MapFormat)
	}
	p := &compiler.Program{File: old.File}
	for _, g := range old.Globals {
		p.Globals = append(p.Globals, g.Name)
	}
	for i, f := range old.Funcs {
		fn := &compiler.Function{ID: f.ID, Name: f.Name, Index: i, NumParams: f.Params, NumLocals: f.Slots,
			Generator: f.Generator, FreeNames: f.Free, Captures: make([]compiler.Capture, len(f.Free)),
			Code: []uint32{compiler.Encode(compiler.NIL, 0), compiler.Encode(compiler.RETURN, 0)}}
		p.Funcs = append(p.Funcs, fn)
	}
	if len(p.Funcs) == 0 {
		return nil, errors.New("upgrade map: no functions")
	}
	return p, nil
}

// move gives the old state's objects the new program's functions, frames
// and slots, in place, and installs them in the new machine, recording
// every problem on the way.
func (u *upgrade) move() {
	o, m := u.old, u.m
	m.steps, m.alloc = o.steps, o.alloc
	for i := range u.d.ptrs {
		if v := u.d.obj(i); v.k == KindFunc {
			u.moveClosure(v.asClosure())
		}
	}
	u.moveGlobals()
	for i := range u.d.ptrs {
		if v := u.d.obj(i); v.k == KindGenerator || v.k == KindCoroutine {
			u.moveFiber(v.asFiber())
		}
	}
	m.root, m.cur, m.pending = o.root, o.cur, o.pending
	u.moveMarkers()
	u.fixExits()
	u.checkRemoved()
	if u.rep.Verdict == NeedsHook && u.hasHook() {
		u.rep.Verdict = MovesWithHook
		for i := range u.rep.Problems {
			if u.rep.Problems[i].Verdict == NeedsHook {
				u.rep.Problems[i].Verdict = MovesWithHook
			}
		}
	}
	if u.rep.Verdict < NeedsHook {
		m.rechain()
	}
}

// moveMarkers keeps the markers the instance has and records the new
// program's others as not taken: the instance started before them.
func (u *upgrade) moveMarkers() {
	u.m.markers = nil
	for name, taken := range u.old.markers {
		u.setMarker(name, taken)
	}
	for _, name := range u.m.prog.Markers {
		if _, ok := u.m.markers[name]; !ok {
			u.setMarker(name, false)
		}
	}
}

func (u *upgrade) setMarker(name string, taken bool) {
	if u.m.markers == nil {
		u.m.markers = map[string]bool{}
	}
	u.m.markers[name] = taken
}

func (u *upgrade) hasHook() bool {
	v, ok := u.m.Global(HookName)
	return ok && v.k == KindFunc
}

// moveClosure points a closure at the new function with its id and puts
// its cells in the new function's order, by captured name.
func (u *upgrade) moveClosure(cl *Closure) {
	of := &u.oldMap.Funcs[cl.Fn.Index]
	u.oldFn[cl] = of
	nf := u.newFuncs[of.ID]
	if nf == nil {
		u.removed[cl] = true
		return
	}
	byName := map[string]*Cell{}
	for i, name := range of.Free {
		byName[name] = cl.Cells[i]
	}
	cells := make([]*Cell, len(nf.FreeNames))
	for i, name := range nf.FreeNames {
		c, ok := byName[name]
		if !ok {
			u.rep.add(Problem{Verdict: CannotMove, Func: of.ID, What: fmt.Sprintf("the closure now captures %s, which it did not", name),
				Old: lang.Pos{File: u.oldMap.File, Line: of.Line}, New: nf.Pos})
			c = &Cell{}
		}
		cells[i] = c
	}
	cl.Fn, cl.Cells = nf, cells
}

// moveGlobals fills the new machine's globals by name.
func (u *upgrade) moveGlobals() {
	old := map[string]Value{}
	for i, g := range u.oldMap.Globals {
		old[g.Name] = u.old.globals[i]
	}
	var missing []string
	for i, name := range u.m.prog.Globals {
		v, ok := old[name]
		delete(old, name)
		switch {
		case ok:
			u.m.globals[i] = v
		case u.declaredBeforeMain(i):
			if fn := u.freshFunction(i); fn != nil {
				u.m.globals[i] = funcValue(fn)
				continue
			}
			missing = append(missing, name)
		}
	}
	dropped := droppedValues(old)
	if len(missing)+len(dropped) > 0 {
		u.needHook(hookCall{fn: "<globals>", missing: missing, dropped: dropped, globals: true}, "<globals>", "", lang.Pos{}, lang.Pos{})
	}
}

// droppedValues keeps the variables whose values an upgrade would lose:
// not nil, not unset, not functions (code, which the new program brings).
func droppedValues(vars map[string]Value) map[string]Value {
	out := map[string]Value{}
	for name, v := range vars {
		switch v.k {
		case KindNil, KindFunc, KindBuiltin:
			continue
		}
		if v == undefined {
			continue
		}
		out[name] = v
	}
	return out
}

// declaredBeforeMain reports whether new global i is declared before
// the point the main program is suspended at, so that its declaration
// will not run again and it needs a value now.
func (u *upgrade) declaredBeforeMain(i int) bool {
	root := u.old.root
	if root == nil || len(root.Frames) == 0 {
		return false
	}
	of := u.oldFn[root.Frames[0].Fn]
	if of == nil {
		return false
	}
	np := u.newPoint(of, root.Frames[0].PC)
	if np == nil {
		return false
	}
	d := u.m.prog.Decls[i].Pos
	return int(d.Line) < np.Line || int(d.Line) == np.Line && int(d.Col) < np.Col
}

// freshFunction returns a closure for a new global bound by a top-level
// fn declaration, which captures nothing, or nil.
func (u *upgrade) freshFunction(i int) *Closure {
	d := u.m.prog.Decls[i]
	if d.Func < 0 {
		return nil
	}
	fc := u.m.prog.Funcs[d.Func]
	if len(fc.FreeNames) > 0 {
		return nil
	}
	return &Closure{Fn: fc}
}

// newPoint returns the new program's point for an old frame of function
// of resuming at pc, or nil.
func (u *upgrade) newPoint(of *compiler.MapFunc, pc int) *compiler.MapPoint {
	op := of.Point(pc)
	nf := u.newMap.Func(of.ID)
	if op == nil || nf == nil {
		return nil
	}
	return nf.PointByID(op.ID)
}

// checkRemoved reports closures of removed functions that the new state
// still reaches.
func (u *upgrade) checkRemoved() {
	if len(u.removed) == 0 {
		return
	}
	roots := append([]Value(nil), u.m.globals...)
	if u.m.root != nil {
		roots = append(roots, coroutineValue(u.m.root))
	}
	for _, cl := range reachableClosures(roots) {
		if u.removed[cl] {
			of := u.oldFn[cl]
			u.rep.add(Problem{Verdict: CannotMove, Func: of.ID, What: "function removed",
				Old: lang.Pos{File: u.oldMap.File, Line: of.Line}})
			delete(u.removed, cl)
		}
	}
}
