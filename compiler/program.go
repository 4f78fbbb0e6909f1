package compiler

// This file defines Program and Function, the compiler's output and the
// VM's input.

import (
	"sync"

	"github.com/wf-lang/wf/lang"
)

// Program is a compiled .wf file. It is immutable once built and may be
// shared by any number of machines.
type Program struct {
	File     string
	Src      []byte       // the source text, for error messages
	Funcs    []*Function  // Funcs[0] is the top level, named "<main>"
	Globals  []string     // global variable names by slot
	Names    []string     // attribute and method names used by ATTR, SETATTR, CALLMETHOD
	Builtins []string     // predeclared names used by BUILTIN, bound by the VM at load
	Decls    []GlobalDecl // debug info: where each global is first declared, by slot
	Markers  []string     // the names version() is called with, sorted
	Hash     [32]byte     // SHA-256 of the source; identifies the program in snapshots
}

// GlobalDecl is where a global is first declared, and the function a
// top-level fn declaration binds to it (-1 for a let).
type GlobalDecl struct {
	Pos  Position
	Func int
}

// declareGlobal records the first declaration of global slot i.
func (c *compiler) declareGlobal(i int, pos lang.Pos, fn int) {
	d := &c.prog.Decls[i]
	if d.Pos.Line == 0 {
		*d = GlobalDecl{Pos: Position{Line: int32(pos.Line), Col: int32(pos.Col)}, Func: fn}
	}
}

// Function is the compiled form of one fn literal or of the top level.
type Function struct {
	ID        string // stable across edits and builds; see points.go
	Name      string
	Pos       lang.Pos
	Index     int // position in Program.Funcs
	NumParams int
	NumLocals int // parameters first, then the other locals
	MaxStack  int // operand stack depth above the locals
	Generator bool
	Code      []uint32
	Lines     []Position // Lines[pc] is the source position of Code[pc]
	Consts    []Constant
	Captures  []Capture   // how MAKEFUNC fills the closure's cells
	Locals    []LocalInfo // debug info: every local's name and live range
	FreeNames []string    // debug info: the names of the captured variables
	Yields    []int       // debug info: the pc of each YIELD, in order
	Points    []Point     // debug info: every suspension point with its stable id, in pc order
	Hidden    []Hidden    // debug info: the compiler's temporary slots and their roles

	flowOnce sync.Once
	flow     *Flow
	flowErr  error
}

// Flow returns Analyze(f), computed once and shared: a Program is
// immutable, so its analysis is too.
func (f *Function) Flow() (*Flow, error) {
	f.flowOnce.Do(func() { f.flow, f.flowErr = Analyze(f) })
	return f.flow, f.flowErr
}

// Position is a compact line:col pair.
type Position struct {
	Line, Col int32
}

// Constant is an entry of a function's constant pool: an int64, a float64
// or a string.
type Constant struct {
	Kind  ConstKind
	Int   int64
	Float float64
	Str   string
}

// ConstKind says which field of a Constant is meaningful.
type ConstKind uint8

// The constant kinds.
const (
	ConstInt ConstKind = iota
	ConstFloat
	ConstString
)

// Capture says where a closure's cell comes from when MAKEFUNC runs in the
// enclosing function: its local slot Index (which holds a cell), or, when
// FromFree, the enclosing function's own captured cell Index.
type Capture struct {
	FromFree bool
	Index    int
}

// LocalInfo names a local slot over a range of pcs [Start, End). Slots are
// reused by sibling blocks, so one slot can have several entries. Cell is
// set when the slot holds a captured variable's cell.
type LocalInfo struct {
	Name       string
	Slot       int
	Start, End int
	Cell       bool
}

// LocalsAt returns the locals live at pc, in slot order.
func (f *Function) LocalsAt(pc int) []LocalInfo {
	var out []LocalInfo
	for _, l := range f.Locals {
		if l.Start <= pc && pc < l.End {
			out = append(out, l)
		}
	}
	return out
}

// PosAt returns the source position of the instruction at pc.
func (f *Function) PosAt(file string, pc int) lang.Pos {
	if pc < 0 || pc >= len(f.Lines) {
		return lang.Pos{File: file}
	}
	p := f.Lines[pc]
	return lang.Pos{File: file, Line: int(p.Line), Col: int(p.Col)}
}
