package vm

// This file defines the snapshot format and its encoder. spec/snapshot.md
// is the reference; the grammar there and the code here must agree.
//
// A snapshot is one CBOR array, the envelope:
//
//	[magic "wf-snapshot", version 1, kind, program-hash, source, body]
//
// kind 0 is a whole machine (Machine.Snapshot), kind 1 a single value
// (dump). The body holds a flat heap table of objects; values refer to
// objects by index, so nesting in the encoding stays a few levels deep
// however deep the data, and sharing and cycles survive a round trip.
// Objects are numbered in breadth-first order from the roots, and the
// encoding is CBOR core deterministic, so one state always gives the same
// bytes.

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/fxamacker/cbor/v2"

	"github.com/wf-lang/wf/compiler"
)

// Snapshot format constants.
const (
	snapshotMagic   = "wf-snapshot"
	snapshotVersion = 1

	snapMachine = 0
	snapValue   = 1
)

// Object tags: the first element of every heap object. Never reuse one.
const (
	objList = iota
	objMap
	objClosure
	objCell
	objBuiltin
	objError
	objRange
	objIter
	objFiber
	objRoot // in a value snapshot: the loading machine's root coroutine
)

// encMode is CBOR core deterministic encoding, except that NaNs keep
// their bits (as float64): wf tells NaNs apart by bits as map keys, and
// core encoding's single canonical NaN would merge distinct keys.
var encMode = func() cbor.EncMode {
	opts := cbor.CoreDetEncOptions()
	opts.NaNConvert = cbor.NaNConvertNone
	em, err := opts.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// SnapshotOptions configure Machine.Snapshot.
type SnapshotOptions struct {
	// EmbedProgram stores the program's file name and source in the
	// snapshot, making it self-contained (see RestoreEmbedded).
	EmbedProgram bool
}

// Snapshot captures the whole machine (globals, every fiber with its
// frames and operand stack, the heap they reach, the step counter and a
// pending host suspension) as bytes. It fails while a Go builtin is on the
// Go stack (inside a sort comparator, say), since that frame is not data.
func (m *Machine) Snapshot(opts SnapshotOptions) (data []byte, err error) {
	defer recoverAPI(&err)
	if m.nest > 0 {
		return nil, errors.New("snapshot: a Go builtin is running a callback; its frame cannot be captured")
	}
	if m.failed != nil {
		return nil, fmt.Errorf("snapshot: the machine stopped with an error: %w", m.failed)
	}
	e := newEncoder(m, false)
	globals := make([]any, len(m.globals))
	for i, g := range m.globals {
		if g == undefined {
			globals[i] = []any{} // an empty array marks a global whose let has not run
			continue
		}
		globals[i] = e.value(g)
	}
	root := e.fiberRef(m.root)
	cur := e.fiberRef(m.cur)
	var pending any
	if m.pending != nil {
		pending = []any{m.pending.Host, e.value(m.pending.Request)}
	}
	e.drain()
	if e.err != nil {
		return nil, e.err
	}
	body := []any{globals, root, cur, m.steps, m.alloc, e.heap, pending}
	return m.envelope(snapMachine, body, opts.EmbedProgram)
}

// dumpValue encodes one value with everything reachable from it. The root
// coroutine is referenced, not copied; globals are never part of a value.
func (m *Machine) dumpValue(v Value) ([]byte, error) {
	e := newEncoder(m, true)
	root := e.value(v)
	e.drain()
	if e.err != nil {
		return nil, e.err
	}
	return m.envelope(snapValue, []any{root, e.heap}, false)
}

func (m *Machine) envelope(kind int, body any, embed bool) ([]byte, error) {
	var src any
	if embed {
		src = []any{m.prog.File, m.prog.Src}
	}
	hash := m.prog.Hash
	b, err := encMode.Marshal([]any{snapshotMagic, snapshotVersion, kind, hash[:], src, body})
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return b, nil
}

// encoder numbers heap objects breadth-first and encodes each once.
type encoder struct {
	m       *Machine
	isValue bool // a dump: the root fiber is a reference, running fibers are refused
	heap    []any
	index   map[unsafe.Pointer]int
	queue   []Value
	err     error
}

func newEncoder(m *Machine, isValue bool) *encoder {
	return &encoder{m: m, isValue: isValue, index: map[unsafe.Pointer]int{}}
}

// value encodes a value inline: scalars, strings and bytes as themselves,
// objects as [index].
func (e *encoder) value(v Value) any {
	switch v.k {
	case KindNil:
		return nil
	case KindBool:
		return v.AsBool()
	case KindInt:
		return v.AsInt()
	case KindFloat:
		return v.AsFloat()
	case KindString:
		return v.AsString()
	case KindBytes:
		return v.AsBytes()
	}
	return []any{uint64(e.ref(v))}
}

// ref returns the heap index of an object value, queueing it on first
// sight.
func (e *encoder) ref(v Value) int {
	if i, ok := e.index[v.p]; ok {
		return i
	}
	i := len(e.heap)
	e.index[v.p] = i
	e.heap = append(e.heap, nil)
	e.queue = append(e.queue, v)
	return i
}

func (e *encoder) fiberRef(f *Fiber) any {
	return []any{uint64(e.ref(coroutineValue(f)))}
}

// drain encodes queued objects until none is left. It never recurses, so
// deep data cannot exhaust the Go stack.
func (e *encoder) drain() {
	for len(e.queue) > 0 && e.err == nil {
		v := e.queue[0]
		e.queue = e.queue[1:]
		e.heap[e.index[v.p]] = e.object(v)
	}
}

func (e *encoder) values(vs []Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = e.value(v)
	}
	return out
}

