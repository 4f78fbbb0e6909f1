package engine

import (
	"context"
	"database/sql"
	"time"
)

// sqlitePrune is Prune's SQL for SQLite (see pruneSQL).
var sqlitePrune = pruneSQL{
	finished: `SELECT id FROM instances WHERE status IN ('completed', 'failed', 'cancelled')
		AND updated_at < ?1 AND version > ?2 ORDER BY id`,
	head: `SELECT version FROM instances WHERE id = ?1 AND status IN ('completed', 'failed', 'cancelled')`,
	cutFrom: `SELECT version FROM versions WHERE instance = ?1 AND version > ?2
		AND output_from BETWEEN 1 AND ?2`,
	output:    sqlOutput,
	setOutput: `UPDATE versions SET printed = ?1, output_from = 0 WHERE instance = ?2 AND version = ?3`,
	copySnapshots: `UPDATE versions SET snapshot = (SELECT s.snapshot FROM versions s
		WHERE s.instance = versions.instance AND s.version = versions.snap_version), snap_version = version
		WHERE instance = ?1 AND version > ?2 AND snap_version <= ?2`,
	deltas:      `SELECT version FROM versions WHERE instance = ?1 AND version > ?2 AND substr(snapshot, 1, length(?3)) = ?3`,
	snapshot:    `SELECT snapshot FROM versions WHERE instance = ?1 AND version = ?2 AND snapshot IS NOT NULL`,
	setSnapshot: `UPDATE versions SET snapshot = ?1 WHERE instance = ?2 AND version = ?3`,
	delete:      `DELETE FROM versions WHERE instance = ?1 AND version <= ?2`,
}

// Prune deletes old versions of finished instances, one instance per
// transaction, so that writers wait for one at most.
func (s *SQLite) Prune(ctx context.Context, keep int, finishedBefore time.Time) (Pruned, error) {
	if err := checkKeep(keep); err != nil {
		return Pruned{}, err
	}
	ids, err := queryCol[string](ctx, s.r, sqlitePrune.finished, unixNano(finishedBefore), keep)
	var out Pruned
	for _, id := range ids {
		if err != nil {
			break
		}
		var n int64
		err = s.write(ctx, func(tx *sql.Tx) error {
			n, err = sqlitePruneRows(ctx, tx).prune(id, keep)
			return err
		})
		if n > 0 {
			out.Instances++
			out.Versions += n
		}
	}
	return out, err
}

// sqlitePruneRows runs pruneRows's statements in tx.
func sqlitePruneRows(ctx context.Context, tx *sql.Tx) pruneRows {
	return pruneRows{
		ints:  func(q string, args ...any) ([]int64, error) { return queryCol[int64](ctx, tx, q, args...) },
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
