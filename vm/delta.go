package vm

// This file defines delta snapshots: Machine.Delta writes the objects
// that changed since the machine's base snapshot, and ApplyDelta turns a
// base and a delta back into the full snapshot of the later state, byte
// for byte what Machine.Snapshot would have written. spec/snapshot.md
// ("Delta snapshots") is the reference.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/wf-lang/wf/compiler"
)

// Delta format constants.
const (
	deltaMagic = "wf-delta"
	// deltaVersion is the version Delta writes: 2 records a checksum of
	// the delta where version 1 recorded the hash of the state it gives
	// (which took a full encoding to know). ApplyDelta reads both.
	deltaVersion = 2
	deltaFields  = 8 // body fields without the version markers
)

// ErrWrongBase is wrapped when a delta is applied to a snapshot other
// than the one it was written against.
var ErrWrongBase = errors.New("delta made against a different base snapshot")

// ErrNoBase is returned by Delta for a machine that has no base snapshot:
// one not restored or snapshotted with Options.Deltas.
var ErrNoBase = errors.New("delta: no base snapshot (restore or snapshot with Options.Deltas first)")

// StateHash is the logical hash of a machine's state: the SHA-256 of its
// full snapshot, which is canonical (the same state always gives the
// same bytes), so the hash does not depend on how the state was reached
// or stored: ApplyDelta's result is that canonical snapshot too. A delta
// names its base by it; it is computed only where a full snapshot is
// written or applied, never to write a delta.
func StateHash(snapshot []byte) [32]byte { return sha256.Sum256(snapshot) }

// deltaBase is what a machine remembers of its base snapshot: the
// snapshot's hash and size, each object's heap index by address, the
// base's iterators with their encodings, and the objects changed since
// (track.go).
type deltaBase struct {
	data  []byte // the base snapshot, kept with Options.CheckDeltas
	hash  [32]byte
	embed bool // the base embeds the program; the next base does too
	size  int  // the base snapshot's length in bytes
	n     int  // objects in the base's heap
	index ptrIndex
	iters []baseIter
	// forced are objects that differ from the base without a mark: those
	// changed by the delta the machine was restored from.
	forced []Value
	dirty  []Value // objects marked changed since the base
}

// baseIter is an iterator of the base and its encoding there.
type baseIter struct {
	it  *Iter
	enc []byte
}

// newDeltaBase remembers the snapshot data that encoder e just wrote.
func newDeltaBase(data []byte, e *encoder, embed bool) *deltaBase {
	b := &deltaBase{data: data, hash: StateHash(data), embed: embed, size: len(data), n: e.n, index: e.index}
	clearDirty(e.queue) // every object is the base's, unchanged
	heap := e.heap.b
	for i, v := range e.queue {
		if v.k != KindIter {
			continue
		}
		end := len(heap)
		if i+1 < len(e.offs) {
			end = int(e.offs[i+1])
		}
		b.iters = append(b.iters, baseIter{v.asIter(), bytes.Clone(heap[e.offs[i]:end])})
	}
	return b
}

// restoredBase remembers env, a snapshot, as a machine's base. d's objects
// are the machine's heap objects and ids their indexes in env's heap (nil:
// they are env's heap, in order); an id past env's heap is an object env
// does not have. replaced are the ids of env's objects that a delta
// changed: the machine's objects of those ids differ from env's.
func restoredBase(env *envelope, d *decoder, ids []int, replaced []int) *deltaBase {
	b := &deltaBase{data: env.data, hash: StateHash(env.data), embed: env.hasSource, size: len(env.data), n: len(env.heap), index: newPtrIndex(len(d.ptrs))}
	changed := make([]bool, len(env.heap))
	for _, id := range replaced {
		changed[id] = true
	}
	for i := range d.ptrs {
		v, id := d.obj(i), i
		if ids != nil {
			id = ids[i]
		}
		if id >= len(env.heap) {
			continue
		}
		b.index.lookupOrAdd(v.p, id)
		switch {
		case changed[id]:
			b.forced = append(b.forced, v)
		case v.k == KindIter:
			end := env.heapEnd
			if id+1 < len(env.heap) {
				end = int(env.heap[id+1])
			}
			b.iters = append(b.iters, baseIter{v.asIter(), bytes.Clone(env.data[env.heap[id]:end])})
		}
	}
	return b
}

