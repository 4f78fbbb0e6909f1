package engine

// This file defines the SQLite store's transactions.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PutProgram stores a program once; storing it again changes nothing.
func (s *SQLite) PutProgram(ctx context.Context, p Program) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.st.putProgram).ExecContext(ctx,
			p.Hash, p.File, p.Source, strings.Join(p.Hosts, ","), unixNano(time.Now()), p.Map)
		return err
	})
}

// Program returns a stored program.
func (s *SQLite) Program(ctx context.Context, hash string) (Program, error) {
	p := Program{Hash: hash}
	var hosts string
	err := s.st.program.QueryRowContext(ctx, hash).Scan(&p.File, &p.Source, &hosts, &p.Map)
	if err != nil {
		return p, notFound(err, "program "+hash)
	}
	if hosts != "" {
		p.Hosts = strings.Split(hosts, ",")
	}
	return p, nil
}

// Create inserts an instance and its first version.
func (s *SQLite) Create(ctx context.Context, first Step) error {
	in := first.Instance
	var lease Lease
	if dueAt(first.Wake, in.Updated) {
		lease = first.Lease
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.st.insertInstance).ExecContext(ctx,
			in.ID, in.Program, in.Status, in.WaitingFor, nanos(in.Due), nanos(first.Wake), in.Version,
			in.ActivitySeq, in.NextSeq, in.Input, in.Error, in.Parent, nullString(lease.Owner), nanos(lease.Until),
			firstToken(lease), unixNano(in.Created), unixNano(in.Updated))
		if err != nil {
			return err
		}
		return s.insertVersion(ctx, tx, in, first.Version)
	})
}

// firstToken is a new instance's lease token: 1 when it is leased.
func firstToken(l Lease) int64 {
	if l.Owner == "" {
		return 0
	}
	return 1
}

// insertVersion stores v with its printed part (sqlInsertVersion).
// The version's program is the instance's, as of that version.
func (s *SQLite) insertVersion(ctx context.Context, tx *sql.Tx, in Instance, v Version) error {
	_, err := tx.StmtContext(ctx, s.st.insertVersion).ExecContext(ctx,
		in.ID, v.Number, v.Reason, v.Status, v.WaitingFor, nanos(v.Due), v.ActivitySeq, v.SnapVersion,
		v.Snapshot, v.Printed, v.OutputFrom, len(v.Printed), v.Detail, v.Error, unixNano(v.Created), in.Program)
	return err
}

// scanner is a row of either store's driver (database/sql, pgx).
type scanner interface{ Scan(...any) error }

// scanInstance scans instanceColumns (pgInstanceColumns), and extra.
func scanInstance(r scanner, extra ...any) (Instance, error) {
	var in Instance
	var due sql.NullInt64
	var created, updated int64
	dest := append([]any{&in.ID, &in.Program, &in.Status, bin{&in.WaitingFor}, &due, &in.Version,
		&in.ActivitySeq, &in.NextSeq, bin{&in.Input}, bin{&in.Error}, &in.Parent, &created, &updated}, extra...)
	if err := r.Scan(dest...); err != nil {
		return in, err
	}
	in.Due = fromNanos(due)
	in.Created, in.Updated = time.Unix(0, created), time.Unix(0, updated)
	return in, nil
}

// Head returns an instance with its head version's output, snapshot and
// lease.
func (s *SQLite) Head(ctx context.Context, id string) (Head, error) {
	h, outLen, err := s.state(ctx, id, false)
	if err == nil {
		h.Output, err = s.output(ctx, id, h.Version, outLen)
	}
	return h, err
}

// State returns an instance with its head version's snapshot and lease,
// in one query.
func (s *SQLite) State(ctx context.Context, id string) (Head, error) {
	h, _, err := s.state(ctx, id, false)
	return h, err
}

// stepState is State for a step: a delta is applied only if the step
// needs it (resolveHead).
func (s *SQLite) stepState(ctx context.Context, id string) (Head, error) {
	h, _, err := s.state(ctx, id, true)
	return h, err
}

