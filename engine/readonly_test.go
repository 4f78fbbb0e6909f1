package engine

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenReadOnly: a store opened read-only reads a wf database without
// changing its file, refuses every write with ErrReadOnly, and never
// creates a file or a schema: an empty file used to get one.
func TestOpenReadOnly(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(approval, `{"what": "x"}`)
	f.e.Close()
	before, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := Open(f.path, Options{}, SQLiteOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if list, err := ro.List(ctx, Filter{Status: Waiting}); err != nil || len(list) != 1 {
		t.Errorf("List: %v %v, want the waiting instance", list, err)
	}
	if _, err := ro.Show(ctx, id, 0); err != nil {
		t.Errorf("Show: %v", err)
	}
	if _, err := ro.Signal(ctx, id, "approval", []byte("true")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Signal: %v, want ErrReadOnly", err)
	}
	if _, err := ro.Start(ctx, "other.wf", []byte(`print(1)`), nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Start: %v, want ErrReadOnly", err)
	}
	ro.Close()
	if after, err := os.ReadFile(f.path); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the file changed (%v)", err)
	}

	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := OpenSQLite(missing, SQLiteOptions{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) || FileExists(missing) {
		t.Errorf("a missing file: %v (created: %v), want fs.ErrNotExist and no file", err, FileExists(missing))
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	if _, err := OpenSQLite(empty, SQLiteOptions{ReadOnly: true}); !errors.Is(err, ErrNotOurs) {
		t.Errorf("an empty file: %v, want ErrNotOurs", err)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("the empty file was written: %v %v", fi.Size(), err)
	}
}

// TestListRefusesUnknownStatus: a status that does not exist is an
// error, not an empty list.
func TestListRefusesUnknownStatus(t *testing.T) {
	f := newFixture(t, Options{})
	if _, err := f.e.List(context.Background(), Filter{Status: "bogus"}); err == nil {
		t.Error("List with status bogus: no error")
	}
}
