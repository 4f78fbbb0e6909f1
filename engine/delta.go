package engine

// This file defines how the engine keeps a large state as a delta: a
// version stores the changes since an earlier version's full snapshot
// (vm.Machine.DeltaKeepBase), and reading it applies them to that one
// snapshot (vm.ApplyDelta), never a chain.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// Stored is how a version's state is kept when it is a delta: the full
// snapshot of version BaseVersion and the delta that turns it into the
// state (vm.ApplyDelta). A Head carries it so that the engine restores
// the machine with that base (vm.RestoreDelta) and writes its next
// delta against the same full snapshot.
type Stored struct {
	BaseVersion int64
	Base, Delta []byte
	applied     *vm.DeltaState // the delta applied, as resolveSnapshot did
	raw         []byte         // the stored column: what a warm machine's state is checked against
	// fetch reads a version's stored snapshot, for a head read for a step
	// (Engine.stepHead), whose delta is applied only when the step needs
	// the full snapshot (Head.resolve); nil once it is.
	fetch func(v int64) ([]byte, error)
}

// deltaSchemaWhat is the schema migration that marks a database whose
// versions may store deltas. It changes no table (a stored delta lives in
// the snapshot column, see encodeStoredDelta); its number makes a wf
// that cannot read deltas refuse the database (ErrSchema) instead of
// failing on the first instance it reads.
const deltaSchemaWhat = "a version's snapshot may be a delta against an earlier version's"

// Thresholds of delta storage.
const (
	// deltaMinState is the smallest state kept by delta: below it a
	// full snapshot costs little, and tracking objects costs more than
	// it saves.
	deltaMinState = 64 << 10
	// deltaMaxShare: a delta more than 1/deltaMaxShare of its full
	// snapshot is stored as the full snapshot instead (compaction),
	// which later versions then take as their base.
	deltaMaxShare = 4
)

// storedDeltaMagic starts the stored form of a delta, which a full
// snapshot (a CBOR array) never does: the magic, the base version as 8
// bytes big-endian, the delta.
var storedDeltaMagic = []byte("wf-stored-delta\x00")

// encodeStoredDelta is the column value of a version kept as a delta
// against base.
func encodeStoredDelta(base int64, delta []byte) []byte {
	b := make([]byte, 0, len(storedDeltaMagic)+8+len(delta))
	b = append(b, storedDeltaMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(base))
	return append(b, delta...)
}

// parseStoredDelta splits a stored delta; ok is false for anything else
// (a full snapshot).
func parseStoredDelta(b []byte) (base int64, delta []byte, ok bool) {
	if !bytes.HasPrefix(b, storedDeltaMagic) || len(b) < len(storedDeltaMagic)+8 {
		return 0, nil, false
	}
	n := len(storedDeltaMagic)
	return int64(binary.BigEndian.Uint64(b[n:])), b[n+8:], true
}

// resolveSnapshot returns the full snapshot that snap, the stored state
// of instance id's version n, stands for, and how it is stored when it
// is a delta. fetch reads a version's stored snapshot. A delta whose
// base is missing, is not older, is itself a delta, or does not apply is
// corrupt.
func resolveSnapshot(id string, n int64, snap []byte, fetch func(v int64) ([]byte, error)) ([]byte, *Stored, error) {
	baseN, delta, ok := parseStoredDelta(snap)
	if !ok {
		return snap, nil, nil
	}
	corrupt := func(why string, err error) error {
		return fmt.Errorf("instance %s version %d: %w: its delta %s: %v", id, n, ErrCorrupt, why, err)
	}
	if baseN < 1 || baseN >= n {
		return nil, nil, corrupt("has base", fmt.Errorf("version %d", baseN))
	}
	base, err := fetch(baseN)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, corrupt("lost its base", err)
	}
	if err != nil {
		return nil, nil, err
	}
	if _, _, isDelta := parseStoredDelta(base); isDelta {
		return nil, nil, corrupt("has a delta for base", fmt.Errorf("version %d", baseN))
	}
	st, err := vm.ApplyDeltaState(base, delta)
	if err != nil {
		return nil, nil, corrupt("does not apply", err)
	}
	return st.Snapshot, &Stored{BaseVersion: baseN, Base: base, Delta: delta, applied: st, raw: snap}, nil
}

