package engine

// This file checks that claims and inbox scans stay small however many
// instances a PostgreSQL store holds: the plans use the partial indexes,
// and BenchmarkClaimDue measures the claim's latency at 10,000 to
// 1,000,000 instances.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wf-lang/wf/internal/pgtest"
)

// fillPG adds n instances to s in one statement, as a store in service
// holds them: four in five completed, one in five waiting for a signal,
// with a consumed message in its inbox, one in twenty sleeping until a
// time to come; and due more instances running, due since a while.
func fillPG(t testing.TB, s *Postgres, n, due int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UnixNano()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO wf_programs VALUES ('fill', 'f.wf', 'x', '', 0, NULL)
			ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, pgFill, n, now, now+int64(time.Hour)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, pgFillDue, due, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO wf_inbox (instance, name, value, sent_at, consumed_by)
			SELECT id, 'go', '1', $1, 2 FROM wf_instances WHERE status = 'waiting'`, now)
		return err
	})
	if err == nil {
		_, err = s.pool.Exec(ctx, "ANALYZE")
	}
	if err != nil {
		t.Fatal(err)
	}
}

const pgFill = `INSERT INTO wf_instances (id, program, status, waiting_for, wake_at,
		version, activity_seq, next_seq, input, error, parent, created_at, updated_at)
	SELECT 'f' || g, 'fill',
		CASE WHEN g % 20 = 0 THEN 'sleeping' WHEN g % 5 = 0 THEN 'waiting' ELSE 'completed' END,
		CASE WHEN g % 5 = 0 AND g % 20 <> 0 THEN 'go'::bytea ELSE ''::bytea END,
		CASE WHEN g % 20 = 0 THEN $3 + g END,
		2, 0, 1, '{}', '', '', $2 - g, $2
	FROM generate_series(1, $1::bigint) g`

const pgFillDue = `INSERT INTO wf_instances (id, program, status, waiting_for, wake_at,
		version, activity_seq, next_seq, input, error, parent, created_at, updated_at)
	SELECT 'd' || g, 'fill', 'running', '', $2 - g, 1, 0, 1, '{}', '', '', $2 - g, $2
	FROM generate_series(1, $1::bigint) g`

// plan returns the planner's plan for query with args.
func plan(t *testing.T, s *Postgres, query string, args ...any) string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestPostgresScansUseIndexes: with 20,000 instances stored, the claim
// reads the wake-time index and the next-message lookup the index of
// queued messages, not the whole table: their cost follows the due
// instances and queued messages, not the instances stored.
func TestPostgresScansUseIndexes(t *testing.T) {
	pgtest.ServerDSN(t)
	s, err := OpenPostgres(context.Background(), pgtest.DSN(t), PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fillPG(t, s, 20000, 10)
	now := time.Now().UnixNano()
	claim := plan(t, s, pgClaim, now, 16, []byte("w"), now)
	if !strings.Contains(claim, "wf_instances_wake") || strings.Contains(claim, "Seq Scan") {
		t.Errorf("the claim's plan does not scan wf_instances_wake alone:\n%s", claim)
	}
	t.Logf("claim:\n%s", claim)
	next := plan(t, s, pgNextMessage, "f5", []byte("go"))
	t.Logf("next message:\n%s", next)
	if !strings.Contains(next, "wf_inbox_queued") || strings.Contains(next, "Seq Scan") {
		t.Errorf("the next message's plan does not scan wf_inbox_queued alone:\n%s", next)
	}
}

// BenchmarkClaimDue measures ClaimDue's latency in a store holding
// 10,000, 100,000 or 1,000,000 instances (bulk inserted, see fillPG),
// 1,000 of them due: each op claims one, then snoozes it back to its
// wake time, so it stays due. It reports the claim's p50 and p99; flat
// figures across sizes mean the claim reads the due instances only.
//
//	eval "$(.ci/postgres start)"
//	go test ./engine -run '^$' -bench ClaimDue -benchtime 2000x
func BenchmarkClaimDue(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			pgtest.ServerDSN(b)
			s, err := OpenPostgres(context.Background(), pgtest.DSN(b), PostgresOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			fillPG(b, s, n, 1000)
			runClaims(b, s)
		})
	}
}

// runClaims claims and snoozes b.N times and reports the claims' latency.
func runClaims(b *testing.B, s *Postgres) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		ids, err := s.ClaimDue(ctx, "w", time.Now(), time.Minute, 1)
		lat = append(lat, time.Since(t0))
		if err != nil || len(ids) != 1 {
			b.Fatalf("claimed %v, %v", ids, err)
		}
		if err := s.Snooze(ctx, ids[0], 1, "w", time.Now().Add(-time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
