// This file defines the scanner: source bytes to participle tokens.

package lang

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types. The grammar in grammar.go refers to them by the names in
// tokenNames; punctuation, operators and keywords are matched by value.
const (
	tokIdent lexer.TokenType = iota + 1
	tokKeyword
	tokInt
	tokFloat
	tokPunct
	tokLeading // a "(", "[", "-" or "+" that starts a new statement; see layout
	tokNL
	tokStrStart    // the opening '"' of a string
	tokStrText     // a run of string text, escapes decoded
	tokInterpStart // "${" inside a string
	tokInterpEnd   // the "}" closing an interpolation
	tokStrEnd      // the closing '"'
	tokRawString   // `...`, Value is the text between the backticks
	tokBinOp       // a binary operator, in infix position (see classify)
	tokPrefix      // a prefix operator - + ~ not, in prefix position
	tokStmtKw      // a keyword that begins a statement, and "fn" before a name
	tokAssign      // = += -= *= /= %=
	tokPostfix     // "(" or "[" after an operand (a call or an index), and "."
	tokSpace
	tokComment
)

var tokenNames = map[string]lexer.TokenType{
	"EOF":         lexer.EOF,
	"Ident":       tokIdent,
	"Keyword":     tokKeyword,
	"Int":         tokInt,
	"Float":       tokFloat,
	"Punct":       tokPunct,
	"Leading":     tokLeading,
	"NL":          tokNL,
	"StrStart":    tokStrStart,
	"StrText":     tokStrText,
	"InterpStart": tokInterpStart,
	"InterpEnd":   tokInterpEnd,
	"StrEnd":      tokStrEnd,
	"RawString":   tokRawString,
	"BinOp":       tokBinOp,
	"Prefix":      tokPrefix,
	"StmtKeyword": tokStmtKw,
	"Assign":      tokAssign,
	"Postfix":     tokPostfix,
	"Whitespace":  tokSpace,
	"Comment":     tokComment,
}

// elided are the token types the parser skips.
var elided = []string{"Whitespace", "Comment"}

// keywords are reserved and never scanned as identifiers. "from" is not
// among them: it is only special right after "yield", so msg.from works.
var keywords = map[string]bool{
	"let": true, "fn": true, "if": true, "else": true, "while": true,
	"for": true, "in": true, "break": true, "continue": true,
	"return": true, "throw": true, "try": true, "catch": true,
	"finally": true, "yield": true, "nil": true, "true": true,
	"false": true, "and": true, "or": true, "not": true,
}

// operators lists the multi-byte operators; any other punctuation is one
// byte from singleOps.
var operators = []string{"==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%="}

const singleOps = "+-*/%<>=()[]{},.:;|^&~"

// maxErrors caps an ErrorList.
const maxErrors = 10

// lexDef is the participle lexer definition. Parse does not use its Lex
// method (it scans first so it can check nesting), but participle needs
// the symbol table, and Lex keeps the definition usable on its own.
type lexDef struct{}

func (lexDef) Symbols() map[string]lexer.TokenType { return tokenNames }

func (lexDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	toks, errs := scan(filename, src, Options{})
	if errs != nil {
		return nil, errs
	}
	return &sliceLexer{toks: toks}, nil
}

// sliceLexer replays scanned tokens to participle.
type sliceLexer struct{ toks []lexer.Token }

func (l *sliceLexer) Next() (lexer.Token, error) {
	t := l.toks[0]
	if len(l.toks) > 1 {
		l.toks = l.toks[1:]
	}
	return t, nil
}

// scanner turns source into tokens. Strings with interpolations are
// scanned with an explicit stack, never by recursion.
type scanner struct {
	file      string
	src       []byte
	off       int
	line, col int
	toks      []lexer.Token
	braces    []brace
	errs      ErrorList
	layout    layouter
	deep      *Error // the nesting or token count error, which stops the scan
}

