package lsp

// This file holds the few LSP types the server uses, with the LSP
// specification's JSON names. Only the fields the server reads or fills
// are declared; encoding/json ignores the rest of what an editor sends.

// Position is a place in a document: a 0-based line and a 0-based
// character offset in UTF-16 code units.
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Range is a span of a document, its end excluded.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Location is a range in a document named by its URI.
type Location struct {
	URI   string `json:"uri"`
	Range Range  `json:"range"`
}

// TextDocumentItem is an opened document.
type TextDocumentItem struct {
	URI     string `json:"uri"`
	Version int    `json:"version"`
	Text    string `json:"text"`
}

// TextDocumentIdentifier names a document.
type TextDocumentIdentifier struct {
	URI string `json:"uri"`
}

// TextDocumentPositionParams is the params of every request about a
// position: hover, definition, completion, references, rename.
type TextDocumentPositionParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
	Position     Position               `json:"position"`
}

// DidOpenParams, DidChangeParams and DidCloseParams are the document
// notifications' params. The server asks for full sync: each change
// carries the whole new text.
type (
	DidOpenParams struct {
		TextDocument TextDocumentItem `json:"textDocument"`
	}
	DidChangeParams struct {
		TextDocument   TextDocumentIdentifier `json:"textDocument"`
		ContentChanges []struct {
			Text string `json:"text"`
		} `json:"contentChanges"`
	}
	DidCloseParams struct {
		TextDocument TextDocumentIdentifier `json:"textDocument"`
	}
)

// Diagnostic is one error shown in the editor.
type Diagnostic struct {
	Range    Range  `json:"range"`
	Severity int    `json:"severity"` // 1 error
	Source   string `json:"source"`
	Message  string `json:"message"`
}

// PublishDiagnosticsParams is what the server publishes after each
// change of a document.
type PublishDiagnosticsParams struct {
	URI         string       `json:"uri"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Hover is hover's result.
type Hover struct {
	Contents MarkupContent `json:"contents"`
	Range    *Range        `json:"range,omitempty"`
}

// MarkupContent is text for people, in "markdown" or "plaintext".
type MarkupContent struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// ReferenceParams is references' params.
type ReferenceParams struct {
	TextDocumentPositionParams
	Context struct {
		IncludeDeclaration bool `json:"includeDeclaration"`
	} `json:"context"`
}

// RenameParams is rename's params.
type RenameParams struct {
	TextDocumentPositionParams
	NewName string `json:"newName"`
}

// TextEdit replaces a range with new text.
type TextEdit struct {
	Range   Range  `json:"range"`
	NewText string `json:"newText"`
}

// WorkspaceEdit is rename's result: edits by document URI.
type WorkspaceEdit struct {
	Changes map[string][]TextEdit `json:"changes"`
}

// DocumentSymbol is one entry of a document's outline.
type DocumentSymbol struct {
	Name           string `json:"name"`
	Detail         string `json:"detail,omitempty"`
	Kind           int    `json:"kind"`
	Range          Range  `json:"range"`
	SelectionRange Range  `json:"selectionRange"`
}

// The symbol kinds the server uses (LSP's SymbolKind).
const (
	symbolFunction = 12
	symbolVariable = 13
)

// CompletionItem is one completion proposal.
type CompletionItem struct {
	Label  string `json:"label"`
	Kind   int    `json:"kind"`
	Detail string `json:"detail,omitempty"`
}

// The completion item kinds the server uses (LSP's CompletionItemKind).
const (
	completionMethod   = 2
	completionFunction = 3
	completionVariable = 6
)
