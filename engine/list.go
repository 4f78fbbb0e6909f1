package engine

// This file defines the query both stores' List run: the filters of
// Filter and keyset paging after a Cursor.

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Cursor is a place in List's order (newest created first, then by id):
// the last instance of a page. A List with Filter.After set to it
// returns the instances after that one, in time that does not grow with
// the pages before.
type Cursor struct {
	Created time.Time
	ID      string
}

// CursorOf is the cursor of in: the page after in starts after it.
func CursorOf(in Instance) Cursor { return Cursor{Created: in.Created, ID: in.ID} }

// IsZero reports whether c is the start of the list.
func (c Cursor) IsZero() bool { return c.ID == "" }

// listQuery is the SELECT of List over table, and its arguments: for
// PostgreSQL (pg: "$n" placeholders, waiting_for a bytea) or SQLite.
func listQuery(cols, table string, f Filter, pg bool) (string, []any) {
	ph := func(int) string { return "?" }
	var wait any = f.WaitingFor
	if pg {
		ph = func(n int) string { return fmt.Sprintf("$%d", n) }
		wait = []byte(f.WaitingFor)
	}
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		for range vals {
			cond = strings.Replace(cond, "#", ph(len(args)+1), 1)
			args = append(args, vals[0])
			vals = vals[1:]
		}
		where = append(where, cond)
	}
	if f.Status != "" {
		add(`i.status = #`, string(f.Status))
	}
	if f.WaitingFor != "" {
		add(`i.waiting_for = #`, wait)
	}
	if f.Program != "" {
		add(`substr(i.program, 1, #) = #`, utf8.RuneCountInString(f.Program), f.Program) // substr counts characters
	}
	if f.ID != "" {
		add(`i.id = #`, f.ID)
	}
	if f.IDPrefix != "" {
		if hi, ok := prefixEnd(f.IDPrefix); ok && !pg { // SQLite compares bytes: a range of the primary key
			add(`i.id >= # AND i.id < #`, f.IDPrefix, hi)
		} else { // PostgreSQL's order of text follows its collation
			add(`substr(i.id, 1, #) = #`, utf8.RuneCountInString(f.IDPrefix), f.IDPrefix)
		}
	}
	if !f.After.IsZero() {
		// The first term bounds an index range; the second skips the
		// instances of the cursor's time up to and including it.
		at := f.After.Created.UnixNano()
		add(`i.created_at <= # AND (i.created_at < # OR i.id > #)`, at, at, f.After.ID)
	}
	q := `SELECT ` + cols + ` FROM ` + table + ` i`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY i.created_at DESC, i.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return q, args
}

// prefixEnd is the least string greater than every string starting
// with p, in byte order, if there is one.
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// sqliteListQuery is listQuery for SQLite. A page of every status is
// read as one page of each, merged: each reads the (status, created_at)
// index from the cursor on, where one query over all statuses would
// sort the whole table, there being no index on created_at alone (a
// schema change this does not make).
func sqliteListQuery(f Filter) (string, []any) {
	if f.Status != "" || f.Limit <= 0 {
		return listQuery(instanceColumns, `instances`, f, false)
	}
	var parts []string
	var args []any
	for _, st := range Statuses {
		f.Status = st
		q, a := listQuery(instanceColumns, `instances`, f, false)
		parts = append(parts, `SELECT * FROM (`+q+`)`)
		args = append(args, a...)
	}
	return `SELECT * FROM (` + strings.Join(parts, ` UNION ALL `) + `) ORDER BY created_at DESC, id` +
		fmt.Sprintf(` LIMIT %d`, f.Limit), args
}
