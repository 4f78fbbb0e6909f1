package engine

// This file defines the SQLite store's transactions.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// PutProgram stores a program once; storing it again changes nothing.
func (s *SQLite) PutProgram(ctx context.Context, p Program) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO programs (hash, file, source, hosts, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
		p.Hash, p.File, p.Source, strings.Join(p.Hosts, ","), time.Now().UnixNano())
	return err
}

// Program returns a stored program.
func (s *SQLite) Program(ctx context.Context, hash string) (Program, error) {
	p := Program{Hash: hash}
	var hosts string
	err := s.queryRow(ctx, nil, `SELECT file, source, hosts FROM programs WHERE hash = ?`, hash).
		Scan(&p.File, &p.Source, &hosts)
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	in := first.Instance
	_, err = s.exec(ctx, tx, `INSERT INTO instances (id, program, status, waiting_for, due_at,
		wake_at, version, activity_seq, next_seq, input, error, parent, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.Program, in.Status, in.WaitingFor, nanos(in.Due), nanos(first.Wake), in.Version,
		in.ActivitySeq, in.NextSeq, in.Input, in.Error, in.Parent, in.Created.UnixNano(), in.Updated.UnixNano())
	if err != nil {
		return err
	}
	if err := s.insertVersion(ctx, tx, in.ID, first.Version); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *SQLite) insertVersion(ctx context.Context, tx *sql.Tx, id string, v Version) error {
	_, err := s.exec(ctx, tx, `INSERT INTO versions (instance, version, reason, status,
		waiting_for, due_at, activity_seq, snap_version, snapshot, output, detail, error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, v.Number, v.Reason, v.Status, v.WaitingFor, nanos(v.Due), v.ActivitySeq, v.SnapVersion,
		v.Snapshot, v.Output, v.Detail, v.Error, v.Created.UnixNano())
	return err
}

const instanceColumns = `i.id, i.program, i.status, i.waiting_for, i.due_at, i.version,
	i.activity_seq, i.next_seq, i.input, i.error, i.parent, i.created_at, i.updated_at`

type scanner interface{ Scan(...any) error }

func scanInstance(r scanner, extra ...any) (Instance, error) {
	var in Instance
	var due sql.NullInt64
	var created, updated int64
	dest := append([]any{&in.ID, &in.Program, &in.Status, &in.WaitingFor, &due, &in.Version,
		&in.ActivitySeq, &in.NextSeq, &in.Input, &in.Error, &in.Parent, &created, &updated}, extra...)
	if err := r.Scan(dest...); err != nil {
		return in, err
	}
	in.Due = fromNanos(due)
	in.Created, in.Updated = time.Unix(0, created), time.Unix(0, updated)
	return in, nil
}

// Head returns an instance with its head version's output and snapshot,
// in one query.
func (s *SQLite) Head(ctx context.Context, id string) (Head, error) {
	var h Head
	row := s.queryRow(ctx, nil, `SELECT `+instanceColumns+`, v.output, v.snap_version, sv.snapshot
		FROM instances i
		JOIN versions v ON v.instance = i.id AND v.version = i.version
		JOIN versions sv ON sv.instance = i.id AND sv.version = v.snap_version
		WHERE i.id = ?`, id)
	in, err := scanInstance(row, &h.Output, &h.SnapVersion, &h.Snapshot)
	if err != nil {
		return h, notFound(err, "instance "+id)
	}
	h.Instance = in
	return h, nil
}

const versionColumns = `v.version, v.reason, v.status, v.waiting_for, v.due_at, v.activity_seq,
	v.snap_version, v.output, v.detail, v.error, v.created_at`

func scanVersion(r scanner, extra ...any) (Version, error) {
	var v Version
	var due sql.NullInt64
	var created int64
	dest := append([]any{&v.Number, &v.Reason, &v.Status, &v.WaitingFor, &due, &v.ActivitySeq,
		&v.SnapVersion, &v.Output, &v.Detail, &v.Error, &created}, extra...)
	if err := r.Scan(dest...); err != nil {
		return v, err
	}
	v.Due, v.Created = fromNanos(due), time.Unix(0, created)
	return v, nil
}

// Version returns one version with its snapshot resolved.
func (s *SQLite) Version(ctx context.Context, id string, n int64) (Version, error) {
	row := s.queryRow(ctx, nil, `SELECT `+versionColumns+`, sv.snapshot FROM versions v
		JOIN versions sv ON sv.instance = v.instance AND sv.version = v.snap_version
		WHERE v.instance = ? AND v.version = ?`, id, n)
	var snap []byte
	v, err := scanVersion(row, &snap)
	if err != nil {
		return v, notFound(err, fmt.Sprintf("instance %s version %d", id, n))
	}
	v.Snapshot = snap
	return v, nil
}

// History returns every version of an instance, oldest first, without
// snapshots.
func (s *SQLite) History(ctx context.Context, id string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions v
		WHERE v.instance = ? ORDER BY v.version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("instance %s: %w", id, ErrNotFound)
	}
	return out, nil
}

