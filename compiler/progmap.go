package compiler

// This file defines Map, the part of a program's debug info an upgrade
// needs, in a form that does not depend on the instruction set: which
// function and suspension point each pc of a snapshot's frames is, which
// local each slot is, and what each pending temporary holds. A build of
// wf stores it with every program, so that a later build, whose code
// generator may differ, can still read the frames of a snapshot made by
// this one (spec/snapshot.md, "Upgrading").

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
)

// MapFormat is the version of the Map encoding. A reader refuses maps of
// a format it does not know.
const MapFormat = 1

// Map is a program's upgrade map. Pcs in it are opaque labels: they mean
// what the snapshot's frame pcs mean for the same build, nothing more.
type Map struct {
	Format   int         `json:"format"`
	Bytecode string      `json:"bytecode"` // BytecodeVersion of the build that made it
	File     string      `json:"file"`
	Globals  []MapGlobal `json:"globals"` // by slot
	Funcs    []MapFunc   `json:"funcs"`   // by index
}

// MapGlobal is a global variable: its name, where it is declared, and the
// function a top-level fn declaration binds to it ("" for a let).
type MapGlobal struct {
	Name string `json:"name"`
	Func string `json:"func,omitempty"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// MapFunc describes one function.
type MapFunc struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Line      int         `json:"line"`
	Params    int         `json:"params"`
	Slots     int         `json:"slots"` // local slots: parameters, locals, compiler temporaries
	Generator bool        `json:"generator,omitempty"`
	Free      []string    `json:"free,omitempty"` // captured variables, in cell order
	Vars      []MapVar    `json:"vars,omitempty"`
	Hidden    []MapHidden `json:"hidden,omitempty"`
	Points    []MapPoint  `json:"points,omitempty"`
}

// MapVar is a local variable in a slot over the pcs [Start, End).
type MapVar struct {
	Name  string `json:"name"`
	Slot  int    `json:"slot"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Cell  bool   `json:"cell,omitempty"`
}

// MapHidden is a compiler temporary slot and its role.
type MapHidden struct {
	Slot int    `json:"slot"`
	Role string `json:"role"`
}

