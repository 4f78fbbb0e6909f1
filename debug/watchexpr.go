package debug

// This file defines watches of expressions ("watch total - paid"): the
// expression is evaluated (Expr.Eval, on copies) only where one of the
// variables it names has changed, so between changes it costs what
// watching those variables costs.

import (
	"fmt"
	"slices"

	"github.com/wf-lang/wf/vm"
)

// exprWatch is the part of a watch that is an expression: the watches
// of the variables it names, and its value for their last values.
type exprWatch struct {
	e      *Expr
	vars   []*watch   // the variables the expression names that exist where it was set
	last   []watchKey // vars' values at the last evaluation
	result watchKey   // the expression's value for last
	valid  bool       // last and result are set
}

// watchExpr makes the watch of expression text seen from frame number
// frame at the cursor. If the expression names a local of that frame's
// function it is watched in that function at that call depth, as a
// local is; otherwise it is read from the globals wherever the machine
// is. An expression must name at least one variable: one that names
// none never changes.
func (s *Session) watchExpr(frame int, text string) (*watch, error) {
	e, err := NewExpr(text)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &watch{name: text, expr: &exprWatch{e: e}}
	fn, depth, ferr := s.frameAt(frame)
	for _, id := range e.idents {
		if ferr == nil && declares(fn, id) {
			w.fn, w.depth = fn, depth
		}
	}
	for _, id := range e.idents {
		switch {
		case w.fn != nil && declares(w.fn, id):
			w.expr.vars = append(w.expr.vars, &watch{name: id, fn: w.fn, depth: w.depth})
		case slices.Contains(s.prog.Globals, id):
			w.expr.vars = append(w.expr.vars, &watch{name: id})
		}
	}
	if len(w.expr.vars) == 0 {
		return nil, fmt.Errorf("watch: %s names no variable here", text)
	}
	return w, nil
}

// key is the expression's value at m's boundary; not ok where one of
// its variables cannot be read (a local out of its frame) or the
// expression fails there.
func (x *exprWatch) key(m *vm.Machine, local bool) watchKey {
	keys := make([]watchKey, len(x.vars))
	for i, v := range x.vars {
		if keys[i] = v.key(m); !keys[i].ok {
			return watchKey{}
		}
	}
	if x.valid && sameKeys(keys, x.last) {
		return x.result
	}
	k, err := x.eval(m, local)
	if err != nil {
		k = watchKey{}
	}
	x.last, x.result, x.valid = keys, k, true
	return k
}

// eval evaluates the expression in the innermost frame (local) or in
// the globals alone, as a watch key.
func (x *exprWatch) eval(m *vm.Machine, local bool) (watchKey, error) {
	frame := -1 // no frame: globals only
	if local {
		frame = 0
	}
	r, err := x.e.Eval(m, frame)
	if err != nil {
		return watchKey{}, err
	}
	return valueKey(r.M, r.Value), nil
}

// sameKeys reports whether a and b hold the same values.
func sameKeys(a, b []watchKey) bool {
	for i := range a {
		if !a[i].same(b[i]) {
			return false
		}
	}
	return true
}
