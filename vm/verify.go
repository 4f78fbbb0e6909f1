package vm

// This file defines the meaning checks a decoded snapshot must pass before
// it runs: every frame at a reachable pc with exactly the stack height and
// try handlers the code implies there, call chains that match their call
// instructions, cells where the code expects cells, and fiber states and
// links that agree with each other.

import (
	"github.com/wf-lang/wf/compiler"
)

// flowInfo returns the stack-depth analysis of a function.
func (fc *Funcode) flowInfo() (*compiler.Flow, error) { return fc.Function.Flow() }

// verifyFilled checks a fiber fill has just filled, as far as it can
// alone (verifyFiber); verify checks the rest once every fiber is filled.
// A value snapshot's reference to the main program is no fiber of its
// own.
func (d *decoder) verifyFilled(f *Fiber) error {
	if d.isValue && f == d.m.root {
		return nil
	}
	current := f == d.cur
	return d.verifyFiber(f, current, d.pending && current)
}

// verify finishes checking the decoded fibers, which fill has verified
// one by one: the running chain, the for-loop and closing generators'
// resumers, the coroutines' parents. It gives the fibers that run as the
// machine starts the room their code may use.
func (d *decoder) verify() error {
	n, err := d.runningChain()
	if err != nil {
		return err
	}
	if n != d.running {
		return badf("fiber status %s disagrees with the running chain", StatusRunning)
	}
	for _, f := range d.exits {
		if err := d.verifyExit(f); err != nil {
			return err
		}
	}
	if d.root != nil && !d.isValue {
		d.makeRoom(d.root)
	}
	for f := d.cur; n > 0 && f != nil; f = f.Parent {
		if d.makeRoom(f); f.Kind != fiberGenerator {
			break
		}
	}
	return d.verifyParents()
}

// runningChain checks the fibers that must be running: the current one
// and the generators' resumers up to the first coroutine (a machine that
// has not started or has finished has none), and returns how many there
// are. Each must be running; verifyFiber counted the fibers that are
// (d.running), so a chain longer than that count has a cycle, and one as
// long holds every running fiber.
func (d *decoder) runningChain() (int, error) {
	root, cur := d.root, d.cur
	idle := cur != nil && cur == root && !d.pending && (root.Status == StatusNew || root.Status == StatusDone)
	if cur == nil || idle {
		return 0, nil
	}
	if cur.Status != StatusRunning {
		return 0, badf("the current fiber is %s, not running", cur.Status)
	}
	n := 0
	for f := cur; f != nil; f = f.Parent {
		if f.Status != StatusRunning {
			return 0, badf("fiber status %s disagrees with the running chain", f.Status)
		}
		if n++; n > d.running {
			return 0, badf("resumer chain has a cycle")
		}
		if err := d.tick(1); err != nil || f.Kind != fiberGenerator {
			return n, err
		}
	}
	return n, nil
}

// Walk states of verifyParents.
const (
	unwalked uint8 = iota
	walking        // on the chain being walked
	walked         // its chain is known to end
)

// verifyParents checks that coroutine parent chains end (no cycles) and
// pass through no generator. Each link is followed once: a walk stops at
// a fiber an earlier walk cleared. Walking every coroutine's chain to its
// end instead cost links × chain length: restoring 100,000 chained
// coroutines (a 1.5 MB snapshot) took 13.4 s, now 0.27 s
// (BenchmarkRestoreChain).
func (d *decoder) verifyParents() error {
	state := map[*Fiber]uint8{}
	for i, k := range d.kinds {
		v := d.obj(i)
		if k != KindCoroutine || state[v.asFiber()] != unwalked {
			continue
		}
		end, err := d.walkParents(v.asFiber(), state)
		if err != nil {
			return err
		}
		if end != nil && state[end] == walking {
			return badf("coroutine parent chain has a cycle")
		}
		for f := v.asFiber(); f != nil && state[f] == walking; f = f.Parent {
			state[f] = walked
		}
	}
	return nil
}

