package compiler

// This file defines the "did you mean" hint of an undefined name.

import (
	"maps"
	"slices"

	"github.com/wf-lang/wf/lang"
)

// undefined reports id as undefined, with a hint naming the closest name
// that is visible there (a local, a global or a builtin) if one is close
// enough to be a typo (lang.Closest). It runs only when compilation
// already fails, so it may take its time.
func (r *resolver) undefined(id *lang.Ident) {
	e := &lang.Error{Pos: id.Pos, Msg: "undefined: " + id.Name}
	if s := lang.Closest(id.Name, r.visible()); s != "" {
		e.Notes = []lang.Note{{Msg: "help: did you mean " + s + "?"}}
	}
	r.errs = append(r.errs, e)
}

// visible returns the names visible at this point, innermost scope first
// and each scope's in order, so that a tie goes the same way every time.
func (r *resolver) visible() []string {
	var names []string
	for i := len(r.blocks) - 1; i >= 0; i-- {
		names = append(names, slices.Sorted(maps.Keys(r.blocks[i]))...)
	}
	return append(names, r.predecl...)
}