// state is State, and the stored length of the head version's output;
// lazy leaves a delta unapplied (resolveHead).
func (s *SQLite) state(ctx context.Context, id string, lazy bool) (Head, int64, error) {
	var h Head
	var owner sql.NullString
	var until sql.NullInt64
	var outLen int64
	row := s.st.head.QueryRowContext(ctx, id)
	in, err := scanInstance(row, &h.SnapVersion, &h.Snapshot, &owner, &until, &h.Lease.Token, &outLen)
	if err != nil {
		return h, 0, notFound(err, "instance "+id)
	}
	h.Instance, h.Lease.Owner, h.Lease.Until = in, owner.String, fromNanos(until)
	err = resolveHead(&h, h.Snapshot, lazy, s.snapshotOf(ctx, id))
	return h, outLen, err
}

// snapshotOf reads the stored snapshot of instance id's versions: the
// base of a version kept as a delta.
func (s *SQLite) snapshotOf(ctx context.Context, id string) func(int64) ([]byte, error) {
	return func(n int64) ([]byte, error) {
		var snap []byte
		err := s.r.QueryRowContext(ctx, `SELECT snapshot FROM versions WHERE instance = ? AND version = ? AND snapshot IS NOT NULL`, id, n).Scan(&snap)
		return snap, notFound(err, fmt.Sprintf("instance %s version %d", id, n))
	}
}

// output returns version n's whole output: its printed parts in order,
// which must add up to want, the length stored with it.
func (s *SQLite) output(ctx context.Context, id string, n, want int64) (string, error) {
	rows, err := s.st.output.QueryContext(ctx, id, n)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var part string
		if err := rows.Scan(&part); err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return b.String(), checkOutput(id, n, int64(b.Len()), want)
}

// checkOutput reports stored output parts that do not add up.
func checkOutput(id string, n, got, want int64) error {
	if got != want {
		return fmt.Errorf("instance %s version %d: %w: its output parts add up to %d bytes, not the %d stored", id, n, ErrCorrupt, got, want)
	}
	return nil
}

// scanVersion scans versionColumns (pgVersionColumns), and extra; the
// whole output's stored length goes to outLen.
func scanVersion(r scanner, outLen *int64, extra ...any) (Version, error) {
	var v Version
	var due sql.NullInt64
	var created int64
	dest := append([]any{&v.Number, bin{&v.Reason}, &v.Status, bin{&v.WaitingFor}, &due, &v.ActivitySeq,
		&v.SnapVersion, bin{&v.Printed}, &v.OutputFrom, outLen, bin{&v.Detail}, bin{&v.Error}, &created, &v.Program}, extra...)
	if err := r.Scan(dest...); err != nil {
		return v, err
	}
	v.Due, v.Created = fromNanos(due), time.Unix(0, created)
	return v, nil
}

// Version returns one version with its output and snapshot resolved.
func (s *SQLite) Version(ctx context.Context, id string, n int64) (Version, error) {
	var snap []byte
	var outLen int64
	v, err := scanVersion(s.st.version.QueryRowContext(ctx, id, n), &outLen, &snap)
	if err != nil {
		return v, notFound(err, fmt.Sprintf("instance %s version %d", id, n))
	}
	if v.Snapshot, _, err = resolveSnapshot(id, v.SnapVersion, snap, s.snapshotOf(ctx, id)); err != nil {
		return v, err
	}
	v.Output, err = s.output(ctx, id, n, outLen)
	return v, err
}

