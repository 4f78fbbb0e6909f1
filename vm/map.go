package vm

// This file defines Map, the insertion-ordered hash map behind map values.

import (
	"math"
	"unsafe"
)

// Map is an insertion-ordered hash map. Iteration visits keys in the order
// they were first inserted, so programs and snapshots are deterministic.
//
// Entries live in a slice; Go maps index them: one keyed by string for
// string keys (the common case, hashed by Go's string fast path) and one
// keyed by mapKey for every other kind. Deleting leaves a tombstone that
// later compaction removes. Adding or deleting a key while a for loop
// iterates the map is an error; assigning to an existing key is not.
//
// String lookups first try seen, a cache keyed by the address of the key's
// bytes (see findString); it is never serialized and needs no upkeep.
type Map struct {
	strs    map[string]int32
	others  map[mapKey]int32
	entries []mapEntry
	seen    []int32 // entry index by string data address, possibly stale
	// live and funcs are int32 like the entry indexes, so that a Map
	// is 88 bytes, not 96: a restored map comes from a slab, where
	// every byte counts.
	live    int32
	version uint32 // bumped when the key set changes
	funcs   int32  // live values that are functions: only then can a field shadow a method
	snap    int32  // the map's index in the snapshot being written, if it checks out (ptrindex.go)
	dirty   bool   // changed since the machine's base snapshot (track.go)
	// unindexed marks a small map a snapshot decoder filled without
	// strs and others, which buildIndex makes when a lookup first
	// misses (so a hit, the common case, pays no test).
	unindexed bool
}

type mapEntry struct {
	Key, Value Value
	deleted    bool
}

// mapKey is the hashable projection of a key Value. Integral floats map to
// the int key of the same number so that m[1] and m[1.0] are one entry.
type mapKey struct {
	s string
	n uint64
	k Kind
}

// NewMap returns an empty map with room for n entries (none for n < 0).
func NewMap(n int) *Map {
	n = max(n, 0)
	return &Map{strs: make(map[string]int32, n), entries: make([]mapEntry, 0, n)}
}

// keyOf returns the hash key for v, or an error for unhashable values.
func keyOf(v Value) (mapKey, error) {
	switch v.k {
	case KindString:
		return mapKey{k: KindString, s: v.AsString()}, nil
	case KindInt, KindBool, KindNil:
		return mapKey{k: v.k, n: v.n}, nil
	case KindFloat:
		f := v.AsFloat()
		if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return mapKey{k: KindInt, n: uint64(int64(f))}, nil
		}
		return mapKey{k: KindFloat, n: v.n}, nil
	case KindBytes:
		return mapKey{k: KindBytes, s: string(v.AsBytes())}, nil
	}
	return mapKey{}, errorf(ErrType, "unhashable type %s used as a map key", v.TypeName())
}

// A nil *Map (what Value.AsMap gives for another kind) reads as an empty
// map; Set on it is an error. The nil tests cost nothing measurable in
// BenchmarkMapCount (see the commit that added them).

// Len returns the number of keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return int(m.live)
}

// find returns the entry index of key.
func (m *Map) find(key Value) (int32, bool, error) {
	if key.k == KindString {
		i, ok := m.findString(key)
		return i, ok, nil
	}
	k, err := keyOf(key)
	if err != nil {
		return 0, false, err
	}
	i, ok := m.others[k]
	if !ok && m.unindexed { // a restored map without tables misses every key until built
		m.buildIndex()
		i, ok = m.others[k]
	}
	return i, ok, nil
}

// Get returns the value stored under key.
func (m *Map) Get(key Value) (Value, bool, error) {
	if m == nil {
		return Nil, false, nil
	}
	i, ok, err := m.find(key)
	if !ok {
		return Nil, false, err
	}
	return m.entries[i].Value, true, nil
}

// GetString returns the value stored under a string key.
func (m *Map) GetString(key string) (Value, bool) {
	if m == nil {
		return Nil, false
	}
	if i, ok := m.findString(String(key)); ok {
		return m.entries[i].Value, true
	}
	return Nil, false
}

