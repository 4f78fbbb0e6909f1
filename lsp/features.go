package lsp

// This file answers the requests about a position or a document.

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/format"
	"github.com/wf-lang/wf/lang"
)

// at decodes position params and returns the document, the wf position
// and the identifier there (nil if none).
func (s *Server) at(params json.RawMessage, p *TextDocumentPositionParams) (*document, lang.Pos, *lang.Ident, error) {
	if err := decode(params, p); err != nil {
		return nil, lang.Pos{}, nil, err
	}
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, lang.Pos{}, nil, err
	}
	pos, _ := d.text.pos(p.Position)
	return d, pos, d.identAt(pos), nil
}

// docOf returns the document that params names in its "textDocument".
func (s *Server) docOf(params json.RawMessage) (*document, error) {
	var p struct {
		TextDocument TextDocumentIdentifier `json:"textDocument"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return s.doc(p.TextDocument.URI)
}

// hover shows a builtin's signature and doc, or the line that declares
// a variable or function.
func (s *Server) hover(params json.RawMessage) (any, error) {
	var p TextDocumentPositionParams
	d, pos, id, err := s.at(params, &p)
	if err != nil {
		return nil, err
	}
	if id == nil {
		return d.methodHover(pos), nil
	}
	ref, ok := d.refs[id]
	if !ok {
		return nil, nil
	}
	var value string
	if ref.Scope == compiler.Builtin {
		b, ok := builtins[id.Name]
		if !ok {
			b = builtinDoc{id.Name + "(…)", "A function the host provides."}
		}
		value = "```\n" + b.sig + "\n```\n" + b.doc
	} else {
		line := strings.TrimSpace(string(d.text.line(ref.Decl.Line - 1)))
		value = fmt.Sprintf("```wf\n%s\n```\n%s, declared at line %d", line, scopeName(ref.Scope), ref.Decl.Line)
	}
	r := d.text.span(id.Pos, len(id.Name))
	return Hover{Contents: MarkupContent{Kind: "markdown", Value: value}, Range: &r}, nil
}

// methodHover returns the signatures of the builtin methods named by
// the word after a "." at pos, for every type that has one, or nil.
func (d *document) methodHover(pos lang.Pos) any {
	line := d.text.line(pos.Line - 1)
	col := min(pos.Col-1, len(line))
	start := len(strings.TrimRightFunc(string(line[:col]), isWordRune))
	end := col + len(string(line[col:])) - len(strings.TrimLeftFunc(string(line[col:]), isWordRune))
	if start == 0 || line[start-1] != '.' || start == end {
		return nil
	}
	name := string(line[start:end])
	var sigs []string
	for _, typ := range slices.Sorted(maps.Keys(methodDocs)) {
		if sig, ok := methodDocs[typ][name]; ok {
			sigs = append(sigs, typ+"."+sig)
		}
	}
	if sigs == nil {
		return nil
	}
	r := d.text.span(lang.Pos{Line: pos.Line, Col: start + 1}, end-start)
	return Hover{Contents: MarkupContent{Kind: "markdown", Value: "```\n" + strings.Join(sigs, "\n") + "\n```"}, Range: &r}
}

// scopeName says in words where a binding lives.
func scopeName(s compiler.Scope) string {
	switch s {
	case compiler.Global:
		return "global"
	case compiler.Free:
		return "captured local"
	}
	return "local"
}

// definition returns where the name at the position is declared.
func (s *Server) definition(params json.RawMessage) (any, error) {
	var p TextDocumentPositionParams
	d, _, id, err := s.at(params, &p)
	if err != nil || id == nil {
		return nil, err
	}
	if decl := d.declaration(id); decl != nil {
		return d.location(decl), nil
	}
	return nil, nil
}

// references returns every occurrence of the name at the position.
func (s *Server) references(params json.RawMessage) (any, error) {
	var p ReferenceParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	d, _, id, err := s.at(params, &p.TextDocumentPositionParams)
	if err != nil || id == nil {
		return []Location{}, err
	}
	out := []Location{}
	decl := d.refs[id].Decl
	for _, other := range d.occurrences(id) {
		if other.Pos != decl || p.Context.IncludeDeclaration {
			out = append(out, d.location(other))
		}
	}
	return out, nil
}

// documentSymbol lists the top-level functions and variables.
func (s *Server) documentSymbol(params json.RawMessage) (any, error) {
	d, err := s.docOf(params)
	if err != nil || d.stale {
		return []DocumentSymbol{}, err
	}
	out := []DocumentSymbol{}
	for _, st := range d.file.Stmts {
		sym := DocumentSymbol{Kind: symbolVariable}
		var name *lang.Ident
		switch st := st.(type) {
		case *lang.FnDecl:
			name, sym.Kind, sym.Detail = st.Name, symbolFunction, "fn("+paramList(st.Func)+")"
		case *lang.LetStmt:
			name = st.Name
		default:
			continue
		}
		sym.Name = name.Name
		sym.Range = d.text.span(name.Pos, len(name.Name))
		sym.SelectionRange = sym.Range
		out = append(out, sym)
	}
	return out, nil
}

// paramList returns a function's parameters, comma-separated.
func paramList(f *lang.FuncLit) string {
	names := make([]string, len(f.Params))
	for i, p := range f.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// formatting returns the edit that lays the document out as wf fmt
// does: one edit replacing the whole text, or none if it is formatted.
func (s *Server) formatting(params json.RawMessage) (any, error) {
	d, err := s.docOf(params)
	if err != nil {
		return nil, err
	}
	out, err := format.Source(d.uri, d.text.src)
	if err != nil {
		return nil, fmt.Errorf("cannot format a file with syntax errors: %v", err)
	}
	if string(out) == string(d.text.src) {
		return []TextEdit{}, nil
	}
	last := len(d.text.lines) - 1
	end := Position{Line: last, Character: utf16Len(d.text.line(last))}
	return []TextEdit{{Range: Range{End: end}, NewText: string(out)}}, nil
}

// rename renames a local variable, parameter or function everywhere it
// is used. Globals are refused: a host reads them by name (vm.Global),
// so renaming one in the file alone could break the program's users.
func (s *Server) rename(params json.RawMessage) (any, error) {
	var p RenameParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	d, _, id, err := s.at(params, &p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	if d.stale {
		return nil, fmt.Errorf("the file does not parse; fix it before renaming")
	}
	if id == nil || d.declaration(id) == nil {
		return nil, fmt.Errorf("no variable to rename here")
	}
	if d.refs[d.declaration(id)].Scope == compiler.Global {
		return nil, fmt.Errorf("%s is a global; only locals can be renamed", id.Name)
	}
	if !isName(p.NewName) {
		return nil, &RPCError{Code: codeInvalidParams, Message: fmt.Sprintf("%q is not a name", p.NewName)}
	}
	occ := d.occurrences(id)
	if err := d.checkRename(occ, p.NewName, s.opts.Predeclared); err != nil {
		return nil, err
	}
	var edits []TextEdit
	for _, other := range occ {
		edits = append(edits, TextEdit{Range: d.location(other).Range, NewText: p.NewName})
	}
	return WorkspaceEdit{Changes: map[string][]TextEdit{d.uri: edits}}, nil
}

// isName reports whether s is one identifier and not a keyword.
func isName(s string) bool {
	toks, err := lang.Tokens("", []byte(s))
	return err == nil && len(toks) == 1 && toks[0].Kind == lang.Name && toks[0].Text == s
}

// completion proposes the methods of a literal's type after a ".", and
// otherwise the locals in scope, the globals and the builtins that start
// with the word before the cursor.
func (s *Server) completion(params json.RawMessage) (any, error) {
	var p TextDocumentPositionParams
	d, pos, _, err := s.at(params, &p)
	if err != nil {
		return nil, err
	}
	line := d.text.line(pos.Line - 1)
	before := string(line[:min(pos.Col-1, len(line))])
	word := before[len(strings.TrimRightFunc(before, isWordRune)):]
	rest := before[:len(before)-len(word)]
	if strings.HasSuffix(rest, ".") {
		return methodItems(strings.TrimRight(rest[:len(rest)-1], " \t"), word), nil
	}
	return d.nameItems(pos, word, s.opts.Predeclared), nil
}

func isWordRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f
}

// methodItems returns the methods starting with prefix of the type of
// the literal that recv ends with, or of every type if that is not a
// literal.
func methodItems(recv, prefix string) []CompletionItem {
	types := []string{"string", "list", "map", "bytes", "generator", "coroutine"}
	switch {
	case strings.HasSuffix(recv, `"`), strings.HasSuffix(recv, "`"):
		types = []string{"string"}
	case strings.HasSuffix(recv, "]"):
		types = []string{"list"}
	case strings.HasSuffix(recv, "}"):
		types = []string{"map"}
	}
	out := []CompletionItem{}
	for _, t := range types {
		for _, name := range slices.Sorted(maps.Keys(methodDocs[t])) {
			if strings.HasPrefix(name, prefix) {
				out = append(out, CompletionItem{Label: name, Kind: completionMethod, Detail: t + "." + methodDocs[t][name]})
			}
		}
	}
	return out
}

// nameItems returns the locals in scope at pos, then the globals, then
// the builtins, that start with prefix; an inner name hides an outer one.
func (d *document) nameItems(pos lang.Pos, prefix string, predecl []string) []CompletionItem {
	out := []CompletionItem{}
	seen := map[string]bool{}
	add := func(name string, kind int, detail string) {
		if !seen[name] && strings.HasPrefix(name, prefix) {
			seen[name] = true
			out = append(out, CompletionItem{Label: name, Kind: kind, Detail: detail})
		}
	}
	if d.file != nil {
		locals := scopeAt(d.file, pos)
		for i := len(locals) - 1; i >= 0; i-- {
			add(locals[i], completionVariable, "local")
		}
		for _, st := range d.file.Stmts {
			if name := lang.Declared(st); name != "" {
				add(name, completionVariable, "global")
			}
		}
	}
	for _, name := range slices.Sorted(slices.Values(predecl)) {
		add(name, completionFunction, builtins[name].sig)
	}
	return out
}
