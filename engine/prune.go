package engine

// This file defines retention: Store.Prune deletes the old versions of
// finished instances.

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Pruned counts what Prune deleted.
type Pruned struct {
	Instances int64 `json:"instances"` // finished instances that lost versions
	Versions  int64 `json:"versions"`  // versions deleted
}

// checkKeep refuses a keep count below 1: a finished instance keeps its
// head version at least.
func checkKeep(keep int) error {
	if keep < 1 {
		return fmt.Errorf("prune: keep %d versions: keep at least 1 (the head)", keep)
	}
	return nil
}

// Prune deletes the versions of finished instances (completed, failed,
// cancelled, last changed before finishedBefore; the zero time for all)
// older than their last keep. See Store.Prune.
func (e *Engine) Prune(ctx context.Context, keep int, finishedBefore time.Time) (Pruned, error) {
	if err := checkKeep(keep); err != nil {
		return Pruned{}, err
	}
	if finishedBefore.IsZero() {
		finishedBefore = e.opts.Now().Add(time.Hour) // every finished instance, even one finished by a clock a little ahead
	}
	return e.store.Prune(ctx, keep, finishedBefore)
}

// pruneRows is what a store's Prune does in one instance's transaction,
// written once for both stores' SQL: ints and parts run a query
// returning one column, x a statement and returns the rows it changed.
type pruneRows struct {
	ints   func(q string, args ...any) ([]int64, error)
	parts  func(q string, args ...any) ([]string, error)
	blobs  func(q string, args ...any) ([][]byte, error)
	x      func(q string, args ...any) (int64, error)
	text   func(string) any // a printed value as the store's column takes it
	sql    pruneSQL
	id     string // set by prune
	cutoff int64  // versions up to it go
}

// pruneSQL is one store's statements for pruneRows and Prune.
type pruneSQL struct {
	finished string // ids and head versions of the instances to prune: $1 before, $2 keep
	head     string // the head version of a finished instance, locked: $1 id
	// The rest take $1 id and $2 cutoff, but output and setOutput.
	cutFrom       string // kept versions whose output refers to one that goes
	output        string // the printed parts of version $2's output, in order
	setOutput     string // $1 printed, $2 id, $3 version: the whole output, no reference
	copySnapshots string // kept versions whose snapshot is one that goes get a copy
	deltas        string // kept versions whose own snapshot is a stored delta: $3 its magic
	snapshot      string // version $2's own snapshot
	setSnapshot   string // $1 snapshot, $2 id, $3 version
	delete        string
}

// prune prunes instance id, keeping its last keep versions, and returns
// how many versions went. It reads the head again in the transaction
// (the store's head statement locks it), since a forced rewind may have
// revived the instance.
func (p pruneRows) prune(id string, keep int) (int64, error) {
	heads, err := p.ints(p.sql.head, id)
	if err != nil || len(heads) == 0 || heads[0] <= int64(keep) {
		return 0, err
	}
	p.id, p.cutoff = id, heads[0]-int64(keep)
	return p.run()
}

// run makes the versions after cutoff self-contained, then deletes the
// rest: a kept version whose output refers to a deleted one stores its
// whole output instead, one whose snapshot is a deleted one's gets a
// copy, so output and snapshot of every kept version stay exact.
func (p pruneRows) run() (int64, error) {
	from, err := p.ints(p.sql.cutFrom, p.id, p.cutoff)
	for _, v := range from {
		if err != nil {
			break
		}
		var parts []string
		if parts, err = p.parts(p.sql.output, p.id, v); err == nil {
			_, err = p.x(p.sql.setOutput, p.text(strings.Join(parts, "")), p.id, v)
		}
	}
	if err == nil {
		_, err = p.x(p.sql.copySnapshots, p.id, p.cutoff)
	}
	if err == nil {
		err = p.fullDeltas()
	}
	if err != nil {
		return 0, err
	}
	return p.x(p.sql.delete, p.id, p.cutoff)
}

// fullDeltas replaces each kept version's delta whose base goes with the
// full snapshot it stands for.
func (p pruneRows) fullDeltas() error {
	vs, err := p.ints(p.sql.deltas, p.id, p.cutoff, storedDeltaMagic)
	for _, v := range vs {
		if err != nil {
			break
		}
		var snap []byte
		if snap, err = p.blob(v); err != nil {
			break
		}
		base, _, _ := parseStoredDelta(snap)
		if base > p.cutoff {
			continue
		}
		if snap, _, err = resolveSnapshot(p.id, v, snap, p.blob); err == nil {
			_, err = p.x(p.sql.setSnapshot, snap, p.id, v)
		}
	}
	return err
}

// blob reads version n's own snapshot.
func (p pruneRows) blob(n int64) ([]byte, error) {
	bs, err := p.blobs(p.sql.snapshot, p.id, n)
	if err == nil && len(bs) == 0 {
		err = fmt.Errorf("instance %s version %d: %w", p.id, n, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return bs[0], nil
}
