package lsp

// This file converts between wf's positions (1-based lines, 1-based byte
// columns) and LSP's (0-based lines, 0-based UTF-16 columns).

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wf-lang/wf/lang"
)

// text is a document's source with the offsets where its lines start.
type text struct {
	src   []byte
	lines []int // byte offset of the start of each line
}

func newText(src string) *text {
	t := &text{src: []byte(src), lines: []int{0}}
	for i, c := range t.src {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
}

// line returns the bytes of 0-based line i without its line break, or
// nil if there is no such line.
func (t *text) line(i int) []byte {
	if i < 0 || i >= len(t.lines) {
		return nil
	}
	end := len(t.src)
	if i+1 < len(t.lines) {
		end = t.lines[i+1] - 1
	}
	return t.src[t.lines[i]:end]
}

// position returns the LSP position of the wf position p. A column past
// the end of its line is clamped to the end.
func (t *text) position(p lang.Pos) Position {
	line := t.line(p.Line - 1)
	col := min(max(p.Col-1, 0), len(line))
	return Position{Line: max(p.Line-1, 0), Character: utf16Len(line[:col])}
}

// span returns the range from wf position p over n bytes of its line.
func (t *text) span(p lang.Pos, n int) Range {
	end := p
	end.Col += n
	return Range{Start: t.position(p), End: t.position(end)}
}

// pos returns the wf position of the LSP position p, and its byte
// offset in the source. A character in the middle of a surrogate pair or
// past the end of the line is clamped; a line past the end is the end.
func (t *text) pos(p Position) (lang.Pos, int) {
	if p.Line >= len(t.lines) || p.Line < 0 {
		last := len(t.lines) - 1
		return lang.Pos{Line: last + 1, Col: len(t.line(last)) + 1}, len(t.src)
	}
	line := t.line(p.Line)
	col, units := 0, 0
	for col < len(line) && units < p.Character {
		r, n := utf8.DecodeRune(line[col:])
		units += max(utf16.RuneLen(r), 1)
		col += n
	}
	return lang.Pos{Line: p.Line + 1, Col: col + 1}, t.lines[p.Line] + col
}

// utf16Len returns how many UTF-16 code units b is, counting each byte
// that is not UTF-8 as one (as editors show it, a replacement character).
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if k := utf16.RuneLen(r); k > 0 {
			n += k
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}
