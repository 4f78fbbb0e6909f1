package engine

// This file defines the SQLite store's statements, each prepared once
// when the store opens: writes on the writer connection, reads on the
// reader pool.

import (
	"context"
	"database/sql"
	"fmt"
)

// statements are the store's prepared statements. Preparing every one at
// open, while no transaction is open, keeps a transaction from ever
// waiting for a connection to prepare on; keeping them saves parsing SQL,
// a third of a start-signal-finish cycle (BenchmarkCycle).
type statements struct {
	// On the writer; used inside write transactions (Tx.StmtContext
	// reuses them on the writer's one connection).
	putProgram, insertInstance, insertVersion, commitHead, insertConsumed *sql.Stmt
	consume, wakeIfQueued, status, insertQueued, claim, snooze            *sql.Stmt
	setLease, takeLease                                                   *sql.Stmt
	// On the readers.
	program, head, version, nextMessage *sql.Stmt
}

// prepare prepares every statement: writes on w (none when w is nil, for
// a read-only store), reads on r.
func (st *statements) prepare(ctx context.Context, w, r *sql.DB) error {
	for _, p := range []struct {
		to  **sql.Stmt
		db  *sql.DB
		sql string
	}{
		{&st.putProgram, w, sqlPutProgram}, {&st.insertInstance, w, sqlInsertInstance},
		{&st.insertVersion, w, sqlInsertVersion}, {&st.commitHead, w, sqlCommitHead},
		{&st.insertConsumed, w, sqlInsertConsumed}, {&st.consume, w, sqlConsume},
		{&st.wakeIfQueued, w, sqlWakeIfQueued}, {&st.status, w, sqlStatus},
		{&st.insertQueued, w, sqlInsertQueued}, {&st.claim, w, sqlClaim}, {&st.snooze, w, sqlSnooze},
		{&st.setLease, w, sqlSetLease}, {&st.takeLease, w, sqlTakeLease},
		{&st.program, r, sqlProgram}, {&st.head, r, sqlHead}, {&st.version, r, sqlVersion},
		{&st.nextMessage, r, sqlNextMessage},
	} {
		if p.db == nil {
			continue
		}
		var err error
		if *p.to, err = p.db.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("preparing %.40q: %w", p.sql, err)
		}
	}
	return nil
}

const sqlPutProgram = `INSERT INTO programs (hash, file, source, hosts, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`

const sqlInsertInstance = `INSERT INTO instances (id, program, status, waiting_for, due_at,
	wake_at, version, activity_seq, next_seq, input, error, parent, lease_owner, lease_until,
	created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const sqlInsertVersion = `INSERT INTO versions (instance, version, reason, status,
	waiting_for, due_at, activity_seq, snap_version, snapshot, output, detail, error, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const sqlCommitHead = `UPDATE instances SET status = ?, waiting_for = ?, due_at = ?,
	wake_at = ?, version = ?, activity_seq = ?, next_seq = ?, error = ?, updated_at = ?,
	lease_owner = NULL, lease_until = NULL WHERE id = ? AND version = ?`

const sqlInsertConsumed = `INSERT INTO inbox (instance, name, value, sent_at, consumed_by)
	VALUES (?, ?, ?, ?, ?) RETURNING id`

const sqlConsume = `UPDATE inbox SET consumed_by = ?
	WHERE id = ? AND instance = ? AND consumed_by IS NULL`

// sqlWakeIfQueued makes a waiting instance due when a signal it waits for
// is queued; Commit, Send and Snooze all end with it, so no order of
// concurrent calls leaves a queued signal unnoticed.
const sqlWakeIfQueued = `UPDATE instances SET wake_at = ?
	WHERE id = ? AND status = 'waiting' AND (wake_at IS NULL OR wake_at > ?)
	AND EXISTS (SELECT 1 FROM inbox WHERE inbox.instance = instances.id
		AND inbox.name = instances.waiting_for AND inbox.consumed_by IS NULL)`

const sqlStatus = `SELECT status FROM instances WHERE id = ?`

const sqlInsertQueued = `INSERT INTO inbox (instance, name, value, sent_at)
	VALUES (?, ?, ?, ?) RETURNING id`

const sqlClaim = `UPDATE instances SET lease_owner = ?, lease_until = ?
	WHERE id IN (SELECT id FROM instances WHERE wake_at <= ?
		AND (lease_until IS NULL OR lease_until < ?) ORDER BY wake_at LIMIT ?)
	RETURNING id`

const sqlSnooze = `UPDATE instances SET wake_at = ?, lease_owner = NULL,
	lease_until = NULL WHERE id = ? AND version = ? AND lease_owner = ?`

const sqlSetLease = `UPDATE instances SET lease_owner = ?, lease_until = ? WHERE id = ?`

const sqlTakeLease = `UPDATE instances SET lease_owner = ?, lease_until = ?
	WHERE id = ? AND version = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`

const sqlProgram = `SELECT file, source, hosts FROM programs WHERE hash = ?`

const instanceColumns = `i.id, i.program, i.status, i.waiting_for, i.due_at, i.version,
	i.activity_seq, i.next_seq, i.input, i.error, i.parent, i.created_at, i.updated_at`

const sqlHead = `SELECT ` + instanceColumns + `, v.output, v.snap_version, sv.snapshot,
	i.lease_owner, i.lease_until
	FROM instances i
	JOIN versions v ON v.instance = i.id AND v.version = i.version
	JOIN versions sv ON sv.instance = i.id AND sv.version = v.snap_version
	WHERE i.id = ?`

const versionColumns = `v.version, v.reason, v.status, v.waiting_for, v.due_at, v.activity_seq,
	v.snap_version, v.output, v.detail, v.error, v.created_at`

const sqlVersion = `SELECT ` + versionColumns + `, sv.snapshot FROM versions v
	JOIN versions sv ON sv.instance = v.instance AND sv.version = v.snap_version
	WHERE v.instance = ? AND v.version = ?`

const sqlNextMessage = `SELECT id, value, sent_at FROM inbox
	WHERE instance = ? AND name = ? AND consumed_by IS NULL ORDER BY id LIMIT 1`
