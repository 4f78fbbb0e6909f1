package lsp

// This file analyses a document: parse, resolve, compile, and the
// questions asked of the result (the name at a position, its
// declaration, its uses, the names in scope).

import (
	"errors"
	"fmt"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// document is an open document and what the server knows of it.
type document struct {
	uri         string
	text        *text
	file        *lang.File // the last text that parsed, for completion while typing
	stale       bool       // file is an earlier text's: its positions are not this text's
	resolveErrs int        // how many errors compiler.Resolve found
	refs        map[*lang.Ident]compiler.Ref
	idents      []*lang.Ident // every identifier of file, declaring ones too
	errs        []Diagnostic
}

// analyze parses and compiles src; prev, if any, is the document's
// previous state, whose tree is kept when src does not parse.
func analyze(uri, src string, predecl []string, prev *document) *document {
	d := &document{uri: uri, text: newText(src)}
	f, err := lang.Parse(uri, d.text.src)
	if err != nil {
		d.errs = d.diagnostics(err)
		if prev != nil && prev.file != nil {
			d.file, d.stale = prev.file, true
		}
		return d
	}
	d.file = f
	opts := compiler.Options{Predeclared: predecl}
	var rerr error
	d.refs, rerr = compiler.Resolve(f, opts)
	d.resolveErrs = errorCount(rerr)
	d.idents = identifiers(f)
	if _, err := compiler.Compile(f, opts); err != nil {
		d.errs = d.diagnostics(err)
	}
	return d
}

// errorCount returns how many errors err holds.
func errorCount(err error) int {
	var list lang.ErrorList
	if errors.As(err, &list) {
		return len(list)
	}
	if err != nil {
		return 1
	}
	return 0
}

// identifiers returns every identifier of f: the ones lang.Inspect
// visits and the names of functions and parameters, which it does not.
func identifiers(f *lang.File) []*lang.Ident {
	var ids []*lang.Ident
	for _, s := range f.Stmts {
		lang.Inspect(s, func(n lang.Node) bool {
			switch n := n.(type) {
			case *lang.Ident:
				ids = append(ids, n)
			case *lang.FnDecl:
				ids = append(ids, n.Name)
			case *lang.FuncLit:
				ids = append(ids, n.Params...)
			}
			return true
		})
	}
	return ids
}

// diagnostics turns a parse or compile error into diagnostics, each
// spanning the token the error points at, its notes in its message.
func (d *document) diagnostics(err error) []Diagnostic {
	var list lang.ErrorList
	if !errors.As(err, &list) {
		return []Diagnostic{{Severity: 1, Source: "wf", Message: err.Error()}}
	}
	out := make([]Diagnostic, 0, len(list))
	for _, e := range list {
		msg := e.Msg
		for _, n := range e.Notes {
			if n.Pos.Line > 0 {
				msg += fmt.Sprintf("\n%d:%d: %s", n.Pos.Line, n.Pos.Col, n.Msg)
			} else {
				msg += "\n" + n.Msg
			}
		}
		out = append(out, Diagnostic{Range: d.text.span(e.Pos, d.tokenLen(e.Pos)), Severity: 1, Source: "wf", Message: msg})
	}
	return out
}

// tokenLen returns the length in bytes of the token at p, or of the
// character there if no token starts at p (a lexical error), or 0 at the
// end of a line.
func (d *document) tokenLen(p lang.Pos) int {
	off := d.offset(p)
	if toks, err := lang.Tokens(d.uri, d.text.src); err == nil {
		for _, t := range toks {
			if t.Offset == off && t.Kind != lang.Newline {
				return len(t.Text)
			}
		}
	}
	line := d.text.line(p.Line - 1)
	if col := p.Col - 1; col >= 0 && col < len(line) {
		return len(string([]rune(string(line[col:]))[0]))
	}
	return 0
}

// offset returns the byte offset of p in the text.
func (d *document) offset(p lang.Pos) int {
	if p.Line < 1 || p.Line > len(d.text.lines) {
		return -1
	}
	return d.text.lines[p.Line-1] + p.Col - 1
}

// identAt returns the identifier under or just after the cursor at p,
// or nil if there is none or the text does not parse.
func (d *document) identAt(p lang.Pos) *lang.Ident {
	if d.stale {
		return nil
	}
	for _, id := range d.idents {
		if id.Pos.Line == p.Line && id.Pos.Col <= p.Col && p.Col <= id.Pos.Col+len(id.Name) {
			return id
		}
	}
	return nil
}

// occurrences returns the identifiers that refer to the same declaration
// as id, in source order, or nil for a builtin or an unresolved name.
func (d *document) occurrences(id *lang.Ident) []*lang.Ident {
	ref, ok := d.refs[id]
	if !ok || ref.Scope == compiler.Builtin {
		return nil
	}
	var out []*lang.Ident
	for _, other := range d.idents {
		if r, ok := d.refs[other]; ok && r.Scope != compiler.Builtin && r.Decl == ref.Decl {
			out = append(out, other)
		}
	}
	return out
}

// declaration returns the identifier that declares what id refers to.
func (d *document) declaration(id *lang.Ident) *lang.Ident {
	for _, other := range d.occurrences(id) {
		if other.Pos == d.refs[id].Decl {
			return other
		}
	}
	return nil
}

// location returns the location of an identifier.
func (d *document) location(id *lang.Ident) Location {
	return Location{URI: d.uri, Range: d.text.span(id.Pos, len(id.Name))}
}
