package engine

// This file defines opening a SQLite store: checking that the file is a
// wf database, creating the schema in an empty one, the settings, and
// opening read-only.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// OpenSQLite opens or creates the wf database at path. It refuses a file
// that is not a wf database, leaving it untouched, and fails unless the
// journal mode, synchronous setting and busy timeout read back as asked.
// It opens one writer connection and up to readerConns readers; with
// opts.ReadOnly, only the readers (see openReadOnly).
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
	busy := fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
	if opts.ReadOnly {
		return openReadOnly(path, busy)
	}
	s := &SQLite{path: path, w: openPool(dsn(path, "_txlock=immediate", busy, "synchronous("+syncMode+")", "foreign_keys(1)"), 1),
		turn: make(chan struct{}, 1)}
	if err := s.init(path, syncMode, opts.BusyTimeout); err != nil {
		s.w.Close()
		return nil, err
	}
	s.r = openPool(dsn(path, busy, "query_only(1)"), readerConns)
	if err := s.st.prepare(context.Background(), s.w, s.r); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openReadOnly opens the existing wf database at path with SQLite's
// mode=ro. A reader of a WAL database needs its -shm file; when the
// directory is read-only too and no -wal file shows a writer at work, the
// file is opened immutable=1, as on read-only media.
func openReadOnly(path, busy string) (*SQLite, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	s := &SQLite{path: path, r: openPool(dsn(path, "mode=ro", busy, "query_only(1)"), readerConns)}
	err := claim(s.r, path, false)
	if sqliteCode(err)&0xff == sqliteReadOnly && !FileExists(path+"-wal") {
		s.r.Close()
		s.r = openPool(dsn(path, "mode=ro", "immutable=1", busy, "query_only(1)"), readerConns)
		err = claim(s.r, path, false)
	}
	if err == nil {
		err = s.st.prepare(context.Background(), nil, s.r)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dsn is the modernc.org/sqlite data source name for path with settings:
// pragmas such as "busy_timeout(5000)", and driver keys such as
// "_txlock=immediate".
func dsn(path string, settings ...string) string {
	q := url.Values{}
	for _, p := range settings {
		if k, v, ok := strings.Cut(p, "="); ok {
			q.Set(k, v)
		} else {
			q.Add("_pragma", p)
		}
	}
	return "file:" + path + "?" + q.Encode()
}

// openPool returns a pool of at most n connections that stay open.
// Opening connects nothing yet; the first use does.
func openPool(dsn string, n int) *sql.DB {
	db, _ := sql.Open("sqlite", dsn) // fails only for an unknown driver name
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	return db
}

// init checks the file is ours (or empty), creates the schema, switches
// to WAL and reads the settings back.
func (s *SQLite) init(path, syncMode string, busy time.Duration) error {
	if err := claim(s.w, path, true); err != nil {
		return err
	}
	if _, err := s.w.Exec("PRAGMA journal_mode=WAL"); err != nil {
		return err
	}
	return s.checkPragmas(syncMode, busy)
}

// claim checks that the database at path is a wf database, or, when
// create is set, an empty one; with create it then brings it to this
// wf's schema (migrate), and without it checks that it has it. A
// database of another application is refused untouched.
func claim(db *sql.DB, path string, create bool) error {
	var appID int64
	if err := db.QueryRow("PRAGMA application_id").Scan(&appID); err != nil {
		return unreadable(path, err)
	}
	switch appID {
	case applicationID:
		if !create {
			return checkSchema(db, path)
		}
		return migrate(context.Background(), db, path)
	case 0:
	default:
		return fmt.Errorf("%s: %w (SQLite application id %#x)", path, ErrNotOurs, appID)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return unreadable(path, err)
	}
	switch {
	case n > 0:
		return fmt.Errorf("%s: %w (it has %d tables of another application)", path, ErrNotOurs, n)
	case !create:
		return fmt.Errorf("%s: %w yet: it is empty (wf start creates the schema)", path, ErrNotOurs)
	}
	return migrate(context.Background(), db, path)
}

// unreadable describes a first read of path that failed: a file that is
// not a SQLite database is not ours; one this process may not write
// (SQLite needs to write a -shm file next to it) is read-only; anything
// else is said as it is.
func unreadable(path string, err error) error {
	switch sqliteCode(err) & 0xff {
	case sqliteNotADB:
		return fmt.Errorf("%s: %w: %w", path, ErrNotOurs, err)
	case sqliteReadOnly:
		return fmt.Errorf("%s: %w: %w", path, ErrReadOnly, err)
	}
	return fmt.Errorf("%s: cannot read the database: %w", path, err)
}

func (s *SQLite) checkPragmas(syncMode string, busy time.Duration) error {
	var mode string
	var syncN, busyMS int64
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if err := s.w.QueryRow("PRAGMA synchronous").Scan(&syncN); err != nil {
		return err
	}
	if err := s.w.QueryRow("PRAGMA busy_timeout").Scan(&busyMS); err != nil {
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
