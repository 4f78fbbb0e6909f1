package main

import (
	"fmt"
	"io"

	"github.com/wf-lang/wf/lsp"
)

// cmdLsp runs the language server on stdin and stdout, for an editor.
func cmdLsp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("lsp", "wf lsp\n\nA language server (LSP over stdin and stdout) for editors.", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if err := lsp.Serve(stdin, stdout, lsp.Options{Predeclared: predeclared()}); err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return exitRuntime
	}
	return exitOK
}
