// This file defines syntax errors and how they render.

package lang

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Error is a syntax error at a position. Notes say more, for people:
// where the cause may be, or what to write instead.
type Error struct {
	Pos   Pos
	Msg   string
	Notes []Note
}

// Note is a remark on an Error. One with a Pos points at another place in
// the source ("note: the "{" opened here is never closed"); one without
// is a hint shown under the error's caret ("help: write "else if"").
// Msg carries its own label.
type Note struct {
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

// Moved returns a copy of l with every position, its notes' too, passed
// through f. A tool that compiles one text made of several (a test file
// with its program, a prompt's inputs) uses it to show each error where
// its line came from.
func (l ErrorList) Moved(f func(Pos) Pos) ErrorList {
	out := make(ErrorList, len(l))
	for i, e := range l {
		e2 := *e
		e2.Pos = f(e.Pos)
		e2.Notes = make([]Note, len(e.Notes))
		for j, n := range e.Notes {
			if n.Pos.Line > 0 {
				n.Pos = f(n.Pos)
			}
			e2.Notes[j] = n
		}
		out[i] = &e2
	}
	return out
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
// padding so that it lines up. Other errors render as err.Error(). The
// text is safe for a terminal: control characters in file names, messages
// and source lines are shown by Visible, and the caret lines up with what
// is shown.
func Render(err error, src []byte) string {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = ErrorList{one}
	default:
		return Visible(err.Error())
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(Visible(e.Error()))
		b.WriteByte('\n')
		b.WriteString(excerpt(src, e.Pos))
		renderNotes(&b, e.Notes, src)
	}
	return b.String()
}

// renderNotes writes notes as Render shows them: a hint indented under
// the excerpt, a note with a position as a line of its own with its
// excerpt.
func renderNotes(b *strings.Builder, notes []Note, src []byte) {
	for _, n := range notes {
		if n.Pos.Line == 0 {
			b.WriteString("    " + Visible(n.Msg) + "\n")
			continue
		}
		b.WriteString(Visible(n.Pos.String()+": "+n.Msg) + "\n")
		b.WriteString(excerpt(src, n.Pos))
	}
}

// Visible returns s with every character a terminal would act on instead
// of showing written as a Go escape: C0 controls but newline and tab
// (ESC is "\x1b"), DEL, the C1 controls U+0080 to U+009F ("\u009b") and
// bytes that are not UTF-8 ("\xff"). Everything else is kept, so text
// from a script or a stored state can be printed about it without its
// bytes moving the cursor, setting a window title or forging lines.
func Visible(s string) string {
	i := firstInvisible(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !invisible(r):
			b.WriteString(s[i : i+n])
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// firstInvisible returns the index of the first byte of s that Visible
// escapes, or -1.
func firstInvisible(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if invisible(r) || r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// invisible reports whether Visible escapes the character r.
func invisible(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f
}

// excerpt returns the source line at p and a caret line, or "" if p is not
// in src.
func excerpt(src []byte, p Pos) string {
	lines := strings.Split(string(src), "\n")
	if p.Line < 1 || p.Line > len(lines) || p.Col < 1 {
		return ""
	}
	// The line is shown without its indentation, indented by four spaces,
	// as Python does, so deeply nested code stays readable, and through
	// Visible, with the caret under the column as shown.
	line := strings.TrimRight(lines[p.Line-1], "\r")
	trimmed := strings.TrimLeft(line, " \t")
	col := max(0, p.Col-1-(len(line)-len(trimmed)))
	line = trimmed
	var pad strings.Builder
	for _, r := range Visible(line[:min(col, len(line))]) {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return "    " + Visible(line) + "\n    " + pad.String() + "^\n"
}
