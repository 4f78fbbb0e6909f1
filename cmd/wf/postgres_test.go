package main

import (
	"context"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wf-lang/wf/internal/pgtest"
)

// TestPostgresScripts runs the scripts in testdata/pgscript with $WF_DB
// set to a PostgreSQL schema of their own ($PGDB too, for --db), on the
// server $WF_TEST_POSTGRES names; without one they skip (and fail under
// CI=true), as every PostgreSQL test does.
func TestPostgresScripts(t *testing.T) {
	server := pgtest.ServerDSN(t)
	testscript.Run(t, testscript.Params{Dir: "testdata/pgscript", Setup: func(env *testscript.Env) error {
		dsn, drop, err := pgtest.NewSchema(context.Background(), server)
		if err != nil {
			return err
		}
		env.Defer(func() {
			if err := drop(); err != nil {
				env.T().Log(err)
			}
		})
		env.Setenv("WF_DB", dsn)
		env.Setenv("PGDB", dsn)
		return nil
	}})
}

// TestWhereHidesPassword: what wf says about a database never shows the
// password of its URL.
func TestWhereHidesPassword(t *testing.T) {
	for path, want := range map[string]string{
		"wf.db":                         "wf.db",
		"postgres://u:secret@h:5432/db": "postgres://u:xxxxx@h:5432/db",
		"postgresql://u@h/db":           "postgresql://u@h/db",
	} {
		if got := (&dbFlags{path: path}).where(); got != want {
			t.Errorf("where(%q) = %q, want %q", path, got, want)
		}
	}
}
