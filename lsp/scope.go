package lsp

// This file finds the names in scope at a position, for completion. The
// tree has start positions only, so a statement is taken to extend to
// the start of the next one: the scope of a name declared in a block
// that has ended may leak into completion up to the next statement,
// which costs a spurious proposal, never a missing one.

import "github.com/wf-lang/wf/lang"

// scopeAt returns the local names visible at p in f, innermost last.
func scopeAt(f *lang.File, p lang.Pos) []string {
	var names []string
	inStmts(f.Stmts, p, &names, true)
	return names
}

// before reports whether a comes strictly before b.
func before(a, b lang.Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// inStmts adds the names declared by stmts before p and descends into
// the statement that contains p. Top-level names are globals, listed
// separately, so top says not to add them.
func inStmts(stmts []lang.Stmt, p lang.Pos, names *[]string, top bool) {
	for i, s := range stmts {
		if !before(s.Position(), p) {
			return
		}
		if name := lang.Declared(s); name != "" && !top {
			*names = append(*names, name)
		}
		if i+1 == len(stmts) || !before(stmts[i+1].Position(), p) {
			inStmt(s, p, names)
			return
		}
	}
}

// inStmt descends into the part of s that contains p.
func inStmt(s lang.Stmt, p lang.Pos, names *[]string) {
	switch s := s.(type) {
	case *lang.Block:
		inStmts(s.Stmts, p, names, false)
	case *lang.IfStmt:
		if s.Else != nil && before(s.Else.Position(), p) {
			inStmt(s.Else, p, names)
		} else {
			inStmts(s.Then.Stmts, p, names, false)
		}
	case *lang.WhileStmt:
		inStmts(s.Body.Stmts, p, names, false)
	case *lang.ForStmt:
		*names = append(*names, s.Key.Name)
		if s.Value != nil {
			*names = append(*names, s.Value.Name)
		}
		inStmts(s.Body.Stmts, p, names, false)
	case *lang.TryStmt:
		inTry(s, p, names)
	default:
		inFunc(s, p, names)
	}
}

// inTry descends into the body, catch or finally block containing p.
func inTry(s *lang.TryStmt, p lang.Pos, names *[]string) {
	switch {
	case s.Finally != nil && before(s.Finally.Pos, p):
		inStmts(s.Finally.Stmts, p, names, false)
	case s.Catch != nil && s.CatchName != nil && before(s.CatchName.Pos, p):
		*names = append(*names, s.CatchName.Name)
		inStmts(s.Catch.Stmts, p, names, false)
	default:
		inStmts(s.Body.Stmts, p, names, false)
	}
}

// inFunc descends into the last function literal of n that starts
// before p: its parameters and its body's names are in scope there.
func inFunc(n lang.Node, p lang.Pos, names *[]string) {
	var last *lang.FuncLit
	lang.Inspect(n, func(n lang.Node) bool {
		fl, ok := n.(*lang.FuncLit)
		if ok && before(fl.Pos, p) {
			last = fl // its own inner functions are inStmts' business
		}
		return !ok
	})
	if last == nil {
		return
	}
	for _, param := range last.Params {
		*names = append(*names, param.Name)
	}
	inStmts(last.Body.Stmts, p, names, false)
}
