// Package pgtest gives tests a PostgreSQL schema of their own on the
// server named by $WF_TEST_POSTGRES.
//
// Without $WF_TEST_POSTGRES a test that asks for one is skipped, with a
// message that says how to start a server (.ci/postgres); under CI
// (CI=true) it fails instead, so that CI cannot pass without having run
// the PostgreSQL tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server.
const Env = "WF_TEST_POSTGRES"

// howTo says how to run the PostgreSQL tests.
const howTo = Env + " is not set: the PostgreSQL tests need a server. Start a throwaway one with\n" +
	"\teval \"$(.ci/postgres start)\"\n" +
	"(from the repository root; .ci/postgres stop stops it), or set " + Env + " to a DSN such as\n" +
	"\tpostgres://user:password@localhost:5432/db"

// ServerDSN returns $WF_TEST_POSTGRES; without it the test skips, or
// fails under CI.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but " + howTo)
		}
		t.Skip(howTo)
	}
	return dsn
}

// DSN creates a new empty schema on the test server, dropped with
// everything in it when the test ends, and returns a DSN whose
// search_path is that schema: each test has a database of its own.
func DSN(t testing.TB) string {
	t.Helper()
	dsn, drop, err := NewSchema(context.Background(), ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return dsn
}

// NewSchema creates a new empty schema on the server and returns a DSN
// whose search_path is that schema, and a function that drops it with
// everything in it.
func NewSchema(ctx context.Context, server string) (dsn string, drop func() error, err error) {
	var b [8]byte
	rand.Read(b[:])
	schema := "wf_test_" + hex.EncodeToString(b[:])
	if dsn, err = WithSearchPath(server, schema); err != nil {
		return "", nil, err
	}
	if err := execOn(ctx, server, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	return dsn, func() error { return execOn(ctx, server, "DROP SCHEMA "+schema+" CASCADE") }, nil
}

// execOn runs one statement on a connection of its own to dsn.
func execOn(ctx context.Context, dsn, stmt string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connecting to $%s: %w", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// WithSearchPath returns dsn (a URL or key=value string) with its
// search_path set to schema.
func WithSearchPath(dsn, schema string) (string, error) {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("$%s: %w", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