// brace is an open "{" or "${"; for "${" quote is the string's opening quote.
type brace struct {
	interp bool
	quote  lexer.Position
}

// scan returns every token of src, including spaces, comments and
// newlines, ending with EOF, laid out by a layouter with the nesting and
// token limits of opts. It reports up to maxErrors lexical errors, or
// stops at the first token nested too deep or over the token limit.
func scan(file string, src []byte, opts Options) ([]lexer.Token, ErrorList) {
	s := &scanner{file: file, src: src, line: 1, col: 1, layout: newLayouter(opts.maxNesting(), opts.maxTokens()),
		toks: make([]lexer.Token, 0, tokensFor(len(src)))}
	for s.off < len(s.src) && len(s.errs) < maxErrors && s.deep == nil {
		s.token()
	}
	if s.deep != nil {
		s.errs = append(s.errs, s.deep)
	}
	for _, b := range s.braces {
		if b.interp && len(s.errs) == 0 && s.deep == nil {
			s.errorAt(b.quote, "unterminated string")
		}
	}
	s.emit(lexer.EOF, "", s.pos())
	if len(s.errs) > 0 {
		s.errs.Sort()
		return nil, s.errs
	}
	classify(s.toks)
	return s.toks, nil
}

// tokensFor is the capacity scan gives its tokens for a source of n
// bytes. Every token but the EOF takes at least a byte, so a line or two
// gets room for all it can hold at once, rather than growing (copying
// 64-byte tokens) a few times. A source of up to 64 KiB gets half of
// that, enough for every example and conformance program (2 to 6.4 bytes
// a token, spaces included; 3.3 in the median) in one allocation; a
// larger one a quarter, as growing costs little next to its parse.
func tokensFor(n int) int {
	switch {
	case n <= 64:
		return n + 1
	case n <= 64<<10:
		return n/2 + 1
	}
	return n/4 + 1
}

// mergeNotIn turns toks[0], a "not" after an operand, and the "in" that
// should follow it into one BinOp "not in". Without the "in" the "not"
// stays a Keyword, which the grammar rejects there.
func mergeNotIn(toks []lexer.Token) {
	if t := nextSignificant(toks[1:]); t != nil && t.Type == tokKeyword && t.Value == "in" {
		toks[0].Type, toks[0].Value = tokBinOp, "not in"
		t.Type = tokSpace
	}
}

// nextIsIdent reports whether the first significant token of toks is a name.
func nextIsIdent(toks []lexer.Token) bool {
	t := nextSignificant(toks)
	return t != nil && t.Type == tokIdent
}

// nextSignificant returns the first token of toks that is not a space or
// a comment, or nil.
func nextSignificant(toks []lexer.Token) *lexer.Token {
	for i := range toks {
		if t := &toks[i]; t.Type != tokSpace && t.Type != tokComment {
			return t
		}
	}
	return nil
}

var (
	// binaryOnly are the operators that are only ever binary.
	binaryOnly = set("== != <= >= < > | ^ & << >> * / % and or in")
	assignOps  = set("= += -= *= /= %=")
	// stmtKeywords begin a statement and nothing else.
	stmtKeywords = set("let if while for break continue return throw try")
)

