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
	program, head, version, output, nextMessage *sql.Stmt
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
		{&st.program, r, sqlProgram}, {&st.head, r, sqlHead}, {&st.version, r, sqlVersion}, {&st.output, r, sqlOutput},
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

const sqlPutProgram = `INSERT INTO programs (hash, file, source, hosts, created_at, map)
	VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET map = excluded.map
	WHERE programs.map IS NULL AND excluded.map IS NOT NULL`

const sqlInsertInstance = `INSERT INTO instances (id, program, status, waiting_for, due_at,
	wake_at, version, activity_seq, next_seq, input, error, parent, lease_owner, lease_until,
	lease_token, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// sqlInsertVersion stores a version's output as its printed part and a
// reference, resolved to the latest version that printed something
// (skipping versions that printed nothing keeps a reader's walk as short
// as the list of parts), and the whole output's length.
const sqlInsertVersion = `INSERT INTO versions (instance, version, reason, status,
	waiting_for, due_at, activity_seq, snap_version, snapshot, printed, output_from, output_len,
	detail, error, created_at, program)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
	coalesce((SELECT CASE WHEN printed = '' THEN output_from ELSE version END FROM versions
		WHERE instance = ?1 AND version = ?11), 0),
	coalesce((SELECT output_len FROM versions WHERE instance = ?1 AND version = ?11), 0) + ?12,
	?13, ?14, ?15, ?16)`

const sqlCommitHead = `UPDATE instances SET program = ?, status = ?, waiting_for = ?, due_at = ?,
	wake_at = ?, version = ?, activity_seq = ?, next_seq = ?, error = ?, updated_at = ?,
	lease_owner = NULL, lease_until = NULL
	WHERE id = ? AND version = ? AND (?13 = 0 OR lease_token = ?13)`

const sqlInsertConsumed = `INSERT INTO inbox (instance, name, value, sent_at, consumed_by)
	VALUES (?, ?, ?, ?, ?) RETURNING id`

const sqlConsume = `UPDATE inbox SET consumed_by = ?
	WHERE id = ? AND instance = ? AND consumed_by IS NULL`

// sqlWakeIfQueued makes a waiting instance due when a signal it waits for
// (one of the names in waiting_for, one a line: wait_any waits for several)
// is queued; Commit, Send and Snooze all end with it, so no order of
// concurrent calls leaves a queued signal unnoticed.
const sqlWakeIfQueued = `UPDATE instances SET wake_at = ?
	WHERE id = ? AND status = 'waiting' AND (wake_at IS NULL OR wake_at > ?)
	AND EXISTS (SELECT 1 FROM inbox WHERE inbox.instance = instances.id
		AND instr(char(10) || instances.waiting_for || char(10), char(10) || inbox.name || char(10)) > 0
		AND inbox.consumed_by IS NULL)`

const sqlStatus = `SELECT status FROM instances WHERE id = ?`

const sqlInsertQueued = `INSERT INTO inbox (instance, name, value, sent_at)
	VALUES (?, ?, ?, ?) RETURNING id`

// sqlClaim returns the wake times too: RETURNING lists rows in the
// order it updates them, not the subquery's.
const sqlClaim = `UPDATE instances SET lease_owner = ?, lease_until = ?, lease_token = lease_token + 1
	WHERE id IN (SELECT id FROM instances WHERE wake_at <= ?
		AND (lease_until IS NULL OR lease_until < ?) ORDER BY wake_at LIMIT ?)
	RETURNING id, wake_at`

const sqlSnooze = `UPDATE instances SET wake_at = ?, lease_owner = NULL,
	lease_until = NULL WHERE id = ? AND version = ? AND lease_owner = ?`

const sqlSetLease = `UPDATE instances SET lease_owner = ?, lease_until = ?,
	lease_token = lease_token + 1 WHERE id = ?`

const sqlTakeLease = `UPDATE instances SET lease_owner = ?, lease_until = ?,
	lease_token = lease_token + 1 WHERE id = ? AND version = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
	RETURNING lease_token`

const sqlProgram = `SELECT file, source, hosts, map FROM programs WHERE hash = ?`

const instanceColumns = `i.id, i.program, i.status, i.waiting_for, i.due_at, i.version,
	i.activity_seq, i.next_seq, i.input, i.error, i.parent, i.created_at, i.updated_at`

const sqlHead = `SELECT ` + instanceColumns + `, v.snap_version, sv.snapshot,
	i.lease_owner, i.lease_until, i.lease_token, v.output_len
	FROM instances i
	JOIN versions v ON v.instance = i.id AND v.version = i.version
	JOIN versions sv ON sv.instance = i.id AND sv.version = v.snap_version
	WHERE i.id = ?`

const versionColumns = `v.version, v.reason, v.status, v.waiting_for, v.due_at, v.activity_seq,
	v.snap_version, v.printed, v.output_from, v.output_len, v.detail, v.error, v.created_at, v.program`

const sqlVersion = `SELECT ` + versionColumns + `, sv.snapshot FROM versions v
	JOIN versions sv ON sv.instance = v.instance AND sv.version = v.snap_version
	WHERE v.instance = ? AND v.version = ?`

// sqlOutput lists the printed parts of a version's output, oldest
// first: the version, then the chain of output_from references. Each
// step must go to an older version, so a reference that points forward
// (a tampered row) ends the walk instead of looping.
const sqlOutput = `WITH RECURSIVE part(version, printed, output_from) AS (
		SELECT version, printed, output_from FROM versions WHERE instance = ?1 AND version = ?2
		UNION ALL
		SELECT v.version, v.printed, v.output_from FROM versions v JOIN part p
			ON v.instance = ?1 AND v.version = p.output_from AND v.version < p.version)
	SELECT printed FROM part WHERE printed != '' ORDER BY version`

const sqlNextMessage = `SELECT id, value, sent_at FROM inbox
	WHERE instance = ? AND name = ? AND consumed_by IS NULL ORDER BY id LIMIT 1`
