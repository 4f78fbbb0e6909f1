// This file defines explain: the notes that say why a syntax error
// happened and what to write instead.

package lang

import (
	"fmt"
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
		open, ok := unclosed(before)
		if ok && t.Type == lexer.EOF {
			if m, found := misaligned(before); found {
				e.Notes = append(e.Notes, Note{Pos: toPos(m.open.Pos),
					Msg: fmt.Sprintf("note: the %s opened here is probably the one never closed "+
						"(the %q on line %d lines up with line %d)", quoteBracket(m.open), m.close.Value,
						m.close.Pos.Line, m.outerLine)})
				break
			}
		}
		if ok && (t.Type == lexer.EOF || closerOf(open) != t.Value) {
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
	stack := matchBrackets(toks, nil)
	if len(stack) == 0 {
		return lexer.Token{}, false
	}
	return stack[len(stack)-1], true
}

// matchBrackets pairs the brackets of toks, calling closed (if not nil)
// for each closing bracket toks[i] with the bracket it closes and those
// still open outside it, until closed returns true. It returns the
// brackets left open.
func matchBrackets(toks []lexer.Token, closed func(i int, open lexer.Token, outer []lexer.Token) bool) []lexer.Token {
	var stack []lexer.Token
	for i, t := range toks {
		switch {
		case opens(t):
			stack = append(stack, t)
		case isClose(t) && len(stack) > 0:
			open := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if closed != nil && closed(i, open, stack) {
				return stack
			}
		}
	}
	return stack
}

// misaligned finds, as Rust's compiler does, the bracket a reader most
// likely left open when the end of the file comes too soon: the first
// one whose closing bracket starts a line indented not like the opening
// line but like the line of a bracket further out. In
//
//	fn f(x) {
//	    if x {
//	        print(x)
//	}
//
// the "}" closes "if x {" but lines up with "fn f(x) {", so the "{" of the
// if is the one the writer forgot to close.
func misaligned(toks []lexer.Token) (misalignment, bool) {
	indent := map[int]int{} // line -> column of its first token
	for _, t := range toks {
		if _, seen := indent[t.Pos.Line]; !seen && t.Type != tokNL {
			indent[t.Pos.Line] = t.Pos.Column
		}
	}
	var m misalignment
	found := false
	matchBrackets(toks, func(i int, open lexer.Token, outer []lexer.Token) bool {
		t := toks[i]
		first := i == 0 || toks[i-1].Pos.Line < t.Pos.Line
		if !first || t.Pos.Column == indent[open.Pos.Line] {
			return false
		}
		if line := outerLine(outer, indent, t.Pos.Column); line > 0 {
			m, found = misalignment{open: open, close: t, outerLine: line}, true
		}
		return found
	})
	return m, found
}

// misalignment is a closing bracket that lines up with an outer open
// bracket's line rather than with its own.
type misalignment struct {
	open, close lexer.Token
	outerLine   int
}

// outerLine returns the line of the innermost open bracket in stack whose
// line is indented to col, or 0.
func outerLine(stack []lexer.Token, indent map[int]int, col int) int {
	for i := len(stack) - 1; i >= 0; i-- {
		if line := stack[i].Pos.Line; indent[line] == col {
			return line
		}
	}
	return 0
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
