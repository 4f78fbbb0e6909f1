package vm

// This file defines delta snapshots: Machine.Delta writes the objects
// that changed since the machine's base snapshot, and ApplyDelta turns a
// base and a delta back into the full snapshot of the later state, byte
// for byte what Machine.Snapshot would have written. spec/snapshot.md
// ("Delta snapshots") is the reference.

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/wf-lang/wf/compiler"
)

// Delta format constants.
const (
	deltaMagic   = "wf-delta"
	deltaVersion = 1
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
// or stored. A delta names its base and its result by it.
func StateHash(snapshot []byte) [32]byte { return sha256.Sum256(snapshot) }

// deltaSeed keys the per-object hashes a deltaBase keeps. They only
// decide which objects a delta writes; a wrong guess is caught when the
// delta is applied, since its result must hash to what it claims.
var deltaSeed = maphash.MakeSeed()

// deltaBase is what a machine remembers of its base snapshot: the
// snapshot's hash, each object's heap index by address, and a hash of
// each object's encoding, to tell which objects changed since.
type deltaBase struct {
	hash  [32]byte
	embed bool // the base embeds the program; the next base does too
	index ptrIndex
	sums  []uint64
}

// newDeltaBase remembers the snapshot data that encoder e just wrote.
func newDeltaBase(data []byte, e *encoder, embed bool) *deltaBase {
	b := &deltaBase{hash: StateHash(data), embed: embed, index: e.index, sums: make([]uint64, len(e.offs))}
	heap := e.heap.b
	for i, off := range e.offs {
		end := len(heap)
		if i+1 < len(e.offs) {
			end = int(e.offs[i+1])
		}
		b.sums[i] = maphash.Bytes(deltaSeed, heap[off:end])
	}
	return b
}

// restoredBase remembers env, a snapshot, as a machine's base. objs are
// the machine's heap objects and ids their indexes in env's heap (nil:
// objs is env's heap, in order); an id past env's heap is an object env
// does not have.
func restoredBase(env *envelope, objs []Value, ids []int) *deltaBase {
	b := &deltaBase{hash: StateHash(env.data), embed: env.hasSource, index: newPtrIndex(len(objs)), sums: make([]uint64, len(env.heap))}
	for i, v := range objs {
		id := i
		if ids != nil {
			id = ids[i]
		}
		if id < len(env.heap) {
			b.index.lookupOrAdd(v.p, id)
		}
	}
	for i, off := range env.heap {
		end := env.heapEnd
		if i+1 < len(env.heap) {
			end = int(env.heap[i+1])
		}
		b.sums[i] = maphash.Bytes(deltaSeed, env.data[off:end])
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
	ids      []int
	base     *envelope
}

// ApplyDeltaState is ApplyDelta, keeping what RestoreApplied needs.
func ApplyDeltaState(base, delta []byte) (st *DeltaState, err error) {
	defer recoverAPI(&err)
	full, ids, benv, err := applyDelta(base, delta, true)
	if err != nil {
		return nil, err
	}
	return &DeltaState{Snapshot: full, ids: ids, base: benv}, nil
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
		m.base = restoredBase(st.base, d.objs, st.ids)
	}
	return m, err
}

// Delta writes the changes since the machine's base snapshot (the one it
// was restored from, or its last Snapshot or Delta) as a delta snapshot:
// the globals, fibers' roots and counters, and only the heap objects that
// are new or whose encoding changed. ApplyDelta on the base and the delta
// gives the full snapshot of the machine now; that state becomes the
// machine's new base. It needs Options.Deltas.
func (m *Machine) Delta() (data []byte, err error) {
	defer recoverAPI(&err)
	_, data, err = m.snapshotDelta(false)
	return data, err
}

// SnapshotDelta is Snapshot and Delta at once: the full snapshot of the
// machine now (embedding the program when the base did) and the delta
// from its base to it, for a caller that stores whichever is smaller.
func (m *Machine) SnapshotDelta() (full, delta []byte, err error) {
	defer recoverAPI(&err)
	return m.snapshotDelta(false)
}

// SnapshotDeltaKeepBase is SnapshotDelta, but the machine's base stays
// what it was, so its next delta is again against the same snapshot: what
// a store that keeps one full snapshot and a delta against it for each
// later version needs of a machine it runs for several of them (the
// durable engine's warm machines).
func (m *Machine) SnapshotDeltaKeepBase() (full, delta []byte, err error) {
	defer recoverAPI(&err)
	return m.snapshotDelta(true)
}

func (m *Machine) snapshotDelta(keepBase bool) ([]byte, []byte, error) {
	if m == nil || m.prog == nil {
		return nil, nil, errNoMachine
	}
	if m.base == nil {
		return nil, nil, ErrNoBase
	}
	base := m.base
	m.opts.Deltas = !keepBase // a kept base is not replaced by this snapshot's
	full, err := m.Snapshot(SnapshotOptions{EmbedProgram: base.embed})
	m.opts.Deltas = true
	if err != nil {
		return nil, nil, err
	}
	result := StateHash(full)
	if !keepBase {
		result = m.base.hash // Snapshot made full the new base
	}
	e := newEncoder(m, false)
	e.base, e.n = base, len(base.sums)
	e.heap.b = make([]byte, 0, 4096) // only what changed: small
	roots, pending := e.roots()
	if e.err != nil {
		return nil, nil, e.err
	}
	w := &cborWriter{b: make([]byte, 0, 128+len(roots.b)+len(e.heap.b)+len(pending.b))}
	w.array(6)
	w.text(deltaMagic)
	w.int(deltaVersion)
	w.bytes(m.prog.Hash[:])
	w.bytes(base.hash[:])
	w.bytes(result[:])
	if len(m.markers) > 0 {
		w.array(deltaFields + 1)
	} else {
		w.array(deltaFields)
	}
	w.raw(roots.b)
	w.int(m.steps)
	w.int(m.alloc)
	w.int(int64(e.n))
	w.array(len(e.ids))
	w.raw(e.heap.b)
	w.raw(pending.b)
	if len(m.markers) > 0 {
		m.encodeMarkers(w)
	}
	return full, w.b, nil
}

// deltaRef numbers an object for a delta: its index in the base if it
// was there, else the next number after the base's; each object is
// queued once.
func (e *encoder) deltaRef(v Value) int {
	i, added := e.index.lookupOrAdd(v.p, len(e.queue))
	if !added {
		return int(e.ids[i])
	}
	id := e.n
	if s := e.base.index.slot(v.p); s.p != nil {
		id = int(s.i)
	} else {
		e.n++
	}
	e.queue = append(e.queue, v)
	e.ids = append(e.ids, int32(id))
	return id
}

// drainDelta writes the queued objects whose encoding differs from the
// base's, each as [id, object], by ascending id; e.ids becomes the ids
// written.
func (e *encoder) drainDelta() {
	type span struct {
		id         int32
		start, end int
	}
	var all cborWriter // every object's encoding, one after another
	var changed []span
	for q := 0; q < len(e.queue) && e.err == nil; q++ {
		start := len(all.b)
		e.object(&all, e.queue[q])
		id := e.ids[q]
		if int(id) < len(e.base.sums) && maphash.Bytes(deltaSeed, all.b[start:]) == e.base.sums[id] {
			all.b = all.b[:start]
			continue
		}
		changed = append(changed, span{id, start, len(all.b)})
	}
	slices.SortFunc(changed, func(a, b span) int { return cmp.Compare(a.id, b.id) })
	e.ids = e.ids[:0]
	for _, c := range changed {
		e.heap.array(2)
		e.heap.int(int64(c.id))
		e.heap.raw(all.b[c.start:c.end])
		e.ids = append(e.ids, c.id)
	}
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
	full, _, _, err = applyDelta(base, delta, true)
	return full, err
}

// applyDelta is ApplyDelta; it also returns the table id of each object
// of the result, in order, and the base's envelope. checkResult false
// skips the result's hash check, so that fuzzing reaches the rewriting
// behind it.
func applyDelta(base, delta []byte, checkResult bool) ([]byte, []int, *envelope, error) {
	dl, err := decodeDelta(delta)
	if err != nil {
		return nil, nil, nil, err
	}
	full, ids, env, err := dl.apply(base)
	if err == nil && checkResult && StateHash(full) != dl.result {
		err = badf("the delta does not give the state it records")
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return full, ids, env, nil
}

// apply is applyDelta of a decoded delta, without the result check.
func (dl *delta) apply(base []byte) ([]byte, []int, *envelope, error) {
	if h := StateHash(base); h != dl.base {
		return nil, nil, nil, fmt.Errorf("%w: the delta's base is %x, this snapshot is %x", ErrWrongBase, dl.base[:6], h[:6])
	}
	env, err := decodeEnvelope(base)
	if err != nil {
		return nil, nil, nil, err
	}
	if env.Kind != snapMachine {
		return nil, nil, nil, badf("a delta's base must be a machine snapshot")
	}
	if env.Hash != dl.prog {
		return nil, nil, nil, fmt.Errorf("%w: the delta is of program %x, its base of %x", ErrWrongBase, dl.prog[:6], env.Hash[:6])
	}
	if err := dl.table(env); err != nil {
		return nil, nil, nil, err
	}
	full, ids := dl.rewrite(base[:env.bodyOff])
	if full == nil {
		return nil, nil, nil, badf("delta: malformed object")
	}
	return full, ids, env, nil
}

// delta is a decoded delta's envelope and the table of objects it and
// its base make together.
type delta struct {
	data               []byte
	prog, base, result [32]byte
	body               []int // where each body field starts
	n                  int   // objects in the combined table
	changed            []int // where each changed object's [id, object] starts, by ascending id
	objs               []objAt
}

// objAt is where an object of the combined table is encoded.
type objAt struct {
	data []byte
	off  int
}

// DeltaBase returns the state hash of the snapshot a delta was written
// against, after checking the delta's envelope and structure.
func DeltaBase(delta []byte) ([32]byte, error) {
	dl, err := decodeDelta(delta)
	if err != nil {
		return [32]byte{}, err
	}
	return dl.base, nil
}

// decodeDelta checks a delta's CBOR, envelope and structure: its field
// counts, each changed object's tag and field count, ids ascending and
// inside the table.
func decodeDelta(data []byte) (*delta, error) {
	r, err := openEnvelope(data, deltaMagic, deltaVersion, "wf delta", "delta format version")
	if err != nil {
		return nil, err
	}
	dl := &delta{data: data}
	for _, h := range []*[32]byte{&dl.prog, &dl.base, &dl.result} {
		b, err := r.str(cborBytes)
		if err != nil || len(b) != 32 {
			return nil, badf("delta: a hash is not 32 bytes")
		}
		*h = [32]byte(b)
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
