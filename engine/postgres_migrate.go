package engine

// This file defines the PostgreSQL store's schema as a list of
// migrations, and how a schema is claimed and brought to the latest: in
// one transaction, under an advisory lock, so that of several processes
// opening a new database at once one creates the tables and the others
// find them.

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// pgApplication is the wf_meta row that marks a schema as wf's.
const pgApplication = "wf durable workflows"

// pgMigrations is every schema change of the PostgreSQL store in order;
// pgMigrations[i] brings version i to i+1. A schema is never changed but
// by appending here. (Its versions count apart from SQLite's.)
var pgMigrations = []migrationPG{
	{1, "the first schema", pgSchemaV1},
	// Numbered 3 where the semantics branch's 2 comes first.
	{2, deltaSchemaWhat, `SELECT 1`},
}

// migrationPG brings a schema from version to-1 to to with its SQL.
type migrationPG struct {
	to   int
	what string
	sql  string
}

// pgSchemaVersion is the schema this wf reads and writes.
var pgSchemaVersion = pgMigrations[len(pgMigrations)-1].to

// migrate brings the schema to pgSchemaVersion, or refuses it.
func (s *Postgres) migrate(ctx context.Context) error {
	return s.mapErr(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One migrator per schema at a time; the lock ends with the
		// transaction. 0x7766 is "wf".
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(x'7766'::int, hashtext(current_schema()))`); err != nil {
			return fmt.Errorf("%s: %w", s.where, err)
		}
		v, err := s.storedVersion(ctx, tx, true)
		if err != nil {
			return err
		}
		if v > pgSchemaVersion {
			return fmt.Errorf("%s has wf schema version %d, from a newer wf; this wf knows versions up to %d: %w", s.where, v, pgSchemaVersion, ErrSchema)
		}
		for _, m := range pgMigrations[v:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("%s: migrating to schema version %d (%s): %w", s.where, m.to, m.what, err)
			}
		}
		if v == pgSchemaVersion {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO wf_meta (key, value) VALUES ('application', $1), ('schema_version', $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, pgApplication, strconv.Itoa(pgSchemaVersion))
		return err
	}))
}

// checkSchema checks, changing nothing, that the schema is wf's at this
// wf's version: what a read-only store needs.
func (s *Postgres) checkSchema(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.mapErr(err)
	}
	defer tx.Rollback(ctx)
	v, err := s.storedVersion(ctx, tx, false)
	switch {
	case err != nil:
		return err
	case v > pgSchemaVersion:
		return fmt.Errorf("%s has wf schema version %d; this wf knows versions up to %d: %w", s.where, v, pgSchemaVersion, ErrSchema)
	case v < pgSchemaVersion:
		return fmt.Errorf("%s has wf schema version %d; this wf reads version %d, and upgrades a schema when it opens it to write (wf start, signal, worker, ...), not read-only: %w", s.where, v, pgSchemaVersion, ErrSchema)
	}
	return nil
}

// storedVersion reads the schema's wf version: 0 for a schema with no
// tables, which only a store that may create tables accepts. A schema
// with tables but no wf_meta, or a wf_meta of another application, is
// not ours.
func (s *Postgres) storedVersion(ctx context.Context, tx pgx.Tx, create bool) (int, error) {
	var schema *string
	var tables int
	var hasMeta bool
	err := tx.QueryRow(ctx, `SELECT current_schema(),
		(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()),
		EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'wf_meta')`).
		Scan(&schema, &tables, &hasMeta)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s: %w", s.where, s.mapErr(err))
	case schema == nil:
		return 0, fmt.Errorf("%s: no schema to keep wf's tables in: none of the search_path exists", s.where)
	case !hasMeta && tables > 0:
		return 0, fmt.Errorf("%s schema %s: %w (it has %d tables of another application)", s.where, *schema, ErrNotOurs, tables)
	case !hasMeta && !create:
		return 0, fmt.Errorf("%s schema %s: %w yet: it is empty (wf start creates the tables)", s.where, *schema, ErrNotOurs)
	case !hasMeta:
		return 0, nil
	}
	return s.metaVersion(ctx, tx, *schema)
}

// metaVersion reads wf_meta: the application mark and the version.
func (s *Postgres) metaVersion(ctx context.Context, tx pgx.Tx, schema string) (int, error) {
	var app, v *string
	err := tx.QueryRow(ctx, `SELECT (SELECT value FROM wf_meta WHERE key = 'application'),
		(SELECT value FROM wf_meta WHERE key = 'schema_version')`).Scan(&app, &v)
	if err != nil {
		return 0, fmt.Errorf("%s schema %s: reading wf_meta: %w", s.where, schema, s.mapErr(err))
	}
	if app == nil || *app != pgApplication {
		return 0, fmt.Errorf("%s schema %s: %w (its wf_meta table is another application's)", s.where, schema, ErrNotOurs)
	}
	n := 0
	if v != nil {
		n, _ = strconv.Atoi(*v)
	}
	if n < 1 {
		return 0, fmt.Errorf("%s schema %s: %w: schema version %v is not a number from 1", s.where, schema, ErrSchema, derefOr(v, "(none)"))
	}
	return n, nil
}

// derefOr is *p, or def for nil.
func derefOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// pgSchemaV1 is the first schema. It follows the SQLite store's version
// 2 (output stored as parts), with a lease token, and indexes for the
// scans a worker runs at any size: due instances by wake time, queued
// signals by instance and name.
const pgSchemaV1 = `
CREATE TABLE wf_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE wf_programs (
	hash text PRIMARY KEY,
	file bytea NOT NULL,
	source bytea NOT NULL,
	hosts bytea NOT NULL,
	created_at bigint NOT NULL,
	map bytea
);
CREATE TABLE wf_instances (
	id text PRIMARY KEY,
	program text NOT NULL REFERENCES wf_programs(hash),
	status text NOT NULL,
	waiting_for bytea NOT NULL,
	due_at bigint,
	wake_at bigint,
	version bigint NOT NULL,
	activity_seq bigint NOT NULL,
	next_seq bigint NOT NULL,
	input bytea NOT NULL,
	error bytea NOT NULL,
	parent text NOT NULL,
	lease_owner bytea,
	lease_until bigint,
	lease_token bigint NOT NULL DEFAULT 0,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL
);
CREATE INDEX wf_instances_wake ON wf_instances (wake_at) WHERE wake_at IS NOT NULL;
CREATE INDEX wf_instances_status ON wf_instances (status, created_at);
CREATE INDEX wf_instances_created ON wf_instances (created_at DESC, id);
CREATE TABLE wf_versions (
	instance text NOT NULL REFERENCES wf_instances(id),
	version bigint NOT NULL,
	reason bytea NOT NULL,
	status text NOT NULL,
	waiting_for bytea NOT NULL,
	due_at bigint,
	activity_seq bigint NOT NULL,
	snap_version bigint NOT NULL,
	snapshot bytea,
	printed bytea NOT NULL,
	output_from bigint NOT NULL,
	output_len bigint NOT NULL,
	detail bytea NOT NULL,
	error bytea NOT NULL,
	created_at bigint NOT NULL,
	program text NOT NULL,
	PRIMARY KEY (instance, version)
);
CREATE TABLE wf_inbox (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	instance text NOT NULL REFERENCES wf_instances(id),
	name bytea NOT NULL,
	value bytea NOT NULL,
	sent_at bigint NOT NULL,
	consumed_by bigint
);
CREATE INDEX wf_inbox_queued ON wf_inbox (instance, name, id) WHERE consumed_by IS NULL;
CREATE INDEX wf_inbox_instance ON wf_inbox (instance, id);
`
