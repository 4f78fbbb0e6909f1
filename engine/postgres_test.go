package engine_test

// Tests of what is particular to the PostgreSQL store: claiming a schema,
// migrations, read-only use, and engines with workers sharing one
// database. The Store contract itself is checked by
// TestPostgresConformance.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/internal/pgtest"
	"github.com/wf-lang/wf/vm"
)

// connectPG connects to dsn, outside any store, until the test ends.
func connectPG(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// execPG runs statements on dsn's schema, outside any store.
func execPG(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn := connectPG(t, dsn)
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestPostgresRefusesOtherSchemas: a schema with another application's
// tables, or wf's tables of a newer version, is refused and left as it
// was; a read-only store neither creates tables nor writes.
func TestPostgresRefusesOtherSchemas(t *testing.T) {
	pgtest.ServerDSN(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		setup []string
		ro    bool
		want  error
	}{
		{"foreign table", []string{"CREATE TABLE accounts (id int)"}, false, engine.ErrNotOurs},
		{"foreign wf_meta", []string{"CREATE TABLE wf_meta (key text PRIMARY KEY, value text NOT NULL)",
			"INSERT INTO wf_meta VALUES ('application', 'payroll')"}, false, engine.ErrNotOurs},
		{"newer schema", []string{"UPDATE wf_meta SET value = '999' WHERE key = 'schema_version'"}, false, engine.ErrSchema},
		{"newer schema read-only", []string{"UPDATE wf_meta SET value = '999' WHERE key = 'schema_version'"}, true, engine.ErrSchema},
		{"empty read-only", nil, true, engine.ErrNotOurs},
	} {
		t.Run(c.name, func(t *testing.T) {
			dsn := pgtest.DSN(t)
			if strings.HasPrefix(c.name, "newer") {
				s, err := engine.OpenPostgres(ctx, dsn, engine.PostgresOptions{})
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
			execPG(t, dsn, c.setup...)
			before := dumpSchema(t, dsn)
			_, err := engine.OpenPostgres(ctx, dsn, engine.PostgresOptions{ReadOnly: c.ro})
			if !errors.Is(err, c.want) {
				t.Errorf("OpenPostgres: %v, want %v", err, c.want)
			}
			if after := dumpSchema(t, dsn); after != before {
				t.Errorf("the refused schema changed:\n%s\nto\n%s", before, after)
			}
		})
	}
}

// dumpSchema describes the tables of dsn's schema and wf_meta's rows.
func dumpSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn := connectPG(t, dsn)
	var out string
	err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '')
		FROM pg_tables WHERE schemaname = current_schema()`).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "wf_meta") {
		var meta string
		conn.QueryRow(ctx, `SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM wf_meta`).Scan(&meta)
		out += " " + meta
	}
	return out
}

// TestPostgresOpenConcurrently: processes opening one new database at
// once all succeed; one of them creates the schema.
func TestPostgresOpenConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := engine.OpenPostgres(context.Background(), dsn, engine.PostgresOptions{MaxConns: 2})
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
			s.Close() // twice: the second does nothing
		})
	}
	wg.Wait()
	want := fmt.Sprintf("wf_inbox,wf_instances,wf_meta,wf_programs,wf_versions application=wf durable workflows,schema_version=%d", engine.PGSchemaVersion)
	if got := dumpSchema(t, dsn); got != want {
		t.Errorf("schema after concurrent opens: %s", got)
	}
}

// TestPostgresReadOnly: a read-only store reads a wf schema and refuses
// every write with ErrReadOnly.
func TestPostgresReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	e, err := engine.OpenPostgresEngine(ctx, dsn, engine.Options{}, engine.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.Start(ctx, "a.wf", []byte(`print(wait("go"))`), nil)
	e.Close()
	if err != nil {
		t.Fatal(err)
	}
	ro, err := engine.OpenPostgres(ctx, dsn, engine.PostgresOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if h, err := ro.Head(ctx, id); err != nil || h.WaitingFor != "go" {
		t.Errorf("Head on a read-only store: %+v, %v", h, err)
	}
	_, err = ro.Send(ctx, id, "go", "1", time.Now())
	if !errors.Is(err, engine.ErrReadOnly) {
		t.Errorf("Send on a read-only store: %v, want ErrReadOnly", err)
	}
}

// TestPostgresBadDSN: a DSN that does not parse, or names no server, is
// an error naming the problem, without the password; a server out of
// reach is ErrUnavailable.
func TestPostgresBadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for dsn, unavailable := range map[string]bool{
		"postgres://u:secret@[::1":                                    false,
		"postgres://u:secret@/db?host=/nonexistent&connect_timeout=5": true,
	} {
		_, err := engine.OpenPostgres(ctx, dsn, engine.PostgresOptions{})
		if err == nil || strings.Contains(err.Error(), "secret") || errors.Is(err, engine.ErrUnavailable) != unavailable {
			t.Errorf("OpenPostgres(%q): %v; want an error without the password, ErrUnavailable %v", dsn, err, unavailable)
		}
	}
}

// TestPostgresWorkers: engines with their own pools, as processes on
// several hosts would have, share one database; two run workers while
// signals come in through a third. Every instance completes, and every
// activity key is called once.
func TestPostgresWorkers(t *testing.T) {
	const n = 30
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	dsn := pgtest.DSN(t)
	var calls sync.Map
	act := engine.Activity{Name: "place_order", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		if _, dup := calls.LoadOrStore(key, true); dup {
			t.Errorf("activity key %s called twice", key)
		}
		return vm.String("PO-" + key), nil
	}}
	open := func() *engine.Engine {
		e, err := engine.OpenPostgresEngine(ctx, dsn, engine.Options{Activities: []engine.Activity{act}, Detached: true}, engine.PostgresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	front := open()
	var workers sync.WaitGroup
	for range 2 {
		e := open()
		workers.Go(func() {
			if err := e.Work(ctx, engine.WorkerOptions{Poll: 5 * time.Millisecond}); err != nil {
				t.Error(err)
			}
		})
	}
	src := []byte(`let r = input()
if wait("approve")["ok"] { print(place_order(r["n"])) }`)
	for i := range n {
		id, err := front.Start(ctx, "s.wf", src, fmt.Appendf(nil, `{"n": %d}`, i))
		if err == nil {
			_, err = front.Signal(ctx, id, "approve", []byte(`{"ok": true}`))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	waitCompleted(t, front, n)
	stop()
	workers.Wait()
}

// waitCompleted waits until n instances have completed, and fails if
// they have not within a minute (a hang, not a speed check).
func waitCompleted(t *testing.T, e *engine.Engine, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		list, err := e.Store().List(context.Background(), engine.Filter{Status: engine.Completed})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d instances completed after a minute", len(list), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPostgresTamperedOutputIsCorrupt: output parts that do not add up
// to their stored length, or a reference that points forward, are
// ErrCorrupt for every reader, as in the SQLite store.
func TestPostgresTamperedOutputIsCorrupt(t *testing.T) {
	ctx := context.Background()
	src := []byte("for i in range(3) {\n    print(i)\n    wait(\"go\")\n}\n")
	for _, tamper := range []string{
		`UPDATE wf_versions SET output_len = output_len + 1 WHERE version = 3`,
		`UPDATE wf_versions SET output_from = 3 WHERE version = 2`,
		`UPDATE wf_versions SET output_from = 9 WHERE version = 3`,
	} {
		dsn := pgtest.DSN(t)
		e, err := engine.OpenPostgresEngine(ctx, dsn, engine.Options{}, engine.PostgresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		id, err := e.Start(ctx, "p.wf", src, nil)
		for range 2 {
			if err == nil {
				_, err = e.Signal(ctx, id, "go", nil)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		execPG(t, dsn, tamper)
		_, vErr := e.Store().Version(ctx, id, 3)
		_, hErr := e.Store().Head(ctx, id)
		_, histErr := e.History(ctx, id)
		for what, err := range map[string]error{"Version": vErr, "Head": hErr, "History": histErr} {
			if !errors.Is(err, engine.ErrCorrupt) {
				t.Errorf("%s, then %s: %v, want ErrCorrupt", tamper, what, err)
			}
		}
	}
}