// MapPoint is a suspension point: the pc a frame resumes at, its stable
// id, its source position, the pending temporaries below the suspending
// instruction's operands (each described by the expression that made it,
// "?" where paths disagree), and the handler pcs of the try blocks around
// it, outermost first.
type MapPoint struct {
	PC       int      `json:"pc"`
	ID       string   `json:"id"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Temps    []string `json:"temps,omitempty"`
	Handlers []int    `json:"handlers,omitempty"`
}

var mapCache sync.Map // *Program → *Map

// Map returns p's upgrade map, computed once.
func (p *Program) Map() *Map {
	if m, ok := mapCache.Load(p); ok {
		return m.(*Map)
	}
	m := buildMap(p)
	v, _ := mapCache.LoadOrStore(p, m)
	return v.(*Map)
}

func buildMap(p *Program) *Map {
	m := &Map{Format: MapFormat, Bytecode: BytecodeVersion, File: p.File}
	for i, name := range p.Globals {
		g := MapGlobal{Name: name}
		if i < len(p.Decls) {
			d := p.Decls[i]
			g.Line, g.Col = int(d.Pos.Line), int(d.Pos.Col)
			if d.Func >= 0 && d.Func < len(p.Funcs) {
				g.Func = p.Funcs[d.Func].ID
			}
		}
		m.Globals = append(m.Globals, g)
	}
	for _, fn := range p.Funcs {
		m.Funcs = append(m.Funcs, mapFunc(p, fn))
	}
	return m
}

func mapFunc(p *Program, fn *Function) MapFunc {
	mf := MapFunc{ID: fn.ID, Name: fn.Name, Line: fn.Pos.Line, Params: fn.NumParams,
		Slots: fn.NumLocals, Generator: fn.Generator, Free: fn.FreeNames}
	for _, l := range fn.Locals {
		mf.Vars = append(mf.Vars, MapVar{Name: l.Name, Slot: l.Slot, Start: l.Start, End: l.End, Cell: l.Cell})
	}
	for _, h := range fn.Hidden {
		mf.Hidden = append(mf.Hidden, MapHidden{Slot: h.Slot, Role: h.Role})
	}
	st := symbolic(p, fn)
	for _, pt := range fn.Points {
		pos := fn.PosAt("", pt.PC-1)
		mp := MapPoint{PC: pt.PC, ID: pt.ID, Line: pos.Line, Col: pos.Col}
		if s := st.at(pt.PC); s != nil {
			mp.Temps = s.temps()
			mp.Handlers = s.handlers()
		}
		mf.Points = append(mf.Points, mp)
	}
	return mf
}

// Encode returns the map as JSON, the form stored with a program.
func (m *Map) Encode() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a Map has only strings, ints and bools
	}
	return b
}

// DecodeMap reads a stored map, refusing a format this build does not
// know and a map whose parts do not fit together.
func DecodeMap(b []byte) (*Map, error) {
	var m Map
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("upgrade map: %w", err)
	}
	if m.Format != MapFormat {
		return nil, fmt.Errorf("upgrade map format %d, this wf reads format %d", m.Format, MapFormat)
	}
	return &m, m.check()
}

func (m *Map) check() error {
	if len(m.Funcs) == 0 {
		return fmt.Errorf("upgrade map: no functions")
	}
	for i, f := range m.Funcs {
		if f.Params < 0 || f.Slots < f.Params || f.Slots > 1<<24 {
			return fmt.Errorf("upgrade map: function %d: bad slot counts", i)
		}
		for _, v := range f.Vars {
			if v.Slot < 0 || v.Slot >= f.Slots {
				return fmt.Errorf("upgrade map: function %d: variable %q in slot %d of %d", i, v.Name, v.Slot, f.Slots)
			}
		}
		for _, h := range f.Hidden {
			if h.Slot < 0 || h.Slot >= f.Slots {
				return fmt.Errorf("upgrade map: function %d: temporary in slot %d of %d", i, h.Slot, f.Slots)
			}
		}
	}
	return nil
}

// Func returns the function with the given id, or nil.
func (m *Map) Func(id string) *MapFunc {
	for i := range m.Funcs {
		if m.Funcs[i].ID == id {
			return &m.Funcs[i]
		}
	}
	return nil
}

// Point returns the point a frame resuming at pc is at, or nil.
func (f *MapFunc) Point(pc int) *MapPoint {
	for i := range f.Points {
		if f.Points[i].PC == pc {
			return &f.Points[i]
		}
	}
	return nil
}

// PointByID returns the point with the given id, or nil.
func (f *MapFunc) PointByID(id string) *MapPoint {
	for i := range f.Points {
		if f.Points[i].ID == id {
			return &f.Points[i]
		}
	}
	return nil
}

// VarsAt returns the variables live at pc.
func (f *MapFunc) VarsAt(pc int) []MapVar {
	var out []MapVar
	for _, v := range f.Vars {
		if v.Start <= pc && pc < v.End {
			out = append(out, v)
		}
	}
	return out
}

// The symbolic analysis: Analyze's walk over the code, with each operand
// stack entry described by the expression that made it and the try
// handlers installed, so that a point's temporaries can be compared
// across programs and builds.

// sym is an operand stack entry (a persistent list, top first).
type sym struct {
	desc  string
	below *sym
}

// tryList is the installed handlers (a persistent list, innermost first).
type tryList struct {
	pc    int
	outer *tryList
}

type symState struct {
	stack *sym
	depth int
	tries *tryList
}

func (s *symState) temps() []string {
	if s.depth <= 1 {
		return nil
	}
	out := make([]string, s.depth-1) // the top is the suspending instruction's result
	e := s.stack.below
	for i := s.depth - 2; i >= 0 && e != nil; i-- {
		out[i] = e.desc
		e = e.below
	}
	return out
}

func (s *symState) handlers() []int {
	var out []int
	for t := s.tries; t != nil; t = t.outer {
		out = append(out, t.pc)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// symbolic is the result of the analysis: the state before each pc.
type symTable struct {
	states []*symState
}

func (t *symTable) at(pc int) *symState {
	if pc < 0 || pc >= len(t.states) {
		return nil
	}
	return t.states[pc]
}

// maxSymWork bounds the analysis of one function; past it, points get no
// temporaries description ("?"), which only makes upgrades stricter.
const maxSymWork = 1 << 22

type symWalker struct {
	p    *Program
	fn   *Function
	tab  *symTable
	work int
	vars map[int][]LocalInfo // by slot
}

func symbolic(p *Program, fn *Function) *symTable {
	w := &symWalker{p: p, fn: fn, tab: &symTable{states: make([]*symState, len(fn.Code)+1)}, vars: map[int][]LocalInfo{}}
	for _, l := range fn.Locals {
		w.vars[l.Slot] = append(w.vars[l.Slot], l)
	}
	if len(fn.Code) == 0 {
		return w.tab
	}
	work := []int{0}
	w.tab.states[0] = &symState{}
	for len(work) > 0 && w.work < maxSymWork {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		for _, next := range w.step(pc) {
			if w.merge(next.pc, next.st) {
				work = append(work, next.pc)
			}
		}
	}
	if w.work >= maxSymWork {
		for i := range w.tab.states {
			if s := w.tab.states[i]; s != nil {
				w.tab.states[i] = &symState{stack: unknownStack(s.depth), depth: s.depth, tries: s.tries}
			}
		}
	}
	return w.tab
}

func unknownStack(n int) *sym {
	var s *sym
	for range n {
		s = &sym{desc: "?", below: s}
	}
	return s
}

// merge joins st into the state before pc and reports whether it changed:
// where two paths disagree about an entry it becomes "?".
func (w *symWalker) merge(pc int, st *symState) bool {
	if pc < 0 || pc >= len(w.tab.states) {
		return false
	}
	old := w.tab.states[pc]
	if old == nil {
		w.tab.states[pc] = st
		return true
	}
	if old.depth != st.depth {
		return false // Analyze refuses such code; nothing to describe
	}
	changed := false
	var descs []string
	a, b := old.stack, st.stack
	for a != nil && b != nil {
		w.work++
		d := a.desc
		if a.desc != b.desc && a.desc != "?" {
			d, changed = "?", true
		}
		descs = append(descs, d)
		a, b = a.below, b.below
	}
	if !changed {
		return false
	}
	var s *sym
	for i := len(descs) - 1; i >= 0; i-- {
		s = &sym{desc: descs[i], below: s}
	}
	w.tab.states[pc] = &symState{stack: s, depth: old.depth, tries: old.tries}
	return true
}

type symNext struct {
	pc int
	st *symState
}

// step interprets the instruction at pc on the state before it.
func (w *symWalker) step(pc int) []symNext {
	st := w.tab.states[pc]
	op, arg := Decode(w.fn.Code[pc])
	w.work++
	pops, pushes := w.effect(op, arg, pc)
	if pops > st.depth {
		return nil
	}
	args := make([]string, pops)
	s := st.stack
	for i := pops - 1; i >= 0; i-- {
		args[i] = s.desc
		s = s.below
	}
	fall := pushed(s, st.depth-pops, pushes(args), st.tries)
	switch op {
	case TRY:
		fall.tries = &tryList{pc: int(arg), outer: st.tries}
		caught := pushed(st.stack, st.depth, []string{"caught"}, st.tries)
		return []symNext{{pc + 1, fall}, {int(arg), caught}}
	case ENDTRY:
		if st.tries != nil {
			fall.tries = st.tries.outer
		}
	case JMP:
		return []symNext{{int(arg), fall}}
	case RETURN, THROW, RETHROW:
		return nil
	}
	if je, ok := JumpEffect(op); ok && op != JMP {
		return []symNext{{pc + 1, fall}, {int(arg), jumpState(st, je)}}
	}
	return []symNext{{pc + 1, fall}}
}

// jumpState is the state along a branch's jump edge.
func jumpState(st *symState, je int) *symState {
	s, d := st.stack, st.depth
	for ; je < 0 && s != nil; je++ {
		s, d = s.below, d-1
	}
	return &symState{stack: s, depth: d, tries: st.tries}
}

func pushed(s *sym, depth int, descs []string, tries *tryList) *symState {
	for _, d := range descs {
		s = &sym{desc: d, below: s}
		depth++
	}
	return &symState{stack: s, depth: depth, tries: tries}
}

// effect returns how many entries op pops and a function giving the
// descriptions of what it pushes from the popped ones (bottom first).
func (w *symWalker) effect(op Opcode, arg uint32, pc int) (int, func([]string) []string) {
	one := func(d string) func([]string) []string { return func([]string) []string { return []string{d} } }
	switch op {
	case NIL:
		return 0, one("nil")
	case TRUE:
		return 0, one("true")
	case FALSE:
		return 0, one("false")
	case INT:
		return 0, one(strconv.FormatInt(int64(int32(arg<<8)>>8), 10))
	case CONST:
		return 0, one(w.constant(arg))
	case LOCAL, CELL:
		return 0, one(w.local(int(arg), pc))
	case LOCAL2:
		return 0, func([]string) []string { return []string{w.local(int(arg>>12), pc), w.local(int(arg&0xfff), pc)} }
	case LOCALINT:
		return 0, func([]string) []string {
			return []string{w.local(int(arg>>8), pc), strconv.Itoa(int(int8(arg)))}
		}
	case LOCALADDI:
		return 0, one("(" + w.local(int(arg>>8), pc) + " + " + strconv.Itoa(int(int8(arg))) + ")")
	case FREE:
		return 0, one(w.name(w.fn.FreeNames, int(arg)))
	case GLOBAL:
		return 0, one(w.name(w.p.Globals, int(arg)))
	case BUILTIN:
		return 0, one(w.name(w.p.Builtins, int(arg)))
	case MAKEFUNC:
		return 0, one("fn " + w.funcID(int(arg)))
	}
	return w.compound(op, arg)
}

// compound handles the instructions that combine popped entries.
func (w *symWalker) compound(op Opcode, arg uint32) (int, func([]string) []string) {
	switch op {
	case DUP:
		return 1, func(a []string) []string { return []string{a[0], a[0]} }
	case DUP2:
		return 2, func(a []string) []string { return []string{a[0], a[1], a[0], a[1]} }
	case SWAP:
		return 2, func(a []string) []string { return []string{a[1], a[0]} }
	case ROT3:
		return 3, func(a []string) []string { return []string{a[2], a[0], a[1]} }
	case ITER:
		return 1, func(a []string) []string { return []string{"iter(" + a[0] + ")"} }
	case FORNEXT:
		return 1, func(a []string) []string { return []string{a[0], "next(" + a[0] + ")"} }
	case FORNEXT2:
		return 1, func(a []string) []string { return []string{a[0], "key(" + a[0] + ")", "value(" + a[0] + ")"} }
	case ISGEN:
		return 1, func(a []string) []string { return []string{a[0], "isgen(" + a[0] + ")"} }
	case YIELD:
		return 1, func(a []string) []string { return []string{"yield(" + a[0] + ")"} }
	case ATTR:
		return 1, func(a []string) []string { return []string{clip(a[0] + "." + w.name(w.p.Names, int(arg)))} }
	case ADDI:
		return 1, func(a []string) []string {
			return []string{clip("(" + a[0] + " + " + strconv.Itoa(int(int32(arg<<8)>>8)) + ")")}
		}
	case CALL:
		n := int(arg)
		return n + 1, func(a []string) []string { return []string{clip(a[0] + "(" + strings.Join(a[1:], ", ") + ")")} }
	case CALLMETHOD:
		n := int(arg & 0xff)
		return n + 1, func(a []string) []string {
			return []string{clip(a[0] + "." + w.name(w.p.Names, int(arg>>8)) + "(" + strings.Join(a[1:], ", ") + ")")}
		}
	case MAKELIST, CONCAT, MAKEMAP:
		n := int(arg)
		if op == MAKEMAP {
			n *= 2
		}
		return n, func(a []string) []string {
			return []string{clip(strings.ToLower(op.String()) + "(" + strings.Join(a, ", ") + ")")}
		}
	case INDEX:
		return 2, func(a []string) []string { return []string{clip(a[0] + "[" + a[1] + "]")} }
	case SLICE:
		return 3, func(a []string) []string { return []string{clip(a[0] + "[" + a[1] + ":" + a[2] + "]")} }
	}
	return w.plain(op)
}

// plain handles operators and the instructions that only pop.
func (w *symWalker) plain(op Opcode) (int, func([]string) []string) {
	none := func([]string) []string { return nil }
	if op >= ADD && op <= IN {
		return 2, func(a []string) []string {
			return []string{clip("(" + a[0] + " " + strings.ToLower(op.String()) + " " + a[1] + ")")}
		}
	}
	if op >= NEG && op <= BITNOT {
		return 1, func(a []string) []string { return []string{clip(strings.ToLower(op.String()) + "(" + a[0] + ")")} }
	}
	switch op {
	case POP, SETLOCAL, SETCELL, SETFREE, SETGLOBAL, ADDLOCAL, JMPFALSE, JMPTRUE, ANDJMP, ORJMP, RETURN, THROW, RETHROW:
		return 1, none
	case EQJMPFALSE, NEJMPFALSE, LTJMPFALSE, LEJMPFALSE, GTJMPFALSE, GEJMPFALSE, SETATTR:
		return 2, none
	case SETINDEX:
		return 3, none
	}
	return 0, none // NOP, MAKECELL, INCLOCAL, JMP, TRY, ENDTRY
}

func (w *symWalker) local(slot, pc int) string {
	for _, l := range w.vars[slot] {
		if l.Start <= pc && pc < l.End {
			return l.Name
		}
	}
	for _, h := range w.fn.Hidden {
		if h.Slot == slot {
			return "$" + h.Role
		}
	}
	return "$" + strconv.Itoa(slot)
}

func (w *symWalker) name(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return "?"
	}
	return names[i]
}

func (w *symWalker) funcID(i int) string {
	if i < 0 || i >= len(w.p.Funcs) {
		return "?"
	}
	return w.p.Funcs[i].ID
}

func (w *symWalker) constant(k uint32) string {
	if int(k) >= len(w.fn.Consts) {
		return "?"
	}
	c := w.fn.Consts[k]
	switch c.Kind {
	case ConstInt:
		return strconv.FormatInt(c.Int, 10)
	case ConstFloat:
		return strconv.FormatFloat(c.Float, 'g', -1, 64)
	}
	return clip(strconv.Quote(c.Str))
}

// clip keeps descriptions short: a long one keeps its head and a hash of
// the whole, so two descriptions still compare equal only if they were.
func clip(s string) string {
	if len(s) <= 96 {
		return s
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return s[:72] + fmt.Sprintf("…%016x", h.Sum64())
}
