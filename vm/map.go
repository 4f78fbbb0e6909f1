package vm

// This file defines Map, the insertion-ordered hash map behind map values.

import "math"

// Map is an insertion-ordered hash map. Iteration visits keys in the order
// they were first inserted, so programs and snapshots are deterministic.
//
// Entries live in a slice; the Go map indexes them. Deleting leaves a
// tombstone that later compaction removes. Adding or deleting a key while a
// for loop iterates the map is an error; assigning to an existing key is not.
type Map struct {
	index   map[mapKey]int32
	entries []mapEntry
	live    int
	version uint32 // bumped when the key set changes
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

// NewMap returns an empty map with room for n entries.
func NewMap(n int) *Map {
	return &Map{index: make(map[mapKey]int32, n), entries: make([]mapEntry, 0, n)}
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

// Len returns the number of keys.
func (m *Map) Len() int { return m.live }

// Get returns the value stored under key.
func (m *Map) Get(key Value) (Value, bool, error) {
	k, err := keyOf(key)
	if err != nil {
		return Nil, false, err
	}
	if i, ok := m.index[k]; ok {
		return m.entries[i].Value, true, nil
	}
	return Nil, false, nil
}

// GetString returns the value stored under a string key.
func (m *Map) GetString(key string) (Value, bool) {
	if i, ok := m.index[mapKey{k: KindString, s: key}]; ok {
		return m.entries[i].Value, true
	}
	return Nil, false
}

// Set stores value under key. It reports whether the key is new.
func (m *Map) Set(key, value Value) (bool, error) {
	k, err := keyOf(key)
	if err != nil {
		return false, err
	}
	if i, ok := m.index[k]; ok {
		m.entries[i].Value = value
		return false, nil
	}
	if m.index == nil {
		m.index = make(map[mapKey]int32)
	}
	m.index[k] = int32(len(m.entries))
	m.entries = append(m.entries, mapEntry{Key: key, Value: value})
	m.live++
	m.version++
	return true, nil
}

// Delete removes key and returns its value.
func (m *Map) Delete(key Value) (Value, bool, error) {
	k, err := keyOf(key)
	if err != nil {
		return Nil, false, err
	}
	i, ok := m.index[k]
	if !ok {
		return Nil, false, nil
	}
	old := m.entries[i].Value
	delete(m.index, k)
	m.entries[i] = mapEntry{deleted: true}
	m.live--
	m.version++
	if m.live < len(m.entries)/2 {
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
		k, _ := keyOf(e.Key)
		m.index[k] = int32(j)
		j++
	}
	clear(m.entries[j:])
	m.entries = m.entries[:j]
}

// Each calls f for each entry in insertion order until f returns false.
func (m *Map) Each(f func(k, v Value) bool) {
	for _, e := range m.entries {
		if !e.deleted && !f(e.Key, e.Value) {
			return
		}
	}
}

// Keys returns the keys in insertion order.
func (m *Map) Keys() []Value {
	out := make([]Value, 0, m.live)
	m.Each(func(k, _ Value) bool { out = append(out, k); return true })
	return out
}

// Copy returns a shallow copy of m.
func (m *Map) Copy() *Map {
	c := NewMap(m.live)
	m.Each(func(k, v Value) bool { c.Set(k, v); return true })
	return c
}
