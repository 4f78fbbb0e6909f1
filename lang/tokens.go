// This file defines Tokens: the source as tools see it, comments included.

package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// TokenKind says what a Token is.
type TokenKind uint8

// The token kinds.
const (
	// Comment is a "//" comment, up to but not including the newline.
	Comment TokenKind = iota + 1
	// Newline is one line break; Role is Separator when it ends a
	// statement and 0 when layout joined the lines it separates.
	Newline
	// Name is an identifier.
	Name
	// Keyword is a reserved word, or "from" after "yield".
	Keyword
	// Number is an int or float literal, as written (0x10, 1_000, 2.5e-3).
	Number
	// String is a whole string literal as written: a "..." string with all
	// its ${...} interpolations, or a `...` raw string.
	String
	// Operator is an operator or punctuation: + == ( { , ; and so on.
	Operator
)

// Role says what an operator or keyword does where it stands, as the
// scanner decided before parsing (see classify in scan.go).
type Role uint8

// The roles.
const (
	// Binary is an infix operator, "and", "or", "in", "not in".
	Binary Role = iota + 1
	// Prefix is a prefix operator: - + ~ not.
	Prefix
	// Postfix is the "(" of a call, the "[" of an index and ".".
	Postfix
	// Assign is = += -= *= /= %=.
	Assign
	// Separator is a ";" or newline that ends a statement.
	Separator
	// Opens is a "(" or "[" that starts a line and so starts a new
	// expression rather than calling or indexing the line before.
	Opens
)

// Token is one token of a source file as a tool sees it: formatters,
// editors and language servers. Unlike the tokens the parser reads,
// Tokens keeps comments and every line break, and each Token carries its
// exact source text, so that a tool can rebuild the file or map any
// offset to what is there.
type Token struct {
	Kind   TokenKind
	Role   Role
	Text   string // the exact source text
	Pos    Pos    // where it starts
	Offset int    // the byte offset where it starts
}

// End returns the byte offset just after t.
func (t Token) End() int { return t.Offset + len(t.Text) }

// Tokens returns the tokens of src in order, with comments and line
// breaks but not spaces, or the lexical errors of src as an ErrorList.
// The Roles reflect the layout rules, so a newline's Role tells whether it
// ends a statement. Tokens does not parse: a source with syntax errors
// beyond the lexical ones still has its tokens.
func Tokens(filename string, src []byte) ([]Token, error) {
	toks, errs := scan(filename, src, Options{})
	if errs != nil {
		return nil, errs
	}
	out := make([]Token, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		tok := Token{Text: t.Value, Pos: toPos(t.Pos), Offset: t.Pos.Offset}
		switch t.Type {
		case lexer.EOF:
			return out, nil
		case tokStrStart:
			end := closingQuote(toks, i)
			tok.Kind, tok.Text = String, string(src[t.Pos.Offset:toks[end].Pos.Offset+1])
			i = end
		case tokRawString:
			tok.Kind, tok.Text = String, "`"+t.Value+"`"
		case tokSpace:
			if tok.Kind = spaceKind(t.Value); tok.Kind == 0 {
				continue
			}
			tok.Role = roleOf(tok.Kind, t.Value)
		case tokBinOp:
			tok.Kind, tok.Role = kindOf(t)
			tok.Text, _, _ = strings.Cut(t.Value, " ") // "not in" is "not" and an "in"
		default:
			tok.Kind, tok.Role = kindOf(t)
		}
		out = append(out, tok)
		afterYieldFrom(out)
	}
	return out, nil
}

// afterYieldFrom corrects the last of out when it is a "from" that
// follows "yield" (a Keyword there, though the scanner leaves it a name)
// or the "(" or "[" just after one (which starts the operand: it does not
// call or index "from").
func afterYieldFrom(out []Token) {
	n := len(out)
	if n >= 2 && out[n-1].Kind == Name && out[n-1].Text == "from" && out[n-2].Text == "yield" {
		out[n-1].Kind = Keyword
	}
	if n >= 2 && out[n-1].Role == Postfix && out[n-1].Text != "." && out[n-2].Kind == Keyword && out[n-2].Text == "from" {
		out[n-1].Role = 0
	}
}

// spaceKind returns the kind of a token layout has turned into space: a
// Newline it joined, the "in" absorbed into "not in", or 0 for spaces.
func spaceKind(v string) TokenKind {
	switch {
	case v == "\n":
		return Newline
	case v == "in":
		return Keyword
	}
	return 0
}

func roleOf(k TokenKind, v string) Role {
	if k == Keyword && v == "in" {
		return Binary
	}
	return 0
}

// kindOf returns the kind and role of a scanned token other than a
// string or a space.
func kindOf(t lexer.Token) (TokenKind, Role) {
	word := t.Value != "" && strings.IndexByte(singleOps, t.Value[0]) < 0
	op := func(r Role) (TokenKind, Role) {
		if word {
			return Keyword, r
		}
		return Operator, r
	}
	switch t.Type {
	case tokComment:
		return Comment, 0
	case tokNL:
		if t.Value == ";" {
			return Operator, Separator
		}
		return Newline, Separator
	case tokIdent:
		return Name, 0
	case tokInt, tokFloat:
		return Number, 0
	case tokBinOp:
		return op(Binary)
	case tokPrefix:
		return op(Prefix)
	case tokPostfix:
		return Operator, Postfix
	case tokAssign:
		return Operator, Assign
	case tokLeading:
		if t.Value == "-" || t.Value == "+" {
			return Operator, Prefix
		}
		return Operator, Opens
	}
	return op(0)
}

// closingQuote returns the index of the StrEnd closing the string whose
// StrStart is toks[i], past any strings nested in its interpolations.
func closingQuote(toks []lexer.Token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].Type {
		case tokStrStart:
			depth++
		case tokStrEnd:
			if depth--; depth == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

// Inspect calls f for n and, while f returns true, for each of n's
// children in source order, depth first; absent optional children are
// skipped. It is the walk a tool uses to find the node at a position.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	for _, k := range appendChildren(nil, n) {
		if k != nil {
			Inspect(k, f)
		}
	}
}

// Declared returns the name a let or fn statement declares, or "" for
// any other statement.
func Declared(s Stmt) string {
	switch s := s.(type) {
	case *LetStmt:
		return s.Name.Name
	case *FnDecl:
		return s.Name.Name
	}
	return ""
}
