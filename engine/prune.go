package engine

// This file defines retention: Store.Retain deletes the versions of
// instances that a RetentionPolicy does not keep, and makes the ones it
// keeps stand on their own (Prune is its first form: the last N versions
// of finished instances).

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Pruned counts what Prune and Retain did.
type Pruned struct {
	Instances int64 `json:"instances"` // instances that lost versions
	Versions  int64 `json:"versions"`  // versions deleted
	// Compacted counts the kept versions stored as a delta whose base
	// was deleted: each now stores its full snapshot.
	Compacted int64 `json:"compacted,omitempty"`
}

// RetentionPolicy says which versions Retain keeps. A version is kept
// when any rule keeps it, or when two or more kept versions are stored
// as deltas against it (its full snapshot is their base: storing each
// of them in full would take more room); every other version of a
// selected instance is deleted. Rules are on version numbers and creation times, so that a
// version kept once is kept by the same policy later, but for falling
// out of the last KeepLast.
type RetentionPolicy struct {
	// KeepLast keeps each instance's last KeepLast versions, the head
	// among them: at least 1.
	KeepLast int
	// KeepEvery, when not 0, also keeps every version whose number is a
	// multiple of it (10: versions 10, 20, 30, ...).
	KeepEvery int64
	// KeepSince, when not zero, also keeps every version created at or
	// after it.
	KeepSince time.Time
	// FinishedBefore selects the finished instances (completed, failed,
	// cancelled) last changed before it. Engine.Retain takes the zero
	// time for every finished instance.
	FinishedBefore time.Time
	// Live selects the instances not finished too (running, waiting,
	// sleeping, cancelling). Their head keeps what its state needs (the
	// version whose snapshot it uses, and that snapshot's delta base),
	// so a step that read the head can still commit.
	Live bool
}

// add counts an instance that lost n versions and had c compacted.
func (p *Pruned) add(n, c int64) {
	if n > 0 {
		p.Instances++
		p.Versions += n
	}
	p.Compacted += c
}

// check refuses a policy that would delete a head, or that makes no sense.
func (p RetentionPolicy) check() error {
	if p.KeepLast < 1 {
		return fmt.Errorf("prune: keep %d versions: keep at least 1 (the head)", p.KeepLast)
	}
	if p.KeepEvery < 0 {
		return fmt.Errorf("prune: keep every %d versions: want a positive number, or 0 for none", p.KeepEvery)
	}
	return nil
}

// Prune deletes the versions of finished instances (completed, failed,
// cancelled, last changed before finishedBefore; the zero time for all)
// older than their last keep: Retain with that policy.
func (e *Engine) Prune(ctx context.Context, keep int, finishedBefore time.Time) (Pruned, error) {
	return e.Retain(ctx, RetentionPolicy{KeepLast: keep, FinishedBefore: finishedBefore})
}

// Retain deletes the versions of the instances p selects that p does
// not keep. See Store.Retain.
func (e *Engine) Retain(ctx context.Context, p RetentionPolicy) (Pruned, error) {
	if err := p.check(); err != nil {
		return Pruned{}, err
	}
	if p.FinishedBefore.IsZero() {
		p.FinishedBefore = e.opts.Now().Add(time.Hour) // every finished instance, even one finished by a clock a little ahead
	}
	return e.store.Retain(ctx, p)
}

// pruneRows is what a store's Retain does in one instance's transaction,
// written once for both stores' SQL: each runs a query and calls row
// for each of its rows, with the rows' Scan; x runs a statement and
// returns the rows it changed.
type pruneRows struct {
	each  func(q string, args []any, row func(scan func(dest ...any) error) error) error
	parts func(q string, args ...any) ([]string, error)
	blobs func(q string, args ...any) ([][]byte, error)
	x     func(q string, args ...any) (int64, error)
	text  func(string) any // a printed value as the store's column takes it
	sql   pruneSQL
	id    string // set by retain
}

// pruneSQL is one store's statements for pruneRows and Retain.
type pruneSQL struct {
	instances string // ids of the instances to consider: $1 finished before, $2 keep last, $3 live too
	head      string // the head version and whether it is final, locked: $1 id, $2 live too
	// The rest take $1 id.
	versions     string // number, snap_version, output_from, created_at and the snapshot's first storedDeltaHeader bytes of each version
	output       string // $2: the printed parts of version $2's output, in order
	setOutput    string // $1 printed, $2 id, $3 version: the whole output, no reference
	copySnapshot string // version $2 gets a copy of version $3's snapshot, and refers to itself
	snapshot     string // version $2's own snapshot
	setSnapshot  string // $1 snapshot, $2 id, $3 version
	delete       string // versions $2 to $3
}

// storedDeltaHeader is how many bytes of a snapshot tell whether it is a
// stored delta, and its base.
var storedDeltaHeader = len(storedDeltaMagic) + 8

// versionRefs is what Retain reads of a version: the versions it
// refers to.
type versionRefs struct {
	n, snap, outFrom, created int64
	base                      int64 // the delta base of its own snapshot; 0 for a full one
}

// retain applies p to instance id and returns how many versions went
// and how many kept ones it stored in full. It reads the head again in
// the transaction (the store's head statement locks it), since the
// instance may have moved on, or a forced rewind revived it.
func (r pruneRows) retain(id string, p RetentionPolicy) (deleted, compacted int64, err error) {
	r.id = id
	var head int64
	final := false
	err = r.each(r.sql.head, []any{id, p.Live}, func(scan func(...any) error) error {
		return scan(&head, &final)
	})
	if err != nil || head <= int64(p.KeepLast) {
		return 0, 0, err
	}
	vs, err := r.versions()
	if err != nil {
		return 0, 0, err
	}
	keep := p.keeps(vs, head, !final)
	if compacted, err = r.standAlone(vs, keep); err != nil {
		return 0, 0, err
	}
	deleted, err = r.deleteRest(vs, keep)
	return deleted, compacted, err
}

