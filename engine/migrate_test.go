package engine

// Tests of the SQLite store's schema migrations.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// v1Row is a version as schema version 1 stored it: the whole output so
// far in every version.
type v1Row struct {
	reason, status, waitingFor string
	snapVersion                int64
	snapshot                   bool
	output                     string
}

// v1Instances are the instances of the version-1 database the migration
// test makes: steps that print and steps that do not, rewinds, an edit, a
// cancel, a fork, a version whose output continues neither the one
// before it nor its rewind's (kept whole), and text that is not ASCII.
var v1Instances = map[string][]v1Row{
	"linear": {
		{"started", "waiting", "approval", 1, true, "a\n"},
		{"signal approval received", "waiting", "approval", 2, true, "a\nb\n"},
		{`variable req set to {"what": "y"}`, "waiting", "approval", 3, true, "a\nb\n"},
		{"signal approval received", "waiting", "approval", 4, true, "a\nb\nc\n"},
	},
	"rewound": {
		{"started", "waiting", "approval", 1, true, "x\n"},
		{"signal approval received", "completed", "", 2, false, "x\ny\n"},
		{"rewound to version 1", "waiting", "approval", 1, false, "x\n"},
		{"signal approval received", "waiting", "approval", 4, true, "x\nz\n"},
		{"rewound to version 2", "completed", "", 2, false, "x\ny\n"},
		{"rewound to version 4", "waiting", "approval", 4, false, "x\nz\n"},
		{"cancelled", "cancelled", "", 4, false, "x\nz\n"},
	},
	"forked": {
		{"forked from rewound at version 4", "waiting", "approval", 1, true, "x\nz\n"},
		{"signal approval received", "waiting", "approval", 2, true, "x\nz\nw\n"},
	},
	"odd": {
		{"started", "waiting", "approval", 1, true, "abc"},
		{"signal approval received", "waiting", "approval", 2, true, "xyz"},
		{"signal approval received", "waiting", "approval", 3, true, ""},
		{"rewound to version 9", "waiting", "approval", 3, false, "é\n"},
	},
	"silent": {
		{"started", "waiting", "approval", 1, true, ""},
		{"signal approval received", "failed", "", 1, false, ""},
	},
}

// TestMigrateFromVersion1: a database of schema version 1 (its schema
// as wf 19051b9 wrote it, testdata/schema_v1.sql), opened to write, is
// brought to the current schema in one transaction: every version's
// output, Show at every version, History and Head are what they were,
// the rest of each row is unchanged, the schema equals a new database's,
// and the instances go on.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	writeV1(t, path)
	want := readV1(t, path)

	e, err := Open(path, Options{}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for id, rows := range v1Instances {
		vs, err := e.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[id], versionRows(vs)); diff != "" {
			t.Errorf("%s: history (-before +after):\n%s", id, diff)
		}
		for n, row := range rows {
			rep, err := e.Show(ctx, id, int64(n+1))
			if err != nil {
				t.Fatalf("%s: show --at %d: %v", id, n+1, err)
			}
			if rep.Version.Output != row.output {
				t.Errorf("%s: show --at %d: output %q, want %q", id, n+1, rep.Version.Output, row.output)
			}
		}
		h, err := e.Store().Head(ctx, id)
		if err != nil || h.Output != rows[len(rows)-1].output {
			t.Errorf("%s: head output %q, %v", id, h.Output, err)
		}
	}
	checkSharing(t, e.Store().(*SQLite).DB())
	if diff := cmp.Diff(schemaOf(t, newDB(t)), schemaOf(t, e.Store().(*SQLite).DB())); diff != "" {
		t.Errorf("schema (-new +migrated):\n%s", diff)
	}
	f := &fixture{t: t, e: e}
	f.signal("linear", "approval", "true")
	if got := f.head("linear").Output; got != "a\nb\nc\nanswer: true\n" {
		t.Errorf("after a signal: %q", got)
	}
	fork, err := e.Fork(ctx, "rewound", 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.head(fork).Output; got != "x\nz\n" {
		t.Errorf("a fork of version 4: %q", got)
	}
}

// checkSharing checks that migrated versions share their outputs: each
// stores only what it added to the version it continues.
func checkSharing(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT instance || ' ' || version || ' ' || quote(printed) || ' from ' || output_from
		FROM versions ORDER BY instance, version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	want := []string{
		"forked 1 'x\nz\n' from 0", "forked 2 'w\n' from 1",
		"linear 1 'a\n' from 0", "linear 2 'b\n' from 1", "linear 3 '' from 2", "linear 4 'c\n' from 2",
		"odd 1 'abc' from 0", "odd 2 'xyz' from 0", "odd 3 '' from 0", "odd 4 'é\n' from 0",
		"rewound 1 'x\n' from 0", "rewound 2 'y\n' from 1", "rewound 3 '' from 1", "rewound 4 'z\n' from 1",
		"rewound 5 '' from 2", "rewound 6 '' from 4", "rewound 7 '' from 4",
		"silent 1 '' from 0", "silent 2 '' from 0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored parts (-want +got):\n%s", diff)
	}
}

