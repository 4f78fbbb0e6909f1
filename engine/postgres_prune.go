package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// pgPrune is Retain's SQL for PostgreSQL (see pruneSQL).
var pgPrune = pruneSQL{
	instances: `SELECT id FROM wf_instances WHERE version > $2
		AND ((status IN ('completed', 'failed', 'cancelled') AND updated_at < $1)
			OR ($3::boolean AND status NOT IN ('completed', 'failed', 'cancelled'))) ORDER BY id`,
	head: `SELECT version, status IN ('completed', 'failed', 'cancelled') FROM wf_instances
		WHERE id = $1 AND (status IN ('completed', 'failed', 'cancelled') OR $2::boolean) FOR UPDATE`,
	versions: `SELECT version, snap_version, output_from, created_at, substring(snapshot from 1 for ` + fmt.Sprint(storedDeltaHeader) + `)
		FROM wf_versions WHERE instance = $1 ORDER BY version`,
	output:    pgOutput,
	setOutput: `UPDATE wf_versions SET printed = $1, output_from = 0 WHERE instance = $2 AND version = $3`,
	copySnapshot: `UPDATE wf_versions v SET snapshot = s.snapshot, snap_version = v.version
		FROM wf_versions s WHERE v.instance = $1 AND v.version = $2 AND s.instance = $1 AND s.version = $3`,
	snapshot:    `SELECT snapshot FROM wf_versions WHERE instance = $1 AND version = $2 AND snapshot IS NOT NULL`,
	setSnapshot: `UPDATE wf_versions SET snapshot = $1 WHERE instance = $2 AND version = $3`,
	delete:      `DELETE FROM wf_versions WHERE instance = $1 AND version BETWEEN $2 AND $3`,
}

// Retain deletes the versions p does not keep, one instance per
// transaction, holding its head row's lock.
func (s *Postgres) Retain(ctx context.Context, p RetentionPolicy) (Pruned, error) {
	if err := p.check(); err != nil {
		return Pruned{}, err
	}
	if s.readOnly {
		return Pruned{}, s.write(ctx, nil)
	}
	rows, err := s.pool.Query(ctx, pgPrune.instances, unixNano(p.FinishedBefore), p.KeepLast, p.Live)
	if err != nil {
		return Pruned{}, s.mapErr(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	var out Pruned
	for _, id := range ids {
		if err != nil {
			break
		}
		var n, c int64
		err = s.write(ctx, func(tx pgx.Tx) error {
			n, c, err = pgPruneRows(ctx, tx).retain(id, p)
			return err
		})
		out.add(n, c)
	}
	return out, s.mapErr(err)
}

// pgPruneRows runs pruneRows's statements in tx.
func pgPruneRows(ctx context.Context, tx pgx.Tx) pruneRows {
	return pruneRows{
		each: func(q string, args []any, row func(func(...any) error) error) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := row(rows.Scan); err != nil {
					return err
				}
			}
			return rows.Err()
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