// classify gives operators and keywords their role, once layout is done,
// so that the grammar can tell alternatives apart by one token's type,
// where trying each in turn would cost participle a branch apiece:
//   - a binary-only operator, or "-" or "+" after a token that can end an
//     expression, is a BinOp;
//   - "-", "+", "~" and "not" where an operand is expected are Prefix;
//   - "not" after an operand, and the "in" after it, become one BinOp
//     "not in";
//   - the keywords that begin statements, and "fn" before a name (a
//     function declaration), are StmtKeywords;
//   - "(" and "[" after an operand (a call, an index) and "." are Postfix;
//   - the assignment operators are Assign;
//   - ";" is a NL: both separate statements.
func classify(toks []lexer.Token) {
	var prev *lexer.Token
	for i := range toks {
		t := &toks[i]
		switch t.Type {
		case tokSpace, tokComment:
			continue
		case tokPunct, tokKeyword, tokLeading:
			infix := prev != nil && endsExpr(*prev)
			switch {
			case t.Type == tokPunct && t.Value == ";":
				t.Type = tokNL
			case t.Type == tokPunct && assignOps[t.Value]:
				t.Type = tokAssign
			case t.Type == tokPunct && (infix && (t.Value == "(" || t.Value == "[") || t.Value == "."):
				t.Type = tokPostfix
			case t.Type != tokLeading && binaryOnly[t.Value]:
				t.Type = tokBinOp
			case t.Value == "-" || t.Value == "+":
				if infix && t.Type != tokLeading {
					t.Type = tokBinOp
				} else {
					t.Type = tokPrefix
				}
			case t.Value == "~" || t.Value == "not" && !infix:
				t.Type = tokPrefix
			case t.Value == "not":
				mergeNotIn(toks[i:])
			case t.Type == tokKeyword && (stmtKeywords[t.Value] || t.Value == "fn" && nextIsIdent(toks[i+1:])):
				t.Type = tokStmtKw
			}
		}
		prev = t
	}
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.file, Offset: s.off, Line: s.line, Column: s.col}
}

func (s *scanner) emit(typ lexer.TokenType, value string, pos lexer.Position) {
	s.toks = append(s.toks, lexer.Token{Type: typ, Value: value, Pos: pos})
	if s.deep == nil {
		s.deep = s.layout.add(s.toks, len(s.toks)-1)
	}
}

func (s *scanner) errorAt(p lexer.Position, format string, args ...any) {
	s.errs.Add(Pos{File: s.file, Line: p.Line, Col: p.Column}, fmt.Sprintf(format, args...))
}

// advance moves n bytes forward, none of which is a newline.
func (s *scanner) advance(n int) {
	s.off += n
	s.col += n
}

