package engine

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgPrune is Prune's SQL for PostgreSQL (see pruneSQL).
var pgPrune = pruneSQL{
	finished: `SELECT id FROM wf_instances WHERE status IN ('completed', 'failed', 'cancelled')
		AND updated_at < $1 AND version > $2 ORDER BY id`,
	head: `SELECT version FROM wf_instances WHERE id = $1
		AND status IN ('completed', 'failed', 'cancelled') FOR UPDATE`,
	cutFrom: `SELECT version FROM wf_versions WHERE instance = $1 AND version > $2
		AND output_from BETWEEN 1 AND $2`,
	output:    pgOutput,
	setOutput: `UPDATE wf_versions SET printed = $1, output_from = 0 WHERE instance = $2 AND version = $3`,
	copySnapshots: `UPDATE wf_versions v SET snapshot = s.snapshot, snap_version = v.version
		FROM wf_versions s WHERE v.instance = $1 AND v.version > $2 AND v.snap_version <= $2
		AND s.instance = v.instance AND s.version = v.snap_version`,
	deltas: `SELECT version FROM wf_versions WHERE instance = $1 AND version > $2
		AND substring(snapshot from 1 for length($3::bytea)) = $3::bytea`,
	snapshot:    `SELECT snapshot FROM wf_versions WHERE instance = $1 AND version = $2 AND snapshot IS NOT NULL`,
	setSnapshot: `UPDATE wf_versions SET snapshot = $1 WHERE instance = $2 AND version = $3`,
	delete:      `DELETE FROM wf_versions WHERE instance = $1 AND version <= $2`,
}

// Prune deletes old versions of finished instances, one instance per
// transaction, holding its head row's lock.
func (s *Postgres) Prune(ctx context.Context, keep int, finishedBefore time.Time) (Pruned, error) {
	if err := checkKeep(keep); err != nil {
		return Pruned{}, err
	}
	if s.readOnly {
		return Pruned{}, s.write(ctx, nil)
	}
	rows, err := s.pool.Query(ctx, pgPrune.finished, unixNano(finishedBefore), keep)
	if err != nil {
		return Pruned{}, s.mapErr(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	var out Pruned
	for _, id := range ids {
		if err != nil {
			break
		}
		var n int64
		err = s.write(ctx, func(tx pgx.Tx) error {
			n, err = pgPruneRows(ctx, tx).prune(id, keep)
			return err
		})
		if n > 0 {
			out.Instances++
			out.Versions += n
		}
	}
	return out, s.mapErr(err)
}

// pgPruneRows runs pruneRows's statements in tx.
func pgPruneRows(ctx context.Context, tx pgx.Tx) pruneRows {
	return pruneRows{
		ints: func(q string, args ...any) ([]int64, error) {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[int64])
		},
		parts: func(q string, args ...any) ([]string, error) {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
				var s string
				err := r.Scan(bin{&s})
				return s, err
			})
		},
		blobs: func(q string, args ...any) ([][]byte, error) {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[[]byte])
		},
		x: func(q string, args ...any) (int64, error) {
			tag, err := tx.Exec(ctx, q, args...)
			return tag.RowsAffected(), err
		},
		text: func(s string) any { return []byte(s) },
		sql:  pgPrune,
	}
}
