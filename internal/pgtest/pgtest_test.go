package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestDSNIsolates: each DSN's search_path is a schema of its own, empty,
// and gone once its test ends.
func TestDSNIsolates(t *testing.T) {
	server := ServerDSN(t)
	ctx := context.Background()
	var schemas [2]string
	t.Run("pair", func(t *testing.T) {
		for i := range schemas {
			conn, err := pgx.Connect(ctx, DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var tables int
			err = conn.QueryRow(ctx, `SELECT current_schema(),
				(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())`).Scan(&schemas[i], &tables)
			if err != nil || tables != 0 {
				t.Fatalf("schema %q: %d tables, %v; want a new empty schema", schemas[i], tables, err)
			}
			if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
				t.Fatal(err)
			}
		}
		if schemas[0] == schemas[1] {
			t.Errorf("two DSNs share schema %s", schemas[0])
		}
	})
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1)`, schemas[:]).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d of the test's schemas left after it ended (%v)", left, err)
	}
}

// TestWithSearchPath sets the schema in both forms of DSN.
func TestWithSearchPath(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u@h/db?sslmode=disable": "postgres://u@h/db?search_path=s&sslmode=disable",
		"host=/tmp dbname=db":               "host=/tmp dbname=db search_path=s",
	} {
		if got, err := WithSearchPath(dsn, "s"); got != want || err != nil {
			t.Errorf("WithSearchPath(%q) = %q, %v; want %q", dsn, got, err, want)
		}
	}
}
