// This file defines explain: the notes that say why a syntax error
// happened and what to write instead.

package lang

import (
	"slices"

	"github.com/alecthomas/participle/v2/lexer"
)

// explain adds notes to e, the syntax error at the unexpected token t,
// for mistakes people often make: an unclosed bracket (the error is at
// the end of the file or at the wrong closing bracket, far from the
// cause), "=" for "==" in a condition, and Python's "elif". toks are the
// significant tokens parsed.
func explain(e *Error, t lexer.Token, toks []lexer.Token) {
	before := toks[:tokenIndex(toks, t)]
	switch {
	case t.Type == lexer.EOF || isClose(t):
		if open, ok := unclosed(before); ok && (t.Type == lexer.EOF || closerOf(open) != t.Value) {
			e.Notes = append(e.Notes, Note{Pos: toPos(open.Pos),
				Msg: "note: the " + quoteBracket(open) + " opened here is never closed"})
		}
	case t.Type == tokAssign && t.Value == "=" && inCondition(before):
		e.Notes = append(e.Notes, Note{Msg: `help: "=" assigns; to compare two values write "=="`})
	case t.Type == tokIdent && (t.Value == "elif" || t.Value == "elsif" || t.Value == "elseif"):
		e.Notes = append(e.Notes, Note{Msg: `help: wf writes "else if", as in: } else if x > 0 {`})
	}
}

// tokenIndex returns the index of t in toks, found by its offset.
func tokenIndex(toks []lexer.Token, t lexer.Token) int {
	i, _ := slices.BinarySearchFunc(toks, t.Pos.Offset, func(t lexer.Token, off int) int {
		return t.Pos.Offset - off
	})
	return i
}

// unclosed returns the innermost bracket left open by toks.
func unclosed(toks []lexer.Token) (lexer.Token, bool) {
	var stack []lexer.Token
	for _, t := range toks {
		switch {
		case opens(t):
			stack = append(stack, t)
		case isClose(t) && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return lexer.Token{}, false
	}
	return stack[len(stack)-1], true
}

// closerOf returns the text of the bracket that closes open.
func closerOf(open lexer.Token) string {
	switch open.Value {
	case "(":
		return ")"
	case "[":
		return "]"
	}
	return "}"
}

func quoteBracket(t lexer.Token) string {
	if t.Type == tokInterpStart {
		return `"${"`
	}
	return `"` + t.Value + `"`
}

// inCondition reports whether the statement that toks end in begins with
// "if", "else if" or "while": whether a "=" after toks is in a condition.
func inCondition(toks []lexer.Token) bool {
	depth := 0
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		switch {
		case isClose(t):
			depth++
		case opens(t) && depth > 0:
			depth--
		case depth == 0 && (opens(t) || t.Type == tokNL):
			return false
		case depth == 0 && t.Type == tokStmtKw && (t.Value == "if" || t.Value == "while"):
			return true
		}
	}
	return false
}

// opens reports whether t opens a bracket, whatever role classify gave it.
func opens(t lexer.Token) bool {
	return isOpen(t) || t.Type == tokPostfix && (t.Value == "(" || t.Value == "[")
}