func (e *encoder) object(v Value) any {
	switch v.k {
	case KindList:
		return []any{objList, e.values(v.AsList().Elems)}
	case KindMap:
		mp := v.AsMap()
		kv := make([]any, 0, 2*mp.Len())
		mp.Each(func(k, x Value) bool {
			kv = append(kv, e.value(k), e.value(x))
			return true
		})
		return []any{objMap, kv}
	case KindFunc:
		cl := v.asClosure()
		cells := make([]any, len(cl.Cells))
		for i, c := range cl.Cells {
			cells[i] = e.value(cellValue(c))
		}
		return []any{objClosure, cl.Fn.Index, cells}
	case kindCell:
		return []any{objCell, e.value((*Cell)(v.p).V)}
	case KindBuiltin:
		return []any{objBuiltin, v.AsBuiltin().Name}
	case KindError:
		return e.errorObject(v.AsError())
	case KindRange:
		r := v.asRange()
		return []any{objRange, r.Start, r.Stop, r.Step}
	case KindIter:
		it := v.asIter()
		i, stop := it.i, it.stop
		if it.kind == iterMap {
			i, stop = mapIterState(it)
		}
		return []any{objIter, int(it.kind), e.value(it.src), i, stop, it.step, it.n}
	case KindGenerator, KindCoroutine:
		return e.fiber(v.asFiber())
	}
	e.err = fmt.Errorf("snapshot: cannot encode %s value", article(v.TypeName()))
	return nil
}

// mapIterState encodes a map iterator's position and version in terms a
// restored map reproduces: the position counts live entries only (the
// snapshot drops tombstones), and the version is the number of key-set
// changes since the loop began (0 while the loop may go on), since the
// restored map's own version counter starts afresh.
func mapIterState(it *Iter) (pos, changes int64) {
	mp := it.src.AsMap()
	end := min(it.i, int64(len(mp.entries)))
	for _, e := range mp.entries[:max(end, 0)] {
		if !e.deleted {
			pos++
		}
	}
	return pos, int64(mp.version) - it.stop
}

func (e *encoder) errorObject(er *Error) any {
	trace := make([]any, len(er.Trace))
	for i, t := range er.Trace {
		trace[i] = []any{t.Func, t.Pos.File, t.Pos.Line, t.Pos.Col}
	}
	return []any{objError, er.Kind, er.Msg, trace}
}

func (e *encoder) fiber(f *Fiber) any {
	if e.isValue {
		if f == e.m.root {
			return []any{objRoot}
		}
		if f.Status == StatusRunning {
			e.err = fmt.Errorf("dump: cannot dump a running %s", fiberNoun(f))
			return nil
		}
	}
	frames := make([]any, len(f.Frames))
	for i, fr := range f.Frames {
		frames[i] = []any{e.value(funcValue(fr.Fn)), fr.PC, fr.Base}
	}
	handlers := make([]any, len(f.Handlers))
	for i, h := range f.Handlers {
		handlers[i] = []any{h.Depth, h.PC, h.SP}
	}
	var parent any
	if f.Parent != nil {
		parent = e.fiberRef(f.Parent)
	}
	// A finished root is left with SP -1 (its main function's return
	// drops the callee slot it never had).
	sp := min(max(f.SP, 0), len(f.Stack))
	return []any{objFiber, int(f.Kind), int(f.Status), e.values(f.Stack[:sp]), frames, handlers,
		parent, e.value(f.Fn), e.value(f.Result), f.exit}
}

func fiberNoun(f *Fiber) string {
	if f.Kind == fiberGenerator {
		return "generator"
	}
	return "coroutine"
}

// ProgramHash returns the identity snapshots record for a program's
// source: compiler.Hash, which covers the bytecode version too.
func ProgramHash(src []byte) [32]byte { return compiler.Hash(src) }
