package engine

// This file defines the PostgreSQL store's Commit and CommitBatch: each
// step's statements are sent to the server together, in one round trip
// (a pgx.Batch, PostgreSQL's pipeline), instead of one after another.

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The checked statements of a pipelined commit. A statement whose
// condition fails divides by zero (count(*) of its matching rows), an
// error that makes the server skip the rest of the pipeline, so nothing
// after a failed check runs; commitPG turns it into ErrConflict. (A
// function raising a named exception would read better, but would be a
// schema change.)
const (
	// pgCommitHeadChecked is pgCommitHead, failing unless it matched the
	// head row: from then on the transaction holds that row's lock.
	pgCommitHeadChecked = `WITH u AS (` + pgCommitHead + ` RETURNING 1) SELECT 1 / count(*) FROM u`
	// pgVersionExists fails unless version $2 of instance $1 is stored.
	pgVersionExists = `SELECT 1 / count(*) FROM wf_versions WHERE instance = $1 AND version = $2`
	// pgConsumeChecked is pgConsume, failing unless the message was
	// still queued.
	pgConsumeChecked = `WITH c AS (` + pgConsume + ` RETURNING 1) SELECT 1 / count(*) FROM c`
	// pgSetLeaseIfDue is pgSetLease for an instance the step left due
	// (wake_at, as the step and pgWakeIfQueued set it, at or before $4).
	pgSetLeaseIfDue = pgSetLease + ` AND wake_at <= $4`
)

// pgCheckFailed is the SQLSTATE of a failed check: division_by_zero.
const pgCheckFailed = "22012"

// Commit applies a step atomically, or fails with ErrConflict, in one
// round trip: its statements are one pipeline, an implicit transaction
// that a failed check rolls back whole. A step that leaves the instance
// due with no lease for the committer wakes the workers.
func (s *Postgres) Commit(ctx context.Context, st Step) (due bool, err error) {
	var b pgx.Batch
	queueCommit(&b, st)
	err = s.pipeline(ctx, &b, func(br pgx.BatchResults) (err error) {
		due, err = readCommit(br, st, false)
		return err
	})
	s.hintIf(err == nil && due && st.Lease.Owner == "")
	return due, err
}

