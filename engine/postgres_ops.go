package engine

// This file defines the PostgreSQL store's transactions.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PutProgram stores a program once; storing it again changes nothing.
func (s *Postgres) PutProgram(ctx context.Context, p Program) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, pgPutProgram, p.Hash, []byte(p.File), p.Source,
			[]byte(strings.Join(p.Hosts, ",")), unixNano(time.Now()), p.Map)
		return err
	})
}

// Program returns a stored program.
func (s *Postgres) Program(ctx context.Context, hash string) (Program, error) {
	p := Program{Hash: hash}
	var hosts string
	err := s.pool.QueryRow(ctx, pgProgram, hash).Scan(bin{&p.File}, &p.Source, bin{&hosts}, &p.Map)
	if err != nil {
		return p, notFoundPG(s.mapErr(err), "program "+hash)
	}
	if hosts != "" {
		p.Hosts = strings.Split(hosts, ",")
	}
	return p, nil
}

// Create inserts an instance and its first version.
func (s *Postgres) Create(ctx context.Context, first Step) error {
	in := first.Instance
	var lease Lease
	due := dueAt(first.Wake, in.Updated)
	if due {
		lease = first.Lease
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, pgInsertInstance,
			in.ID, in.Program, in.Status, []byte(in.WaitingFor), nanos(in.Due), nanos(first.Wake), in.Version,
			in.ActivitySeq, in.NextSeq, []byte(in.Input), []byte(in.Error), in.Parent, nullBytes(lease.Owner),
			nanos(lease.Until), unixNano(in.Created), unixNano(in.Updated))
		if err != nil {
			return err
		}
		return insertVersionPG(ctx, tx, in, first.Version)
	})
	s.hintIf(err == nil && due && lease.Owner == "")
	return err
}

