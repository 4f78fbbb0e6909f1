// Package lsp is wf's language server: what an editor talks to, over the
// server's stdin and stdout, to show a .wf file's errors as you type,
// hover help, go to definition, find references, list symbols, complete
// names, format and rename.
//
// # The protocol in one page
//
// The Language Server Protocol (LSP) is JSON-RPC 2.0 with HTTP-like
// framing: every message is a header "Content-Length: N\r\n\r\n"
// followed by N bytes of JSON (transport.go). A message with an "id" and
// a "method" is a request and gets exactly one response with the same
// id, carrying a "result" or an "error"; one without an id is a
// notification and gets none. The editor starts with the "initialize"
// request (the server answers with what it can do), then sends
// "textDocument/didOpen", "didChange" and "didClose" as the user edits.
// The server answers those with "textDocument/publishDiagnostics"
// notifications of its own: the file's compile errors, or an empty list
// once they are fixed. Everything else is a request about a position:
// "textDocument/hover", "definition", "references", "completion",
// "rename", and about a file: "documentSymbol", "formatting". The editor
// ends with "shutdown" and then "exit".
//
// # Positions
//
// LSP counts lines from 0 and columns in UTF-16 code units, as
// JavaScript strings do; wf counts both from 1 and columns in bytes
// (lang.Pos). "é" is one UTF-16 unit and two bytes, "😀" two units and
// four bytes. position.go converts, against the document's text, in both
// directions.
//
// # What it knows
//
// Each open document is parsed and resolved again on every change
// (analysis.go): package lang gives the tree and the syntax errors,
// compiler.Resolve binds every name to its declaration, the compiler the
// remaining errors. Definition, references and rename follow the
// resolver's bindings, so they agree with what the program does: a
// local that shadows a global is a different variable. Hover and
// completion for builtins come from a table (builtins.go) that a test
// keeps in step with package vm.
package lsp