// RestoreDelta restores the machine a base snapshot and a delta against
// it describe (ApplyDelta, then Restore). With opts.Deltas the machine's
// base is base itself, not the applied state, so its next Delta is again
// against base: a store keeps one full snapshot and a delta per later
// version, each applied to that one snapshot, never a chain.
func RestoreDelta(p *compiler.Program, base, delta []byte, opts Options) (m *Machine, err error) {
	defer recoverAPI(&err)
	if err := checkProgram(p); err != nil {
		return nil, err
	}
	st, err := ApplyDeltaState(base, delta)
	if err != nil {
		return nil, err
	}
	return RestoreApplied(p, st, opts)
}

// DeltaState is a delta applied to its base: Snapshot is the full
// snapshot of the state (what ApplyDelta returns), and RestoreApplied
// restores it with the base as the machine's base, as RestoreDelta
// does, without applying the delta again.
type DeltaState struct {
	Snapshot []byte
	ids      []int     // the table id of each object of Snapshot, in order
	base     *envelope // the base snapshot
	replaced []int     // the ids of the base's objects the delta changed
}

// ApplyDeltaState is ApplyDelta, keeping what RestoreApplied needs.
func ApplyDeltaState(base, delta []byte) (st *DeltaState, err error) {
	defer recoverAPI(&err)
	return applyDelta(base, delta, true)
}

// RestoreApplied is RestoreDelta of a delta ApplyDeltaState applied.
func RestoreApplied(p *compiler.Program, st *DeltaState, opts Options) (m *Machine, err error) {
	defer recoverAPI(&err)
	if err := checkProgram(p); err != nil {
		return nil, err
	}
	if st == nil || st.base == nil {
		return nil, errors.New("vm.RestoreApplied: no state from ApplyDeltaState")
	}
	env, err := decodeEnvelope(st.Snapshot)
	if err != nil {
		return nil, err
	}
	m, d, err := restoreEnvelope(p, env, opts)
	if err == nil && opts.Deltas {
		m.setBase(restoredBase(st.base, d, st.ids, st.replaced))
	}
	return m, err
}

// ApplyDelta returns the full snapshot of the state a delta describes:
// base (a full machine snapshot) with the delta's changes, renumbered
// breadth-first as Machine.Snapshot numbers objects, so the bytes are
// exactly those Snapshot wrote of that state. A delta written against
// another base is refused with an error wrapping ErrWrongBase; a
// malformed one with an error wrapping ErrBadSnapshot, as is a delta
// whose result does not hash to the state hash it records. It needs no
// program: Restore checks the result's meaning as for any snapshot.
func ApplyDelta(base, delta []byte) (full []byte, err error) {
	defer recoverAPI(&err)
	st, err := applyDelta(base, delta, true)
	if err != nil {
		return nil, err
	}
	return st.Snapshot, nil
}

