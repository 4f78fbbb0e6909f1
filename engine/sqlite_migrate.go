package engine

// This file defines the SQLite store's schema as a list of migrations,
// and how a database is brought to the latest: a new one gets all of
// them, an older one those it lacks, in one transaction.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A migration brings a database from schema version to-1 to to.
type migration struct {
	to    int
	what  string
	apply func(ctx context.Context, tx *sql.Tx) error
}

// migrations is every schema change in order; migrations[i] brings
// version i to i+1. A database is never changed but by appending here.
var migrations = []migration{
	{1, "the first schema", execAll(schemaV1)},
}

// schemaVersion is the schema this wf reads and writes: the last migration's.
var schemaVersion = migrations[len(migrations)-1].to

// ErrSchema is wrapped when a database has another schema version than
// this wf's and cannot be brought to it: a newer one, or an older one
// opened read-only.
var ErrSchema = errors.New("another schema version")

// migrate brings the database to schemaVersion in one write transaction,
// which reads the version first, so that of two processes opening one
// old database, one migrates and the other finds it done. A database of
// a newer schema is refused untouched.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return unreadable(path, err)
	}
	defer tx.Rollback()
	v, err := storedVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("%s: reading the schema version: %w", path, err)
	}
	if v > schemaVersion {
		return fmt.Errorf("%s has schema version %d, from a newer wf; this wf knows versions up to %d: %w", path, v, schemaVersion, ErrSchema)
	}
	if v == schemaVersion {
		return nil
	}
	for _, m := range migrations[v:] {
		if err := m.apply(ctx, tx); err != nil {
			return fmt.Errorf("%s: migrating to schema version %d (%s): %w", path, m.to, m.what, err)
		}
	}
	if err := stamp(ctx, tx, v == 0); err != nil {
		return err
	}
	return tx.Commit()
}

// storedVersion reads the schema version: 0 for an empty database.
func storedVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var appID int64
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil || appID == 0 {
		return 0, err
	}
	var v string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("schema version %q is not a number from 1", v)
	}
	return n, nil
}

// stamp records schemaVersion, and marks a new database as wf's.
func stamp(ctx context.Context, tx *sql.Tx, isNew bool) error {
	stmts := []string{fmt.Sprintf(`INSERT OR REPLACE INTO meta VALUES ('schema_version', '%d')`, schemaVersion)}
	if isNew {
		stmts = append(stmts, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID),
			`INSERT INTO meta VALUES ('application', 'wf durable workflows')`)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// checkSchema checks, without changing anything, that a wf database has
// this wf's schema version (a read-only store cannot migrate one).
func checkSchema(db *sql.DB, path string) error {
	var v string
	err := db.QueryRow(`SELECT value FROM meta WHERE key='schema_version'`).Scan(&v)
	if err != nil {
		return fmt.Errorf("%s: reading the schema version: %w", path, err)
	}
	n, _ := strconv.Atoi(v)
	switch {
	case n > schemaVersion || n < 1:
		return fmt.Errorf("%s has schema version %s; this wf knows versions up to %d: %w", path, v, schemaVersion, ErrSchema)
	case n < schemaVersion:
		return fmt.Errorf("%s has schema version %s; this wf reads version %d, and upgrades a database when it opens it to write (wf start, signal, worker, ...), not read-only: %w", path, v, schemaVersion, ErrSchema)
	}
	return nil
}

// execAll returns a migration step that runs statements separated by
// ";\n".
func execAll(statements string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range strings.Split(statements, ";\n") {
			if strings.TrimSpace(q) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%.60q: %w", strings.TrimSpace(q), err)
			}
		}
		return nil
	}
}

// schemaV1 is the first schema.
const schemaV1 = `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
`
