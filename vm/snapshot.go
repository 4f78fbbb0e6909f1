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
	"slices"
	"sync"

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
	// snapshot, making it self-contained: EmbeddedProgram reads them back,
	// so a tool can compile the program and Restore or Inspect the
	// snapshot without the original file, as wf inspect does.
	EmbedProgram bool
}

// Snapshot captures the whole machine (globals, every fiber with its
// frames and operand stack, the heap they reach, the step counter and a
// pending host suspension) as bytes. It fails while a Go builtin is on the
// Go stack (inside a sort comparator, say), since that frame is not data.
func (m *Machine) Snapshot(opts SnapshotOptions) (data []byte, err error) {
	defer recoverAPI(&err)
	if m == nil || m.prog == nil {
		return nil, errNoMachine
	}
	if m.nest > 0 {
		return nil, errors.New("snapshot: a Go builtin is running a callback; its frame cannot be captured")
	}
	if m.failed != nil {
		return nil, fmt.Errorf("snapshot: the machine stopped with an error: %w", m.failed)
	}
	e := newEncoder(m, false)
	e.track = m.opts.Deltas
	e.stamp = !e.track // a delta base needs every object in the index
	roots, pending := e.rootItems()
	head := m.envelope(snapMachine, opts.EmbedProgram, len(roots.b)+32)
	m.bodyHead(head, roots.b)
	gap := len(head.b) + 9 // room for the heap's array head, at most 9 bytes
	last := m.lastSnap.bytes
	e.heap.b = make([]byte, gap, gap+last+last/8+len(pending.b)+1024)
	e.drain()
	if e.err != nil {
		return nil, e.err
	}
	data = m.bodyTail(e, head.b, gap, pending.b)
	m.lastSnap = snapSize{objects: e.n, indexed: e.index.n, bytes: len(e.heap.b) - gap}
	if e.track {
		m.setBase(newDeltaBase(data, e, opts.EmbedProgram))
	} else {
		e.release()
	}
	return data, nil
}

// rootItems encodes a machine's roots, numbering the objects they reach
// first: the globals, root and current fibers together, the pending host
// call apart.
func (e *encoder) rootItems() (roots, pending cborWriter) {
	m := e.m
	roots.array(len(m.globals))
	for _, g := range m.globals {
		if g == undefined {
			roots.array(0) // an empty array marks a global whose let has not run
			continue
		}
		e.value(&roots, g)
	}
	e.value(&roots, coroutineValue(m.root))
	e.value(&roots, coroutineValue(m.cur))
	if m.pending != nil {
		pending.array(2)
		pending.text(m.pending.Host)
		e.value(&pending, m.pending.Request)
	} else {
		pending.null()
	}
	return roots, pending
}

// roots encodes a machine's roots, then drains the heap.
func (e *encoder) roots() (roots, pending cborWriter) {
	roots, pending = e.rootItems()
	if e.base != nil {
		e.drainDelta()
	} else {
		e.drain()
	}
	return roots, pending
}

// body writes a machine body from its encoded parts: n heap objects.
func (m *Machine) body(w *cborWriter, n int, roots, heap, pending []byte) {
	m.bodyHead(w, roots)
	w.array(n)
	w.raw(heap)
	w.raw(pending)
	if len(m.markers) > 0 {
		m.encodeMarkers(w)
	}
}

// bodyHead writes a machine body up to its heap: the roots, step
// counter and allocation count.
func (m *Machine) bodyHead(w *cborWriter, roots []byte) {
	if len(m.markers) > 0 {
		w.array(8)
	} else {
		w.array(7)
	}
	w.raw(roots)
	w.int(m.steps)
	w.int(m.alloc)
}

// bodyTail finishes a machine snapshot whose heap e wrote after gap
// bytes of room in its buffer: it puts head (the snapshot up to the
// heap) and the heap's array head just before the heap and the pending
// call and markers after it, so the heap is never copied. A buffer much
// larger than its snapshot (the heap shrank, or grew by doubling) is
// copied to one that fits, so the result does not hold on to the room.
func (m *Machine) bodyTail(e *encoder, head []byte, gap int, pending []byte) []byte {
	var n cborWriter
	n.b = make([]byte, 0, 9)
	n.array(e.n)
	buf := e.heap.b
	start := gap - len(n.b) - len(head)
	copy(buf[start:], head)
	copy(buf[gap-len(n.b):], n.b)
	w := cborWriter{b: buf}
	w.raw(pending)
	if len(m.markers) > 0 {
		m.encodeMarkers(&w)
	}
	data := w.b[start:]
	if extra := cap(data) - len(data); extra > len(data)/4+4096 {
		data = slices.Clip(slices.Clone(data))
	}
	return data
}

// encodeMarkers writes the version markers as [name, taken] pairs in name
// order.
func (m *Machine) encodeMarkers(w *cborWriter) {
	names := make([]string, 0, len(m.markers))
	for name := range m.markers {
		names = append(names, name)
	}
	slices.Sort(names)
	w.array(len(names))
	for _, name := range names {
		w.array(2)
		w.text(name)
		w.bool(m.markers[name])
	}
}