// nullBytes stores the empty string as NULL, and any other as bytea.
func nullBytes(s string) any {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// insertVersionPG stores v with its printed part (pgInsertVersion).
// The version's program is the instance's, as of that version.
func insertVersionPG(ctx context.Context, tx pgx.Tx, in Instance, v Version) error {
	_, err := tx.Exec(ctx, pgInsertVersion,
		in.ID, v.Number, []byte(v.Reason), v.Status, []byte(v.WaitingFor), nanos(v.Due), v.ActivitySeq,
		v.SnapVersion, v.Snapshot, []byte(v.Printed), v.OutputFrom, int64(len(v.Printed)),
		[]byte(v.Detail), []byte(v.Error), unixNano(v.Created), in.Program)
	return err
}

// Head returns an instance with its head version's output, snapshot and
// lease.
func (s *Postgres) Head(ctx context.Context, id string) (Head, error) {
	h, outLen, err := s.state(ctx, id)
	if err == nil {
		h.Output, err = s.output(ctx, id, h.Version, outLen)
	}
	return h, err
}

// State returns an instance with its head version's snapshot and lease,
// in one query.
func (s *Postgres) State(ctx context.Context, id string) (Head, error) {
	h, _, err := s.state(ctx, id)
	return h, err
}

// state is State, and the stored length of the head version's output.
func (s *Postgres) state(ctx context.Context, id string) (Head, int64, error) {
	var h Head
	var until sql.NullInt64
	var outLen int64
	in, err := scanInstance(s.pool.QueryRow(ctx, pgHead, id),
		&h.SnapVersion, &h.Snapshot, bin{&h.Lease.Owner}, &until, &h.Lease.Token, &outLen)
	if err != nil {
		return h, 0, notFoundPG(s.mapErr(err), "instance "+id)
	}
	h.Instance, h.Lease.Until = in, fromNanos(until)
	h.Snapshot, h.Stored, err = resolveSnapshot(id, h.SnapVersion, h.Snapshot, s.snapshotOf(ctx, id))
	return h, outLen, err
}

// snapshotOf reads the stored snapshot of instance id's versions: the
// base of a version kept as a delta.
func (s *Postgres) snapshotOf(ctx context.Context, id string) func(int64) ([]byte, error) {
	return func(n int64) ([]byte, error) {
		var snap []byte
		err := s.pool.QueryRow(ctx, `SELECT snapshot FROM wf_versions WHERE instance = $1 AND version = $2 AND snapshot IS NOT NULL`, id, n).Scan(&snap)
		return snap, notFoundPG(s.mapErr(err), fmt.Sprintf("instance %s version %d", id, n))
	}
}

// output returns version n's whole output, checked against want.
func (s *Postgres) output(ctx context.Context, id string, n, want int64) (string, error) {
	rows, err := s.pool.Query(ctx, pgOutput, id, n)
	if err != nil {
		return "", s.mapErr(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var part []byte
		if err := rows.Scan(&part); err != nil {
			return "", err
		}
		b.Write(part)
	}
	if err := rows.Err(); err != nil {
		return "", s.mapErr(err)
	}
	return b.String(), checkOutput(id, n, int64(b.Len()), want)
}

// Version returns one version with its output and snapshot resolved.
func (s *Postgres) Version(ctx context.Context, id string, n int64) (Version, error) {
	var outLen int64
	var snap []byte
	v, err := scanVersion(s.pool.QueryRow(ctx, pgVersion, id, n), &outLen, &snap)
	if err != nil {
		return v, notFoundPG(s.mapErr(err), fmt.Sprintf("instance %s version %d", id, n))
	}
	if v.Snapshot, _, err = resolveSnapshot(id, v.SnapVersion, snap, s.snapshotOf(ctx, id)); err != nil {
		return v, err
	}
	v.Output, err = s.output(ctx, id, n, outLen)
	return v, err
}

// History returns every version of an instance, oldest first, without
// snapshots.
func (s *Postgres) History(ctx context.Context, id string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, pgHistory, id)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Version
	var outputs outputs
	for rows.Next() {
		var outLen int64
		v, err := scanVersion(rows, &outLen)
		if err != nil {
			return nil, err
		}
		if v, err = outputs.complete(id, v, outLen); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return historyEnd(id, out, s.mapErr(rows.Err()))
}

// List returns instances, newest first.
func (s *Postgres) List(ctx context.Context, f Filter) ([]Instance, error) {
	q := `SELECT ` + pgInstanceColumns + ` FROM wf_instances i`
	var args []any
	if f.Status != "" {
		q += ` WHERE i.status = $1`
		args = append(args, f.Status)
	}
	q += ` ORDER BY i.created_at DESC, i.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		in, err := scanInstance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, s.mapErr(rows.Err())
}

// Commit applies a step atomically, or fails with ErrConflict. A step
// that leaves the instance due with no lease for the committer wakes
// the workers.
func (s *Postgres) Commit(ctx context.Context, st Step) (due bool, err error) {
	err = s.write(ctx, func(tx pgx.Tx) error {
		due, err = commitPG(ctx, tx, st)
		return err
	})
	s.hintIf(err == nil && due && st.Lease.Owner == "")
	return due, err
}

// CommitBatch commits steps in one transaction, each in a savepoint (a
// pgx nested transaction): a step that conflicts is rolled back to its
// savepoint alone. The head row locks of the committed steps are held to
// the end of the transaction, so a batch is kept short (the worker's
// claim batch).
func (s *Postgres) CommitBatch(ctx context.Context, steps []Step) ([]Committed, error) {
	if err := checkBatch(steps); err != nil {
		return nil, err
	}
	var out []Committed
	err := s.write(ctx, func(tx pgx.Tx) (err error) {
		out, err = commitEach(steps, func(st Step) (due bool, err error) {
			err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
				due, err = commitPG(ctx, sp, st)
				return err
			})
			return due, err
		})
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

// hintIf sends a wake hint (postgres_wake.go) if cond holds.
func (s *Postgres) hintIf(cond bool) {
	if cond && s.hints != nil {
		s.hint()
	}
}

// commitPG is Commit in tx. Its first statement locks the head row at
// st.From, or matches nothing (ErrConflict), so everything after it runs
// with the instance to itself.
func commitPG(ctx context.Context, tx pgx.Tx, st Step) (bool, error) {
	in := st.Instance
	tag, err := tx.Exec(ctx, pgCommitHead,
		in.Status, []byte(in.WaitingFor), nanos(in.Due), nanos(st.Wake), in.Version, in.ActivitySeq,
		in.NextSeq, []byte(in.Error), unixNano(in.Updated), in.ID, st.From, st.Fence, in.Program)
	if err := changedOnePG(tag.RowsAffected(), err); err != nil {
		return false, err
	}
	for _, n := range olderRefs(st) {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM wf_versions WHERE instance = $1 AND version = $2`, in.ID, n).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, errPruned(in.ID, n)
		} else if err != nil {
			return false, err
		}
	}
	if err := insertVersionPG(ctx, tx, in, st.Version); err != nil {
		return false, err
	}
	if m := st.Deliver; m != nil {
		err := tx.QueryRow(ctx, pgInsertConsumed, in.ID, []byte(m.Name), []byte(m.Value),
			unixNano(m.Sent), in.Version).Scan(&m.ID)
		if err != nil {
			return false, err
		}
		m.ConsumedBy = in.Version
	}
	for _, m := range st.Consumed {
		tag, err := tx.Exec(ctx, pgConsume, in.Version, m, in.ID)
		if err := changedOnePG(tag.RowsAffected(), err); err != nil {
			return false, err
		}
	}
	woken, err := wakeIfQueuedPG(ctx, tx, in.ID, in.Updated)
	due := woken || dueAt(st.Wake, in.Updated)
	if err != nil || !due || st.Lease.Owner == "" {
		return due, err
	}
	_, err = tx.Exec(ctx, pgSetLease, []byte(st.Lease.Owner), nanos(st.Lease.Until), in.ID)
	return due, err
}

