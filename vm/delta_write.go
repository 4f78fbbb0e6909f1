package vm

// This file defines how a machine writes a delta: the roots, the fibers
// that ran, the objects marked changed since its base (track.go), the
// base's iterators that moved, and the new objects those reach, and
// nothing else, so that writing one costs what changed, not what exists.

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
)

// Delta writes the changes since the machine's base snapshot (the one it
// was restored from, or its last Snapshot or Delta) as a delta snapshot:
// the globals, fibers' roots and counters, and only the heap objects that
// are new or changed. ApplyDelta on the base and the delta gives the full
// snapshot of the machine now; that state becomes the machine's new base,
// which takes a full snapshot to name (DeltaKeepBase does not). It needs
// Options.Deltas.
func (m *Machine) Delta() (data []byte, err error) {
	defer recoverAPI(&err)
	_, data, err = m.snapshotDelta(false, false)
	return data, err
}

// DeltaKeepBase is Delta, but the machine's base stays what it was, so
// its next delta is again against the same snapshot. It costs what
// changed since the base, not the size of the state: what a store that
// keeps one full snapshot and a delta against it for each later version
// needs of a machine it runs for several of them (the durable engine's
// warm machines).
func (m *Machine) DeltaKeepBase() (data []byte, err error) {
	defer recoverAPI(&err)
	_, data, err = m.snapshotDelta(true, false)
	return data, err
}

// SnapshotDelta is Snapshot and Delta at once: the full snapshot of the
// machine now (embedding the program when the base did) and the delta
// from its base to it, for a caller that stores whichever is smaller.
func (m *Machine) SnapshotDelta() (full, delta []byte, err error) {
	defer recoverAPI(&err)
	return m.snapshotDelta(false, true)
}

// SnapshotDeltaKeepBase is SnapshotDelta, but the machine's base stays
// what it was (DeltaKeepBase).
func (m *Machine) SnapshotDeltaKeepBase() (full, delta []byte, err error) {
	defer recoverAPI(&err)
	return m.snapshotDelta(true, true)
}

// BaseSize returns the length of the machine's base snapshot, 0 when it
// has none: with a delta's length, about what a full snapshot of the
// machine would take, without writing one.
func (m *Machine) BaseSize() int {
	if m == nil || m.base == nil {
		return 0
	}
	return m.base.size
}

// snapshotDelta writes the delta from the machine's base, then, with
// withFull or unless keepBase, the full snapshot, which becomes the base
// unless keepBase.
func (m *Machine) snapshotDelta(keepBase, withFull bool) (full, delta []byte, err error) {
	if m == nil || m.prog == nil {
		return nil, nil, errNoMachine
	}
	if m.base == nil {
		return nil, nil, ErrNoBase
	}
	if m.nest > 0 {
		return nil, nil, errors.New("delta: a Go builtin is running a callback; its frame cannot be captured")
	}
	if m.failed != nil {
		return nil, nil, fmt.Errorf("delta: the machine stopped with an error: %w", m.failed)
	}
	if delta, err = m.writeDelta(); err != nil {
		return nil, nil, err
	}
	if err := m.checkDelta(delta); err != nil {
		return nil, nil, err
	}
	if !withFull && keepBase {
		return nil, delta, nil
	}
	m.opts.Deltas = !keepBase // a kept base is not replaced by this snapshot's
	full, err = m.Snapshot(SnapshotOptions{EmbedProgram: m.base.embed})
	m.opts.Deltas = true
	return full, delta, err
}

// checkDelta checks, with Options.CheckDeltas, that delta applied to the
// base gives the machine's full snapshot.
func (m *Machine) checkDelta(delta []byte) error {
	if !m.opts.CheckDeltas || m.base.data == nil {
		return nil
	}
	m.opts.Deltas = false // the check's snapshot is not a new base
	full, err := m.Snapshot(SnapshotOptions{EmbedProgram: m.base.embed})
	m.opts.Deltas = true
	if err != nil {
		return err
	}
	got, err := ApplyDelta(m.base.data, delta)
	if err != nil || !bytes.Equal(got, full) {
		return fmt.Errorf("%w: a delta does not give the machine's state (a change was not marked): %v", ErrInternal, err)
	}
	return nil
}