func (s *scanner) peek(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

// token scans one token at s.off.
func (s *scanner) token() {
	c := s.src[s.off]
	switch {
	case c == ' ' || c == '\t' || c == '\r':
		s.run(tokSpace, func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' })
	case c == '\n':
		s.emit(tokNL, "\n", s.pos())
		s.off++
		s.line++
		s.col = 1
	case c == '/' && s.peek(1) == '/':
		s.run(tokComment, func(c byte) bool { return c != '\n' })
	case c >= '0' && c <= '9':
		s.number()
	case c == '"':
		s.emit(tokStrStart, `"`, s.pos())
		quote := s.pos()
		s.advance(1)
		s.stringBody(quote)
	case c == '`':
		s.rawString()
	default:
		if r, n := utf8.DecodeRune(s.src[s.off:]); isLetter(r) {
			s.word()
		} else if !s.punct() {
			s.badChar(r, n)
		}
	}
}

// run emits the longest run of bytes satisfying ok as one token.
func (s *scanner) run(typ lexer.TokenType, ok func(byte) bool) {
	pos, start := s.pos(), s.off
	for s.off < len(s.src) && ok(s.src[s.off]) {
		s.advance(1)
	}
	s.emit(typ, string(s.src[start:s.off]), pos)
}

func isLetter(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isWordRune(r rune) bool { return isLetter(r) || unicode.IsDigit(r) }

// word scans an identifier or keyword.
func (s *scanner) word() {
	pos, start := s.pos(), s.off
	for s.off < len(s.src) {
		r, n := utf8.DecodeRune(s.src[s.off:])
		if !isWordRune(r) {
			break
		}
		s.advance(n)
	}
	w := string(s.src[start:s.off])
	if keywords[w] {
		s.emit(tokKeyword, w, pos)
	} else {
		s.emit(tokIdent, w, pos)
	}
}

// punct scans an operator or punctuation, reporting whether there was one.
func (s *scanner) punct() bool {
	if next := s.peek(1); next == '=' || next == '<' || next == '>' { // the second bytes of operators
		for _, op := range operators {
			if strings.HasPrefix(string(s.src[s.off:min(s.off+2, len(s.src))]), op) {
				s.emit(tokPunct, op, s.pos())
				s.advance(2)
				return true
			}
		}
	}
	c := s.src[s.off]
	if strings.IndexByte(singleOps, c) < 0 {
		return false
	}
	if c == '}' && len(s.braces) > 0 {
		b := s.braces[len(s.braces)-1]
		s.braces = s.braces[:len(s.braces)-1]
		if b.interp {
			s.emit(tokInterpEnd, "}", s.pos())
			s.advance(1)
			s.stringBody(b.quote)
			return true
		}
	}
	if c == '{' {
		s.braces = append(s.braces, brace{})
	}
	s.emit(tokPunct, string(c), s.pos())
	s.advance(1)
	return true
}

func (s *scanner) badChar(r rune, n int) {
	switch {
	case r == '!':
		s.errorAt(s.pos(), `invalid character "!" (use "not")`)
	case r == '\'':
		s.errorAt(s.pos(), `invalid character "'" (strings use double quotes)`)
	case r == utf8.RuneError && n == 1:
		s.errorAt(s.pos(), "invalid UTF-8 encoding")
	default:
		s.errorAt(s.pos(), "invalid character %s", strconv.Quote(string(r)))
	}
	s.advance(n)
}

// number scans an int or float literal and checks that it is valid and in
// range, so that lowering can convert it without failing.
func (s *scanner) number() {
	pos, start := s.pos(), s.off
	float := false
	if s.peek(0) == '0' && strings.IndexByte("xXbBoO", s.peek(1)) >= 0 {
		s.advance(2)
	} else {
		s.digits()
		if s.peek(0) == '.' && isDigit(s.peek(1)) {
			float = true
			s.advance(1)
			s.digits()
		}
		if e := s.peek(0); (e == 'e' || e == 'E') && (isDigit(s.peek(1)) ||
			(s.peek(1) == '+' || s.peek(1) == '-') && isDigit(s.peek(2))) {
			float = true
			s.advance(2)
			s.digits()
		}
	}
	for s.off < len(s.src) {
		r, n := utf8.DecodeRune(s.src[s.off:])
		if !isWordRune(r) {
			break
		}
		s.advance(n)
	}
	text := string(s.src[start:s.off])
	var err error
	if float {
		_, err = parseFloat(text)
		s.emit(tokFloat, text, pos)
	} else {
		_, err = parseInt(text)
		s.emit(tokInt, text, pos)
	}
	if err != nil {
		s.errorAt(pos, "%v", err)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (s *scanner) digits() {
	for isDigit(s.peek(0)) || s.peek(0) == '_' {
		s.advance(1)
	}
}

// parseInt converts an int literal: decimal, 0x, 0b or 0o, with
// underscores between digits.
func parseInt(text string) (int64, error) {
	var v int64
	var err error
	switch {
	case len(text) > 1 && text[0] == '0' && !isDigit(text[1]) && text[1] != '_':
		v, err = strconv.ParseInt(text, 0, 64)
	case len(text) > 1 && text[0] == '0':
		return 0, fmt.Errorf("invalid number %q (leading zero)", text)
	case !goodUnderscores(text):
		return 0, fmt.Errorf("invalid number %q", text)
	default:
		v, err = strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 10, 64)
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("integer %s overflows int64", text)
	}
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", text)
	}
	return v, nil
}

// parseFloat converts a float literal such as 2.5e-3 or 1_000.5.
func parseFloat(text string) (float64, error) {
	if !goodUnderscores(text) {
		return 0, fmt.Errorf("invalid number %q", text)
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("float %s out of range", text)
	}
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", text)
	}
	return v, nil
}

// goodUnderscores reports whether every "_" in a decimal literal sits
// between two digits.
func goodUnderscores(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] == '_' && (i == 0 || i+1 == len(text) || !isDigit(text[i-1]) || !isDigit(text[i+1])) {
			return false
		}
	}
	return true
}

