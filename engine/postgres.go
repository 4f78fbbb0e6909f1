package engine

// This file defines the PostgreSQL store: a pgx connection pool over one
// schema of a PostgreSQL database, shared by any number of processes on
// any number of hosts.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresOptions configure OpenPostgres.
type PostgresOptions struct {
	// ReadOnly opens an existing wf schema only to read it: it is never
	// created or migrated, every connection's transactions are read-only
	// (default_transaction_read_only), and every write fails with
	// ErrReadOnly. wf list, show and history use it.
	ReadOnly bool
	// MaxConns bounds the pool; default pgxpool's (4, or the number of
	// CPUs if more). A DSN's pool_max_conns sets it too.
	MaxConns int32
}

// Postgres is the Store for many workers on many hosts: every method is
// one transaction on a pooled connection, at PostgreSQL's default
// isolation (READ COMMITTED), made safe by row locks on the instance's
// head row rather than by a single writer:
//
//   - Commit, TakeLease and Snooze update the head row with the version
//     (and owner) they expect in the WHERE clause, so the row lock decides
//     which of two racing calls wins; the loser matches no row
//     (ErrConflict, or no lease).
//   - Send locks the head row (SELECT ... FOR UPDATE) before it queues a
//     signal, so a Commit that makes the instance wait for that name
//     either runs wholly before it (Send's wake-up then sees the wait) or
//     wholly after it (the Commit's wake-up then sees the message): a
//     signal is never left unnoticed.
//   - ClaimDue is one statement: the due rows are picked FOR UPDATE SKIP
//     LOCKED, so workers claiming at once take disjoint sets without
//     waiting for each other, and each claim adds one to the row's lease
//     token.
//
// Times are stored as Unix nanoseconds (bigint), as in the SQLite store,
// so that they round-trip exactly; timestamptz keeps only microseconds.
// Text that a workflow or a caller chooses (output, inputs, signal names
// and values, errors) is stored as bytea: PostgreSQL text refuses NUL
// bytes and invalid UTF-8, which a .wf string may hold.
type Postgres struct {
	pool     *pgxpool.Pool
	where    string // the server, database and schema, for messages (no password)
	schema   string // the schema wf's tables are in
	readOnly bool

	// The wake hints' notifier (postgres_wake.go); nil when read-only.
	hints, done, stopped chan struct{}
	closing              sync.Once
}

var _ Store = (*Postgres)(nil)

// IsPostgresDSN reports whether dsn names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgresDSN(dsn string) bool {
	scheme, _, ok := strings.Cut(dsn, "://")
	return ok && (scheme == "postgres" || scheme == "postgresql")
}

// OpenPostgres connects to the PostgreSQL database dsn names (a
// postgres:// URL or key=value string, as libpq takes them) and brings
// the wf schema in it up to date: the tables live in the first schema of
// the connection's search_path (public unless the DSN says otherwise, as
// in ?search_path=wf). It refuses a schema that holds tables of another
// application or a newer wf schema (ErrNotOurs, ErrSchema), leaving it
// untouched. Close closes the pool.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgconn redacts the password
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Postgres{pool: pool, where: describeDSN(cfg.ConnConfig), readOnly: opts.ReadOnly}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if !s.readOnly {
		s.startNotifier()
	}
	return s, nil
}

// describeDSN names a connection for messages: host, port, database,
// never the password.
func describeDSN(c *pgx.ConnConfig) string {
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", c.Host, c.Port), Path: "/" + c.Database}
	if strings.HasPrefix(c.Host, "/") {
		u.Host, u.RawQuery = "", "host="+c.Host
	}
	if c.User != "" {
		u.User = url.User(c.User)
	}
	return u.String()
}

