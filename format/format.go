// Package format lays out .wf source in its one canonical form; it is
// what "wf fmt" runs.
//
// # What it changes, and what it never does
//
// Like gofmt, the layout has no options. It is decided token by token:
//
//   - indentation is four spaces per open bracket, counted per line: a
//     line is indented one level deeper than the line that opened the
//     innermost bracket still open, and a line that starts by closing a
//     bracket sits at the level of the line that opened it. A line that
//     continues a statement (after "=", an operator, or starting with ".")
//     gets one more level;
//   - spaces between tokens on a line follow fixed rules: one around binary
//     operators, keywords, "=" and "{" of a block; none inside ( ) [ ],
//     inside a map's { }, before "," ";" ":", after a prefix "-" "+" "~",
//     or around the ":" of a slice;
//   - runs of blank lines shrink to one; blank lines at the start and end
//     of the file and of a bracket go;
//   - trailing comments on consecutive lines line up one space after the
//     longest line of the run.
//
// It never adds or removes a line break between two tokens (only blank
// lines), never changes a token, and never moves a comment to another
// line. In wf a line break can end a statement (spec/language.md,
// "Newlines"), so keeping them is what guarantees that formatting never
// changes what a program means: the formatted program has the same
// tokens, separated in the same places, and compiles to the same code.
// The tests check that on every example and conformance program and
// under a fuzzer; they also check that formatting twice changes nothing.
//
// # How
//
// Source parses the file first (a file that does not parse is not
// formatted: the error is returned) and takes its tokens from
// lang.Tokens, which keeps comments and line breaks and gives each token
// the role the scanner decided for it (a "(" that calls, a "-" that
// negates). The parse tree is consulted for one thing the tokens cannot
// tell: which "{" opens a map rather than a block.
package format

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/wf-lang/wf/lang"
)

// Source returns src laid out canonically, or the syntax errors of src
// (a lang.ErrorList) if it does not parse.
func Source(filename string, src []byte) ([]byte, error) {
	f, err := lang.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	toks, err := lang.Tokens(filename, src)
	if err != nil {
		return nil, err
	}
	p := &printer{maps: mapBraces(f)}
	for _, t := range toks {
		p.token(t)
	}
	p.endLine()
	return p.bytes(), nil
}

// mapBraces returns the positions of the "{" of every map literal in f.
func mapBraces(f *lang.File) map[lang.Pos]bool {
	maps := map[lang.Pos]bool{}
	for _, s := range f.Stmts {
		lang.Inspect(s, func(n lang.Node) bool {
			if m, ok := n.(*lang.MapLit); ok {
				maps[m.Pos] = true
			}
			return true
		})
	}
	return maps
}

// printer builds the output one line at a time.
type printer struct {
	maps  map[lang.Pos]bool
	stack []bracket // the brackets open at this point
	lines []line    // the finished lines
	cur   *line     // the line being built, or nil between lines

	prev     *lang.Token // the last token that is not a comment or newline
	breaks   int         // line breaks since the last token or comment
	newStmt  bool        // whether one of those breaks ends a statement
	lastOpen bool        // whether the last finished line ended with an open bracket
	loose    []int       // the comment-only lines since the last line of code
}

// bracket is an open bracket: its text, whether it opens a map, and the
// level (see line) of the line it is on.
type bracket struct {
	text   string
	isMap  bool
	indent int
}

// line is one output line: its indentation in levels, its code, and its
// trailing comment (or its only content, when code is "").
//
// level is the indentation a bracket opened on the line gives the lines
// inside it, less one: the line's own, or less when the line first closes
// a bracket opened on a less indented line, as in
//
//	for f in [a,
//	    b] {
//	    body
//	}
type line struct {
	indent  int
	level   int
	code    strings.Builder
	comment string
	blank   bool // a blank line comes before it
}

// token adds one token to the output: a line break ends the line, a
// comment ends it too (it runs to the end of its line), anything else is
// code.
func (p *printer) token(t lang.Token) {
	switch t.Kind {
	case lang.Newline:
		p.endLine()
		p.breaks++
		p.newStmt = p.newStmt || t.Role == lang.Separator
	case lang.Comment:
		if p.cur == nil {
			p.startLine(p.baseIndent(), false)
			p.loose = append(p.loose, len(p.lines))
		}
		p.cur.comment = strings.TrimRight(t.Text, " \t\r")
		p.breaks = 0
	default:
		p.code(t)
	}
}

// code adds a token that is not a comment or newline.
func (p *printer) code(t lang.Token) {
	switch {
	case p.cur == nil:
		p.startCode(t)
	case p.cur.code.Len() > 0 && p.spaceBefore(t):
		p.cur.code.WriteByte(' ')
	}
	p.cur.code.WriteString(t.Text)
	switch {
	case isOpen(t):
		p.stack = append(p.stack, bracket{text: t.Text, isMap: p.maps[t.Pos], indent: p.cur.level})
	case isClose(t) && len(p.stack) > 0:
		p.cur.level = min(p.cur.level, p.stack[len(p.stack)-1].indent)
		p.stack = p.stack[:len(p.stack)-1]
	}
	p.prev = &t
	p.breaks, p.newStmt = 0, false
}

