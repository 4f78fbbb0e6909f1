// This file defines layout: the newline rules and the nesting limit.

package lang

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// layouter rewrites the scanned tokens in place, as the scanner emits them,
// so that the grammar can treat a NL token as a statement separator; and it
// checks the nesting and token limits, stopping the scanner at the first
// token too deep or too many, long before participle could recurse or
// spend its time.
//
// Newline rules. A newline ends a statement unless the statement clearly
// goes on. A newline (or a run of them, with any comments) is dropped, by
// turning it into whitespace, when
//   - the innermost open bracket is "(", "[" or "${";
//   - the token before it cannot end a statement: an operator, ",", ".",
//     ":", "(", "[", "{", or one of the keywords in continuesAfter;
//   - the token after it cannot start one: ".", ")", "]", "}", ",", ":",
//     a binary-only or assignment operator, "and", "or", "in", "else",
//     "catch", "finally", or the end of the file.
//
// So method chains may start lines with ".", and "} else {" may be split
// after the "}". Four tokens can both start an expression and continue one:
// "(", "[", "-" and "+". When one of them is the first token of its line and
// the token before the line break could end an expression (a name, a
// literal, ")", "]", "}", nil, true or false), it becomes a Leading token.
// The grammar accepts Leading only where an expression starts, never as a
// call, index or binary operator, so
//
//	let f = g
//	(a, b) = pair()
//
// is two statements, not the call g(a, b); inside brackets it is an error.
//
// Nesting. Each open bracket, and each prefix operator (- + ~ not yield) in
// a run of them, adds a level; going deeper than max is an error at the
// token that does it. Every token but spaces, comments, newlines and the
// end of file counts toward maxTokens; the one over it is an error.
type layouter struct {
	max       int
	maxTokens int
	tokens    int     // significant tokens so far
	stack     []level // open brackets
	depth     int     // nesting of the innermost open bracket
	run       int     // prefix operators just before this token
	prev      int     // index of the last significant token, or -1
	pending   int     // index of the first newline since prev, or -1
}

func newLayouter(max, maxTokens int) layouter {
	return layouter{max: max, maxTokens: maxTokens, prev: -1, pending: -1}
}

// add lays out toks[i], the token just scanned.
func (ly *layouter) add(toks []lexer.Token, i int) *Error {
	t := &toks[i]
	switch t.Type {
	case tokSpace, tokComment:
		return nil
	case tokNL:
		if ly.pending < 0 {
			ly.pending = i
		} else {
			t.Type = tokSpace
		}
		return nil
	}
	var prev *lexer.Token
	if ly.prev >= 0 {
		prev = &toks[ly.prev]
	}
	if ly.pending >= 0 {
		if dropNewline(prev, t, ly.stack) {
			toks[ly.pending].Type = tokSpace
		}
		if prev != nil && endsExpr(*prev) && startsLine(*t) {
			t.Type = tokLeading
		}
		ly.pending = -1
	}
	ly.nest(*t, prev)
	ly.prev = i
	if ly.depth+ly.run > ly.max {
		return &Error{Pos: toPos(t.Pos), Msg: fmt.Sprintf("nesting too deep (limit %d)", ly.max)}
	}
	if ly.tokens++; ly.tokens > ly.maxTokens && t.Type != lexer.EOF {
		return &Error{Pos: toPos(t.Pos), Msg: fmt.Sprintf("too many tokens (limit %d)", ly.maxTokens)}
	}
	return nil
}

// nest updates the nesting depth for t.
func (ly *layouter) nest(t lexer.Token, prev *lexer.Token) {
	switch {
	case isPrefixOp(t, prev):
		ly.run++
	case isOpen(t):
		ly.stack = append(ly.stack, level{open: t.Value, depth: ly.depth})
		ly.depth += ly.run + 1
		ly.run = 0
	case isClose(t) && len(ly.stack) > 0:
		ly.depth = ly.stack[len(ly.stack)-1].depth
		ly.stack = ly.stack[:len(ly.stack)-1]
		ly.run = 0
	default:
		ly.run = 0
	}
}

// level is one open bracket: its text and the depth outside it.
type level struct {
	open  string
	depth int
}

func toPos(p lexer.Position) Pos { return Pos{File: p.Filename, Line: p.Line, Col: p.Column} }

var (
	// continuesAfter are the punctuation and keywords after which a newline
	// never ends a statement.
	continuesAfter = set("( [ { , . : = += -= *= /= %= + - * / % | ^ & ~ << >> == != < <= > >= " +
		"and or not in else let fn if while for throw try catch finally")
	// continuesBefore are those before which a newline never ends one.
	continuesBefore = set(". ) ] } , : = += -= *= /= %= * / % | ^ & << >> == != < <= > >= " +
		"and or in else catch finally")
	// canEnd are the keywords that can end an expression.
	canEnd = set("nil true false ) ] }")
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	word := ""
	for _, c := range words + " " {
		if c == ' ' {
			if word != "" {
				m[word] = true
			}
			word = ""
		} else {
			word += string(c)
		}
	}
	return m
}

// dropNewline reports whether the newline between prev and next is not a
// statement separator.
func dropNewline(prev, next *lexer.Token, stack []level) bool {
	if len(stack) > 0 && stack[len(stack)-1].open != "{" {
		return true
	}
	if prev == nil || next.Type == lexer.EOF || next.Type == tokInterpEnd {
		return true
	}
	switch prev.Type {
	case tokPunct, tokKeyword, tokLeading, tokInterpStart:
		if continuesAfter[prev.Value] {
			return true
		}
	}
	return (next.Type == tokPunct || next.Type == tokKeyword) && continuesBefore[next.Value]
}

// endsExpr reports whether t can be the last token of an expression.
func endsExpr(t lexer.Token) bool {
	switch t.Type {
	case tokIdent, tokInt, tokFloat, tokStrEnd, tokRawString:
		return true
	case tokKeyword, tokPunct:
		return canEnd[t.Value]
	}
	return false
}

func startsLine(t lexer.Token) bool {
	return t.Type == tokPunct && (t.Value == "(" || t.Value == "[" || t.Value == "-" || t.Value == "+")
}

// isPrefixOp reports whether t is a prefix operator (an operator in a
// position where an operand is expected).
func isPrefixOp(t lexer.Token, prev *lexer.Token) bool {
	switch t.Type {
	case tokLeading:
		return t.Value == "-" || t.Value == "+" // always after a line break
	case tokPunct:
		if t.Value != "-" && t.Value != "+" && t.Value != "~" {
			return false
		}
	case tokKeyword:
		if t.Value != "not" && t.Value != "yield" {
			return false
		}
	default:
		return false
	}
	return prev == nil || !endsExpr(*prev)
}

func isOpen(t lexer.Token) bool {
	switch t.Type {
	case tokPunct, tokLeading:
		return t.Value == "(" || t.Value == "[" || t.Value == "{"
	}
	return t.Type == tokInterpStart
}

func isClose(t lexer.Token) bool {
	if t.Type == tokPunct {
		return t.Value == ")" || t.Value == "]" || t.Value == "}"
	}
	return t.Type == tokInterpEnd
}
