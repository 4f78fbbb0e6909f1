package engine

// This file defines the SQLite store: one file, WAL mode, through the
// pure-Go modernc.org/sqlite driver.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// applicationID marks a SQLite file as a wf database (PRAGMA
// application_id): "wf" in the high bytes, then a format number.
const applicationID = 0x77660001

// schemaVersion is stored in the meta table; Open refuses other versions.
const schemaVersion = "1"

// ErrNotOurs is wrapped when a database file is not a wf database.
var ErrNotOurs = errors.New("not a wf database")

// SQLiteOptions configure OpenSQLite.
type SQLiteOptions struct {
	// Synchronous is "NORMAL" (the default: a commit survives a process
	// crash, and the last commits may be lost on power failure) or "FULL"
	// (every commit is fsynced).
	Synchronous string
	// BusyTimeout is how long a writer waits for another process's
	// transaction; default 5s.
	BusyTimeout time.Duration
}

// SQLite is the embedded Store: a single database file in WAL mode.
// Writers (in this process or others) wait for each other up to the busy
// timeout; transactions begin IMMEDIATE, so none fails on a lock upgrade.
type SQLite struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens or creates the wf database at path. It refuses a file
// that is not a wf database, leaving it untouched, and fails unless the
// journal mode, synchronous setting and busy timeout read back as asked.
func OpenSQLite(path string, opts SQLiteOptions) (*SQLite, error) {
	syncMode := strings.ToUpper(opts.Synchronous)
	if syncMode == "" {
		syncMode = "NORMAL"
	}
	if syncMode != "NORMAL" && syncMode != "FULL" {
		return nil, fmt.Errorf("synchronous must be NORMAL or FULL, not %q", opts.Synchronous)
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "synchronous("+syncMode+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// Two connections: a transaction holds one while statements are
	// prepared (and reads run) on the other. Writers in one process then
	// queue on SQLite's lock (busy_timeout) rather than in database/sql.
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	db.SetConnMaxLifetime(0)
	s := &SQLite{db: db, stmts: map[string]*sql.Stmt{}}
	if err := s.init(path, syncMode, opts.BusyTimeout); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// init checks the file is ours (or empty), creates the schema, switches
// to WAL and reads the settings back.
func (s *SQLite) init(path, syncMode string, busy time.Duration) error {
	var appID int64
	if err := s.db.QueryRow("PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrNotOurs, err)
	}
	switch appID {
	case applicationID:
		if err := s.checkSchema(path); err != nil {
			return err
		}
	case 0:
		if err := s.create(path); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: %w (SQLite application id %#x)", path, ErrNotOurs, appID)
	}
	if _, err := s.db.Exec("PRAGMA journal_mode=WAL"); err != nil {
		return err
	}
	return s.checkPragmas(syncMode, busy)
}

func (s *SQLite) checkSchema(path string) error {
	var v string
	err := s.db.QueryRow(`SELECT value FROM meta WHERE key='schema_version'`).Scan(&v)
	if err != nil {
		return fmt.Errorf("%s: reading the schema version: %w", path, err)
	}
	if v != schemaVersion {
		return fmt.Errorf("%s has schema version %s; this wf reads version %s", path, v, schemaVersion)
	}
	return nil
}

// create installs the schema in an empty database; a database with tables
// of someone else's is refused.
func (s *SQLite) create(path string) error {
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrNotOurs, err)
	}
	if n > 0 {
		return fmt.Errorf("%s: %w (it has %d tables of another application)", path, ErrNotOurs, n)
	}
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range strings.Split(schema, ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.Exec(stmt); err != nil {
			return fmt.Errorf("creating the schema: %w", err)
		}
	}
	return tx.Commit()
}

func (s *SQLite) checkPragmas(syncMode string, busy time.Duration) error {
	var mode string
	var syncN, busyMS int64
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if err := s.db.QueryRow("PRAGMA synchronous").Scan(&syncN); err != nil {
		return err
	}
	if err := s.db.QueryRow("PRAGMA busy_timeout").Scan(&busyMS); err != nil {
		return err
	}
	want := map[string]int64{"NORMAL": 1, "FULL": 2}[syncMode]
	switch {
	case mode != "wal":
		return fmt.Errorf("journal_mode is %q after asking for WAL", mode)
	case syncN != want:
		return fmt.Errorf("synchronous is %d after asking for %s (%d)", syncN, syncMode, want)
	case busyMS != busy.Milliseconds():
		return fmt.Errorf("busy_timeout is %dms after asking for %dms", busyMS, busy.Milliseconds())
	}
	return nil
}

// Pragmas reports the settings in force, for wf's --json output and tests.
func (s *SQLite) Pragmas() (journal string, synchronous int, err error) {
	if err = s.db.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		return
	}
	err = s.db.QueryRow("PRAGMA synchronous").Scan(&synchronous)
	return
}

// IntegrityCheck runs PRAGMA integrity_check and returns its first line
// ("ok" for a sound file).
func (s *SQLite) IntegrityCheck() (string, error) {
	var r string
	err := s.db.QueryRow("PRAGMA integrity_check").Scan(&r)
	return r, err
}

// DB exposes the database handle for tests and benchmarks that seed rows.
func (s *SQLite) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// prepared returns query prepared once per store: parsing SQL was a third
// of a start-signal-finish cycle before statements were kept
// (BenchmarkCycle).
func (s *SQLite) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stmts[query]; st != nil {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

// exec runs a prepared statement in tx.
func (s *SQLite) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// queryRow runs a prepared single-row query, in tx when it is not nil.
func (s *SQLite) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return s.db.QueryRowContext(ctx, query, args...) // reports the same error
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	return st.QueryRowContext(ctx, args...)
}

// FileExists reports whether path names an existing file, so commands
// that only read can refuse to create a database by accident.
func FileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

var schema = fmt.Sprintf(`PRAGMA application_id = %d;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '%s'), ('application', 'wf durable workflows');
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
`, applicationID, schemaVersion)

// nanos and fromNanos store times as Unix nanoseconds; the zero time is
// NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}
