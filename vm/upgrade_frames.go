package vm

// This file moves fibers: each frame onto the new function's point with
// the same id, its locals by name, its pending temporaries as they were
// (when the new code describes them the same way), its try handlers as
// the new code has them around that point.

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// frameMove is one frame being moved.
type frameMove struct {
	fr        Frame
	of, nmf   *compiler.MapFunc
	op, np    *compiler.MapPoint
	top       bool
	unchanged bool // the function's map is the same in both programs
}

// fiberMove is a fiber's new stack, frames and handlers being built.
type fiberMove struct {
	f        *Fiber
	old      []Value // the fiber's old stack, up to its height
	stack    []Value
	frames   []Frame
	handlers []Handler
}

// moveFiber rebuilds a fiber's stack, frames and handlers for the new
// program, frame by frame; a frame that cannot move leaves the fiber as
// it was (the report says why).
func (u *upgrade) moveFiber(f *Fiber) {
	if len(f.Frames) == 0 {
		return
	}
	old := f.Stack[:min(f.SP, len(f.Stack))]
	fm := &fiberMove{f: f, old: old, frames: make([]Frame, len(f.Frames))}
	fm.stack = append([]Value(nil), old[:min(f.Frames[0].Base, len(old))]...)
	for i := range f.Frames {
		if !u.moveFrame(fm, i) {
			return
		}
	}
	f.Stack, f.SP, f.Frames = fm.stack, len(fm.stack), fm.frames
	f.setHandlers(fm.handlers)
	f.grow(len(fm.stack) + 1)
}

// moveFrame appends frame i's locals, temporaries and callee slot to the
// new stack, and its handlers.
func (u *upgrade) moveFrame(fm *fiberMove, i int) bool {
	f, old, fr := fm.f, fm.old, fm.f.Frames[i]
	mv := &frameMove{fr: fr, top: i == len(f.Frames)-1}
	if !u.placeFrame(f, mv) {
		return false
	}
	if fr.Base < 0 || fr.Base+mv.of.Slots > len(old) {
		u.cannot(mv, "the frame's slots do not fit its stack")
		return false
	}
	base := len(fm.stack)
	fm.stack = append(fm.stack, u.moveLocals(f, mv, base)...)
	end := f.SP
	if !mv.top {
		end = f.Frames[i+1].Base - 1
	}
	if end < fr.Base+mv.of.Slots || end > len(old) || !mv.top && end >= len(old) {
		u.cannot(mv, "the frame's stack does not fit its map")
		return false
	}
	temps := old[fr.Base+mv.of.Slots : end]
	if !u.sameTemps(mv, len(temps)) {
		return false
	}
	fm.stack = append(fm.stack, temps...)
	if !mv.top {
		fm.stack = append(fm.stack, old[end]) // the callee
	}
	fm.frames[i] = Frame{Fn: fr.Fn, PC: pointPC(mv.np), Base: base}
	return u.moveHandlers(fm, mv, i, base)
}

// moveHandlers installs the try handlers the new code has around the
// frame's point.
func (u *upgrade) moveHandlers(fm *fiberMove, mv *frameMove, i, base int) bool {
	if mv.np == nil {
		return true
	}
	nf := mv.fr.Fn.Fn
	fl, err := nf.Flow()
	if err != nil {
		u.cannot(mv, err.Error())
		return false
	}
	for _, h := range mv.np.Handlers {
		fm.handlers = append(fm.handlers, Handler{Depth: i + 1, PC: h, SP: base + nf.NumLocals + fl.Depth[h] - 1})
	}
	return true
}

func pointPC(p *compiler.MapPoint) int {
	if p == nil {
		return 0
	}
	return p.PC
}