// init checks the schema is wf's (or empty) and migrates it; read-only,
// it only checks that it has this wf's schema version.
func (s *Postgres) init(ctx context.Context) error {
	var schema *string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		if mapped := s.mapErr(err); mapped != err {
			return mapped // it names s.where
		}
		return fmt.Errorf("%s: %w", s.where, err)
	}
	if schema == nil {
		return fmt.Errorf("%s: no schema to keep wf's tables in: none of the search_path exists", s.where)
	}
	s.schema = *schema
	if s.readOnly {
		return s.checkSchema(ctx)
	}
	return s.migrate(ctx)
}

// Close stops the wake hints and closes the pool; closing again does
// nothing.
func (s *Postgres) Close() error {
	s.closing.Do(func() {
		s.stopNotifier()
		s.pool.Close()
	})
	return nil
}

// PostgreSQL error codes (SQLSTATE) the store tells apart.
const (
	pgSerialization = "40001" // serialization_failure
	pgDeadlock      = "40P01" // deadlock_detected
	pgLockNotAvail  = "55P03" // lock_not_available
	pgTooManyConns  = "53300" // too_many_connections
	pgReadOnlyTx    = "25006" // read_only_sql_transaction
)

// mapErr gives the errors a Store promises their sentinels: contention
// the server gave up on is ErrBusy, a write to a read-only transaction or
// a standby ErrReadOnly, a server out of reach ErrUnavailable, a missing
// row ErrNotFound (by notFoundPG).
func (s *Postgres) mapErr(err error) error {
	var pe *pgconn.PgError
	switch {
	case err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case !errors.As(err, &pe):
		if unreachable(err) {
			return fmt.Errorf("%s: %w: %w", s.where, ErrUnavailable, err)
		}
		return err
	}
	switch {
	case pe.Code == pgSerialization, pe.Code == pgDeadlock, pe.Code == pgLockNotAvail, pe.Code == pgTooManyConns:
		return fmt.Errorf("%s: %w: %w", s.where, ErrBusy, err)
	case pe.Code == pgReadOnlyTx:
		return fmt.Errorf("%s: %w: %w", s.where, ErrReadOnly, err)
	case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"):
		// connection_exception, and the server shutting down or starting
		return fmt.Errorf("%s: %w: %w", s.where, ErrUnavailable, err)
	}
	return err
}

// unreachable reports whether err, not from the server, says it could
// not be reached: a failed connect, a connection lost (io.EOF, a net
// error), or one pgconn knows sent nothing.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// notFoundPG turns "no row" into ErrNotFound for what.
func notFoundPG(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

// write runs fn in a transaction and commits it; the store opened
// read-only writes nothing.
func (s *Postgres) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("%s: %w (opened read-only)", s.where, ErrReadOnly)
	}
	return s.mapErr(pgx.BeginFunc(ctx, s.pool, fn))
}

// pipeline sends b in one round trip as an implicit transaction, which
// commits (and, with synchronous_commit on, is flushed) before the
// server's reply to the batch's Sync, which br.Close waits for, and reads
// its results with read. A statement that fails makes the server skip
// the rest and roll the whole batch back; an error read itself returns
// rolls nothing back, so a batch must be written to write nothing where
// read refuses (Send's insert of a signal for a finished instance
// inserts no row). The store opened read-only writes nothing.
func (s *Postgres) pipeline(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	if s.readOnly {
		return fmt.Errorf("%s: %w (opened read-only)", s.where, ErrReadOnly)
	}
	br := s.pool.SendBatch(ctx, b)
	err := read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return s.mapErr(err)
}

// bin reads a column holding text a workflow chose into a string: a
// bytea column of the PostgreSQL store, a text column of SQLite's. NULL
// reads as "".
type bin struct{ s *string }

// ScanBytes implements pgtype.BytesScanner; src is the driver's buffer,
// so it is copied.
func (b bin) ScanBytes(src []byte) error {
	*b.s = string(src)
	return nil
}

// Scan implements sql.Scanner, for SQLite.
func (b bin) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*b.s = v
	case []byte:
		*b.s = string(v)
	case nil:
		*b.s = ""
	default:
		return fmt.Errorf("a %T where text was stored", src)
	}
	return nil
}