// writeDelta encodes the delta from the machine's base to its state:
// [magic, version, program, base, checksum, body], the checksum the
// SHA-256 of the body's encoding.
func (m *Machine) writeDelta() ([]byte, error) {
	base := m.base
	// Not newEncoder, which sizes its tables for a full snapshot: a
	// delta's are the size of what changed.
	changed := len(base.dirty) + len(base.forced) + 16
	e := &encoder{m: m, base: base, n: base.n, index: newPtrIndex(changed),
		queue: make([]Value, 0, changed), heap: cborWriter{b: make([]byte, 0, 4096)}}
	roots, pending := e.roots()
	if e.err != nil {
		return nil, e.err
	}
	body := &cborWriter{b: make([]byte, 0, 32+len(roots.b)+len(e.heap.b)+len(pending.b))}
	if len(m.markers) > 0 {
		body.array(deltaFields + 1)
	} else {
		body.array(deltaFields)
	}
	body.raw(roots.b)
	body.int(m.steps)
	body.int(m.alloc)
	body.int(int64(e.n))
	body.array(len(e.ids))
	body.raw(e.heap.b)
	body.raw(pending.b)
	if len(m.markers) > 0 {
		m.encodeMarkers(body)
	}
	sum := sha256.Sum256(body.b)
	w := &cborWriter{b: make([]byte, 0, 128+len(body.b))}
	w.array(6)
	w.text(deltaMagic)
	w.int(deltaVersion)
	w.bytes(m.prog.Hash[:])
	w.bytes(base.hash[:])
	w.bytes(sum[:])
	w.raw(body.b)
	return w.b, nil
}

// deltaRef numbers an object for a delta: a base object keeps its index
// in the base (and is written only if queueBase queued it), a new one
// takes the next number after the base's and is queued once.
func (e *encoder) deltaRef(v Value) int {
	if s := e.base.index.slot(v.p); s.p != nil {
		return int(s.i)
	}
	i, added := e.index.lookupOrAdd(v.p, e.n)
	if added {
		e.n++
		e.queue = append(e.queue, v)
		e.ids = append(e.ids, int32(i))
	}
	return i
}

// queueBase queues v for writing if it is a base object not queued yet.
// An object not in the base is new: it is written if the roots or the
// written objects reach it.
func (e *encoder) queueBase(v Value) {
	s := e.base.index.slot(v.p)
	if s.p == nil {
		return
	}
	if _, added := e.index.lookupOrAdd(v.p, int(s.i)); added {
		e.queue = append(e.queue, v)
		e.ids = append(e.ids, s.i)
	}
}

// queueChanged queues the base objects that may differ from the base:
// those marked, those the delta the machine was restored from changed,
// and the iterators whose encoding moved; by ascending id, so that the
// new objects they reach are numbered the same however the changes were
// made.
func (e *encoder) queueChanged() {
	b := e.base
	from := len(e.queue)
	defer e.sortQueue(from)
	for _, v := range b.dirty {
		e.queueBase(v)
	}
	for _, v := range b.forced {
		e.queueBase(v)
	}
	var w cborWriter
	for _, bi := range b.iters {
		w.b = w.b[:0]
		e.iterObject(&w, bi.it)
		if !bytes.Equal(w.b, bi.enc) {
			e.queueBase(iterValue(bi.it))
		}
	}
}

// sortQueue sorts the queue from index from on by id.
func (e *encoder) sortQueue(from int) {
	type item struct {
		v  Value
		id int32
	}
	items := make([]item, len(e.queue)-from)
	for i := range items {
		items[i] = item{e.queue[from+i], e.ids[from+i]}
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.id, b.id) })
	for i, it := range items {
		e.queue[from+i], e.ids[from+i] = it.v, it.id
	}
}

// drainDelta writes the queued objects, each as [id, object], by
// ascending id; e.ids becomes the ids written.
func (e *encoder) drainDelta() {
	e.queueChanged()
	type span struct {
		id         int32
		start, end int
	}
	var all cborWriter // every object's encoding, one after another
	spans := make([]span, 0, len(e.queue))
	for q := 0; q < len(e.queue) && e.err == nil; q++ {
		start := len(all.b)
		e.object(&all, e.queue[q])
		spans = append(spans, span{e.ids[q], start, len(all.b)})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.id, b.id) })
	e.ids = e.ids[:0]
	for _, c := range spans {
		e.heap.array(2)
		e.heap.int(int64(c.id))
		e.heap.raw(all.b[c.start:c.end])
		e.ids = append(e.ids, c.id)
	}
}
