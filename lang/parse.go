// This file defines Parse and the translation of participle's errors.

package lang

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// DefaultMaxNesting is the nesting limit when Options.MaxNesting is 0.
const DefaultMaxNesting = 200

// MaxNestingCeiling is the largest Options.MaxNesting there is. Parsing
// recurses on the Go stack once per level of nesting, in participle and
// in lowering. The costliest level measured, a function literal returning
// the next one, takes 6.2 KB of stack (a 64 MB stack holds 10,741 of
// them; a bracket takes 2.7 KB to 4.7 KB, a block 3.9 KB), so the
// ceiling costs at most about 64 MB, an eighth of the 512 MB a goroutine
// may grow to under Go's default maximum stack of 1 GB. A limit of two
// million, once accepted, overflowed the Go stack.
const MaxNestingCeiling = 10_000

// DefaultMaxSource is the source size limit, in bytes, when
// Options.MaxSource is 0: 1 MiB, some 30,000 lines, many times any
// workflow. A library that compiles what it is given should not be made
// to spend unbounded time and memory by a long input, so the limit has a
// default rather than none; embedders raise it with Options.MaxSource.
const DefaultMaxSource = 1 << 20

// Options configures ParseWith. The zero value gives the defaults.
//
// Compiling costs per token far more evenly than per byte: 5 to 11 µs
// and 2.2 to 3 KB allocated per token on every shape of source measured,
// but from 1.2 µs per byte for ordinary code (the conformance suite and
// examples, 4.7 bytes per token) to 10 µs per byte for source that is
// all one-byte tokens ("f()()()…"). So the limits are a size in bytes,
// checked before anything is scanned, and a number of tokens, checked as
// they are scanned, before participle parses any: with the defaults,
// 1 MiB of ordinary code compiles (1.2 s, 140 MB resident), 1 MiB of
// one-byte tokens is refused after 0.3 s and 40 MB, and no source costs
// more than its 262,144 tokens can (about 2 s and 220 MB resident).
type Options struct {
	// MaxNesting bounds how deeply brackets, braces, parentheses,
	// interpolations and runs of prefix operators may nest. Deeper source
	// is an error "nesting too deep (limit N)", found before the parser
	// recurses. 0 means DefaultMaxNesting; more than MaxNestingCeiling
	// is refused.
	MaxNesting int
	// MaxSource bounds the length of the source in bytes. Longer source
	// is refused before it is scanned, with the error "FILE: source is
	// N bytes, over the limit of M". 0 means DefaultMaxSource.
	MaxSource int
	// MaxTokens bounds the tokens of the source (names, literals,
	// operators and brackets; not spaces, comments or newlines). The
	// first token over it is an error "too many tokens (limit N)". 0
	// means a quarter of the source limit, 262,144 by default.
	MaxTokens int
}

// Check reports whether o is valid: no negative limit, and no
// MaxNesting over MaxNestingCeiling. ParseWith returns its error.
func (o Options) Check() error {
	switch {
	case o.MaxNesting < 0 || o.MaxNesting > MaxNestingCeiling:
		return fmt.Errorf("lang: Options.MaxNesting is %d; it must be from 0 (the default, %d) to %d",
			o.MaxNesting, DefaultMaxNesting, MaxNestingCeiling)
	case o.MaxSource < 0:
		return fmt.Errorf("lang: Options.MaxSource is %d; it must be 0 (the default) or more", o.MaxSource)
	case o.MaxTokens < 0:
		return fmt.Errorf("lang: Options.MaxTokens is %d; it must be 0 (the default) or more", o.MaxTokens)
	}
	return nil
}

func (o Options) maxNesting() int {
	if o.MaxNesting == 0 {
		return DefaultMaxNesting
	}
	return o.MaxNesting
}

func (o Options) maxSource() int {
	if o.MaxSource == 0 {
		return DefaultMaxSource
	}
	return o.MaxSource
}

func (o Options) maxTokens() int {
	if o.MaxTokens == 0 {
		return max(1, o.maxSource()/4)
	}
	return o.MaxTokens
}

// Parse parses the source of one file with the default Options. filename
// is used in positions only. On failure the error is an ErrorList.
func Parse(filename string, src []byte) (*File, error) {
	return ParseWith(filename, src, Options{})
}

// ParseWith parses the source of one file. Invalid opts are an error
// from Options.Check; every other failure is an ErrorList. It never
// panics: a panic from participle would be a bug in the grammar, and is
// returned as an "internal error" so that the fuzzer finds it.
func ParseWith(filename string, src []byte, opts Options) (f *File, err error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	if len(src) > opts.maxSource() {
		return nil, ErrorList{{Pos: Pos{File: filename},
			Msg: fmt.Sprintf("source is %d bytes, over the limit of %d", len(src), opts.maxSource())}}
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, ErrorList{{Pos: Pos{File: filename, Line: 1, Col: 1},
				Msg: fmt.Sprintf("internal error: %v\n%s", r, debug.Stack())}}
		}
	}()
	toks, errs := scan(filename, src, opts)
	if errs != nil {
		return nil, errs
	}
	toks = significant(toks)
	tree, ok := fastParse(toks)
	if !ok {
		var e *Error
		if tree, e = participleParse(filename, toks); e != nil {
			return nil, ErrorList{e}
		}
	}
	l := &lowerer{}
	f = &File{Name: filename, Src: src, Stmts: l.stmts(tree.Stmts)}
	if len(l.errs) > 0 {
		l.errs.Sort()
		return nil, l.errs
	}
	if e := checkDepth(f.Stmts, MaxTreeDepth); e != nil {
		return nil, ErrorList{e}
	}
	return f, nil
}