// resolveHead sets h's state from snap, the stored state of its version
// h.SnapVersion: the full snapshot, or with lazy, for a delta, only its
// stored form, which h.resolve applies when the step needs it. A step
// whose warm machine is already in that state needs nothing more, so
// its cost does not grow with the state's size.
func resolveHead(h *Head, snap []byte, lazy bool, fetch func(v int64) ([]byte, error)) error {
	baseN, delta, ok := parseStoredDelta(snap)
	if !lazy || !ok {
		var err error
		h.Snapshot, h.Stored, err = resolveSnapshot(h.ID, h.SnapVersion, snap, fetch)
		return err
	}
	h.Snapshot, h.Stored = nil, &Stored{BaseVersion: baseN, Delta: delta, raw: snap, fetch: fetch}
	return nil
}

// resolve applies the delta of a head read for a step, if it has not
// been: h.Snapshot becomes the full snapshot of its state.
func (h *Head) resolve() error {
	if h.Stored == nil || h.Stored.fetch == nil {
		return nil
	}
	snap, st, err := resolveSnapshot(h.ID, h.SnapVersion, h.Stored.raw, h.Stored.fetch)
	if err != nil {
		return err
	}
	h.Snapshot, h.Stored = snap, st
	return nil
}

// hasState reports whether h has a state to restore: a snapshot, or a
// delta not applied yet.
func (h *Head) hasState() bool { return h.Snapshot != nil || h.Stored != nil }

// stored is h's state as stored: what a warm machine's is checked
// against.
func (h *Head) stored() []byte {
	if h.Stored != nil {
		return h.Stored.raw
	}
	return h.Snapshot
}

// stepStore is a store that reads a head for a step without applying
// its delta (resolveHead with lazy).
type stepStore interface {
	stepState(ctx context.Context, id string) (Head, error)
}

// stepHead reads instance id's head for a step: as Store.State, but a
// state kept as a delta is applied only if the step restores it.
func (e *Engine) stepHead(ctx context.Context, id string) (Head, error) {
	if s, ok := e.store.(stepStore); ok {
		return s.stepState(ctx, id)
	}
	return e.store.State(ctx, id)
}

// restoreHead restores the machine of head h's state: from its base and
// delta when it is stored as one, else from its snapshot. A large state
// is restored tracking its objects (vm.Options.Deltas), so that the step
// can store a delta against the same full snapshot; baseVersion is that
// snapshot's version, 0 when the step will store a full snapshot (always
// when deltas is false).
func restoreHead(prog *compiler.Program, h Head, opts vm.Options, deltas bool) (m *vm.Machine, baseVersion int64, err error) {
	if h.Stored != nil {
		opts.Deltas = deltas
		if deltas {
			baseVersion = h.Stored.BaseVersion
		}
		if st := h.Stored.applied; st != nil && bytes.Equal(st.Snapshot, h.Snapshot) {
			m, err = vm.RestoreApplied(prog, st, opts) // the store applied the delta already
		} else {
			m, err = vm.RestoreDelta(prog, h.Stored.Base, h.Stored.Delta, opts)
		}
		return m, baseVersion, err
	}
	if deltas && len(h.Snapshot) >= deltaMinState {
		opts.Deltas, baseVersion = true, h.SnapVersion
	}
	m, err = vm.Restore(prog, h.Snapshot, opts)
	return m, baseVersion, err
}

// stateOf is what a step stores of machine m's state, and the size the
// state limit applies to: a delta against version base's full snapshot
// when m tracks one (size: the base's plus the delta's, an estimate that
// costs nothing), else, or when the delta is too large a share of the
// base or the estimate passes max, the full snapshot (size: its own).
// isDelta tells which. Writing the delta costs what changed since the
// base; a full snapshot, what exists, so it is written only when the
// chain compacts (and then becomes m's base, as Machine.Snapshot makes
// it for a machine restored with Options.Deltas).
func stateOf(m *vm.Machine, base int64, max int) (stored []byte, size int, isDelta bool, err error) {
	if base != 0 {
		delta, err := m.DeltaKeepBase()
		if err != nil {
			return nil, 0, false, err
		}
		baseSize := m.BaseSize()
		if len(delta)*deltaMaxShare <= baseSize && baseSize+len(delta) <= max {
			return encodeStoredDelta(base, delta), baseSize + len(delta), true, nil
		}
	}
	full, err := m.Snapshot(vm.SnapshotOptions{})
	return full, len(full), false, err
}

// headBase is the version restoreHead takes as the base of the deltas
// of a machine restored from h (0 for none).
func headBase(h Head, deltas bool) int64 {
	switch {
	case !deltas:
		return 0
	case h.Stored != nil:
		return h.Stored.BaseVersion
	case len(h.Snapshot) >= deltaMinState:
		return h.SnapVersion
	}
	return 0
}