// writeV1 makes a version-1 database at path holding v1Instances, their
// program (approval) and a real snapshot of it waiting for approval.
func writeV1(t *testing.T, path string) {
	t.Helper()
	schema, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	for _, q := range strings.Split(string(schema), ";\n") {
		if strings.TrimSpace(q) != "" {
			exec(q)
		}
	}
	snap := waitingSnapshot(t)
	hash := fmt.Sprintf("%x", vm.ProgramHash([]byte(approval)))
	exec(`INSERT INTO programs VALUES (?, 'approval.wf', ?, '', 1)`, hash, approval)
	for id, rows := range v1Instances {
		last := rows[len(rows)-1]
		exec(`INSERT INTO instances VALUES (?, ?, ?, ?, NULL, NULL, ?, 0, 1, '{"what": "x"}', '', '', NULL, NULL, 1, 2)`,
			id, hash, last.status, last.waitingFor, len(rows))
		for n, r := range rows {
			var s []byte
			if r.snapshot {
				s = snap
			}
			exec(`INSERT INTO versions VALUES (?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?, '', ?)`,
				id, n+1, r.reason, r.status, r.waitingFor, r.snapVersion, s, r.output, fmt.Sprintf(`{"n": %d}`, n), 1000+n)
		}
	}
}

// waitingSnapshot is a snapshot of approval waiting for approval.
func waitingSnapshot(t *testing.T) []byte {
	t.Helper()
	prog, err := compiler.CompileSource("approval.wf", []byte(approval), compiler.Options{Predeclared: append(vm.Universe(), builtinNames...)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := vm.New(prog, vm.Options{Stdout: io.Discard, Hosts: Builtins(Env{Input: `{"what": "x"}`}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	snap, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// readV1 reads each instance's versions from a version-1 database as
// versionRows prints them.
func readV1(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT instance, version, reason, status, waiting_for, snap_version, output, detail, created_at
		FROM versions ORDER BY instance, version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id string
		var v Version
		var created int64
		if err := rows.Scan(&id, &v.Number, &v.Reason, &v.Status, &v.WaitingFor, &v.SnapVersion, &v.Output, &v.Detail, &created); err != nil {
			t.Fatal(err)
		}
		out[id] = append(out[id], versionRow(v, created))
	}
	return out
}

func versionRows(vs []Version) []string {
	var out []string
	for _, v := range vs {
		out = append(out, versionRow(v, v.Created.UnixNano()))
	}
	return out
}

func versionRow(v Version, created int64) string {
	return fmt.Sprintf("%d %q %s %q snap %d %q %s at %d", v.Number, v.Reason, v.Status, v.WaitingFor,
		v.SnapVersion, v.Output, v.Detail, created)
}

// newDB returns the writer of a new database.
func newDB(t *testing.T) *sql.DB {
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "new.db"), SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

// schemaOf lists a database's tables and indexes with their SQL.
func schemaOf(t *testing.T, db *sql.DB) []string {
	rows, err := db.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	var v string
	db.QueryRow(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	return append(out, "schema_version "+v)
}

// TestNewerSchemaIsRefused: a database from a newer wf is refused,
// untouched, and so is an older one opened read-only, which cannot be
// migrated.
func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wf.db")
	db := newDB(t)
	newer := strconv.Itoa(schemaVersion + 1)
	if _, err := db.Exec(`UPDATE meta SET value = ? WHERE key = 'schema_version'`, newer); err != nil {
		t.Fatal(err)
	}
	db.Exec(`VACUUM INTO ?`, path)
	before, _ := os.ReadFile(path)
	for _, ro := range []bool{false, true} {
		_, err := OpenSQLite(path, SQLiteOptions{ReadOnly: ro})
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "has schema version "+newer) {
			t.Errorf("read-only %v: %v, want ErrSchema naming version %s", ro, err, newer)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the newer database was changed")
	}
	old := filepath.Join(t.TempDir(), "v1.db")
	writeV1(t, old)
	_, err := OpenSQLite(old, SQLiteOptions{ReadOnly: true})
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "upgrades a database when it opens it to write") {
		t.Errorf("version 1 read-only: %v, want ErrSchema saying how to upgrade", err)
	}
}
