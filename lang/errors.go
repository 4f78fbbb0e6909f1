// This file defines syntax errors and how they render.

package lang

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is a syntax error at a position.
type Error struct {
	Pos Pos
	Msg string
}

// Error returns the one-line form "file:line:col: msg".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is a list of errors sorted by position, at most maxErrors
// long, as in go/scanner. Parse returns one whenever it fails.
type ErrorList []*Error

// Add appends an error unless the list is full.
func (l *ErrorList) Add(pos Pos, msg string) {
	if len(*l) < maxErrors {
		*l = append(*l, &Error{Pos: pos, Msg: msg})
	}
}

// Sort sorts the list by file, line and column.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Error returns the first error's one-line form and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Err returns the list as an error, or nil if it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Render formats err for people: each *Error (of an ErrorList too) on its
// line, followed by its source line from src indented by four spaces and a
// caret under the column. Tabs before the column are kept in the caret's
// padding so that it lines up. Other errors render as err.Error().
func Render(err error, src []byte) string {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = ErrorList{one}
	default:
		return err.Error()
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		b.WriteString(excerpt(src, e.Pos))
	}
	return b.String()
}

// excerpt returns the source line at p and a caret line, or "" if p is not
// in src.
func excerpt(src []byte, p Pos) string {
	lines := strings.Split(string(src), "\n")
	if p.Line < 1 || p.Line > len(lines) || p.Col < 1 {
		return ""
	}
	// The line is shown without its indentation, indented by four spaces,
	// as Python does, so deeply nested code stays readable.
	line := strings.TrimRight(lines[p.Line-1], "\r")
	trimmed := strings.TrimLeft(line, " \t")
	col := max(0, p.Col-1-(len(line)-len(trimmed)))
	line = trimmed
	var pad strings.Builder
	for _, r := range line[:min(col, len(line))] {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return "    " + line + "\n    " + pad.String() + "^\n"
}
