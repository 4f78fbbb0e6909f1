package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/engine/storetest"
	"github.com/wf-lang/wf/internal/pgtest"
)

// TestSQLiteConformance holds the SQLite store to the Store contract.
func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) engine.Store {
		s, err := engine.OpenSQLite(filepath.Join(t.TempDir(), "wf.db"), engine.SQLiteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestPostgresConformance holds the PostgreSQL store to the Store
// contract, each subtest in a schema of its own ($WF_TEST_POSTGRES).
func TestPostgresConformance(t *testing.T) {
	pgtest.ServerDSN(t)
	storetest.Run(t, func(t *testing.T) engine.Store { return openPostgres(t) })
}

// openPostgres opens a store in a new schema of the test server.
func openPostgres(t *testing.T) *engine.Postgres {
	t.Helper()
	s, err := engine.OpenPostgres(context.Background(), pgtest.DSN(t), engine.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
