package engine

import (
	"context"
	"database/sql"
	"fmt"
)

// sqlitePrune is Retain's SQL for SQLite (see pruneSQL).
var sqlitePrune = pruneSQL{
	instances: `SELECT id FROM instances WHERE version > ?2
		AND ((status IN ('completed', 'failed', 'cancelled') AND updated_at < ?1)
			OR (?3 AND status NOT IN ('completed', 'failed', 'cancelled'))) ORDER BY id`,
	head: `SELECT version, status IN ('completed', 'failed', 'cancelled') FROM instances
		WHERE id = ?1 AND (status IN ('completed', 'failed', 'cancelled') OR ?2)`,
	versions: `SELECT version, snap_version, output_from, created_at, substr(snapshot, 1, ` + fmt.Sprint(storedDeltaHeader) + `)
		FROM versions WHERE instance = ?1 ORDER BY version`,
	output:    sqlOutput,
	setOutput: `UPDATE versions SET printed = ?1, output_from = 0 WHERE instance = ?2 AND version = ?3`,
	copySnapshot: `UPDATE versions SET snapshot = (SELECT s.snapshot FROM versions s
		WHERE s.instance = ?1 AND s.version = ?3), snap_version = version WHERE instance = ?1 AND version = ?2`,
	snapshot:    `SELECT snapshot FROM versions WHERE instance = ?1 AND version = ?2 AND snapshot IS NOT NULL`,
	setSnapshot: `UPDATE versions SET snapshot = ?1 WHERE instance = ?2 AND version = ?3`,
	delete:      `DELETE FROM versions WHERE instance = ?1 AND version BETWEEN ?2 AND ?3`,
}

// Retain deletes the versions p does not keep, one instance per
// transaction, so that writers wait for one at most.
func (s *SQLite) Retain(ctx context.Context, p RetentionPolicy) (Pruned, error) {
	if err := p.check(); err != nil {
		return Pruned{}, err
	}
	ids, err := queryCol[string](ctx, s.r, sqlitePrune.instances, unixNano(p.FinishedBefore), p.KeepLast, p.Live)
	var out Pruned
	for _, id := range ids {
		if err != nil {
			break
		}
		var n, c int64
		err = s.write(ctx, func(tx *sql.Tx) error {
			n, c, err = sqlitePruneRows(ctx, tx).retain(id, p)
			return err
		})
		out.add(n, c)
	}
	return out, err
}

// sqlitePruneRows runs pruneRows's statements in tx.
func sqlitePruneRows(ctx context.Context, tx *sql.Tx) pruneRows {
	return pruneRows{
		each: func(q string, args []any, row func(func(...any) error) error) error {
			rows, err := tx.QueryContext(ctx, q, args...)
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
		parts: func(q string, args ...any) ([]string, error) { return queryCol[string](ctx, tx, q, args...) },
		blobs: func(q string, args ...any) ([][]byte, error) { return queryCol[[]byte](ctx, tx, q, args...) },
		x: func(q string, args ...any) (int64, error) {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		text: func(s string) any { return s },
		sql:  sqlitePrune,
	}
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// queryCol returns the one column of q's rows.
func queryCol[T any](ctx context.Context, db querier, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