// changedOnePG turns "no row matched" into ErrConflict.
func changedOnePG(n int64, err error) error {
	if err == nil && n != 1 {
		return ErrConflict
	}
	return err
}

// wakeIfQueuedPG runs pgWakeIfQueued and reports whether it woke id.
func wakeIfQueuedPG(ctx context.Context, tx pgx.Tx, id string, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, pgWakeIfQueued, unixNano(now), id)
	return tag.RowsAffected() > 0, err
}

// Send queues a signal for an instance that exists and has not finished,
// holding the head row's lock from the status check to the wake-up.
func (s *Postgres) Send(ctx context.Context, id, name, value string, now time.Time) (Message, error) {
	m := Message{Instance: id, Name: name, Value: value, Sent: now}
	var woken bool
	err := s.write(ctx, func(tx pgx.Tx) error {
		var status Status
		if err := tx.QueryRow(ctx, pgLockStatus, id).Scan(&status); err != nil {
			return notFoundPG(err, "instance "+id)
		}
		if status.Final() {
			return fmt.Errorf("instance %s is %s: %w", id, status, ErrFinal)
		}
		err := tx.QueryRow(ctx, pgInsertQueued, id, []byte(name), []byte(value), unixNano(now)).Scan(&m.ID)
		if err != nil {
			return err
		}
		woken, err = wakeIfQueuedPG(ctx, tx, id, now)
		return err
	})
	s.hintIf(err == nil && woken)
	return m, err
}

// NextMessage returns the oldest queued message called name.
func (s *Postgres) NextMessage(ctx context.Context, id, name string) (Message, bool, error) {
	m := Message{Instance: id, Name: name}
	var sent int64
	err := s.pool.QueryRow(ctx, pgNextMessage, id, []byte(name)).Scan(&m.ID, bin{&m.Value}, &sent)
	if err == pgx.ErrNoRows {
		return m, false, nil
	}
	m.Sent = time.Unix(0, sent)
	return m, err == nil, s.mapErr(err)
}

// Inbox returns every message sent to an instance, oldest first.
func (s *Postgres) Inbox(ctx context.Context, id string) ([]Message, error) {
	rows, err := s.pool.Query(ctx, pgInbox, id)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m := Message{Instance: id}
		var sent int64
		if err := rows.Scan(&m.ID, bin{&m.Name}, bin{&m.Value}, &sent, &m.ConsumedBy); err != nil {
			return nil, err
		}
		m.Sent = time.Unix(0, sent)
		out = append(out, m)
	}
	return out, s.mapErr(rows.Err())
}

// ClaimDue leases due instances to owner, in one statement (pgClaim).
func (s *Postgres) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]string, error) {
	var got dueClaims
	err := s.write(ctx, func(tx pgx.Tx) error {
		got = got[:0]
		rows, err := tx.Query(ctx, pgClaim, unixNano(now), limit, []byte(owner), unixNano(now.Add(lease)))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c dueClaim
			if err := rows.Scan(&c.id, &c.wake); err != nil {
				return err
			}
			got = append(got, c)
		}
		return rows.Err()
	})
	return got.ids(), err
}

// TakeLease leases an instance to owner unless another owner holds it.
func (s *Postgres) TakeLease(ctx context.Context, id string, version int64, owner string, now, until time.Time) (int64, error) {
	var token int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, pgTakeLease, []byte(owner), unixNano(until), id, version, unixNano(now)).Scan(&token)
		if errors.Is(err, pgx.ErrNoRows) {
			token, err = 0, nil
		}
		return err
	})
	return token, err
}

// Snooze resets the wake time of an instance that had nothing to do.
func (s *Postgres) Snooze(ctx context.Context, id string, version int64, owner string, wake time.Time) error {
	var woken bool
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, pgSnooze, nanos(wake), id, version, []byte(owner)); err != nil {
			return err
		}
		var err error
		woken, err = wakeIfQueuedPG(ctx, tx, id, time.Now())
		return err
	})
	s.hintIf(err == nil && woken)
	return err
}