// startLine begins a line at the given indentation, keeping one blank
// line if the source had any there, unless it would be the first line
// of the file or of a bracket, or the line that closes a bracket.
func (p *printer) startLine(indent int, closing bool) {
	p.cur = &line{indent: indent, level: indent, blank: p.breaks > 1 && len(p.lines) > 0 && !p.lastOpen && !closing}
}

// startCode begins a line of code starting with t. The comment-only lines
// just before it take its indentation, or one level more when it closes a
// bracket, so that a comment sits with the code it is about.
func (p *printer) startCode(t lang.Token) {
	indent := p.indentFor(t)
	p.startLine(indent, isClose(t))
	if isClose(t) {
		indent++
	}
	for _, i := range p.loose {
		p.lines[i].indent = indent
	}
	p.loose = p.loose[:0]
}

// endLine finishes the current line, if any.
func (p *printer) endLine() {
	if p.cur == nil {
		return
	}
	p.lastOpen = p.cur.code.Len() > 0 && isOpen(*p.prev)
	p.lines = append(p.lines, *p.cur)
	p.cur = nil
}

// indentFor returns the indentation of a line starting with t.
func (p *printer) indentFor(t lang.Token) int {
	if isClose(t) && len(p.stack) > 0 {
		return p.stack[len(p.stack)-1].indent
	}
	return p.baseIndent() + p.continuation(t)
}

// baseIndent is the indentation of a line inside the innermost bracket.
func (p *printer) baseIndent() int {
	if len(p.stack) == 0 {
		return 0
	}
	return p.stack[len(p.stack)-1].indent + 1
}

// continuation returns 1 if a line starting with t continues the
// statement of the line before, 0 if not.
func (p *printer) continuation(t lang.Token) int {
	if p.prev == nil || p.newStmt || isOpen(*p.prev) || p.prev.Text == "," || p.prev.Text == ";" {
		return 0
	}
	if t.Kind == lang.Keyword && (t.Text == "else" || t.Text == "catch" || t.Text == "finally") {
		return 0
	}
	return 1
}

// spaceBefore reports whether a space separates t from the token before
// it on the same line.
func (p *printer) spaceBefore(t lang.Token) bool {
	prev := *p.prev
	var top bracket
	if len(p.stack) > 0 {
		top = p.stack[len(p.stack)-1]
	}
	switch {
	case t.Text == "," || t.Text == ";" || t.Text == ")" || t.Text == "]" || t.Text == ":":
		return false
	case t.Role == lang.Postfix || prev.Role == lang.Postfix || prev.Text == "(" || prev.Text == "[":
		return false
	case t.Text == "}":
		return !top.isMap && prev.Text != "{"
	case prev.Text == "{":
		return !top.isMap
	case prev.Text == ":":
		return top.text != "["
	case prev.Role == lang.Prefix && prev.Kind == lang.Operator:
		return false
	case prev.Text == "fn" && t.Text == "(":
		return false
	}
	return true
}

func isOpen(t lang.Token) bool {
	return t.Kind == lang.Operator && (t.Text == "(" || t.Text == "[" || t.Text == "{")
}

func isClose(t lang.Token) bool {
	return t.Kind == lang.Operator && (t.Text == ")" || t.Text == "]" || t.Text == "}")
}

// bytes renders the lines, lining up the trailing comments of each run
// of consecutive lines that have them.
func (p *printer) bytes() []byte {
	var b bytes.Buffer
	for i := 0; i < len(p.lines); {
		j := i + 1
		for j < len(p.lines) && aligned(&p.lines[j]) && aligned(&p.lines[i]) && !p.lines[j].blank {
			j++
		}
		col := 0
		for k := i; k < j; k++ {
			col = max(col, width(&p.lines[k]))
		}
		for k := i; k < j; k++ {
			p.lines[k].write(&b, col+1)
		}
		i = j
	}
	return b.Bytes()
}

// aligned reports whether l takes part in lining up trailing comments.
func aligned(l *line) bool {
	return l.comment != "" && l.code.Len() > 0 && !strings.Contains(l.code.String(), "\n")
}

// width is the display width of l's indentation and code.
func width(l *line) int {
	return 4*l.indent + utf8.RuneCountInString(l.code.String())
}

// write writes l with its trailing comment at column col (counting from 0).
func (l *line) write(b *bytes.Buffer, col int) {
	if l.blank {
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat("    ", l.indent))
	b.WriteString(l.code.String())
	if l.comment != "" {
		if l.code.Len() > 0 {
			b.WriteString(strings.Repeat(" ", max(1, col-width(l))))
		}
		b.WriteString(l.comment)
	}
	b.WriteByte('\n')
}