// walkParents marks the chain from f as walking up to its end or to the
// first fiber already marked, which it returns.
func (d *decoder) walkParents(f *Fiber, state map[*Fiber]uint8) (*Fiber, error) {
	for ; f != nil && state[f] == unwalked; f = f.Parent {
		state[f] = walking
		if f.Parent != nil && f.Parent.Kind == fiberGenerator {
			return nil, badf("a coroutine's parent is a generator")
		}
		if err := d.tick(1); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// verifyFiber checks what can be checked of a fiber alone: its state
// against its frames, stack and handlers. It counts the running fibers,
// and leaves a generator's for-loop exit, which is checked against its
// resumer's frames, to verify (the resumer may not be filled yet).
func (d *decoder) verifyFiber(f *Fiber, current, pending bool) error {
	if f.Kind == fiberRoot && (f != d.root || f.Parent != nil) {
		return badf("a second main program fiber, or one with a parent")
	}
	if f.Status == StatusRunning {
		d.running++
	}
	if f.Kind == fiberGenerator && (f.Parent != nil) != (f.Status == StatusRunning) {
		return badf("a generator has a resumer exactly while it runs")
	}
	switch f.Status {
	case StatusDone:
		if len(f.Frames) != 0 || len(f.handlers()) != 0 || f.SP != 0 {
			return badf("a finished fiber has frames or stack")
		}
		return nil
	case StatusNew:
		return d.verifyNew(f)
	}
	if len(f.Frames) == 0 {
		return badf("a %s fiber has no frames", f.Status)
	}
	if bottom := f.Frames[0].Fn.Fn; (f.Kind == fiberRoot) != (bottom == d.m.prog.Funcs[0]) ||
		(f.Kind == fiberGenerator) != bottom.Generator {
		return badf("a %s fiber running %s", fiberNoun(f), funcName(bottom.Name))
	}
	if f.exit != 0 && f.Kind != fiberGenerator {
		return badf("loop exit on a non-generator")
	}
	if f.exit != 0 {
		d.exits = append(d.exits, f)
	}
	return d.verifyFrames(f, current, pending)
}

// verifyNew checks a fiber that has not started.
func (d *decoder) verifyNew(f *Fiber) error {
	if f.Kind == fiberRoot {
		if len(f.Frames) != 1 || len(f.handlers()) != 0 || f.Frames[0] != (Frame{Fn: f.Frames[0].Fn, Base: 0, PC: 0}) ||
			f.Frames[0].Fn.Fn != d.m.prog.Funcs[0] || f.SP != f.Frames[0].Fn.Fn.NumLocals {
			return badf("malformed new main program")
		}
		return d.verifySlots(f, f.Frames[0], 0)
	}
	if f.Kind == fiberCoroutine {
		if len(f.Frames) != 0 || f.SP != 0 || f.Fn.k != KindFunc || f.Fn.asClosure().Fn.Generator {
			return badf("malformed new coroutine")
		}
		return nil
	}
	if f.Kind != fiberGenerator || len(f.Frames) != 1 || len(f.handlers()) != 0 {
		return badf("malformed new generator")
	}
	fr := f.Frames[0]
	if fr.PC != 0 || fr.Base != 1 || !fr.Fn.Fn.Generator || f.SP != 1+fr.Fn.Fn.NumLocals {
		return badf("malformed new generator frame")
	}
	if err := d.strayCells(f); err != nil {
		return err
	}
	return d.verifySlots(f, fr, 0)
}

// strayCells checks that cells on a fiber's stack sit only in local slots
// of captured variables, never in callee slots or operand stacks.
// A fiber whose functions keep no cells (Funcode.cells) may hold none.
func (d *decoder) strayCells(f *Fiber) error {
	cells := false
	for _, fr := range f.Frames {
		cells = cells || fr.Fn.Fn.cells
		if err := d.tick(1 + len(fr.Fn.Fn.Locals)); err != nil {
			return err
		}
	}
	var slot []bool
	if cells {
		slot = make([]bool, f.SP)
		for _, fr := range f.Frames {
			for _, l := range fr.Fn.Fn.Locals {
				if l.Cell && l.Slot < fr.Fn.Fn.NumLocals && fr.Base+l.Slot < f.SP {
					slot[fr.Base+l.Slot] = true
				}
			}
		}
	}
	for i, v := range f.Stack[:f.SP] {
		if v.k == kindCell && (!cells || !slot[i]) {
			return badf("a cell in stack slot %d, which holds no captured variable", i)
		}
	}
	return d.tick(f.SP)
}

// verifyFrames checks each frame's pc and base against the code, the top
// frame's stack height, and the handlers.
func (d *decoder) verifyFrames(f *Fiber, current, pending bool) error {
	want := 1
	if f.Kind == fiberRoot {
		want = 0
	}
	for i, fr := range f.Frames {
		fl, err := fr.Fn.Fn.flowInfo()
		if err != nil {
			return badf("%v", err)
		}
		if fr.PC < 0 || fr.PC >= len(fr.Fn.Fn.Code) || fl.Depth[fr.PC] < 0 {
			return badf("frame %d of %s: pc %d is not a reachable instruction", i, funcName(fr.Fn.Fn.Name), fr.PC)
		}
		if fr.Base != want {
			return badf("frame %d of %s: base %d, the call implies %d", i, funcName(fr.Fn.Fn.Name), fr.Base, want)
		}
		if err := d.verifySlots(f, fr, fr.PC); err != nil {
			return err
		}
		if i < len(f.Frames)-1 {
			if want, err = callBase(fr, fl, f.Frames[i+1].Fn); err != nil {
				return err
			}
		}
	}
	top := f.Frames[len(f.Frames)-1]
	height := top.Base + top.Fn.Fn.NumLocals + d.flowDepth(top)
	if !current || pending {
		if err := suspendedAt(top); err != nil {
			return err
		}
		height--
	}
	if f.SP != height {
		return badf("fiber stack height %d, the code implies %d at pc %d of %s", f.SP, height, top.PC, funcName(top.Fn.Fn.Name))
	}
	if err := d.strayCells(f); err != nil {
		return err
	}
	return d.verifyHandlers(f)
}

func (d *decoder) flowDepth(fr Frame) int {
	fl, _ := fr.Fn.Fn.flowInfo()
	return fl.Depth[fr.PC]
}

// callBase checks that a caller frame sits just after a call whose callee
// is the next frame, and returns the base that call gives the callee.
func callBase(fr Frame, fl *compiler.Flow, callee *Closure) (int, error) {
	if fr.PC == 0 {
		return 0, badf("a caller frame at pc 0")
	}
	op, arg := compiler.Decode(fr.Fn.Fn.Code[fr.PC-1])
	var n int
	switch op {
	case compiler.CALL:
		n = int(arg)
	case compiler.CALLMETHOD:
		n = int(arg & 0xff)
	default:
		return 0, badf("a caller frame of %s is not at a call", funcName(fr.Fn.Fn.Name))
	}
	if callee.Fn.NumParams != n || callee.Fn.Generator {
		return 0, badf("call of %s with %d arguments", funcName(callee.Fn.Name), n)
	}
	return fr.Base + fr.Fn.Fn.NumLocals + fl.Depth[fr.PC-1] - n, nil
}

// suspendedAt checks that a suspended frame stopped at an instruction that
// can suspend: a yield, a call (host suspension), a method call (next,
// send, switch) or a for loop over a generator.
func suspendedAt(fr Frame) error {
	if fr.PC > 0 {
		switch op, _ := compiler.Decode(fr.Fn.Fn.Code[fr.PC-1]); op {
		case compiler.YIELD, compiler.CALL, compiler.CALLMETHOD, compiler.FORNEXT:
			return nil
		}
	}
	return badf("a suspended frame of %s at pc %d, which is no suspension point", funcName(fr.Fn.Fn.Name), fr.PC)
}

// verifySlots checks that local slots hold cells exactly where the
// function keeps captured variables, and that a captured variable in scope
// at pc has its cell. Every declared local has a slot of its own, so the
// work is proportional to the frame's share of the stack.
func (d *decoder) verifySlots(f *Fiber, fr Frame, pc int) error {
	fn := fr.Fn.Fn
	if fr.Base+fn.NumLocals > len(f.Stack) {
		return badf("frame of %s: locals past the stack", funcName(fn.Name))
	}
	if !fn.cells { // no slot may hold a cell
		for i, v := range f.Stack[fr.Base : fr.Base+fn.NumLocals] {
			if v.k == kindCell {
				return badf("%s: slot %d holds a cell but is no captured variable", funcName(fn.Name), i)
			}
		}
		return d.tick(1 + len(fn.Locals) + fn.NumLocals)
	}
	isCell := make([]bool, fn.NumLocals)
	live := make([]bool, fn.NumLocals)
	for _, l := range fn.Locals {
		if l.Cell && l.Slot < fn.NumLocals {
			isCell[l.Slot] = true
			if l.Start <= pc && pc < l.End {
				live[l.Slot] = true
			}
		}
	}
	for i := 0; i < fn.NumLocals; i++ {
		v := f.Stack[fr.Base+i]
		switch {
		case v.k == kindCell && !isCell[i]:
			return badf("%s: slot %d holds a cell but is no captured variable", funcName(fn.Name), i)
		case v.k != kindCell && live[i]:
			return badf("%s: captured variable in slot %d has no cell", funcName(fn.Name), i)
		}
	}
	return d.tick(1 + len(fn.Locals) + fn.NumLocals)
}

// verifyHandlers checks each frame has the try handlers its pc implies,
// each aimed at a handler entry with the stack height recorded.
func (d *decoder) verifyHandlers(f *Fiber) error {
	count := make([]int, len(f.Frames))
	hs := f.handlers()
	for i, h := range hs {
		if h.Depth < 1 || h.Depth > len(f.Frames) || (i > 0 && h.Depth < hs[i-1].Depth) {
			return badf("handler %d belongs to no frame", i)
		}
		fr := f.Frames[h.Depth-1]
		fl, _ := fr.Fn.Fn.flowInfo()
		if h.PC >= len(fl.Depth) || fl.Depth[h.PC] < 1 {
			return badf("handler %d jumps to an unreachable pc", i)
		}
		if h.SP != fr.Base+fr.Fn.Fn.NumLocals+fl.Depth[h.PC]-1 {
			return badf("handler %d stack height disagrees with its target", i)
		}
		count[h.Depth-1]++
	}
	for i, fr := range f.Frames {
		fl, _ := fr.Fn.Fn.flowInfo()
		if count[i] != fl.Tries[fr.PC] {
			return badf("frame %d of %s has %d try handlers, its pc implies %d", i, funcName(fr.Fn.Fn.Name), count[i], fl.Tries[fr.PC])
		}
	}
	return d.tick(len(hs) + len(f.Frames))
}

// verifyExit checks a generator driven by a for loop: its resumer must be
// suspended at that loop's FORNEXT, whose exit is recorded.
func (d *decoder) verifyExit(f *Fiber) error {
	if f.exit == 0 {
		return nil
	}
	if f.exit == closing {
		return d.verifyClosing(f)
	}
	r := f.Parent
	if r == nil || len(r.Frames) == 0 {
		return badf("a for-loop generator without a resumer")
	}
	// The resumer may not have been verified yet: check its pc here.
	top := r.Frames[len(r.Frames)-1]
	if top.PC <= 0 || top.PC > len(top.Fn.Fn.Code) {
		return badf("a for-loop generator whose resumer is at pc %d", top.PC)
	}
	op, arg := compiler.Decode(top.Fn.Fn.Code[top.PC-1])
	if op != compiler.FORNEXT || int(arg) != int(f.exit)-1 {
		return badf("a for-loop generator whose resumer is not in that loop")
	}
	return nil
}

// verifyClosing checks a generator running after close(): its resumer
// must be suspended right after a call of close.
func (d *decoder) verifyClosing(f *Fiber) error {
	r := f.Parent
	if f.Status != StatusRunning || r == nil || len(r.Frames) == 0 {
		return badf("a closing generator that is not running")
	}
	top := r.Frames[len(r.Frames)-1]
	if top.PC <= 0 || top.PC > len(top.Fn.Fn.Code) {
		return badf("a closing generator whose resumer is at pc %d", top.PC)
	}
	op, arg := compiler.Decode(top.Fn.Fn.Code[top.PC-1])
	if op != compiler.CALLMETHOD || arg&0xff != 0 || d.m.prog.Names[arg>>8] != "close" {
		return badf("a closing generator whose resumer is not in a call of close")
	}
	return nil
}