// placeFrame finds the frame's function and point in both maps.
func (u *upgrade) placeFrame(f *Fiber, mv *frameMove) bool {
	mv.of = u.oldFn[mv.fr.Fn]
	if mv.of == nil {
		u.rep.add(Problem{Verdict: CannotMove, Func: "?", What: "a frame of no known function"})
		return false
	}
	oldPos := lang.Pos{File: u.oldMap.File, Line: mv.of.Line}
	if u.removed[mv.fr.Fn] {
		u.rep.add(Problem{Verdict: CannotMove, Func: mv.of.ID, What: "function removed", Old: oldPos})
		delete(u.removed, mv.fr.Fn)
		return false
	}
	mv.nmf = u.newMap.Func(mv.of.ID)
	mv.unchanged = reflect.DeepEqual(*mv.of, *mv.nmf)
	nf := mv.fr.Fn.Fn
	if mv.of.Generator != nf.Generator {
		u.rep.add(Problem{Verdict: CannotMove, Func: mv.of.ID, What: "the function changed between generator and plain", Old: oldPos, New: nf.Pos})
		return false
	}
	if mv.fr.PC == 0 { // not started: its slots hold the arguments
		if mv.of.Params != nf.NumParams {
			u.rep.add(Problem{Verdict: CannotMove, Func: mv.of.ID, What: "the parameters changed", Old: oldPos, New: nf.Pos})
			return false
		}
		return true
	}
	if mv.op = mv.of.Point(mv.fr.PC); mv.op == nil {
		u.rep.add(Problem{Verdict: CannotMove, Func: mv.of.ID, What: fmt.Sprintf("pc %d is no suspension point of the old program", mv.fr.PC), Old: oldPos})
		return false
	}
	if mv.np = mv.nmf.PointByID(mv.op.ID); mv.np == nil {
		u.cannot(mv, "suspension point gone")
		return false
	}
	u.rep.Frames++
	return true
}

func (u *upgrade) oldPos(mv *frameMove) lang.Pos {
	if mv.op != nil {
		return lang.Pos{File: u.oldMap.File, Line: mv.op.Line, Col: mv.op.Col}
	}
	return lang.Pos{File: u.oldMap.File, Line: mv.of.Line}
}

func (u *upgrade) newPos(mv *frameMove) lang.Pos {
	if mv.np != nil {
		return lang.Pos{File: u.m.prog.File, Line: mv.np.Line, Col: mv.np.Col}
	}
	return lang.Pos{}
}

func (u *upgrade) cannot(mv *frameMove, what string) {
	p := Problem{Verdict: CannotMove, Func: mv.of.ID, What: what, Old: u.oldPos(mv), New: u.newPos(mv)}
	if mv.op != nil {
		p.Point = mv.op.ID
	}
	u.rep.add(p)
}

// sameTemps checks that the new point has the same pending temporaries
// as the old one: as many, each made by the same expression. "?" (paths
// that disagree) matches only in a function whose map did not change.
func (u *upgrade) sameTemps(mv *frameMove, n int) bool {
	if mv.op == nil {
		if n != 0 {
			u.cannot(mv, "a frame that has not started holds temporaries")
			return false
		}
		return true
	}
	want, got := mv.op.Temps, mv.np.Temps
	extra := n - len(want) // the top frame of the running fiber holds its result too
	if extra < 0 || extra > 1 || extra == 1 && !mv.top {
		u.cannot(mv, fmt.Sprintf("the frame holds %d temporaries, its map says %d", n, len(want)))
		return false
	}
	ok := len(want) == len(got)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] == got[i] && (want[i] != "?" || mv.unchanged)
	}
	if !ok {
		u.cannot(mv, fmt.Sprintf("pending temporaries differ: old %q, new %q", want, got))
	}
	return ok
}

// varKey names a live variable: its name, and "#k" for the k-th of
// several live variables with that name (an inner block's shadowing let).
func varKeys(vars []compiler.MapVar) map[string]compiler.MapVar {
	out := map[string]compiler.MapVar{}
	seen := map[string]int{}
	for _, v := range vars {
		seen[v.Name]++
		key := v.Name
		if n := seen[v.Name]; n > 1 {
			key = fmt.Sprintf("%s#%d", v.Name, n)
		}
		out[key] = v
	}
	return out
}