// List returns instances, newest first.
func (s *SQLite) List(ctx context.Context, f Filter) ([]Instance, error) {
	q := `SELECT ` + instanceColumns + ` FROM instances i`
	var args []any
	if f.Status != "" {
		q += ` WHERE i.status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY i.created_at DESC, i.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
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

// wakeIfQueued makes a waiting instance due when a signal it waits for is
// queued; Commit, Send and Snooze all end with it, so no order of
// concurrent calls leaves a queued signal unnoticed.
const wakeIfQueued = `UPDATE instances SET wake_at = ?
	WHERE id = ? AND status = 'waiting' AND (wake_at IS NULL OR wake_at > ?)
	AND EXISTS (SELECT 1 FROM inbox WHERE inbox.instance = instances.id
		AND inbox.name = instances.waiting_for AND inbox.consumed_by IS NULL)`

// Commit applies a step atomically, or fails with ErrConflict.
func (s *SQLite) Commit(ctx context.Context, st Step) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	in := st.Instance
	res, err := s.exec(ctx, tx, `UPDATE instances SET status = ?, waiting_for = ?, due_at = ?,
		wake_at = ?, version = ?, activity_seq = ?, next_seq = ?, error = ?, updated_at = ?,
		lease_owner = NULL, lease_until = NULL WHERE id = ? AND version = ?`,
		in.Status, in.WaitingFor, nanos(in.Due), nanos(st.Wake), in.Version, in.ActivitySeq,
		in.NextSeq, in.Error, in.Updated.UnixNano(), in.ID, st.From)
	if err := changedOne(res, err); err != nil {
		return false, err
	}
	if err := s.insertVersion(ctx, tx, in.ID, st.Version); err != nil {
		return false, err
	}
	if m := st.Deliver; m != nil {
		err := s.queryRow(ctx, tx, `INSERT INTO inbox (instance, name, value, sent_at, consumed_by)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, in.ID, m.Name, m.Value, m.Sent.UnixNano(), in.Version).Scan(&m.ID)
		if err != nil {
			return false, err
		}
		m.ConsumedBy = in.Version
	}
	for _, m := range st.Consumed {
		res, err := s.exec(ctx, tx, `UPDATE inbox SET consumed_by = ?
			WHERE id = ? AND instance = ? AND consumed_by IS NULL`, in.Version, m, in.ID)
		if err := changedOne(res, err); err != nil {
			return false, err
		}
	}
	now := in.Updated.UnixNano()
	res, err = s.exec(ctx, tx, wakeIfQueued, now, in.ID, now)
	if err != nil {
		return false, err
	}
	woken, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	due := woken > 0 || !st.Wake.IsZero() && !st.Wake.After(in.Updated)
	return due, tx.Commit()
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return m, err
	}
	defer tx.Rollback()
	var status Status
	if err := s.queryRow(ctx, tx, `SELECT status FROM instances WHERE id = ?`, id).Scan(&status); err != nil {
		return m, notFound(err, "instance "+id)
	}
	if status.Final() {
		return m, fmt.Errorf("instance %s is %s: %w", id, status, ErrFinal)
	}
	err = s.queryRow(ctx, tx, `INSERT INTO inbox (instance, name, value, sent_at)
		VALUES (?, ?, ?, ?) RETURNING id`, id, name, value, now.UnixNano()).Scan(&m.ID)
	if err != nil {
		return m, err
	}
	if _, err := s.exec(ctx, tx, wakeIfQueued, now.UnixNano(), id, now.UnixNano()); err != nil {
		return m, err
	}
	return m, tx.Commit()
}

// NextMessage returns the oldest queued message called name.
func (s *SQLite) NextMessage(ctx context.Context, id, name string) (Message, bool, error) {
	m := Message{Instance: id, Name: name}
	var sent int64
	err := s.queryRow(ctx, nil, `SELECT id, value, sent_at FROM inbox
		WHERE instance = ? AND name = ? AND consumed_by IS NULL ORDER BY id LIMIT 1`, id, name).
		Scan(&m.ID, &m.Value, &sent)
	if err == sql.ErrNoRows {
		return m, false, nil
	}
	m.Sent = time.Unix(0, sent)
	return m, err == nil, err
}

// Inbox returns every message sent to an instance, oldest first.
func (s *SQLite) Inbox(ctx context.Context, id string) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, value, sent_at, coalesce(consumed_by, 0)
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
	n := now.UnixNano()
	rows, err := s.db.QueryContext(ctx, `UPDATE instances SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM instances WHERE wake_at <= ?
			AND (lease_until IS NULL OR lease_until < ?) ORDER BY wake_at LIMIT ?)
		RETURNING id`, owner, now.Add(lease).UnixNano(), n, n, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Snooze resets the wake time of an instance that had nothing to do.
func (s *SQLite) Snooze(ctx context.Context, id string, version int64, wake time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = s.exec(ctx, tx, `UPDATE instances SET wake_at = ?, lease_owner = NULL,
		lease_until = NULL WHERE id = ? AND version = ?`, nanos(wake), id, version)
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	if _, err := s.exec(ctx, tx, wakeIfQueued, now, id, now); err != nil {
		return err
	}
	return tx.Commit()
}