// dumpValue encodes one value with everything reachable from it. The root
// coroutine is referenced, not copied; globals are never part of a value.
func (m *Machine) dumpValue(v Value) ([]byte, error) {
	e := newEncoder(m, true)
	var root cborWriter
	e.value(&root, v)
	e.drain()
	if e.err != nil {
		return nil, e.err
	}
	w := m.envelope(snapValue, false, len(root.b)+len(e.heap.b)+8)
	w.array(2)
	w.raw(root.b)
	w.array(e.n)
	w.raw(e.heap.b)
	return w.b, nil
}

// envelope starts a snapshot: the envelope array up to its body, with
// room for size more bytes.
func (m *Machine) envelope(kind int, embed bool, size int) *cborWriter {
	w := &cborWriter{b: make([]byte, 0, 64+size)}
	w.array(6)
	w.text(snapshotMagic)
	w.int(snapshotVersion)
	w.int(int64(kind))
	w.bytes(m.prog.Hash[:])
	if embed {
		w.array(2)
		w.text(m.prog.File)
		w.bytes(m.prog.Src)
	} else {
		w.null()
	}
	return w
}

// encoder numbers heap objects breadth-first and writes each once, in
// order, into heap.
type encoder struct {
	m       *Machine
	isValue bool // a dump: the root fiber is a reference, running fibers are refused
	heap    cborWriter
	n       int // objects numbered so far
	index   ptrIndex
	queue   []Value
	err     error
	offs    []uint32   // with track: where each object starts in heap
	track   bool       // record offs, for a deltaBase
	stamp   bool       // number lists, maps, cells, closures, fibers and errors in their snap fields, not index
	base    *deltaBase // writing a delta against base: ids are base's, new objects after
	ids     []int32    // writing a delta: the id of each queued object
}

// newEncoder sizes its tables by the machine's last snapshot, so that
// snapshotting a large heap again does not grow them step by step. The
// pointer index is sized by the objects the last snapshot numbered there:
// few, unless the machine keeps delta bases, since most objects number
// themselves. A value dump gets a heap buffer; Snapshot gives its encoder
// the buffer it returns.
func newEncoder(m *Machine, isValue bool) *encoder {
	if isValue {
		// A dumped value is most often small (a suspended generator, a
		// few of its objects): its tables start at a few entries and grow.
		return &encoder{m: m, isValue: true, index: newPtrIndex(8),
			queue: make([]Value, 0, 8), heap: cborWriter{b: make([]byte, 0, 256)}}
	}
	objs, indexed := max(64, m.lastSnap.objects), max(64, m.lastSnap.indexed)
	if sc, ok := encoderScratch.Get().(*scratch); ok && sc.fits(objs, indexed) {
		return &encoder{m: m, index: sc.index, queue: sc.queue}
	}
	return &encoder{m: m, index: newPtrIndex(indexed), queue: make([]Value, 0, objs)}
}

// encoderScratch holds the tables of machine snapshots that are done with
// them, for the next snapshot to reuse, emptied. A snapshot of a large
// heap allocated its index and queue afresh, most of what it allocated
// besides its result, and the collections that this set off scanned the
// machine's whole heap again and again. A sync.Pool lets the collector
// drop them when they go unused for two cycles.
var encoderScratch sync.Pool

// scratch is an emptied encoder's index and queue.
type scratch struct {
	index ptrIndex
	queue []Value
}

// fits reports whether the scratch has room for objs objects, indexed of
// them in the pointer index, and is not so much larger that emptying it
// again would cost more than the snapshot it serves.
func (sc *scratch) fits(objs, indexed int) bool {
	slots := len(sc.index.slots)
	return slots >= 2*indexed && slots <= 16*indexed && cap(sc.queue) >= objs && cap(sc.queue) <= 8*objs
}

// release empties the encoder's index and queue and keeps them for the
// next snapshot. The encoder must not be used again.
func (e *encoder) release() {
	clear(e.index.slots)
	e.index.n = 0
	clear(e.queue)
	encoderScratch.Put(&scratch{index: e.index, queue: e.queue[:0]})
}

// value writes a value inline: scalars, strings and bytes as themselves,
// objects as [index].
func (e *encoder) value(w *cborWriter, v Value) {
	switch v.k {
	case KindNil:
		w.null()
	case KindBool:
		w.bool(v.AsBool())
	case KindInt:
		w.int(v.AsInt())
	case KindFloat:
		w.float(v.AsFloat())
	case KindString:
		w.text(v.AsString())
	case KindBytes:
		w.bytes(v.AsBytes())
	default:
		w.array(1)
		w.int(int64(e.ref(v)))
	}
}

// ref returns the heap index of an object value, queueing it on first
// sight.
func (e *encoder) ref(v Value) int {
	if e.base != nil {
		return e.deltaRef(v)
	}
	if e.stamp {
		if s := snapSlot(v); s != nil {
			return e.stamped(v, s)
		}
	}
	i, added := e.index.lookupOrAdd(v.p, e.n)
	if added {
		e.n++
		e.queue = append(e.queue, v)
	}
	return i
}

