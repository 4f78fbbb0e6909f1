package engine

// This file defines the SQLite store: one file, WAL mode, through the
// pure-Go modernc.org/sqlite driver; one writer connection and a pool of
// readers.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// applicationID marks a SQLite file as a wf database (PRAGMA
// application_id): "wf" in the high bytes, then a format number.
const applicationID = 0x77660001

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
	// ReadOnly opens an existing wf database only to read it: the file is
	// never created, given a schema or changed, and every write fails
	// with ErrReadOnly. Commands that only read (wf list, show, history)
	// use it, so they work on a file they may not write.
	ReadOnly bool
}

// SQLite is the embedded Store: a single database file in WAL mode.
//
// In one process, every write transaction runs on one connection: a
// *sql.DB limited to a single connection, with every write statement
// prepared on it when the store opens. Reads run on their own pool of
// query-only connections (readerConns), which never take the write lock.
// A goroutine holding the write transaction therefore waits for nothing
// in its own process, and the writers of one process take turns, first
// come first served, before they reach SQLite and its busy handler.
//
// The store used to share two connections between reads and writes and
// to prepare statements on first use. A transaction that prepared a
// statement then waited for the second connection, whose goroutine was
// waiting in BEGIN IMMEDIATE for that transaction's lock: both waited out
// the busy timeout, and one failed with SQLITE_BUSY after 5 s
// (TestLoadOneEngine, 32 goroutines: 22 starts and 9 signals of 256
// workflows failed that way, and the run took 211 s).
//
// Between processes, writers wait for each other up to the busy timeout;
// transactions begin IMMEDIATE, so none fails on a lock upgrade; a BEGIN
// that still finds the file locked is tried again (beginAttempts) before
// the call fails with ErrBusy, having written nothing.
type SQLite struct {
	path string
	w    *sql.DB       // the writer: one connection; nil when read-only
	turn chan struct{} // held while a write transaction runs
	r    *sql.DB       // the readers
	st   statements
}

var _ Store = (*SQLite)(nil)

// readerConns is the size of the reader pool: reads of one process run
// in parallel up to it, and wait in database/sql beyond it.
var readerConns = max(4, runtime.GOMAXPROCS(0))

// Pragmas reports the settings in force, for wf's --json output and tests.
func (s *SQLite) Pragmas() (journal string, synchronous int, err error) {
	if err = s.DB().QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		return
	}
	err = s.DB().QueryRow("PRAGMA synchronous").Scan(&synchronous)
	return
}

// IntegrityCheck runs PRAGMA integrity_check and returns its first line
// ("ok" for a sound file).
func (s *SQLite) IntegrityCheck() (string, error) {
	var r string
	err := s.DB().QueryRow("PRAGMA integrity_check").Scan(&r)
	return r, err
}

// DB exposes the writer connection (the readers when read-only) for
// tests and benchmarks that seed or change rows; it is the only
// connection that may write.
func (s *SQLite) DB() *sql.DB {
	if s.w == nil {
		return s.r
	}
	return s.w
}

// Close closes both pools.
func (s *SQLite) Close() error {
	var err error
	for _, db := range []*sql.DB{s.w, s.r} {
		if db != nil {
			err = errors.Join(err, db.Close())
		}
	}
	return err
}

// beginAttempts bounds how often a write transaction's BEGIN is tried
// when another process holds the write lock past the busy timeout.
const beginAttempts = 3

// begin starts an IMMEDIATE transaction on the writer connection. A BEGIN
// that finds the file locked after the busy timeout (another process
// holds a long transaction) has written nothing, so it is tried again
// after a pause of about 20 ms, then 80 ms; after beginAttempts the error
// wraps ErrBusy.
func (s *SQLite) begin(ctx context.Context) (*sql.Tx, error) {
	pause := 20 * time.Millisecond
	for i := 1; ; i++ {
		tx, err := s.w.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) {
			return tx, err
		}
		if i == beginAttempts || !sleepCtx(ctx, pause/2+rand.N(pause)) {
			return nil, fmt.Errorf("%w: %v", ErrBusy, err)
		}
		pause *= 4
	}
}

// SQLite result codes the store tells apart (the low byte of a code).
const (
	sqliteReadOnly = 8  // SQLITE_READONLY
	sqliteBusy     = 5  // SQLITE_BUSY
	sqliteNotADB   = 26 // SQLITE_NOTADB
)

// sqliteCode is err's SQLite result code, or 0.
func sqliteCode(err error) int {
	var c interface{ Code() int }
	if errors.As(err, &c) {
		return c.Code()
	}
	return 0
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool { return sqliteCode(err)&0xff == sqliteBusy }

// write runs fn in a write transaction and commits it. A file this
// process may not write fails with ErrReadOnly.
//
// Writers take turns on s.turn before they ask database/sql for the
// writer connection: a goroutine blocked on a channel is woken first in,
// first out, while database/sql hands a freed connection to a random
// waiter, which made some calls wait far longer than others
// (BenchmarkService, 128 clients: p99 417-423 ms without the turn).
func (s *SQLite) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.w == nil {
		return fmt.Errorf("%s: %w (opened read-only)", s.path, ErrReadOnly)
	}
	select {
	case s.turn <- struct{}{}:
		defer func() { <-s.turn }()
	case <-ctx.Done():
		return ctx.Err()
	}
	tx, err := s.begin(ctx)
	if err == nil {
		defer tx.Rollback()
		if err = fn(tx); err == nil {
			err = tx.Commit()
		}
	}
	if sqliteCode(err)&0xff == sqliteReadOnly {
		err = fmt.Errorf("%s: %w: %v", s.path, ErrReadOnly, err)
	}
	return err
}

// FileExists reports whether path names an existing file, so commands
// that only read can refuse to create a database by accident.
func FileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// nanos and fromNanos store times as Unix nanoseconds (unixNano); the
// zero time is NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return unixNano(t)
}

// The times Unix nanoseconds in an int64 can hold: 1677-09-21 to
// 2262-04-11.
var minNanoTime, maxNanoTime = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

// unixNano is t in Unix nanoseconds. A time outside the range they hold
// is stored as the nearest end of it, so that a far-off due time or lease
// stays far off: t.UnixNano() wraps around instead (a sleep due in 2311
// was stored as 1726 and fired at once). Times in the range round-trip
// exactly through fromNanos.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// nullString stores the empty string as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
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