// CommitBatch commits steps in one transaction, each in a savepoint: a
// step that conflicts is rolled back to its savepoint alone. The head
// row locks of the committed steps are held to the end of the
// transaction, so a batch is kept short (the worker's claim batch).
func (s *Postgres) CommitBatch(ctx context.Context, steps []Step) ([]Committed, error) {
	if err := checkBatch(steps); err != nil {
		return nil, err
	}
	var out []Committed
	err := s.write(ctx, func(tx pgx.Tx) (err error) {
		out, err = commitEach(steps, func(st Step) (bool, error) { return commitPG(ctx, tx, st, true) })
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, c := range out {
		s.hintIf(c.Err == nil && c.Due && steps[i].Lease.Owner == "")
	}
	return out, nil
}

// commitPG is Commit in tx, its statements in one pipeline; with
// savepoint, inside a savepoint of its own, released at the end of the
// pipeline or rolled back to if any statement failed. The first
// statement locks the head row at st.From, or fails (ErrConflict), so
// everything after it runs with the instance to itself.
func commitPG(ctx context.Context, tx pgx.Tx, st Step, savepoint bool) (due bool, err error) {
	var b pgx.Batch
	if savepoint {
		b.Queue(`SAVEPOINT wf_step`)
	}
	queueCommit(&b, st)
	if savepoint {
		b.Queue(`RELEASE SAVEPOINT wf_step`)
	}
	br := tx.SendBatch(ctx, &b)
	due, err = readCommit(br, st, savepoint)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil && savepoint {
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT wf_step`); rerr != nil {
			return false, rerr
		}
	}
	return due, err
}

// queueCommit queues a step's statements, in the order readCommit reads
// their results.
func queueCommit(b *pgx.Batch, st Step) {
	in := st.Instance
	b.Queue(pgCommitHeadChecked,
		in.Status, []byte(in.WaitingFor), nanos(in.Due), nanos(st.Wake), in.Version, in.ActivitySeq,
		in.NextSeq, []byte(in.Error), unixNano(in.Updated), in.ID, st.From, st.Fence, in.Program)
	for _, n := range olderRefs(st) {
		b.Queue(pgVersionExists, in.ID, n)
	}
	queueVersion(b, in, st.Version)
	if m := st.Deliver; m != nil {
		b.Queue(pgInsertConsumed, in.ID, []byte(m.Name), []byte(m.Value), unixNano(m.Sent), in.Version)
	}
	for _, m := range st.Consumed {
		b.Queue(pgConsumeChecked, in.Version, m, in.ID)
	}
	if in.Status == Waiting { // pgWakeIfQueued wakes only a waiting instance
		b.Queue(pgWakeIfQueued, unixNano(in.Updated), in.ID)
	}
	if leasesIfDue(st) {
		b.Queue(pgSetLeaseIfDue, []byte(st.Lease.Owner), nanos(st.Lease.Until), in.ID, unixNano(in.Updated))
	}
}

// leasesIfDue reports whether a step's commit leases the instance to
// its committer if it leaves it due: only a step with a lease owner, that
// leaves a wake time or a wait a queued signal answers.
func leasesIfDue(st Step) bool {
	return st.Lease.Owner != "" && (st.Instance.Status == Waiting || !st.Wake.IsZero())
}

// readCommit reads the results queueCommit's statements, the savepoint's
// first if there is one, and reports whether the step left the instance
// due.
func readCommit(br pgx.BatchResults, st Step, savepoint bool) (bool, error) {
	in := st.Instance
	if savepoint {
		if _, err := br.Exec(); err != nil {
			return false, err
		}
	}
	if _, err := br.Exec(); err != nil {
		return false, checked(err, ErrConflict)
	}
	for _, n := range olderRefs(st) {
		if _, err := br.Exec(); err != nil {
			return false, checked(err, errPruned(in.ID, n))
		}
	}
	if _, err := br.Exec(); err != nil {
		return false, err
	}
	if m := st.Deliver; m != nil {
		if err := br.QueryRow().Scan(&m.ID); err != nil {
			return false, err
		}
		m.ConsumedBy = in.Version
	}
	for range st.Consumed {
		if _, err := br.Exec(); err != nil {
			return false, checked(err, ErrConflict)
		}
	}
	woken := false
	if in.Status == Waiting {
		tag, err := br.Exec()
		if err != nil {
			return false, err
		}
		woken = tag.RowsAffected() > 0
	}
	if leasesIfDue(st) {
		if _, err := br.Exec(); err != nil {
			return false, err
		}
	}
	return woken || dueAt(st.Wake, in.Updated), nil
}

// checked turns the error of a failed check into failed; any other error
// it returns as it is.
func checked(err, failed error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgCheckFailed {
		return failed
	}
	return err
}

// queueVersion queues the insert of v with its printed part
// (pgInsertVersion). The version's program is the instance's, as of
// that version.
func queueVersion(b *pgx.Batch, in Instance, v Version) {
	b.Queue(pgInsertVersion,
		in.ID, v.Number, []byte(v.Reason), v.Status, []byte(v.WaitingFor), nanos(v.Due), v.ActivitySeq,
		v.SnapVersion, v.Snapshot, []byte(v.Printed), v.OutputFrom, int64(len(v.Printed)),
		[]byte(v.Detail), []byte(v.Error), unixNano(v.Created), in.Program)
}

// hintIf sends a wake hint (postgres_wake.go) if cond holds.
func (s *Postgres) hintIf(cond bool) {
	if cond && s.hints != nil {
		s.hint()
	}
}
