package engine

// This file defines the PostgreSQL store's statements. pgx prepares each
// on a connection the first time it runs there and keeps it
// (QueryExecModeCacheStatement), so they are plain constants.

const pgPutProgram = `INSERT INTO wf_programs (hash, file, source, hosts, created_at, map)
	VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO UPDATE SET map = EXCLUDED.map
	WHERE wf_programs.map IS NULL AND EXCLUDED.map IS NOT NULL`

// pgInsertInstance gives a new instance its first lease token when its
// first step leases it ($13 set).
const pgInsertInstance = `INSERT INTO wf_instances (id, program, status, waiting_for, due_at,
	wake_at, version, activity_seq, next_seq, input, error, parent, lease_owner, lease_until,
	lease_token, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
	CASE WHEN $13::bytea IS NULL THEN 0 ELSE 1 END, $15, $16)`

// pgInsertVersion is sqlInsertVersion: the printed part, the reference
// resolved to the latest version that printed something, and the whole
// output's length.
const pgInsertVersion = `INSERT INTO wf_versions (instance, version, reason, status,
	waiting_for, due_at, activity_seq, snap_version, snapshot, printed, output_from, output_len,
	detail, error, created_at, program)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
	coalesce((SELECT CASE WHEN printed = ''::bytea THEN output_from ELSE version END
		FROM wf_versions WHERE instance = $1 AND version = $11), 0),
	coalesce((SELECT output_len FROM wf_versions WHERE instance = $1 AND version = $11), 0) + $12,
	$13, $14, $15, $16)`

// pgCommitHead is the optimistic check: it matches the head row only at
// the version the step started from (and, with a fence, the lease token
// the step ran under), and holds that row's lock to the end of the
// transaction.
const pgCommitHead = `UPDATE wf_instances SET program = $13, status = $1, waiting_for = $2, due_at = $3,
	wake_at = $4, version = $5, activity_seq = $6, next_seq = $7, error = $8, updated_at = $9,
	lease_owner = NULL, lease_until = NULL
	WHERE id = $10 AND version = $11 AND ($12::bigint = 0 OR lease_token = $12)`

const pgInsertConsumed = `INSERT INTO wf_inbox (instance, name, value, sent_at, consumed_by)
	VALUES ($1, $2, $3, $4, $5) RETURNING id`

const pgConsume = `UPDATE wf_inbox SET consumed_by = $1
	WHERE id = $2 AND instance = $3 AND consumed_by IS NULL`

// pgWakeIfQueued is sqlWakeIfQueued. It runs after the transaction
// holds the head row's lock, so under READ COMMITTED its snapshot sees
// every signal queued by a Send that held the lock before it.
const pgWakeIfQueued = `UPDATE wf_instances i SET wake_at = $1
	WHERE i.id = $2 AND i.status = 'waiting' AND (i.wake_at IS NULL OR i.wake_at > $1)
	AND EXISTS (SELECT 1 FROM wf_inbox m WHERE m.instance = i.id
		AND position('\x0a'::bytea || m.name || '\x0a'::bytea IN '\x0a'::bytea || i.waiting_for || '\x0a'::bytea) > 0
		AND m.consumed_by IS NULL)`

// pgLockStatus is how Send takes the head row's lock.
const pgLockStatus = `SELECT status FROM wf_instances WHERE id = $1 FOR UPDATE`

// pgInsertQueued queues a signal for an instance that has not finished
// (Send has locked its head row).
const pgInsertQueued = `INSERT INTO wf_inbox (instance, name, value, sent_at)
	SELECT $1, $2, $3, $4 FROM wf_instances
	WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')
	RETURNING id`

// pgClaim is ClaimDue in one statement: the due rows whose lease has
// ended, oldest wake first, locked with SKIP LOCKED so that concurrent
// claimers pass over each other's rows instead of queueing on them; each
// claimed row's lease token goes up by one.
const pgClaim = `WITH due AS (
		SELECT id FROM wf_instances
		WHERE wake_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
		ORDER BY wake_at LIMIT $2
		FOR UPDATE SKIP LOCKED)
	UPDATE wf_instances i SET lease_owner = $3, lease_until = $4, lease_token = i.lease_token + 1
	FROM due WHERE i.id = due.id
	RETURNING i.id, i.wake_at`

const pgSnooze = `UPDATE wf_instances SET wake_at = $1, lease_owner = NULL, lease_until = NULL
	WHERE id = $2 AND version = $3 AND lease_owner = $4`

const pgSetLease = `UPDATE wf_instances SET lease_owner = $1, lease_until = $2,
	lease_token = lease_token + 1 WHERE id = $3`

const pgTakeLease = `UPDATE wf_instances SET lease_owner = $1, lease_until = $2,
	lease_token = lease_token + 1
	WHERE id = $3 AND version = $4 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < $5)
	RETURNING lease_token`

const pgProgram = `SELECT file, source, hosts, map FROM wf_programs WHERE hash = $1`

const pgInstanceColumns = `i.id, i.program, i.status, i.waiting_for, i.due_at, i.version,
	i.activity_seq, i.next_seq, i.input, i.error, i.parent, i.created_at, i.updated_at`

// pgHead reads a head with, for a waiting instance, the oldest signal
// queued for what it waits for (Head.Next): a worker's step then needs no
// second round trip for NextMessage.
const pgHead = `SELECT ` + pgInstanceColumns + `, v.snap_version, sv.snapshot,
	i.lease_owner, i.lease_until, i.lease_token, v.output_len, q.id, q.value, q.sent_at
	FROM wf_instances i
	JOIN wf_versions v ON v.instance = i.id AND v.version = i.version
	JOIN wf_versions sv ON sv.instance = i.id AND sv.version = v.snap_version
	LEFT JOIN LATERAL (SELECT m.id, m.value, m.sent_at FROM wf_inbox m
		WHERE i.status = 'waiting' AND m.instance = i.id AND m.name = i.waiting_for
		AND m.consumed_by IS NULL ORDER BY m.id LIMIT 1) q ON true
	WHERE i.id = $1`

const pgVersionColumns = `v.version, v.reason, v.status, v.waiting_for, v.due_at, v.activity_seq,
	v.snap_version, v.printed, v.output_from, v.output_len, v.detail, v.error, v.created_at, v.program`

const pgVersion = `SELECT ` + pgVersionColumns + `, sv.snapshot FROM wf_versions v
	JOIN wf_versions sv ON sv.instance = v.instance AND sv.version = v.snap_version
	WHERE v.instance = $1 AND v.version = $2`

const pgHistory = `SELECT ` + pgVersionColumns + ` FROM wf_versions v
	WHERE v.instance = $1 ORDER BY v.version`

// pgOutput is sqlOutput: the printed parts of a version's output, oldest
// first, walking output_from references only backwards.
const pgOutput = `WITH RECURSIVE part(version, printed, output_from) AS (
		SELECT version, printed, output_from FROM wf_versions WHERE instance = $1 AND version = $2
		UNION ALL
		SELECT v.version, v.printed, v.output_from FROM wf_versions v JOIN part p
			ON v.instance = $1 AND v.version = p.output_from AND v.version < p.version)
	SELECT printed FROM part WHERE printed != ''::bytea ORDER BY version`

const pgNextMessage = `SELECT id, value, sent_at FROM wf_inbox
	WHERE instance = $1 AND name = $2 AND consumed_by IS NULL ORDER BY id LIMIT 1`

const pgInbox = `SELECT id, name, value, sent_at, coalesce(consumed_by, 0)
	FROM wf_inbox WHERE instance = $1 ORDER BY id`
