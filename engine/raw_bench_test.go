package engine_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wf-lang/wf/internal/pgtest"
)

// BenchmarkRawPostgres is the physical limit beside BenchmarkWorkers on
// PostgreSQL: the SQL work of a cycle written straight with pgx, no wf.
// Four clients each start an instance (insert the head row and a first
// version with a 400-byte snapshot, one transaction) and signal it
// (insert the message and make the head due, another); 1, 2 or 4
// workers, each with a pool of its own, claim due rows with one FOR
// UPDATE SKIP LOCKED statement, read the head and the message, and
// commit the next version: an update checked by version and lease
// token, an insert, the message consumed. With batch=on a worker commits
// the rows of one claim in one transaction, as wf's worker does.
//
//	eval "$(.ci/postgres start)"
//	go test ./engine -run '^$' -bench 'Workers/postgres|RawPostgres' -benchtime 400x
func BenchmarkRawPostgres(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		for _, batch := range []string{"on", "off"} {
			b.Run(fmt.Sprintf("workers=%d/batch=%s", workers, batch), func(b *testing.B) {
				runRaw(b, pgtest.DSN(b), workers, batch == "on", false)
			})
		}
	}
}

const rawSchema = `
CREATE TABLE heads (id bigint PRIMARY KEY, status text NOT NULL, version bigint NOT NULL,
	wake_at bigint, lease_owner text, lease_until bigint, lease_token bigint NOT NULL DEFAULT 0);
CREATE INDEX heads_due ON heads (wake_at) WHERE wake_at IS NOT NULL;
CREATE TABLE versions (id bigint, n bigint, status text, snapshot bytea, printed bytea, PRIMARY KEY (id, n));
CREATE TABLE inbox (seq bigserial PRIMARY KEY, id bigint NOT NULL, name text NOT NULL, value bytea, consumed_by bigint);
CREATE INDEX inbox_queued ON inbox (id, name, seq) WHERE consumed_by IS NULL`

