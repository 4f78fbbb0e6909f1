package main

// This file defines how wf keeps text from scripts and stored state from
// driving the terminal.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/wf-lang/wf/lang"
)

// visible is a writer for what wf itself writes: its messages, errors and
// tracebacks, and its reports of programs and instances. These quote
// names, messages, source lines and stored output a script chose, so
// visible shows their control characters as lang.Visible does (ESC as
// \x1b; newline and tab stay) and a script cannot move the cursor, set
// the terminal's title or forge lines of the report. run wraps stderr,
// and stdout of every command but wf run, whose stdout is the program's
// own output and stays raw, as every interpreter's does (so do wf fmt's,
// wf repl's, and wf dap's, whose stdout is the protocol's framing). Each Write is
// taken to hold whole characters, as fmt, tabwriter and json write them;
// a character split across two writes is shown as its bytes.
type visible struct{ w io.Writer }

func (v visible) Write(p []byte) (int, error) {
	if _, err := io.WriteString(v.w, lang.Visible(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// printJSON writes v as indented JSON. encoding/json escapes the C0
// controls but leaves DEL and the C1 controls raw; they are escaped here
// as \u sequences, so the output stays JSON and passes visible unchanged.
func printJSON(w io.Writer, v any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	w.Write(escapeC1(buf.Bytes()))
	return exitOK
}

// escapeC1 returns b, UTF-8 JSON text, with DEL and U+0080 to U+009F
// written as \u escapes; they can only stand inside strings.
func escapeC1(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == 0x7f || r >= 0x80 && r <= 0x9f {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}
