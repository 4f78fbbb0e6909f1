package vm

// This file defines the map methods and the global keys, values and items.

func init() {
	defMethodN(KindMap, "get", 1, 2, mapGet)
	defMethodN(KindMap, "keys", 0, 0, mapKeys)
	defMethodN(KindMap, "values", 0, 0, mapValues)
	defMethodN(KindMap, "items", 0, 0, mapItems)
	defMethodN(KindMap, "contains", 1, 1, mapHas)
	defMethodN(KindMap, "has", 1, 1, mapHas)
	defMethodN(KindMap, "remove", 1, 1, mutator(mapRemove))
	defMethodN(KindMap, "delete", 1, 1, mutator(mapRemove))
	defMethodN(KindMap, "pop", 1, 2, mutator(mapPop))
	defMethodN(KindMap, "set", 2, 2, func(m *Machine, mp Value, args []Value) (Value, error) {
		return Nil, m.mapSet(mp.AsMap(), args[0], args[1])
	})
	defMethodN(KindMap, "copy", 0, 0, func(m *Machine, mp Value, args []Value) (Value, error) {
		c := NewMap(mp.AsMap().Len())
		return MapValue(c), m.mapUpdate(c, mp.AsMap())
	})
	defMethodN(KindMap, "update", 1, 1, mutator(func(m *Machine, mp Value, args []Value) (Value, error) {
		if args[0].k != KindMap {
			return Nil, argTypeError("update", "argument", "a map", args[0])
		}
		return Nil, m.mapUpdate(mp.AsMap(), args[0].AsMap())
	}))

	for _, name := range []string{"keys", "values", "items"} {
		defDelegate(name, KindMap)
	}
}

// mapGet implements m.get(k[, default]): the value under k, or default
// (nil when not given) when k is absent.
func mapGet(m *Machine, mp Value, args []Value) (Value, error) {
	v, ok, err := mp.AsMap().Get(args[0])
	if err != nil || ok {
		return v, err
	}
	if len(args) == 2 {
		return args[1], nil
	}
	return Nil, nil
}

// mapKeys implements m.keys(): a new list of the keys in insertion order.
func mapKeys(m *Machine, mp Value, args []Value) (Value, error) {
	return m.mapList(mp.AsMap(), 1, func(k, _ Value) Value { return k })
}

// mapValues implements m.values(): a new list of the values in key order.
func mapValues(m *Machine, mp Value, args []Value) (Value, error) {
	return m.mapList(mp.AsMap(), 1, func(_, v Value) Value { return v })
}

// mapItems implements m.items(): a new list of [key, value] lists in key order.
func mapItems(m *Machine, mp Value, args []Value) (Value, error) {
	return m.mapList(mp.AsMap(), 4, func(k, v Value) Value { return NewList([]Value{k, v}) })
}

// mapList returns a new list of f(key, value) for the entries of mp in
// order, charging slots list slots per entry and polling as it goes.
func (m *Machine) mapList(mp *Map, slots int, f func(k, v Value) Value) (Value, error) {
	if err := m.chargeList(slots * mp.Len()); err != nil {
		return Nil, err
	}
	out := make([]Value, 0, mp.Len())
	var err error
	mp.Each(func(k, v Value) bool {
		out = append(out, f(k, v))
		err = m.libTick(len(out))
		return err == nil
	})
	if err != nil {
		return Nil, err
	}
	return NewList(out), nil
}

// mapHas implements m.contains(k) and m.has(k).
func mapHas(m *Machine, mp Value, args []Value) (Value, error) {
	_, ok, err := mp.AsMap().Get(args[0])
	return Bool(ok), err
}

// mapRemove implements m.remove(k) and m.delete(k): it removes k and
// returns its value, or nil when k was absent (not an error).
func mapRemove(m *Machine, mp Value, args []Value) (Value, error) {
	v, _, err := mp.AsMap().Delete(args[0])
	return v, err
}

// mapPop implements m.pop(k[, default]): it removes k and returns its
// value; when k is absent it returns default, or is a key_error if no
// default is given.
func mapPop(m *Machine, mp Value, args []Value) (Value, error) {
	v, ok, err := mp.AsMap().Delete(args[0])
	if err != nil || ok {
		return v, err
	}
	if len(args) == 2 {
		return args[1], nil
	}
	return Nil, errorf(ErrKey, "pop: key %s not found", shortRepr(args[0]))
}

// mapUpdate stores every entry of src into dst, in src's order.
func (m *Machine) mapUpdate(dst, src *Map) error {
	var err error
	i := 0
	src.Each(func(k, v Value) bool {
		if err = m.mapSet(dst, k, v); err == nil {
			err = m.libTick(i)
		}
		i++
		return err == nil
	})
	return err
}
