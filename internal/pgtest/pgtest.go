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
	server := ServerDSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connecting to %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	var b [8]byte
	rand.Read(b[:])
	schema := "wf_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(t, server, schema)
}

// WithSearchPath returns dsn (a URL or key=value string) with its
// search_path set to schema.
func WithSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
