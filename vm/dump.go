package vm

// This file defines dump and load, the in-language face of snapshots, and
// the snapshot-transparency run mode.

func init() {
	def("dump", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("dump", args, 1, 1); err != nil {
			return Nil, err
		}
		b, err := m.dumpValue(args[0])
		if err != nil {
			return Nil, errorf(ErrValue, "%v", err)
		}
		if err := m.charge(bytesSize + int64(len(b))); err != nil {
			return Nil, err
		}
		return Bytes(b), nil
	})
	def("load", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("load", args, 1, 1); err != nil {
			return Nil, err
		}
		if args[0].k != KindBytes {
			return Nil, errorf(ErrType, "load: want bytes from dump, got %s", args[0].TypeName())
		}
		// Objects take more room than their encoding; charge a bound.
		if err := m.charge(loadCost * int64(len(args[0].AsBytes()))); err != nil {
			return Nil, err
		}
		v, err := m.loadValue(args[0].AsBytes())
		if err != nil {
			if stop := m.poll(); stop != nil {
				return Nil, stop // cancelled while decoding: not the snapshot's fault
			}
			return Nil, errorf(ErrValue, "load: %v", err)
		}
		return v, nil
	})
}

// loadCost is what load charges the allocation budget per snapshot byte:
// decoded objects take several times the room of their encoding.
const loadCost = 8

// roundTrip replaces the machine's whole state by what a snapshot of it
// decodes to. The transparency mode calls it between instructions; the
// run must go on exactly as if nothing happened.
func (m *Machine) roundTrip() error {
	data, err := m.Snapshot(SnapshotOptions{})
	if err != nil {
		return err
	}
	m2, err := Restore(m.prog.Program, data, m.opts)
	if err != nil {
		return err
	}
	m.globals, m.root, m.cur = m2.globals, m2.root, m2.cur
	m.base = m2.base // m2's base indexes m2's objects, which m now runs
	m.steps, m.alloc, m.pending = m2.steps, m2.alloc, m2.pending
	m.prog = m2.prog
	return nil
}

// snapshotEvery arms the transparency hook: a full snapshot round trip
// every n steps. While a Go builtin is running a callback the round trip
// waits for the next step.
func (m *Machine) snapshotEvery(n int64) {
	m.hookAt = m.steps + n
	m.hook = func() error {
		if m.nest > 0 {
			m.hookAt = m.steps + 1
			return nil
		}
		m.hookAt = m.steps + n
		return m.roundTrip()
	}
}

// Dump encodes v with everything reachable from it, as the dump builtin
// does: the root coroutine is referenced, not copied.
func (m *Machine) Dump(v Value) (data []byte, err error) {
	defer recoverAPI(&err)
	if m == nil || m.prog == nil {
		return nil, errNoMachine
	}
	return m.dumpValue(v)
}

// Load decodes bytes made by Dump in a machine running the same program,
// as the load builtin does. Every load gives an independent copy.
func (m *Machine) Load(data []byte) (v Value, err error) {
	defer recoverAPI(&err)
	if m == nil || m.prog == nil {
		return Nil, errNoMachine
	}
	return m.loadValue(data)
}
