package compiler

// This file exposes the resolver's answers to tools: which declaration
// each name refers to, for go-to-definition, references and rename.

import "github.com/wf-lang/wf/lang"

// Ref says what one identifier occurrence refers to.
type Ref struct {
	// Scope is Local, Free, Global or Builtin, as the resolver bound it.
	Scope Scope
	// Decl is the position of the declaring identifier (a let, fn,
	// parameter, for or catch name); the zero Pos for a builtin.
	Decl lang.Pos
}

// Resolve binds every identifier of f as Compile does, without
// generating code, and returns what each refers to: uses and declaring
// identifiers alike (a declaration refers to itself). An identifier that
// resolves to nothing (an undefined name) is absent, and the errors are
// returned as a sorted lang.ErrorList next to the map, which holds
// whatever did resolve.
func Resolve(f *lang.File, opts Options) (map[*lang.Ident]Ref, error) {
	r := &resolver{
		predecl:   opts.Predeclared,
		builtinN:  map[string]int{},
		prog:      &Program{File: f.Name, Src: f.Src},
		uses:      map[*lang.Ident]use{},
		decls:     map[*lang.Ident]*binding{},
		funcs:     map[*lang.FuncLit]*funcInfo{},
		yieldFrom: map[*lang.YieldExpr][2]*binding{},
		tryTemps:  map[*lang.Block]*binding{},
	}
	r.resolveFile(f)
	refs := make(map[*lang.Ident]Ref, len(r.uses)+len(r.decls))
	for id, b := range r.decls {
		refs[id] = Ref{Scope: b.scope, Decl: b.decl}
	}
	for id, u := range r.uses {
		ref := Ref{Scope: u.scope}
		if u.b != nil {
			ref.Decl = u.b.decl
		}
		refs[id] = ref
	}
	if len(r.errs) > 0 {
		return refs, sortErrors(r.errs)
	}
	return refs, nil
}
