package vm

// This file defines Map, the insertion-ordered hash map behind map values.

import "math"

// Map is an insertion-ordered hash map. Iteration visits keys in the order
// they were first inserted, so programs and snapshots are deterministic.
//
// Entries live in a slice; Go maps index them: one keyed by string for
// string keys (the common case, hashed by Go's string fast path) and one
// keyed by mapKey for every other kind. Deleting leaves a tombstone that
// later compaction removes. Adding or deleting a key while a for loop
// iterates the map is an error; assigning to an existing key is not.
type Map struct {
	strs    map[string]int32
	others  map[mapKey]int32
	entries []mapEntry
	live    int
	version uint32 // bumped when the key set changes
	funcs   int    // live values that are functions: only then can a field shadow a method
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

// Len returns the number of keys.
func (m *Map) Len() int { return m.live }

// find returns the entry index of key.
func (m *Map) find(key Value) (int32, bool, error) {
	if key.k == KindString {
		i, ok := m.strs[key.AsString()]
		return i, ok, nil
	}
	k, err := keyOf(key)
	if err != nil {
		return 0, false, err
	}
	i, ok := m.others[k]
	return i, ok, nil
}

// Get returns the value stored under key.
func (m *Map) Get(key Value) (Value, bool, error) {
	i, ok, err := m.find(key)
	if !ok {
		return Nil, false, err
	}
	return m.entries[i].Value, true, nil
}

// GetString returns the value stored under a string key.
func (m *Map) GetString(key string) (Value, bool) {
	if i, ok := m.strs[key]; ok {
		return m.entries[i].Value, true
	}
	return Nil, false
}

// HasFuncs reports whether some value of the map is a function, so that a
// method call on it must first look for a field of that name.
func (m *Map) HasFuncs() bool { return m.funcs > 0 }

func isFunc(v Value) bool { return v.k == KindFunc || v.k == KindBuiltin }

// Set stores value under key. It reports whether the key is new.
func (m *Map) Set(key, value Value) (bool, error) {
	i, ok, err := m.find(key)
	if err != nil {
		return false, err
	}
	if ok {
		e := &m.entries[i]
		m.funcs += b2i(isFunc(value)) - b2i(isFunc(e.Value))
		e.Value = value
		return false, nil
	}
	m.setIndex(key, int32(len(m.entries)))
	m.entries = append(m.entries, mapEntry{Key: key, Value: value})
	m.live++
	m.version++
	m.funcs += b2i(isFunc(value))
	return true, nil
}

// setIndex records that key lives at entry i; key is hashable.
func (m *Map) setIndex(key Value, i int32) {
	if key.k == KindString {
		if m.strs == nil {
			m.strs = make(map[string]int32)
		}
		m.strs[key.AsString()] = i
		return
	}
	k, _ := keyOf(key)
	if m.others == nil {
		m.others = make(map[mapKey]int32)
	}
	m.others[k] = i
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Delete removes key and returns its value.
func (m *Map) Delete(key Value) (Value, bool, error) {
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
	m.funcs -= b2i(isFunc(old))
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
		m.setIndex(e.Key, int32(j))
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
