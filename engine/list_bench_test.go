package engine

// This file measures List's pages in a store of 100,000 instances: the
// first page and one deep in the list (after a cursor), unfiltered and
// by status, in SQLite and PostgreSQL.

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wf-lang/wf/internal/pgtest"
)

// sqliteFill is fillPG's instances for SQLite.
const sqliteFill = `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
	INSERT INTO instances (id, program, status, waiting_for, wake_at, version, activity_seq, next_seq,
		input, error, parent, created_at, updated_at)
	SELECT 'f' || n, 'fill',
		CASE WHEN n % 20 = 0 THEN 'sleeping' WHEN n % 5 = 0 THEN 'waiting' ELSE 'completed' END,
		CASE WHEN n % 5 = 0 AND n % 20 <> 0 THEN 'go' ELSE '' END,
		CASE WHEN n % 20 = 0 THEN ? + n END,
		2, 0, 1, '{}', '', '', ? - n, ?
	FROM g`

func fillSQLite(b *testing.B, s *SQLite, n int) {
	now := time.Now().UnixNano()
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO programs VALUES ('fill', 'f.wf', 'x', '', 0, NULL)`); err != nil {
		b.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, sqliteFill, n, now+int64(time.Hour), now, now); err != nil {
		b.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListPage: a page of 50 of 100,000 instances, first and
// 50,000 deep, in both stores.
//
//	eval "$(.ci/postgres start)"
//	go test ./engine -run '^$' -bench ListPage -benchtime 200x
func BenchmarkListPage(b *testing.B) {
	const n = 100_000
	b.Run("store=sqlite", func(b *testing.B) {
		s, err := OpenSQLite(filepath.Join(b.TempDir(), "wf.db"), SQLiteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fillSQLite(b, s, n)
		listPages(b, s, n)
	})
	b.Run("store=postgres", func(b *testing.B) {
		pgtest.ServerDSN(b)
		s, err := OpenPostgres(context.Background(), pgtest.DSN(b), PostgresOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fillPG(b, s, n, 0)
		listPages(b, s, n)
	})
}

func listPages(b *testing.B, s Store, n int) {
	ctx := context.Background()
	mid, err := s.List(ctx, Filter{Limit: n / 2})
	if err != nil || len(mid) != n/2 {
		b.Fatalf("%d instances, %v", len(mid), err)
	}
	deep := CursorOf(mid[len(mid)-1])
	for _, c := range []struct {
		name string
		f    Filter
	}{
		{"first", Filter{Limit: 50}},
		{"deep", Filter{Limit: 50, After: deep}},
		{"waiting/first", Filter{Limit: 50, Status: Waiting}},
		{"waiting/deep", Filter{Limit: 50, Status: Waiting, After: deep}},
		{"id-prefix", Filter{Limit: 50, IDPrefix: "f4242"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				list, err := s.List(ctx, c.f)
				if err != nil || len(list) == 0 {
					b.Fatalf("%d, %v", len(list), err)
				}
			}
		})
	}
}
