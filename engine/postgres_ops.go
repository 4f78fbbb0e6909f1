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

// Create inserts an instance and its first version, in one pipeline
// (an implicit transaction).
func (s *Postgres) Create(ctx context.Context, first Step) error {
	in := first.Instance
	var lease Lease
	due := dueAt(first.Wake, in.Updated)
	if due {
		lease = first.Lease
	}
	var b pgx.Batch
	b.Queue(pgInsertInstance,
		in.ID, in.Program, in.Status, []byte(in.WaitingFor), nanos(in.Due), nanos(first.Wake), in.Version,
		in.ActivitySeq, in.NextSeq, []byte(in.Input), []byte(in.Error), in.Parent, nullBytes(lease.Owner),
		nanos(lease.Until), unixNano(in.Created), unixNano(in.Updated))
	queueVersion(&b, in, first.Version)
	err := s.pipeline(ctx, &b, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return err
		}
		_, err := br.Exec()
		return err
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

// Head returns an instance with its head version's output, snapshot and
// lease.
func (s *Postgres) Head(ctx context.Context, id string) (Head, error) {
	h, outLen, err := s.state(ctx, id, false)
	if err == nil {
		h.Output, err = s.output(ctx, id, h.Version, outLen)
	}
	return h, err
}

// State returns an instance with its head version's snapshot and lease,
// in one query.
func (s *Postgres) State(ctx context.Context, id string) (Head, error) {
	h, _, err := s.state(ctx, id, false)
	return h, err
}

// stepState is State for a step: a delta is applied only if the step
// needs it (resolveHead).
func (s *Postgres) stepState(ctx context.Context, id string) (Head, error) {
	h, _, err := s.state(ctx, id, true)
	return h, err
}

// state is State, and the stored length of the head version's output;
// lazy leaves a delta unapplied (resolveHead).
func (s *Postgres) state(ctx context.Context, id string, lazy bool) (Head, int64, error) {
	var h Head
	var until, next, sent sql.NullInt64
	var outLen int64
	var value string
	in, err := scanInstance(s.pool.QueryRow(ctx, pgHead, id),
		&h.SnapVersion, &h.Snapshot, bin{&h.Lease.Owner}, &until, &h.Lease.Token, &outLen, &next, bin{&value}, &sent)
	if err != nil {
		return h, 0, notFoundPG(s.mapErr(err), "instance "+id)
	}
	h.Instance, h.Lease.Until = in, fromNanos(until)
	if in.Status == Waiting {
		h.NextRead = true
		if next.Valid {
			h.Next = &Message{ID: next.Int64, Instance: id, Name: in.WaitingFor, Value: value, Sent: time.Unix(0, sent.Int64)}
		}
	}
	err = resolveHead(&h, h.Snapshot, lazy, s.snapshotOf(ctx, id))
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
	q, args := listQuery(pgInstanceColumns, `wf_instances`, f, true)
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

// wakeIfQueuedPG runs pgWakeIfQueued and reports whether it woke id.
func wakeIfQueuedPG(ctx context.Context, tx pgx.Tx, id string, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, pgWakeIfQueued, unixNano(now), id)
	return tag.RowsAffected() > 0, err
}

// Send queues a signal for an instance that exists and has not finished,
// holding the head row's lock from the status check to the wake-up, in
// one pipeline (an implicit transaction): pgInsertQueued inserts nothing
// for a finished instance.
func (s *Postgres) Send(ctx context.Context, id, name, value string, now time.Time) (Message, error) {
	m := Message{Instance: id, Name: name, Value: value, Sent: now}
	var b pgx.Batch
	b.Queue(pgLockStatus, id)
	b.Queue(pgInsertQueued, id, []byte(name), []byte(value), unixNano(now))
	b.Queue(pgWakeIfQueued, unixNano(now), id)
	var woken bool
	err := s.pipeline(ctx, &b, func(br pgx.BatchResults) error {
		var status Status
		if err := br.QueryRow().Scan(&status); err != nil {
			return notFoundPG(err, "instance "+id)
		}
		if status.Final() {
			return fmt.Errorf("instance %s is %s: %w", id, status, ErrFinal)
		}
		if err := br.QueryRow().Scan(&m.ID); err != nil {
			return err
		}
		tag, err := br.Exec()
		woken = tag.RowsAffected() > 0
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
		got, err = got.read(rows)
		return err
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
