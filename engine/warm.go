package engine

// This file defines the warm cache: the machines of steps just taken,
// kept so that the next step of the same instance (a burst of signals)
// renews one instead of restoring its snapshot again.

import (
	"bytes"
	"container/list"
	"context"
	"sync"
	"sync/atomic"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// The defaults of Options.WarmMachines and WarmBytes.
const (
	DefaultWarmMachines = 16
	DefaultWarmBytes    = 64 << 20
)

// warmFactor is the approximate size of a machine in memory per byte of
// its snapshot: its heap, plus the snapshot the entry holds to check it.
const warmFactor = 4

// warmKey names the state a kept machine is in: an instance at a version.
type warmKey struct {
	id      string
	version int64
}

// warmEntry is a kept machine: it is in the state snap encodes, what its
// step committed (or tried to) as the key's version: a full snapshot, or
// a stored delta against the full snapshot of version base. size is the
// state's size in full (or an estimate).
type warmEntry struct {
	key   warmKey
	prog  *compiler.Program
	snap  []byte
	base  int64  // the version whose snapshot m's deltas are against (run.base); 0 for none
	clock *Clock // the clock m's now() reads: a machine's builtins keep theirs
	futs  *Futures
	m     *vm.Machine
	size  int
}

// warmCache is a small LRU of kept machines, at most one per instance,
// bounded by count and by approximate bytes. A machine is taken out
// while a step uses it, so no two steps ever share one; a step puts its
// machine back under the version it made. An entry is used only for the
// very state it is in (instance, version, program and snapshot bytes all
// equal the head's), so an entry made stale by another process's commit,
// or by a commit of this one that failed, is never used: it is dropped
// when its instance is next looked up, or evicted.
type warmCache struct {
	mu       sync.Mutex
	maxN     int
	maxBytes int64
	bytes    int64
	lru      list.List // of *warmEntry, most recently kept first
	byID     map[string]*list.Element
	restores atomic.Int64 // snapshots restored because no kept machine fit (tests count them)
}

func newWarmCache(n int, b int64) *warmCache {
	if n == 0 {
		n = DefaultWarmMachines
	}
	if b == 0 {
		b = DefaultWarmBytes
	}
	return &warmCache{maxN: n, maxBytes: b, byID: map[string]*list.Element{}}
}

// take removes and returns the entry kept for instance id if its machine
// is in the state of version stored as snap (a full snapshot, or a delta
// against base's, which versions never change) of prog, tracking changes
// against base; any other entry of id is stale and dropped.
func (c *warmCache) take(id string, version int64, prog *compiler.Program, snap []byte, base int64) *warmEntry {
	if c.maxN < 0 {
		return nil
	}
	c.mu.Lock()
	el, ok := c.byID[id]
	if ok {
		c.remove(el)
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	w := el.Value.(*warmEntry)
	if w.key != (warmKey{id, version}) || w.prog != prog || w.base != base || !bytes.Equal(w.snap, snap) {
		return nil
	}
	return w
}

// keep puts w, its machine in the state w.snap encodes, under its key,
// evicting the least recently kept machines past the bounds.
func (c *warmCache) keep(w *warmEntry) {
	id, snap := w.key.id, w.snap
	size := int64(max(w.size, len(snap))) * warmFactor
	if c.maxN < 0 || snap == nil || size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok {
		c.remove(el)
	}
	w.size = int(size)
	c.byID[id] = c.lru.PushFront(w)
	c.bytes += size
	for c.lru.Len() > c.maxN || c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

// remove drops el; c.mu is held.
func (c *warmCache) remove(el *list.Element) {
	w := c.lru.Remove(el).(*warmEntry)
	delete(c.byID, w.key.id)
	c.bytes -= int64(w.size)
}

// restore returns a run of h's machine: the kept one if it is in h's
// state, renewed for this step, else one restored from h's snapshot.
func (e *Engine) restore(ctx context.Context, prog *compiler.Program, h Head) (*run, error) {
	if w := e.warm.take(h.ID, h.Version, prog, h.stored(), headBase(h, !e.opts.FullSnapshots)); w != nil {
		r := &run{out: output{max: e.opts.MaxOutput}, clock: w.clock, base: w.base, futures: w.futs}
		r.ctx, r.cancel = context.WithTimeout(ctx, e.opts.StepTimeout)
		if err := w.m.Renew(r.ctx, &r.out); err == nil {
			r.m = w.m
			r.clock.reset()
			r.futures.reset(h.NextSeq)
			return r, r.carry()
		}
		r.cancel()
	}
	if err := h.resolve(); err != nil {
		return nil, err
	}
	e.warm.restores.Add(1)
	r, err := e.restored(ctx, prog, h)
	if err != nil {
		return nil, err
	}
	return r, r.carry()
}

// keepWarm keeps the machine of r, which st's step has just settled, for
// the instance's next step; st is not committed yet, and need not be.
// Only a machine whose deltas are against what the next step's restore
// would take as their base is kept (r.warmBase), with its stored state.
func (e *Engine) keepWarm(r *run, st Step) {
	if r.warmSnap == nil || r.warmBase < 0 {
		return
	}
	e.warm.keep(&warmEntry{key: warmKey{st.Instance.ID, st.Instance.Version}, prog: r.m.Program(),
		snap: r.warmSnap, size: r.warmSize, base: r.warmBase, clock: r.clock, futs: r.futures, m: r.m})
}