// History returns every version of an instance, oldest first, without
// snapshots.
func (s *SQLite) History(ctx context.Context, id string) ([]Version, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions v
		WHERE v.instance = ? ORDER BY v.version`, id)
	if err != nil {
		return nil, err
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
	return historyEnd(id, out, rows.Err())
}

// historyEnd ends a History read: no versions at all is ErrNotFound.
func historyEnd(id string, out []Version, err error) ([]Version, error) {
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("instance %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// outputs builds the whole output of each version of a history from the
// printed parts, oldest version first. Versions of one timeline share
// one growing buffer (a strings.Builder never changes bytes it has
// handed out), so a history of n versions takes memory in proportion to
// what was printed, not to n times it.
type outputs struct {
	whole map[int64]string // by version
	b     strings.Builder
	tip   int64 // the version whose output b holds
}

// complete gives v, the next version of a history read oldest first, its
// whole output, which must have outLen bytes, the length stored with it.
func (o *outputs) complete(id string, v Version, outLen int64) (Version, error) {
	out, err := o.add(v)
	if err != nil {
		return v, err
	}
	v.Output = out
	return v, checkOutput(id, v.Number, int64(len(out)), outLen)
}

// add returns v's whole output and records it.
func (o *outputs) add(v Version) (string, error) {
	if o.whole == nil {
		o.whole = map[int64]string{0: ""}
	}
	base, ok := o.whole[v.OutputFrom]
	if !ok || v.OutputFrom >= v.Number {
		return "", fmt.Errorf("version %d: %w: its output follows version %d, which is not before it", v.Number, ErrCorrupt, v.OutputFrom)
	}
	out := base
	if v.Printed != "" {
		if o.tip != v.OutputFrom || o.b.Len() != len(base) {
			o.b = strings.Builder{}
			o.b.WriteString(base)
		}
		o.b.WriteString(v.Printed)
		out, o.tip = o.b.String(), v.Number
	}
	o.whole[v.Number] = out
	return out, nil
}

// List returns instances, newest first.
func (s *SQLite) List(ctx context.Context, f Filter) ([]Instance, error) {
	q, args := sqliteListQuery(f)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
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
	return out, rows.Err()
}

// Commit applies a step atomically, or fails with ErrConflict.
func (s *SQLite) Commit(ctx context.Context, st Step) (due bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		due, err = s.commit(ctx, tx, st)
		return err
	})
	return due, err
}

// CommitBatch commits steps in one transaction, each between SAVEPOINT
// and RELEASE: a step that conflicts is rolled back to its savepoint
// alone. SQLite runs one writer at a time, so a batch saves the flushes
// of all but one transaction, not waiting for locks.
func (s *SQLite) CommitBatch(ctx context.Context, steps []Step) ([]Committed, error) {
	if err := checkBatch(steps); err != nil {
		return nil, err
	}
	var out []Committed
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		out, err = commitEach(steps, func(st Step) (bool, error) { return s.commitSaved(ctx, tx, st) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// commitSaved is commit in a savepoint of tx, rolled back to on any
// error.
func (s *SQLite) commitSaved(ctx context.Context, tx *sql.Tx, st Step) (bool, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT step"); err != nil {
		return false, err
	}
	due, err := s.commit(ctx, tx, st)
	if err != nil {
		for _, q := range []string{"ROLLBACK TO step", "RELEASE step"} {
			if _, rerr := tx.ExecContext(ctx, q); rerr != nil {
				return false, rerr
			}
		}
		return false, err
	}
	_, err = tx.ExecContext(ctx, "RELEASE step")
	return due, err
}

func (s *SQLite) commit(ctx context.Context, tx *sql.Tx, st Step) (bool, error) {
	in := st.Instance
	res, err := tx.StmtContext(ctx, s.st.commitHead).ExecContext(ctx,
		in.Program, in.Status, in.WaitingFor, nanos(in.Due), nanos(st.Wake), in.Version, in.ActivitySeq,
		in.NextSeq, in.Error, unixNano(in.Updated), in.ID, st.From, st.Fence)
	if err := changedOne(res, err); err != nil {
		return false, err
	}
	for _, n := range olderRefs(st) {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM versions WHERE instance = ? AND version = ?`, in.ID, n).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, errPruned(in.ID, n)
		} else if err != nil {
			return false, err
		}
	}
	if err := s.insertVersion(ctx, tx, in, st.Version); err != nil {
		return false, err
	}
	if m := st.Deliver; m != nil {
		err := tx.StmtContext(ctx, s.st.insertConsumed).QueryRowContext(ctx,
			in.ID, m.Name, m.Value, unixNano(m.Sent), in.Version).Scan(&m.ID)
		if err != nil {
			return false, err
		}
		m.ConsumedBy = in.Version
	}
	for _, m := range st.Consumed {
		res, err := tx.StmtContext(ctx, s.st.consume).ExecContext(ctx, in.Version, m, in.ID)
		if err := changedOne(res, err); err != nil {
			return false, err
		}
	}
	woken, err := s.wakeIfQueued(ctx, tx, in.ID, in.Updated)
	due := woken || dueAt(st.Wake, in.Updated)
	if err != nil || !due || st.Lease.Owner == "" {
		return due, err
	}
	_, err = tx.StmtContext(ctx, s.st.setLease).ExecContext(ctx, st.Lease.Owner, nanos(st.Lease.Until), in.ID)
	return due, err
}