// versions reads the references of every version of the instance, by number.
func (r pruneRows) versions() (map[int64]versionRefs, error) {
	vs := map[int64]versionRefs{}
	err := r.each(r.sql.versions, []any{r.id}, func(scan func(...any) error) error {
		var v versionRefs
		var header []byte
		if err := scan(&v.n, &v.snap, &v.outFrom, &v.created, &header); err != nil {
			return err
		}
		v.base, _, _ = parseStoredDelta(header)
		vs[v.n] = v
		return nil
	})
	return vs, err
}

// keeps returns the versions of vs that p keeps, head being the
// instance's head. A live instance's head also keeps the version whose
// snapshot it uses and that snapshot's delta base; and a version that
// two or more kept versions take as their delta base is kept, since
// storing each of them in full would take more room than it does.
func (p RetentionPolicy) keeps(vs map[int64]versionRefs, head int64, live bool) map[int64]bool {
	keep := map[int64]bool{}
	since := int64(0)
	if !p.KeepSince.IsZero() {
		since = unixNano(p.KeepSince)
	}
	for n, v := range vs {
		if n > head-int64(p.KeepLast) || (p.KeepEvery > 0 && n%p.KeepEvery == 0) || (since != 0 && v.created >= since) {
			keep[n] = true
		}
	}
	if h, ok := vs[head]; ok && live {
		keep[h.snap] = true
		if s, ok := vs[h.snap]; ok && s.base > 0 {
			keep[s.base] = true
		}
	}
	for base, n := range deltaBases(vs, keep) {
		if n >= 2 {
			keep[base] = true // cheaper than two full snapshots
		}
	}
	return keep
}

// deltaBases counts, for each version not kept, the kept versions whose
// snapshot (their own, or the copy they will get) is a delta against it.
func deltaBases(vs map[int64]versionRefs, keep map[int64]bool) map[int64]int {
	bases := map[int64]int{}
	for n := range keep {
		v := vs[n]
		base := v.base
		if v.snap != n && !keep[v.snap] {
			base = vs[v.snap].base
		}
		if base > 0 && !keep[base] {
			bases[base]++
		}
	}
	return bases
}

// standAlone makes the kept versions self-contained, before the rest
// are deleted: a kept version whose output follows a deleted one stores
// its whole output instead, one whose snapshot is a deleted one's gets
// a copy, and one whose snapshot (its own or the copy) is a delta
// against a deleted base stores the full snapshot it stands for. So
// output and snapshot of every kept version stay exact. It returns how
// many deltas it stored in full.
func (r pruneRows) standAlone(vs map[int64]versionRefs, keep map[int64]bool) (compacted int64, err error) {
	for _, n := range slices.Sorted(maps.Keys(keep)) {
		v, ok := vs[n]
		if !ok {
			continue
		}
		if v.outFrom > 0 && !keep[v.outFrom] {
			if err = r.wholeOutput(n); err != nil {
				return 0, err
			}
		}
		base := v.base
		if v.snap != n && !keep[v.snap] {
			if _, err = r.x(r.sql.copySnapshot, r.id, n, v.snap); err != nil {
				return 0, err
			}
			base = vs[v.snap].base
		}
		if base > 0 && !keep[base] {
			if err = r.fullSnapshot(n); err != nil {
				return 0, err
			}
			compacted++
		}
	}
	return compacted, nil
}

// wholeOutput stores version n's whole output as its printed text.
func (r pruneRows) wholeOutput(n int64) error {
	parts, err := r.parts(r.sql.output, r.id, n)
	if err == nil {
		_, err = r.x(r.sql.setOutput, r.text(strings.Join(parts, "")), r.id, n)
	}
	return err
}

// fullSnapshot replaces version n's delta with the full snapshot it
// stands for (its base is still there: deletions come last).
func (r pruneRows) fullSnapshot(n int64) error {
	snap, err := r.blob(n)
	if err == nil {
		snap, _, err = resolveSnapshot(r.id, n, snap, r.blob)
	}
	if err == nil {
		_, err = r.x(r.sql.setSnapshot, snap, r.id, n)
	}
	return err
}

// deleteRest deletes the versions of vs not kept, a run of consecutive
// numbers per statement.
func (r pruneRows) deleteRest(vs map[int64]versionRefs, keep map[int64]bool) (int64, error) {
	var total int64
	from, to := int64(0), int64(0) // the run so far; from 0 for none
	flush := func() error {
		if from == 0 {
			return nil
		}
		n, err := r.x(r.sql.delete, r.id, from, to)
		total += n
		from = 0
		return err
	}
	for _, n := range slices.Sorted(maps.Keys(vs)) {
		switch {
		case keep[n]:
			if err := flush(); err != nil {
				return 0, err
			}
		case from != 0 && n == to+1:
			to = n
		default:
			if err := flush(); err != nil {
				return 0, err
			}
			from, to = n, n
		}
	}
	return total, flush()
}

// blob reads version n's own snapshot.
func (r pruneRows) blob(n int64) ([]byte, error) {
	bs, err := r.blobs(r.sql.snapshot, r.id, n)
	if err == nil && len(bs) == 0 {
		err = fmt.Errorf("instance %s version %d: %w", r.id, n, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return bs[0], nil
}
