package engine

// Tests of the SQLite store's schema migrations.

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newDB returns the writer of a new database.
func newDB(t *testing.T) *sql.DB {
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "new.db"), SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

// TestNewerSchemaIsRefused: a database from a newer wf is refused,
// untouched, whether opened to write or to read.
func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wf.db")
	db := newDB(t)
	if _, err := db.Exec(`UPDATE meta SET value = '3' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Exec(`VACUUM INTO ?`, path)
	before, _ := os.ReadFile(path)
	for _, ro := range []bool{false, true} {
		_, err := OpenSQLite(path, SQLiteOptions{ReadOnly: ro})
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "has schema version 3") {
			t.Errorf("read-only %v: %v, want ErrSchema naming version 3", ro, err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the newer database was changed")
	}
}
