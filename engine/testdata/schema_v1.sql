-- The schema of a wf database of schema version 1, as wf wrote it before
-- versions stored only the output they added (engine/sqlite.go at 19051b9).
PRAGMA application_id = 2003173377;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1'), ('application', 'wf durable workflows');
CREATE TABLE programs (
	hash TEXT PRIMARY KEY,
	file TEXT NOT NULL,
	source BLOB NOT NULL,
	hosts TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE instances (
	id TEXT PRIMARY KEY,
	program TEXT NOT NULL REFERENCES programs(hash),
	status TEXT NOT NULL,
	waiting_for TEXT NOT NULL,
	due_at INTEGER,
	wake_at INTEGER,
	version INTEGER NOT NULL,
	activity_seq INTEGER NOT NULL,
	next_seq INTEGER NOT NULL,
	input TEXT NOT NULL,
	error TEXT NOT NULL,
	parent TEXT NOT NULL,
	lease_owner TEXT,
	lease_until INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX instances_wake ON instances (wake_at) WHERE wake_at IS NOT NULL;
CREATE INDEX instances_status ON instances (status, created_at);
CREATE TABLE versions (
	instance TEXT NOT NULL REFERENCES instances(id),
	version INTEGER NOT NULL,
	reason TEXT NOT NULL,
	status TEXT NOT NULL,
	waiting_for TEXT NOT NULL,
	due_at INTEGER,
	activity_seq INTEGER NOT NULL,
	snap_version INTEGER NOT NULL,
	snapshot BLOB,
	output TEXT NOT NULL,
	detail TEXT NOT NULL,
	error TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (instance, version)
);
CREATE TABLE inbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	instance TEXT NOT NULL REFERENCES instances(id),
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	sent_at INTEGER NOT NULL,
	consumed_by INTEGER
);
CREATE INDEX inbox_queued ON inbox (instance, name, id) WHERE consumed_by IS NULL;