// dueAt reports whether an instance waking at wake is due at now.
func dueAt(wake, now time.Time) bool { return !wake.IsZero() && !wake.After(now) }

// wakeIfQueued runs sqlWakeIfQueued and reports whether it woke id.
func (s *SQLite) wakeIfQueued(ctx context.Context, tx *sql.Tx, id string, now time.Time) (bool, error) {
	res, err := tx.StmtContext(ctx, s.st.wakeIfQueued).ExecContext(ctx, unixNano(now), id, unixNano(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// changedOne turns "no row matched" into ErrConflict.
func changedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrConflict
	}
	return nil
}

// Send queues a signal for an instance that exists and has not finished.
func (s *SQLite) Send(ctx context.Context, id, name, value string, now time.Time) (Message, error) {
	m := Message{Instance: id, Name: name, Value: value, Sent: now}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var status Status
		if err := tx.StmtContext(ctx, s.st.status).QueryRowContext(ctx, id).Scan(&status); err != nil {
			return notFound(err, "instance "+id)
		}
		if status.Final() {
			return fmt.Errorf("instance %s is %s: %w", id, status, ErrFinal)
		}
		err := tx.StmtContext(ctx, s.st.insertQueued).QueryRowContext(ctx, id, name, value, unixNano(now)).Scan(&m.ID)
		if err != nil {
			return err
		}
		_, err = s.wakeIfQueued(ctx, tx, id, now)
		return err
	})
	return m, err
}

// NextMessage returns the oldest queued message called name.
func (s *SQLite) NextMessage(ctx context.Context, id, name string) (Message, bool, error) {
	m := Message{Instance: id, Name: name}
	var sent int64
	err := s.st.nextMessage.QueryRowContext(ctx, id, name).Scan(&m.ID, &m.Value, &sent)
	if err == sql.ErrNoRows {
		return m, false, nil
	}
	m.Sent = time.Unix(0, sent)
	return m, err == nil, err
}

// Inbox returns every message sent to an instance, oldest first.
func (s *SQLite) Inbox(ctx context.Context, id string) ([]Message, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, value, sent_at, coalesce(consumed_by, 0)
		FROM inbox WHERE instance = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m := Message{Instance: id}
		var sent int64
		if err := rows.Scan(&m.ID, &m.Name, &m.Value, &sent, &m.ConsumedBy); err != nil {
			return nil, err
		}
		m.Sent = time.Unix(0, sent)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ClaimDue leases due instances to owner.
func (s *SQLite) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]string, error) {
	var got dueClaims
	err := s.write(ctx, func(tx *sql.Tx) error {
		got = got[:0]
		n := unixNano(now)
		rows, err := tx.StmtContext(ctx, s.st.claim).QueryContext(ctx, owner, unixNano(now.Add(lease)), n, n, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		got, err = got.read(rows)
		return err
	})
	return got.ids(), err
}

// TakeLease leases an instance to owner unless another owner holds it.
func (s *SQLite) TakeLease(ctx context.Context, id string, version int64, owner string, now, until time.Time) (int64, error) {
	var token int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := tx.StmtContext(ctx, s.st.takeLease).QueryRowContext(ctx,
			owner, unixNano(until), id, version, owner, unixNano(now)).Scan(&token)
		if err == sql.ErrNoRows {
			token, err = 0, nil
		}
		return err
	})
	return token, err
}

// Snooze resets the wake time of an instance that had nothing to do.
func (s *SQLite) Snooze(ctx context.Context, id string, version int64, owner string, wake time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.st.snooze).ExecContext(ctx, nanos(wake), id, version, owner); err != nil {
			return err
		}
		_, err := s.wakeIfQueued(ctx, tx, id, time.Now())
		return err
	})
}