// moveLocals returns the new frame's local slots, filled by name.
func (u *upgrade) moveLocals(f *Fiber, mv *frameMove, base int) []Value {
	nf := mv.fr.Fn.Fn
	slots := make([]Value, nf.NumLocals)
	old := f.Stack[mv.fr.Base:]
	if mv.op == nil { // not started: the arguments, in order
		copy(slots, old[:mv.of.Params])
		return slots
	}
	if mv.unchanged { // the same slots mean the same: dead ones too
		copy(slots, old[:mv.of.Slots])
		return slots
	}
	oldVars := varKeys(mv.of.VarsAt(mv.fr.PC))
	newVars := varKeys(mv.nmf.VarsAt(mv.np.PC))
	hc := hookCall{fn: mv.of.ID, point: mv.op.ID, fiber: f, base: base, slots: map[string]compiler.MapVar{}, carried: map[string]Value{}}
	for key, nv := range newVars {
		ov, ok := oldVars[key]
		delete(oldVars, key)
		hc.slots[key] = nv
		if !ok {
			hc.missing = append(hc.missing, key)
			continue
		}
		v := plain(old[ov.Slot])
		hc.carried[key] = v
		slots[nv.Slot] = v
		if nv.Cell {
			slots[nv.Slot] = u.cellFor(old[ov.Slot])
		}
	}
	u.moveHidden(mv, old, slots)
	dropped := map[string]Value{}
	for key, ov := range oldVars {
		dropped[key] = plain(old[ov.Slot])
	}
	hc.dropped = droppedValues(dropped)
	if len(hc.missing)+len(hc.dropped) > 0 {
		u.needHook(hc, mv.of.ID, mv.op.ID, u.oldPos(mv), u.newPos(mv))
	}
	return slots
}

// moveHidden carries compiler temporaries by role.
func (u *upgrade) moveHidden(mv *frameMove, old, slots []Value) {
	for _, nh := range mv.nmf.Hidden {
		for _, oh := range mv.of.Hidden {
			if oh.Role == nh.Role {
				slots[nh.Slot] = plain(old[oh.Slot])
			}
		}
	}
}

// plain is a slot's value: a captured variable's cell holds it.
func plain(v Value) Value {
	if v.k == kindCell {
		return (*Cell)(v.p).V
	}
	return v
}

// cellFor is the cell a captured variable's slot holds: the old cell
// (which closures share) or a new one for a variable newly captured.
func (u *upgrade) cellFor(v Value) Value {
	if v.k == kindCell {
		return v
	}
	return cellValue(&Cell{V: v})
}

// fixExits points each generator a for loop drives at the exit of that
// loop in the new code.
func (u *upgrade) fixExits() {
	for i, k := range u.d.kinds {
		if k != KindGenerator {
			continue
		}
		f := (*Fiber)(u.d.ptrs[i])
		if f.exit <= 0 || f.Parent == nil || len(f.Parent.Frames) == 0 {
			continue
		}
		top := f.Parent.Frames[len(f.Parent.Frames)-1]
		code := top.Fn.Fn.Code
		if top.PC <= 0 || top.PC > len(code) {
			continue // reported with the frame
		}
		if op, arg := compiler.Decode(code[top.PC-1]); op == compiler.FORNEXT {
			f.exit = int32(arg) + 1
		}
	}
}

// reachableClosures lists the closures reachable from roots.
func reachableClosures(roots []Value) []*Closure {
	seen := map[unsafe.Pointer]bool{}
	var out []*Closure
	work := append([]Value(nil), roots...)
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if v.p == nil || seen[v.p] || v == undefined {
			continue
		}
		seen[v.p] = true
		work = appendRefs(work, v, &out)
	}
	return out
}

func appendRefs(work []Value, v Value, out *[]*Closure) []Value {
	switch v.k {
	case KindList:
		return append(work, v.AsList().Elems...)
	case KindMap:
		v.AsMap().Each(func(k, x Value) bool {
			work = append(work, k, x)
			return true
		})
	case KindFunc:
		cl := v.asClosure()
		*out = append(*out, cl)
		for _, c := range cl.Cells {
			work = append(work, c.V)
		}
	case kindCell:
		work = append(work, (*Cell)(v.p).V)
	case KindIter:
		work = append(work, v.asIter().src)
	case KindGenerator, KindCoroutine:
		f := v.asFiber()
		work = append(work, f.Stack[:min(max(f.SP, 0), len(f.Stack))]...)
		for _, fr := range f.Frames {
			work = append(work, funcValue(fr.Fn))
		}
		work = append(work, f.Fn, f.Result)
		if f.Parent != nil {
			work = append(work, coroutineValue(f.Parent))
		}
	}
	return work
}