// stamped returns the heap index of an object that keeps its index in
// its own field s, queueing it on first sight. The field is believed only
// if the queue holds this very object at that index, so a number left by
// an earlier snapshot, or by another machine's, means "not seen yet".
// Reading a field of the object itself costs the cache miss that the
// object's encoding takes anyway, where a pointer index lookup cost one
// more (see RATIONALE).
func (e *encoder) stamped(v Value, s *int32) int {
	if i := int(*s); i < len(e.queue) && i >= 0 && e.queue[i].p == v.p {
		return i
	}
	i := e.n
	*s = int32(i)
	e.n++
	e.queue = append(e.queue, v)
	return i
}

// drain writes queued objects until none is left. It never recurses, so
// deep data cannot exhaust the Go stack; breadth-first order means objects
// are written in index order.
func (e *encoder) drain() {
	for q := 0; q < len(e.queue) && e.err == nil; q++ {
		if e.track {
			e.offs = append(e.offs, uint32(len(e.heap.b)))
		}
		e.object(&e.heap, e.queue[q])
	}
}

func (e *encoder) values(w *cborWriter, vs []Value) {
	w.array(len(vs))
	for _, v := range vs {
		e.value(w, v)
	}
}

func (e *encoder) object(w *cborWriter, v Value) {
	switch v.k {
	case KindList:
		w.array(2)
		w.int(objList)
		e.values(w, v.AsList().Elems)
	case KindMap:
		mp := v.AsMap()
		w.array(2)
		w.int(objMap)
		w.array(2 * mp.Len())
		for i := range mp.entries {
			if en := &mp.entries[i]; !en.deleted {
				e.value(w, en.Key)
				e.value(w, en.Value)
			}
		}
	case KindFunc:
		cl := v.asClosure()
		w.array(3)
		w.int(objClosure)
		w.int(int64(cl.Fn.Index))
		w.array(len(cl.Cells))
		for _, c := range cl.Cells {
			e.value(w, cellValue(c))
		}
	case kindCell:
		w.array(2)
		w.int(objCell)
		e.value(w, (*Cell)(v.p).V)
	case KindBuiltin:
		w.array(2)
		w.int(objBuiltin)
		w.text(v.AsBuiltin().Name)
	case KindError:
		e.errorObject(w, v.AsError())
	case KindRange:
		r := v.asRange()
		w.array(4)
		w.int(objRange)
		w.int(r.Start)
		w.int(r.Stop)
		w.int(r.Step)
	case KindIter:
		e.iterObject(w, v.asIter())
	case KindGenerator, KindCoroutine:
		e.fiber(w, v.asFiber())
	default:
		e.err = fmt.Errorf("snapshot: cannot encode %s value", article(v.TypeName()))
	}
}

func (e *encoder) iterObject(w *cborWriter, it *Iter) {
	i, stop := it.i, it.stop
	if it.kind == iterMap {
		i, stop = mapIterState(it)
	}
	w.array(7)
	w.int(objIter)
	w.int(int64(it.kind))
	e.value(w, it.src)
	w.int(i)
	w.int(stop)
	w.int(it.step)
	w.int(it.n)
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

func (e *encoder) errorObject(w *cborWriter, er *Error) {
	w.array(4)
	w.int(objError)
	w.text(er.Kind)
	w.text(er.Msg)
	w.array(len(er.Trace))
	for _, t := range er.Trace {
		w.array(4)
		w.text(t.Func)
		w.text(t.Pos.File)
		w.int(int64(t.Pos.Line))
		w.int(int64(t.Pos.Col))
	}
}

func (e *encoder) fiber(w *cborWriter, f *Fiber) {
	if e.isValue {
		if f == e.m.root {
			w.array(1)
			w.int(objRoot)
			return
		}
		if f.Status == StatusRunning {
			e.err = fmt.Errorf("dump: cannot dump a running %s", fiberNoun(f))
			return
		}
	}
	w.array(10)
	w.int(objFiber)
	w.int(int64(f.Kind))
	w.int(int64(f.Status))
	// A finished root is left with SP -1 (its main function's return
	// drops the callee slot it never had).
	e.values(w, f.Stack[:min(max(f.SP, 0), len(f.Stack))])
	w.array(len(f.Frames))
	for _, fr := range f.Frames {
		w.array(3)
		e.value(w, funcValue(fr.Fn))
		w.int(int64(fr.PC))
		w.int(int64(fr.Base))
	}
	w.array(len(f.handlers()))
	for _, h := range f.handlers() {
		w.array(3)
		w.int(int64(h.Depth))
		w.int(int64(h.PC))
		w.int(int64(h.SP))
	}
	if f.Parent != nil {
		e.value(w, coroutineValue(f.Parent))
	} else {
		w.null()
	}
	e.value(w, f.Fn)
	e.value(w, f.Result)
	w.int(int64(f.exit))
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