// findString returns the entry index of the string key. Programs mostly
// look a map up with the very strings its keys were stored from (a word
// taken from a list, a constant, an attribute name), so before hashing the
// bytes it tries seen: a direct-mapped table from the address of a key's
// bytes to an entry index. A slot is trusted only when the entry it names
// holds a string key with the same address and length, that is the same
// bytes; a stale slot (the entry moved, was deleted or was never there)
// simply misses, so nothing ever invalidates it and a restored map starts
// with an empty one. Hashing is refilled into seen.
//
// BenchmarkMapCount (a 1,000-key map updated by m[w] = m.get(w, 0) + 1,
// the words from a list): median 24.8 to 22.5 ms; a table of four slots
// per entry instead of two gained another 1.5 ms, not worth its memory.
func (m *Map) findString(key Value) (int32, bool) {
	if key.p == nil {
		i, ok := m.strs[""]
		if !ok && m.unindexed {
			m.buildIndex()
			i, ok = m.strs[""]
		}
		return i, ok
	}
	slot := seenSlot(key.p, len(m.seen))
	if slot >= 0 {
		if i := m.seen[slot]; int(i) < len(m.entries) {
			if k := m.entries[i].Key; k.p == key.p && k.n == key.n && k.k == KindString {
				return i, true
			}
		}
	}
	i, ok := m.strs[key.AsString()]
	if !ok && m.unindexed { // a restored map without tables misses every key until built
		m.buildIndex()
		return m.findString(key)
	}
	if ok && slot >= 0 {
		m.seen[slot] = i
	}
	return i, ok
}

// seenSlot returns the slot of seen for the address p in a table of n
// slots (a power of two), or -1 when there is no table.
func seenSlot(p unsafe.Pointer, n int) int {
	if n == 0 {
		return -1
	}
	return int((uint64(uintptr(p)) * 0x9e3779b97f4a7c15) >> 32 & uint64(n-1))
}

// remember records in seen that the string key lives at entry i, first
// resizing seen to twice the number of entries (it only caches: a new
// table starts empty).
func (m *Map) remember(key Value, i int32) {
	if key.p == nil {
		return
	}
	if want := 2 * (len(m.entries) + 1); len(m.seen) < want {
		n := 8
		for n < want {
			n *= 2
		}
		m.seen = make([]int32, n)
	}
	m.seen[seenSlot(key.p, len(m.seen))] = i
}

// HasFuncs reports whether some value of the map is a function, so that a
// method call on it must first look for a field of that name.
func (m *Map) HasFuncs() bool { return m != nil && m.funcs > 0 }

func isFunc(v Value) bool { return v.k == KindFunc || v.k == KindBuiltin }

// Set stores value under key. It reports whether the key is new.
func (m *Map) Set(key, value Value) (bool, error) {
	if m == nil {
		return false, errorf(ErrValue, "cannot set a key of a nil *Map")
	}
	i, ok, err := m.find(key)
	if err != nil {
		return false, err
	}
	if ok {
		e := &m.entries[i]
		m.funcs += int32(b2i(isFunc(value)) - b2i(isFunc(e.Value)))
		e.Value = value
		return false, nil
	}
	m.setIndex(key, int32(len(m.entries)))
	m.entries = append(m.entries, mapEntry{Key: key, Value: value})
	m.live++
	m.version++
	m.funcs += int32(b2i(isFunc(value)))
	return true, nil
}

// setIndex records that key lives at entry i; key is hashable.
func (m *Map) setIndex(key Value, i int32) {
	if key.k == KindString {
		if m.strs == nil {
			m.strs = make(map[string]int32)
		}
		m.strs[key.AsString()] = i
		m.remember(key, i)
		return
	}
	k, _ := keyOf(key)
	if m.others == nil {
		m.others = make(map[mapKey]int32)
	}
	m.others[k] = i
}

// buildIndex makes the lookup tables of a map restored without them
// (see smallMap).
func (m *Map) buildIndex() {
	m.unindexed = false
	for i, e := range m.entries {
		if !e.deleted {
			m.setIndex(e.Key, int32(i))
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Delete removes key and returns its value.
func (m *Map) Delete(key Value) (Value, bool, error) {
	if m == nil {
		return Nil, false, nil
	}
	i, ok, err := m.find(key)
	if !ok {
		return Nil, false, err
	}
	old := m.entries[i].Value
	if key.k == KindString {
		delete(m.strs, key.AsString())
	} else {
		k, _ := keyOf(key)
		delete(m.others, k)
	}
	m.entries[i] = mapEntry{deleted: true}
	m.live--
	m.version++
	m.funcs -= int32(b2i(isFunc(old)))
	if int(m.live) < len(m.entries)/2 {
		m.compact()
	}
	return old, true, nil
}

// compact drops tombstones. Iterators detect it through version.
func (m *Map) compact() {
	j := 0
	for _, e := range m.entries {
		if e.deleted {
			continue
		}
		m.entries[j] = e
		m.setIndex(e.Key, int32(j))
		j++
	}
	clear(m.entries[j:])
	m.entries = m.entries[:j]
}

// Each calls f for each entry in insertion order until f returns false.
func (m *Map) Each(f func(k, v Value) bool) {
	if m == nil || f == nil {
		return
	}
	for _, e := range m.entries {
		if !e.deleted && !f(e.Key, e.Value) {
			return
		}
	}
}
