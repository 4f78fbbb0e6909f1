package engine

// This file defines the SQLite store's schema as a list of migrations,
// and how a database is brought to the latest: a new one gets all of
// them, an older one those it lacks, in one transaction.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
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
	{2, "each version stores the output it added, after its output_from version's",
		chain(execAll(outputPartsAdd), outputParts, execAll(outputPartsDrop))},
	{3, "each instance counts the grants of its lease (Lease.Token)", execAll(leaseTokenAdd)},
	{4, "each program keeps the upgrade map of the wf that compiled it; each version names its program",
		execAll(programMapAdd)},
	{5, deltaSchemaWhat, execAll("")},
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

// chain runs migration steps in order.
func chain(steps ...func(context.Context, *sql.Tx) error) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, step := range steps {
			if err := step(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// schemaV1 is the first schema. Each version stored its whole output so
// far: 300 steps printing 2 KiB each made a 93 MB database.
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

// Schema version 2: a version stores printed, what its step printed, and
// output_from, the version whose output comes before it (the latest
// version of its timeline that printed anything; 0 for none), as
// snap_version refers to a snapshot; output_len is the length in bytes
// of its whole output, which a reader checks the parts against. The
// output of version v is the output of output_from followed by printed.
const outputPartsAdd = `ALTER TABLE versions ADD COLUMN printed TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN output_from INTEGER NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN output_len INTEGER NOT NULL DEFAULT 0;
`

// Schema version 4: a program keeps its upgrade map (compiler.Map, JSON),
// made by the wf that stored it, so that a later wf with another code
// generator can still read its instances' frames. Programs stored before
// have none (NULL) until a wf of the same bytecode stores them again.
//
// Each version names the program its snapshot belongs to, since an
// upgrade moves an instance to another program and a rewind moves it
// back; until now every version's program was its instance's.
const programMapAdd = `ALTER TABLE programs ADD COLUMN map BLOB;
ALTER TABLE versions ADD COLUMN program TEXT NOT NULL DEFAULT '';
UPDATE versions SET program = (SELECT program FROM instances WHERE instances.id = versions.instance);
`

const outputPartsDrop = `ALTER TABLE versions DROP COLUMN output;
`

// Schema version 3: lease_token counts the grants of an instance's
// lease; ClaimDue, TakeLease and the commits that lease add one.
const leaseTokenAdd = `ALTER TABLE instances ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
`

// outputParts splits each version-1 version's whole output into what it
// added after the version it continued: the one before it, or the one a
// rewind went back to (its reason says which), when that version's
// output is a prefix of its own. Anything else (an output that is no
// continuation of either) is kept whole, with no output_from: no byte is
// lost, only sharing. It reads one version's output at a time.
func outputParts(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT instance, version, reason FROM versions ORDER BY instance, version`)
	if err != nil {
		return err
	}
	var vs []v1Version
	for rows.Next() {
		var v v1Version
		if err := rows.Scan(&v.instance, &v.number, &v.reason); err != nil {
			rows.Close()
			return err
		}
		vs = append(vs, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	return splitOutputs(ctx, tx, vs)
}

// v1Version is a version-1 row as outputParts reads it.
type v1Version struct {
	instance string
	number   int64
	reason   string
}

// rewoundTo finds the version a rewind went back to in its reason.
var rewoundTo = regexp.MustCompile(`^rewound to version (\d+)`)

// splitOutputs stores the parts of each version in vs, in order.
func splitOutputs(ctx context.Context, tx *sql.Tx, vs []v1Version) error {
	var sp splitter
	for _, v := range vs {
		if v.instance != sp.instance {
			sp = splitter{instance: v.instance, tips: map[int64]int64{}}
		}
		if err := sp.split(ctx, tx, v); err != nil {
			return err
		}
	}
	return nil
}

// splitter splits the versions of one instance, oldest first.
type splitter struct {
	instance string
	prev     int64           // the version before
	prevOut  string          // its whole output
	tips     map[int64]int64 // version → the latest version its output ends with a part of
}

// split stores v's part of its output, and the reference to the rest.
func (sp *splitter) split(ctx context.Context, tx *sql.Tx, v v1Version) error {
	out, err := v1Output(ctx, tx, v.instance, v.number)
	if err != nil {
		return err
	}
	from, base, err := continued(ctx, tx, v, sp.prev, sp.prevOut, out)
	if err != nil {
		return err
	}
	printed := out[len(base):]
	sp.tips[v.number] = sp.tips[from]
	if printed != "" {
		sp.tips[v.number] = v.number
	}
	_, err = tx.ExecContext(ctx, `UPDATE versions SET printed = ?, output_from = ?, output_len = ?
		WHERE instance = ? AND version = ?`, printed, sp.tips[from], len(out), v.instance, v.number)
	sp.prev, sp.prevOut = v.number, out
	return err
}

// continued finds the version whose output v's output out continues, and
// that output: the version a rewind went back to, or the version before
// (previous, whose output is prevOut), or none.
func continued(ctx context.Context, tx *sql.Tx, v v1Version, previous int64, prevOut, out string) (int64, string, error) {
	if m := rewoundTo.FindStringSubmatch(v.reason); m != nil {
		to, _ := strconv.ParseInt(m[1], 10, 64)
		if to > 0 && to < v.number {
			base, err := v1Output(ctx, tx, v.instance, to)
			if err != nil || strings.HasPrefix(out, base) {
				return to, base, err
			}
		}
	}
	if previous > 0 && strings.HasPrefix(out, prevOut) {
		return previous, prevOut, nil
	}
	return 0, "", nil
}

// v1Output reads a version's whole output from the version-1 column.
func v1Output(ctx context.Context, tx *sql.Tx, id string, n int64) (string, error) {
	var out string
	err := tx.QueryRowContext(ctx, `SELECT output FROM versions WHERE instance = ? AND version = ?`, id, n).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return out, err
}