// applyDelta is ApplyDeltaState. check false skips the delta's checksum
// (version 2) or its result's hash (version 1), so that fuzzing reaches
// the rewriting behind them.
func applyDelta(base, delta []byte, check bool) (*DeltaState, error) {
	dl, err := decodeDelta(delta, check)
	if err != nil {
		return nil, err
	}
	st, err := dl.apply(base)
	if err == nil && check && dl.version == 1 && StateHash(st.Snapshot) != dl.result {
		err = badf("the delta does not give the state it records")
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// apply is applyDelta of a decoded delta, without the result check.
func (dl *delta) apply(base []byte) (*DeltaState, error) {
	if h := StateHash(base); h != dl.base {
		return nil, fmt.Errorf("%w: the delta's base is %x, this snapshot is %x", ErrWrongBase, dl.base[:6], h[:6])
	}
	env, err := decodeEnvelope(base)
	if err != nil {
		return nil, err
	}
	if env.Kind != snapMachine {
		return nil, badf("a delta's base must be a machine snapshot")
	}
	if env.Hash != dl.prog {
		return nil, fmt.Errorf("%w: the delta is of program %x, its base of %x", ErrWrongBase, dl.prog[:6], env.Hash[:6])
	}
	if err := dl.table(env); err != nil {
		return nil, err
	}
	full, ids := dl.rewrite(base[:env.bodyOff])
	if full == nil {
		return nil, badf("delta: malformed object")
	}
	return &DeltaState{Snapshot: full, ids: ids, base: env, replaced: dl.replaced}, nil
}

// delta is a decoded delta's envelope and the table of objects it and
// its base make together.
type delta struct {
	data       []byte
	version    int64
	prog, base [32]byte
	result     [32]byte // version 1: the hash of the state it gives
	body       []int    // where each body field starts
	n          int      // objects in the combined table
	changed    []int    // where each changed object's [id, object] starts, by ascending id
	replaced   []int    // the ids of changed objects that replace the base's
	objs       []objAt
}

// objAt is where an object of the combined table is encoded.
type objAt struct {
	data []byte
	off  int
}

// DeltaBase returns the state hash of the snapshot a delta was written
// against, after checking the delta's envelope, checksum and structure.
func DeltaBase(delta []byte) ([32]byte, error) {
	dl, err := decodeDelta(delta, true)
	if err != nil {
		return [32]byte{}, err
	}
	return dl.base, nil
}

// decodeDelta checks a delta's CBOR, envelope and structure: its field
// counts, each changed object's tag and field count, ids ascending and
// inside the table; with sum, a version 2 delta's checksum too.
func decodeDelta(data []byte, sum bool) (*delta, error) {
	dl := &delta{data: data, version: deltaVersion}
	r, err := openEnvelope(data, deltaMagic, deltaVersion, "wf delta", "delta format version")
	if err != nil {
		if r1, err1 := openEnvelope(data, deltaMagic, 1, "wf delta", "delta format version"); err1 == nil {
			r, err, dl.version = r1, nil, 1 // written by an older wf
		}
	}
	if err != nil {
		return nil, err
	}
	var check [32]byte
	for _, h := range []*[32]byte{&dl.prog, &dl.base, &check} {
		b, err := r.str(cborBytes)
		if err != nil || len(b) != 32 {
			return nil, badf("delta: a hash is not 32 bytes")
		}
		*h = [32]byte(b)
	}
	if dl.version == 1 {
		dl.result = check
	} else if sum && sha256.Sum256(data[r.off:]) != check {
		return nil, badf("delta: the checksum does not match its contents")
	}
	return dl, dl.checkBody(&r)
}

// checkBody checks the delta body's structure and records where its
// fields and changed objects start.
func (dl *delta) checkBody(r *cborReader) error {
	n, err := r.array()
	if err != nil || n != deltaFields && n != deltaFields+1 {
		return badf("delta body: want %d fields", deltaFields)
	}
	dl.body = make([]int, n)
	for i := range dl.body {
		dl.body[i] = r.off
		switch i {
		case 5:
			objs, err := r.int()
			if err != nil || objs < 0 || objs > MaxSnapshotSize {
				return badf("delta: bad object count")
			}
			dl.n = int(objs)
		case 6:
			err = dl.scanChanged(r)
		default:
			err = r.skip()
		}
		if err != nil {
			return err
		}
	}
	if dl.data[dl.body[0]]>>5 != cborArray {
		return badf("globals is not an array")
	}
	return nil
}

// scanChanged records where each changed object starts and checks it.
func (dl *delta) scanChanged(r *cborReader) error {
	n, err := r.array()
	if err != nil {
		return badf("delta: changed objects are not an array")
	}
	dl.changed = make([]int, n)
	last := int64(-1)
	for i := range dl.changed {
		dl.changed[i] = r.off
		if k, err := r.array(); err != nil || k != 2 {
			return badf("delta: changed object %d is not [id, object]", i)
		}
		id, err := r.int()
		if err != nil || id <= last || id >= int64(dl.n) {
			return badf("delta: changed object ids must ascend and stay below %d", dl.n)
		}
		last = id
		if err := checkObject(r); err != nil {
			return badf("delta: object %d: %v", id, err)
		}
	}
	return nil
}

// table lays out the combined object table: the base's objects, then
// the delta's in their places. Every id past the base's must be in the
// delta.
func (dl *delta) table(env *envelope) error {
	if dl.n < len(env.heap) || dl.n-len(env.heap) > len(dl.changed) {
		return badf("delta: %d objects, against its base's %d and %d changed", dl.n, len(env.heap), len(dl.changed))
	}
	dl.objs = make([]objAt, dl.n)
	for i, off := range env.heap {
		dl.objs[i] = objAt{env.data, int(off)}
	}
	added := 0
	for _, off := range dl.changed {
		r := cborReader{b: dl.data, off: off}
		r.array()
		id, _ := r.int()
		dl.objs[id] = objAt{dl.data, r.off}
		if int(id) >= len(env.heap) {
			added++
		} else {
			dl.replaced = append(dl.replaced, int(id))
		}
	}
	if added != dl.n-len(env.heap) {
		return badf("delta: %d new objects, but it counts %d", added, dl.n-len(env.heap))
	}
	return nil
}

// rewrite writes the full snapshot: the base's envelope up to its body
// (head), then the body with objects renumbered in the order
// Machine.Snapshot meets them. Every structure was checked; a value that
// is no valid reference is left for Restore to refuse.
func (dl *delta) rewrite(head []byte) ([]byte, []int) {
	rw := &rewriter{objs: dl.objs, index: make([]int32, dl.n)}
	for i := range rw.index {
		rw.index[i] = -1
	}
	var roots, pending cborWriter
	r := cborReader{b: dl.data, off: dl.body[0]}
	n, _ := r.array()
	roots.array(n)
	for range n {
		if r.peek() == 0x80 {
			r.off++
			roots.array(0)
			continue
		}
		rw.value(&roots, &r)
	}
	rw.value(&roots, &r) // root
	rw.value(&roots, &r) // current
	counters := cborReader{b: dl.data, off: dl.body[3]}
	counters.skip()
	counters.skip()
	r.off = dl.body[7]
	if r.null() {
		pending.null()
	} else {
		r.array()
		pending.array(2)
		rw.copy(&pending, &r)
		rw.value(&pending, &r)
	}
	rw.drain()
	w := &cborWriter{b: make([]byte, 0, len(head)+len(roots.b)+len(rw.heap.b)+len(pending.b)+64)}
	w.raw(head)
	w.array(len(dl.body) - 1) // a delta body has the object count and changed objects where a full one has its heap
	w.raw(roots.b)
	w.raw(dl.data[dl.body[3]:counters.off])
	w.array(len(rw.queue))
	w.raw(rw.heap.b)
	w.raw(pending.b)
	if len(dl.body) > deltaFields {
		w.raw(dl.data[dl.body[deltaFields]:])
	}
	if rw.bad {
		return nil, nil
	}
	return w.b, rw.queue
}

// rewriter renumbers objects breadth-first while copying their encodings.
type rewriter struct {
	objs  []objAt
	index []int32 // new index of each table id, -1 until met
	queue []int
	heap  cborWriter
	bad   bool
}

// value copies a value, renumbering a reference.
func (rw *rewriter) value(w *cborWriter, r *cborReader) {
	if r.peek()>>5 != cborArray {
		rw.copy(w, r)
		return
	}
	start := r.off
	n, _ := r.array()
	id, err := r.int()
	if n != 1 || err != nil || id < 0 || id >= int64(len(rw.index)) {
		r.off = start
		rw.copy(w, r) // not a reference: Restore refuses it
		return
	}
	if rw.index[id] < 0 {
		rw.index[id] = int32(len(rw.queue))
		rw.queue = append(rw.queue, int(id))
	}
	w.array(1)
	w.int(int64(rw.index[id]))
}

// copy copies one item as it is.
func (rw *rewriter) copy(w *cborWriter, r *cborReader) {
	start := r.off
	if r.skip() != nil {
		rw.bad = true
	}
	w.raw(r.b[start:r.off])
}

// values copies an array of values.
func (rw *rewriter) values(w *cborWriter, r *cborReader) {
	n, err := r.array()
	if err != nil {
		rw.bad = true
		return
	}
	w.array(n)
	for range n {
		rw.value(w, r)
	}
}

// drain writes the queued objects in order, renumbering what they refer
// to, following the field order of encoder.object.
func (rw *rewriter) drain() {
	for q := 0; q < len(rw.queue); q++ {
		at := rw.objs[rw.queue[q]]
		r := cborReader{b: at.data, off: at.off}
		start := r.off
		n, _ := r.array()
		tag, _ := r.int()
		w := &rw.heap
		switch tag {
		case objList, objMap, objCell:
			w.array(n)
			w.int(tag)
			if tag == objCell {
				rw.value(w, &r)
			} else {
				rw.values(w, &r)
			}
		case objClosure:
			w.array(n)
			w.int(tag)
			rw.copy(w, &r)
			rw.values(w, &r)
		case objIter:
			w.array(n)
			w.int(tag)
			rw.copy(w, &r)
			rw.value(w, &r)
			for range 4 {
				rw.copy(w, &r)
			}
		case objFiber:
			rw.fiber(w, &r, n)
		default: // no references
			r.off = start
			rw.copy(w, &r)
		}
	}
}

// fiber copies a fiber object, the reader after its tag.
func (rw *rewriter) fiber(w *cborWriter, r *cborReader, n int) {
	w.array(n)
	w.int(objFiber)
	rw.copy(w, r) // kind
	rw.copy(w, r) // status
	rw.values(w, r)
	frames, err := r.array()
	if err != nil {
		rw.bad = true
		return
	}
	w.array(frames)
	for range frames {
		k, _ := r.array()
		w.array(k)
		for j := range k {
			if j == 0 {
				rw.value(w, r)
			} else {
				rw.copy(w, r)
			}
		}
	}
	rw.copy(w, r) // handlers
	for range 3 { // parent, fn, result
		rw.value(w, r)
	}
	rw.copy(w, r) // exit
}