// runRaw runs b.N raw cycles through workers; pipelined, each
// transaction's statements go in one round trip (rawPipelined).
func runRaw(b *testing.B, dsn string, workers int, batch, pipelined bool) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	front := rawPool(b, dsn)
	if _, err := front.Exec(ctx, rawSchema); err != nil {
		b.Fatal(err)
	}
	var done atomic.Int64
	var running sync.WaitGroup
	for w := range workers {
		p := rawPool(b, dsn)
		running.Go(func() { rawWorker(ctx, b, p, fmt.Sprint("w", w), batch, pipelined, &done) })
	}
	b.ResetTimer()
	var clients sync.WaitGroup
	for c := range benchClients {
		clients.Go(func() {
			for i := c; i < b.N; i += benchClients {
				start := rawStartAndSignal
				if pipelined {
					start = rawStartAndSignalPipelined
				}
				if err := start(ctx, front, int64(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	clients.Wait()
	for done.Load() < int64(b.N) && !b.Failed() {
		time.Sleep(2 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
	stop()
	running.Wait()
}

func rawPool(b *testing.B, dsn string) *pgxpool.Pool {
	p, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	return p
}

// rawStartAndSignal is a client's two transactions: start, then signal.
func rawStartAndSignal(ctx context.Context, p *pgxpool.Pool, id int64) error {
	err := pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO heads (id, status, version) VALUES ($1, 'waiting', 1)`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO versions VALUES ($1, 1, 'waiting', $2, NULL)`, id, benchSnapshot)
		return err
	})
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO inbox (id, name, value) VALUES ($1, 'go', '1')`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE heads SET wake_at = $1 WHERE id = $2 AND status = 'waiting'`, time.Now().UnixNano(), id)
		return err
	})
}

// rawHead is a claimed row as a worker reads it before committing.
type rawHead struct {
	id, version, token, msg int64
}

// rawWorker claims and completes due rows until ctx ends.
func rawWorker(ctx context.Context, b *testing.B, p *pgxpool.Pool, owner string, batch, pipelined bool, done *atomic.Int64) {
	claim, commit := rawClaim, rawCommit
	if pipelined {
		claim = rawClaimPipelined
		commit = func(ctx context.Context, tx pgx.Tx, heads ...rawHead) error {
			return rawCommitPipelined(ctx, tx, heads...)
		}
	}
	for ctx.Err() == nil {
		heads, err := claim(ctx, p, owner)
		if err == nil && batch && len(heads) > 0 {
			err = pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error { return commit(ctx, tx, heads...) })
		} else if err == nil {
			for _, h := range heads {
				if pipelined { // one round trip, an implicit transaction
					err = rawCommitPipelined(ctx, p, h)
				} else {
					err = pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error { return commit(ctx, tx, h) })
				}
				if err != nil {
					break
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			b.Error(err)
			return
		}
		done.Add(int64(len(heads)))
		if len(heads) == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// rawClaim claims up to 16 due rows and reads each one's head with its
// snapshot, and its message, as a worker's State and NextMessage do.
func rawClaim(ctx context.Context, p *pgxpool.Pool, owner string) ([]rawHead, error) {
	now := time.Now().UnixNano()
	rows, err := p.Query(ctx, `WITH due AS (
		SELECT id FROM heads WHERE wake_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
		ORDER BY wake_at LIMIT 16 FOR UPDATE SKIP LOCKED)
	UPDATE heads h SET lease_owner = $2, lease_until = $3, lease_token = h.lease_token + 1
	FROM due WHERE h.id = due.id RETURNING h.id`, now, owner, now+int64(time.Minute))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	heads := make([]rawHead, len(ids))
	for i, id := range ids {
		if err != nil {
			break
		}
		h := &heads[i]
		h.id = id
		var snapshot []byte
		err = p.QueryRow(ctx, `SELECT h.version, h.lease_token, v.snapshot FROM heads h
			JOIN versions v ON v.id = h.id AND v.n = h.version WHERE h.id = $1`, id).Scan(&h.version, &h.token, &snapshot)
		if err == nil {
			err = p.QueryRow(ctx, `SELECT seq FROM inbox WHERE id = $1 AND name = 'go' AND consumed_by IS NULL
				ORDER BY seq LIMIT 1`, id).Scan(&h.msg)
		}
	}
	return heads, err
}

// rawCommit completes heads in tx: each head checked by version and
// lease token, its next version inserted, its message consumed.
func rawCommit(ctx context.Context, tx pgx.Tx, heads ...rawHead) error {
	for _, h := range heads {
		tag, err := tx.Exec(ctx, `UPDATE heads SET status = 'completed', version = $1, wake_at = NULL,
			lease_owner = NULL, lease_until = NULL WHERE id = $2 AND version = $3 AND lease_token = $4`,
			h.version+1, h.id, h.version, h.token)
		if err == nil && tag.RowsAffected() != 1 {
			err = fmt.Errorf("row %d moved", h.id)
		}
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO versions VALUES ($1, $2, 'completed', $3, '1')`, h.id, h.version+1, benchSnapshot)
		}
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE inbox SET consumed_by = $1 WHERE seq = $2 AND consumed_by IS NULL`, h.version+1, h.msg)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rawStartAndSignalPipelined is rawStartAndSignal with each transaction
// in one round trip: a pipeline, which the server runs as one implicit
// transaction.
func rawStartAndSignalPipelined(ctx context.Context, p *pgxpool.Pool, id int64) error {
	var start pgx.Batch
	start.Queue(`INSERT INTO heads (id, status, version) VALUES ($1, 'waiting', 1)`, id)
	start.Queue(`INSERT INTO versions VALUES ($1, 1, 'waiting', $2, NULL)`, id, benchSnapshot)
	if err := p.SendBatch(ctx, &start).Close(); err != nil {
		return err
	}
	var signal pgx.Batch
	signal.Queue(`INSERT INTO inbox (id, name, value) VALUES ($1, 'go', '1')`, id)
	signal.Queue(`UPDATE heads SET wake_at = $1 WHERE id = $2 AND status = 'waiting'`, time.Now().UnixNano(), id)
	return p.SendBatch(ctx, &signal).Close()
}

// rawClaimPipelined is rawClaim reading each head, its snapshot and its
// message in one query.
func rawClaimPipelined(ctx context.Context, p *pgxpool.Pool, owner string) ([]rawHead, error) {
	now := time.Now().UnixNano()
	rows, err := p.Query(ctx, `WITH due AS (
		SELECT id FROM heads WHERE wake_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
		ORDER BY wake_at LIMIT 16 FOR UPDATE SKIP LOCKED)
	UPDATE heads h SET lease_owner = $2, lease_until = $3, lease_token = h.lease_token + 1
	FROM due WHERE h.id = due.id RETURNING h.id`, now, owner, now+int64(time.Minute))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	heads := make([]rawHead, len(ids))
	for i, id := range ids {
		if err != nil {
			break
		}
		h := &heads[i]
		h.id = id
		var snapshot []byte
		err = p.QueryRow(ctx, `SELECT h.version, h.lease_token, v.snapshot, m.seq FROM heads h
			JOIN versions v ON v.id = h.id AND v.n = h.version
			JOIN LATERAL (SELECT seq FROM inbox WHERE id = h.id AND name = 'go' AND consumed_by IS NULL
				ORDER BY seq LIMIT 1) m ON true
			WHERE h.id = $1`, id).Scan(&h.version, &h.token, &snapshot, &h.msg)
	}
	return heads, err
}

// rawCommitPipelined is rawCommit with the statements of all heads in
// one round trip, in tx or, on a pool, in an implicit transaction.
func rawCommitPipelined(ctx context.Context, tx interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}, heads ...rawHead) error {
	var b pgx.Batch
	for _, h := range heads {
		b.Queue(`UPDATE heads SET status = 'completed', version = $1, wake_at = NULL,
			lease_owner = NULL, lease_until = NULL WHERE id = $2 AND version = $3 AND lease_token = $4`,
			h.version+1, h.id, h.version, h.token)
		b.Queue(`INSERT INTO versions VALUES ($1, $2, 'completed', $3, '1')`, h.id, h.version+1, benchSnapshot)
		b.Queue(`UPDATE inbox SET consumed_by = $1 WHERE seq = $2 AND consumed_by IS NULL`, h.version+1, h.msg)
	}
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	for _, h := range heads {
		tag, err := br.Exec()
		if err == nil && tag.RowsAffected() != 1 {
			err = fmt.Errorf("row %d moved", h.id)
		}
		for j := 0; j < 2 && err == nil; j++ {
			_, err = br.Exec()
		}
		if err != nil {
			return err
		}
	}
	return br.Close()
}
