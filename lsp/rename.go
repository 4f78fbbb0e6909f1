package lsp

// This file checks that a rename keeps the program's meaning.

import (
	"fmt"
	"slices"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// checkRename applies the rename of occ to newName to a copy of the
// text, resolves it again, and returns an error if any name would then
// refer to another declaration than before: the new name captured by an
// inner declaration, or redeclared in the same block, or hiding a global, a builtin or another local that
// some use inside the renamed variable's scope needs.
func (d *document) checkRename(occ []*lang.Ident, newName string, predecl []string) error {
	occ = slices.SortedFunc(slices.Values(occ), func(a, b *lang.Ident) int { return d.offset(a.Pos) - d.offset(b.Pos) })
	var src []byte
	last := 0
	for _, o := range occ {
		off := d.offset(o.Pos)
		src = append(append(src, d.text.src[last:off]...), newName...)
		last = off + len(o.Name)
	}
	src = append(src, d.text.src[last:]...)
	f, err := lang.Parse(d.uri, src)
	if err != nil {
		return fmt.Errorf("renaming to %s: %v", newName, err)
	}
	refs, err := compiler.Resolve(f, compiler.Options{Predeclared: predecl})
	if errorCount(err) > d.resolveErrs {
		return fmt.Errorf("renaming to %s: %v", newName, err)
	}
	after := make(map[lang.Pos]compiler.Ref, len(refs))
	for id, r := range refs {
		after[id.Pos] = r
	}
	moved := shifter(occ, len(newName)-len(occ[0].Name))
	for _, id := range d.idents { // in source order, to name the first change
		r, ok := d.refs[id]
		if !ok {
			continue
		}
		want := r
		if r.Scope != compiler.Builtin {
			want.Decl = moved(r.Decl)
		}
		got, ok := after[moved(id.Pos)]
		if !ok || got.Decl != want.Decl || (got.Scope == compiler.Builtin) != (r.Scope == compiler.Builtin) {
			return fmt.Errorf("renaming to %s would change what %s at %d:%d refers to", newName, id.Name, id.Pos.Line, id.Pos.Col)
		}
	}
	return nil
}

// shifter returns where a position moves when each identifier of occ
// grows by delta bytes: later on the same line by delta per renamed
// identifier before it.
func shifter(occ []*lang.Ident, delta int) func(lang.Pos) lang.Pos {
	return func(p lang.Pos) lang.Pos {
		for _, o := range occ {
			if o.Pos.Line == p.Line && o.Pos.Col < p.Col {
				p.Col += delta
			}
		}
		return p
	}
}