// participleParse parses toks with participle: the source fastParse
// gave up on, which is usually an error for participle to report.
func participleParse(filename string, toks []lexer.Token) (*program, *Error) {
	peek, err := lexer.Upgrade(&sliceLexer{toks: toks})
	if err != nil {
		return nil, &Error{Pos: Pos{File: filename}, Msg: err.Error()}
	}
	tree, err := parser().ParseFromLexer(peek)
	if err != nil {
		return nil, translate(filename, err, toks)
	}
	return tree, nil
}

// significant drops spaces and comments (in place) before parsing, so
// that participle need not skip them, and the tokens a grammar struct
// captures begin with its first real token.
func significant(toks []lexer.Token) []lexer.Token {
	return slices.DeleteFunc(toks, func(t lexer.Token) bool {
		return t.Type == tokSpace || t.Type == tokComment
	})
}

// translate turns a participle error into an *Error with a message in
// wf's words: "unexpected X (expected Y)". toks are the parsed tokens.
func translate(filename string, err error, toks []lexer.Token) *Error {
	var unexpected *participle.UnexpectedTokenError
	if errors.As(err, &unexpected) {
		msg := "unexpected " + tokenPhrase(unexpected.Unexpected)
		switch want := expected(unexpected.Message()); {
		case isKeyword(unexpected.Unexpected, "not"):
			// after an operand, only "not in" may follow (see classify)
			msg += ` (expected "in" after it)`
		case want == "":
		case want == "end of file":
			if afterSeparator(toks, unexpected.Unexpected) {
				msg += " (expected a statement)"
			} else {
				msg += " at end of statement"
			}
		default:
			msg += " (expected " + want + ")"
		}
		e := &Error{Pos: toPos(unexpected.Unexpected.Pos), Msg: msg}
		explain(e, unexpected.Unexpected, toks)
		return e
	}
	var perr participle.Error
	if errors.As(err, &perr) {
		msg := perr.Message()
		if strings.HasPrefix(msg, "too many iterations") {
			msg = fmt.Sprintf("too many items (limit %d)", participle.MaxIterations)
		}
		return &Error{Pos: toPos(perr.Position()), Msg: msg}
	}
	return &Error{Pos: Pos{File: filename}, Msg: err.Error()}
}

func isKeyword(t lexer.Token, word string) bool { return t.Type == tokKeyword && t.Value == word }

// afterSeparator reports whether t is the first token of a statement: the
// first of the file, or after a newline or ";".
func afterSeparator(toks []lexer.Token, t lexer.Token) bool {
	i, _ := slices.BinarySearchFunc(toks, t.Pos.Offset, func(t lexer.Token, off int) int {
		return t.Pos.Offset - off
	})
	for i--; i >= 0; i-- {
		switch toks[i].Type {
		case tokSpace, tokComment:
			continue
		case tokNL:
			return true
		}
		return toks[i].Value == ";"
	}
	return true
}

// tokenPhrase describes a token for an error message.
func tokenPhrase(t lexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		return "end of file"
	case tokNL:
		if t.Value == ";" {
			return `";"`
		}
		return "newline"
	case tokIdent:
		return "name " + t.Value
	case tokInt, tokFloat:
		return "number " + t.Value
	case tokStrStart, tokStrText, tokStrEnd, tokRawString:
		return "string"
	}
	return strconv.Quote(t.Value)
}

// productions maps grammar productions (as participle prints them in an
// expectation) to phrases.
var productions = map[string]string{
	"Stmt": "a statement", "Block": "a block", "Name": "a name", "<ident>": "a name",
	"Params": `"("`, "CatchClause": `"catch"`, "IfClause": `"if"`, "<eof>": "end of file",
	"SliceTail": `":"`, "MapEntry": "a map entry", "<nl>": "newline",
}

// expected extracts participle's expectation (an EBNF fragment) from an
// error message and names the tokens or productions it can start with,
// or returns "" if there is none.
func expected(msg string) string {
	_, want, ok := strings.Cut(msg, " (expected ")
	if !ok {
		return ""
	}
	var phrases []string
	for _, p := range firstTerms(strings.TrimSuffix(want, ")")) {
		if !slices.Contains(phrases, p) {
			phrases = append(phrases, p)
		}
	}
	return strings.Join(phrases, " or ")
}

// firstTerms returns phrases for the terms an EBNF fragment can start
// with: the first term of each top-level alternative, looking into groups.
func firstTerms(ebnf string) []string {
	ebnf = strings.TrimSpace(ebnf)
	var out []string
	for _, alt := range splitAlternatives(ebnf) {
		alt = strings.TrimPrefix(alt, "(?= ")
		switch {
		case alt == "":
			continue
		case strings.HasPrefix(alt, "("):
			out = append(out, firstTerms(alt[1:closing(alt)])...)
		case alt[0] == '"':
			q, _ := strconv.QuotedPrefix(alt)
			out = append(out, q)
		default:
			term, _, _ := strings.Cut(alt, " ")
			out = append(out, termPhrase(strings.TrimRight(term, "?*+")))
		}
	}
	return out
}

func termPhrase(term string) string {
	if p, ok := productions[term]; ok {
		return p
	}
	if strings.HasSuffix(term, "Expr") || strings.HasSuffix(term, "Lit") || term == "Primary" {
		return "an expression"
	}
	return term
}

// splitAlternatives splits an EBNF fragment at the "|"s outside groups
// and quotes.
func splitAlternatives(ebnf string) []string {
	var out []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(ebnf); i++ {
		switch c := ebnf[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, strings.TrimSpace(ebnf[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(ebnf[start:]))
}

// closing returns the index of the ")" matching the "(" that starts s, or
// len(s) if there is none.
func closing(s string) int {
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s)
}