// stringBody scans the rest of a double-quoted string after its opening
// quote or after the "}" of an interpolation. It stops after the closing
// quote, or after "${", pushing a brace so that the matching "}" resumes
// the string.
func (s *scanner) stringBody(quote lexer.Position) {
	var text strings.Builder
	textPos := s.pos()
	flush := func() {
		if text.Len() > 0 {
			s.emit(tokStrText, text.String(), textPos)
		}
	}
	for {
		c := s.peek(0)
		switch {
		case s.off >= len(s.src) || c == '\n':
			s.errorAt(quote, "unterminated string")
			s.off = len(s.src) // what follows is unlikely to scan sensibly
			return
		case c == '"':
			flush()
			s.emit(tokStrEnd, `"`, s.pos())
			s.advance(1)
			return
		case c == '$' && s.peek(1) == '{':
			flush()
			s.emit(tokInterpStart, "${", s.pos())
			s.advance(2)
			s.braces = append(s.braces, brace{interp: true, quote: quote})
			return
		case c == '\\':
			s.escape(&text)
		default:
			text.WriteByte(c)
			s.advance(1)
		}
	}
}

var simpleEscapes = map[byte]string{
	'n': "\n", 't': "\t", 'r': "\r", '\\': `\`, '"': `"`, '0': "\x00", '$': "$",
}

// escape decodes the escape sequence at s.off into text.
func (s *scanner) escape(text *strings.Builder) {
	pos := s.pos()
	c := s.peek(1)
	if s.off+1 >= len(s.src) || c == '\n' {
		s.advance(1) // the string is unterminated
		return
	}
	if e, ok := simpleEscapes[c]; ok {
		text.WriteString(e)
		s.advance(2)
		return
	}
	var r rune
	var n int
	switch c {
	case 'x':
		r, n = hexEscape(s.src[s.off:])
	case 'u':
		r, n = unicodeEscape(s.src[s.off:])
	}
	if n == 0 {
		seq := `\`
		if c > ' ' && c < utf8.RuneSelf {
			seq += string(c)
		}
		s.errorAt(pos, "invalid escape sequence %s", seq)
		s.advance(1)
		return
	}
	if c == 'x' {
		text.WriteByte(byte(r))
	} else {
		text.WriteRune(r)
	}
	s.advance(n)
}

// hexEscape decodes \xHH, returning its length or 0 if invalid.
func hexEscape(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	v, err := strconv.ParseUint(string(b[2:4]), 16, 8)
	if err != nil {
		return 0, 0
	}
	return rune(v), 4
}

// unicodeEscape decodes \u{H...} (1 to 6 hex digits, a valid code point),
// returning its length or 0 if invalid.
func unicodeEscape(b []byte) (rune, int) {
	if len(b) < 3 || b[2] != '{' {
		return 0, 0
	}
	end := 3
	for end < len(b) && end < 10 && b[end] != '}' {
		end++
	}
	if end == 3 || end >= len(b) || b[end] != '}' {
		return 0, 0
	}
	v, err := strconv.ParseUint(string(b[3:end]), 16, 32)
	if err != nil || v > unicode.MaxRune || (v >= 0xD800 && v < 0xE000) {
		return 0, 0
	}
	return rune(v), end + 1
}

// rawString scans a backtick string, which may span lines.
func (s *scanner) rawString() {
	pos := s.pos()
	end := bytes.IndexByte(s.src[s.off+1:], '`')
	if end < 0 {
		s.errorAt(pos, "unterminated raw string")
		s.off = len(s.src)
		return
	}
	text := string(s.src[s.off+1 : s.off+1+end])
	s.emit(tokRawString, text, pos)
	s.advance(1)
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.HasSuffix(line, "\n") {
			s.off += len(line)
			s.line++
			s.col = 1
		} else {
			s.advance(len(line))
		}
	}
	s.advance(1)
}
