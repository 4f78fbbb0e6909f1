package lsp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// client is an editor's side of a session: it writes framed messages to
// the server and reads what the server sends back.
type client struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *reader
	done chan error
	next int
}

// start runs a server on pipes and returns a client talking to it.
func start(t *testing.T) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, in: inW, out: &reader{r: bufio.NewReader(outR)}, done: make(chan error, 1)}
	go func() {
		err := Serve(inR, outW, Options{Predeclared: vm.Universe()})
		outW.Close()
		c.done <- err
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return c
}

// send writes one message.
func (c *client) send(method string, id int, params any) {
	c.t.Helper()
	m := map[string]any{"jsonrpc": "2.0", "method": method, "params": params}
	if id != 0 {
		m["id"] = id
	}
	b, _ := json.Marshal(m)
	c.raw(string(b))
}

// raw writes a body with its header.
func (c *client) raw(body string) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads the next message, failing the test after a few seconds.
func (c *client) recv() message {
	c.t.Helper()
	got := make(chan message, 1)
	go func() {
		var m message
		body, err := c.out.read()
		if err == nil {
			json.Unmarshal(body, &m)
		}
		got <- m
	}()
	select {
	case m := <-got:
		return m
	case <-time.After(5 * time.Second):
		c.t.Fatal("no message from the server")
	}
	return message{}
}

// call sends a request and decodes its result into result, failing on
// an error response.
func (c *client) call(method string, params, result any) {
	c.t.Helper()
	c.next++
	c.send(method, c.next, params)
	m := c.recv()
	if string(m.ID) != fmt.Sprint(c.next) || m.Error != nil {
		c.t.Fatalf("%s: response %s, error %v", method, m.ID, m.Error)
	}
	if err := json.Unmarshal(m.Result, result); err != nil {
		c.t.Fatalf("%s: %v in %s", method, err, m.Result)
	}
}

// callErr sends a request and returns its error response.
func (c *client) callErr(method string, params any) *RPCError {
	c.t.Helper()
	c.next++
	c.send(method, c.next, params)
	m := c.recv()
	if m.Error == nil {
		c.t.Fatalf("%s: want an error, got %s", method, m.Result)
	}
	return m.Error
}

// diagnostics reads the next message, which must publish diagnostics.
func (c *client) diagnostics() PublishDiagnosticsParams {
	c.t.Helper()
	m := c.recv()
	var p PublishDiagnosticsParams
	if m.Method != "textDocument/publishDiagnostics" || json.Unmarshal(m.Params, &p) != nil {
		c.t.Fatalf("want diagnostics, got %+v", m)
	}
	return p
}

// session initializes a server and opens src as file:///t.wf, returning
// the client and the diagnostics of the open.
func session(t *testing.T, src string) (*client, []Diagnostic) {
	c := start(t)
	var init struct {
		Capabilities map[string]any `json:"capabilities"`
	}
	c.call("initialize", map[string]any{}, &init)
	if init.Capabilities["textDocumentSync"] != 1.0 || init.Capabilities["renameProvider"] != true {
		t.Fatalf("capabilities: %v", init.Capabilities)
	}
	c.send("initialized", 0, map[string]any{})
	c.send("textDocument/didOpen", 0, map[string]any{"textDocument": map[string]any{"uri": uri, "version": 1, "languageId": "wf", "text": src}})
	return c, c.diagnostics().Diagnostics
}

const uri = "file:///t.wf"

func at(line, char int) map[string]any {
	return map[string]any{"textDocument": map[string]string{"uri": uri}, "position": Position{line, char}}
}

func rng(l1, c1, l2, c2 int) Range { return Range{Position{l1, c1}, Position{l2, c2}} }

// shutdown ends a session properly; Serve must then return nil.
func (c *client) shutdown() {
	c.t.Helper()
	var r any
	c.call("shutdown", nil, &r)
	if e := c.callErr("textDocument/hover", at(0, 0)); e.Code != codeInvalidRequest {
		c.t.Errorf("a request after shutdown: %v", e)
	}
	c.send("exit", 0, nil)
	select {
	case err := <-c.done:
		if err != nil {
			c.t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		c.t.Fatal("the server did not exit")
	}
}

func TestDiagnosticsAndFix(t *testing.T) {
	// "é" is two bytes and one UTF-16 unit, "😀" four bytes and two
	// units: the error on line 2 is at byte column 22 but character 17.
	src := "let s = \"é😀\"\nlet t = \"é😀\" + nope\n"
	c, diags := session(t, src)
	want := []Diagnostic{{Range: rng(1, 16, 1, 20), Severity: 1, Source: "wf", Message: "undefined: nope"}}
	if diff := cmp.Diff(want, diags); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	c.send("textDocument/didChange", 0, map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 2},
		"contentChanges": []map[string]string{{"text": "let s = \"é😀\"\nlet t = \"é😀\" + s\n"}},
	})
	if got := c.diagnostics(); got.URI != uri || got.Diagnostics == nil || len(got.Diagnostics) != 0 {
		t.Errorf("after the fix: %+v, want an empty list", got)
	}
	var loc Location
	c.call("textDocument/definition", at(1, 16), &loc) // the s after "é😀" +
	if want := (Location{URI: uri, Range: rng(0, 4, 0, 5)}); loc != want {
		t.Errorf("definition after non-ASCII text = %+v, want %+v", loc, want)
	}
	c.shutdown()
}

func TestSyntaxErrorRange(t *testing.T) {
	c, diags := session(t, "fn f() {\n    let x = (1 +\n}\n")
	want := []Diagnostic{{Range: rng(2, 0, 2, 1), Severity: 1, Source: "wf",
		Message: "unexpected \"}\" (expected an expression)\n2:13: note: the \"(\" opened here is never closed"}}
	if diff := cmp.Diff(want, diags); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	c.shutdown()
}

func TestEveryError(t *testing.T) {
	c, diags := session(t, "print(aa)\nlet x = 1\nprint(bb, x)\n")
	want := []Diagnostic{
		{Range: rng(0, 6, 0, 8), Severity: 1, Source: "wf", Message: "undefined: aa"},
		{Range: rng(2, 6, 2, 8), Severity: 1, Source: "wf", Message: "undefined: bb"},
	}
	if diff := cmp.Diff(want, diags); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	c.send("textDocument/didClose", 0, map[string]any{"textDocument": map[string]string{"uri": uri}})
	if got := c.diagnostics(); len(got.Diagnostics) != 0 {
		t.Errorf("after close: %+v, want an empty list", got)
	}
	c.shutdown()
}

const prog = `let total = 0
fn add(amount) {
    let doubled = amount * 2
    total = total + doubled
    return doubled
}
print(add(1), len("x"))
let b = [1].contains(1)
`

func TestHover(t *testing.T) {
	c, _ := session(t, prog)
	var h Hover
	c.call("textDocument/hover", at(6, 15), &h) // len
	want := Hover{Contents: MarkupContent{Kind: "markdown", Value: "```\nlen(x)\n```\nLength of a string or bytes (in bytes), list, map or range."}, Range: &Range{Position{6, 14}, Position{6, 17}}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("hover on len (-want +got):\n%s", diff)
	}
	c.call("textDocument/hover", at(4, 12), &h) // doubled
	if want := "```wf\nlet doubled = amount * 2\n```\nlocal, declared at line 3"; h.Contents.Value != want {
		t.Errorf("hover on doubled = %q, want %q", h.Contents.Value, want)
	}
	c.call("textDocument/hover", at(7, 13), &h) // the contains of [1].contains(1)
	want = Hover{Contents: MarkupContent{Kind: "markdown", Value: "```\nlist.contains(x)\nmap.contains(k)\nstring.contains(s)\n```"}, Range: &Range{Position{7, 12}, Position{7, 20}}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("hover on a method (-want +got):\n%s", diff)
	}
	c.shutdown()
}

func TestDefinitionAndReferences(t *testing.T) {
	c, _ := session(t, prog)
	var loc Location
	c.call("textDocument/definition", at(3, 22), &loc) // doubled in "total + doubled"
	if want := (Location{URI: uri, Range: rng(2, 8, 2, 15)}); loc != want {
		t.Errorf("definition = %+v, want %+v", loc, want)
	}
	var refs []Location
	p := at(0, 5) // total
	p["context"] = map[string]bool{"includeDeclaration": true}
	c.call("textDocument/references", p, &refs)
	want := []Location{{uri, rng(0, 4, 0, 9)}, {uri, rng(3, 4, 3, 9)}, {uri, rng(3, 12, 3, 17)}}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	p["context"] = map[string]bool{"includeDeclaration": false}
	c.call("textDocument/references", p, &refs)
	if diff := cmp.Diff(want[1:], refs); diff != "" {
		t.Errorf("references without the declaration (-want +got):\n%s", diff)
	}
	c.shutdown()
}

func TestDocumentSymbols(t *testing.T) {
	c, _ := session(t, prog)
	var syms []DocumentSymbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]string{"uri": uri}}, &syms)
	want := []DocumentSymbol{
		{Name: "total", Kind: symbolVariable, Range: rng(0, 4, 0, 9), SelectionRange: rng(0, 4, 0, 9)},
		{Name: "add", Detail: "fn(amount)", Kind: symbolFunction, Range: rng(1, 3, 1, 6), SelectionRange: rng(1, 3, 1, 6)},
		{Name: "b", Kind: symbolVariable, Range: rng(7, 4, 7, 5), SelectionRange: rng(7, 4, 7, 5)},
	}
	if diff := cmp.Diff(want, syms); diff != "" {
		t.Errorf("symbols (-want +got):\n%s", diff)
	}
	c.shutdown()
}

func labels(items []CompletionItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Label)
	}
	return out
}

func TestCompletion(t *testing.T) {
	src := "let glob = 1\nfn f(param) {\n    let loc = 2\n    p\n}\nlet s = \"a\".up\nlet l = [1].po\n"
	c, _ := session(t, src)
	var items []CompletionItem
	c.call("textDocument/completion", at(3, 5), &items) // "p"
	if diff := cmp.Diff([]string{"param", "pop", "pow", "print", "push"}, labels(items)); diff != "" {
		t.Errorf("completion of p (-want +got):\n%s", diff)
	}
	c.call("textDocument/completion", at(3, 4), &items) // empty word: locals first, then globals
	if got := labels(items)[:5]; !cmp.Equal(got, []string{"loc", "param", "glob", "f", "s"}) {
		t.Errorf("completion at line start begins %v", got)
	}
	c.call("textDocument/completion", at(5, 14), &items) // "a".up
	if diff := cmp.Diff([]CompletionItem{{Label: "upper", Kind: completionMethod, Detail: "string.upper()"}}, items); diff != "" {
		t.Errorf("string methods (-want +got):\n%s", diff)
	}
	c.call("textDocument/completion", at(6, 14), &items) // [1].po
	if diff := cmp.Diff([]string{"pop"}, labels(items)); diff != "" {
		t.Errorf("list methods (-want +got):\n%s", diff)
	}
	c.shutdown()
}

func TestFormatting(t *testing.T) {
	c, _ := session(t, "fn f(a,b){\nreturn a+b\n}\n")
	var edits []TextEdit
	params := map[string]any{"textDocument": map[string]string{"uri": uri}, "options": map[string]any{"tabSize": 4}}
	c.call("textDocument/formatting", params, &edits)
	want := []TextEdit{{Range: rng(0, 0, 3, 0), NewText: "fn f(a, b) {\n    return a + b\n}\n"}}
	if diff := cmp.Diff(want, edits); diff != "" {
		t.Errorf("formatting (-want +got):\n%s", diff)
	}
	c.shutdown()
}

func TestRename(t *testing.T) {
	c, _ := session(t, prog)
	var edit WorkspaceEdit
	p := at(1, 8) // amount
	p["newName"] = "n"
	c.call("textDocument/rename", p, &edit)
	want := WorkspaceEdit{Changes: map[string][]TextEdit{uri: {
		{Range: rng(1, 7, 1, 13), NewText: "n"},
		{Range: rng(2, 18, 2, 24), NewText: "n"},
	}}}
	if diff := cmp.Diff(want, edit); diff != "" {
		t.Errorf("rename (-want +got):\n%s", diff)
	}
	p = at(0, 5) // total, a global
	p["newName"] = "sum2"
	if e := c.callErr("textDocument/rename", p); !strings.Contains(e.Message, "total is a global") {
		t.Errorf("renaming a global: %v", e)
	}
	p = at(1, 8)
	p["newName"] = "total" // would hide the global total the function assigns
	if e := c.callErr("textDocument/rename", p); e.Message != "renaming to total would change what total at 4:5 refers to" {
		t.Errorf("renaming to a name in use: %v", e)
	}
	p["newName"] = "doubled" // declared in the same block
	if e := c.callErr("textDocument/rename", p); !strings.Contains(e.Message, "doubled redeclared in this block") {
		t.Errorf("renaming to a name declared in the same block: %v", e)
	}
	p["newName"] = "while"
	if e := c.callErr("textDocument/rename", p); e.Code != codeInvalidParams {
		t.Errorf("renaming to a keyword: %v", e)
	}
	c.shutdown()
}

// TestStale: while the text does not parse, the server does not answer
// with the positions of the last text that did.
func TestStale(t *testing.T) {
	c, _ := session(t, prog)
	c.send("textDocument/didChange", 0, map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 2},
		"contentChanges": []map[string]string{{"text": "let x = (\n" + prog}},
	})
	if d := c.diagnostics(); len(d.Diagnostics) == 0 {
		t.Fatal("no diagnostics for a syntax error")
	}
	var h *Hover
	c.call("textDocument/hover", at(3, 12), &h)
	if h != nil {
		t.Errorf("hover on a stale tree: %+v", h)
	}
	p := at(2, 8)
	p["newName"] = "n"
	if e := c.callErr("textDocument/rename", p); !strings.Contains(e.Message, "does not parse") {
		t.Errorf("rename in a file that does not parse: %v", e)
	}
	var items []CompletionItem
	c.call("textDocument/completion", at(4, 4), &items) // inside add, from the last tree
	if got := labels(items); len(got) < 2 || !cmp.Equal(got[:2], []string{"doubled", "amount"}) {
		t.Errorf("completion from the last tree: %v", got)
	}
	c.shutdown()
}

func TestMalformedMessages(t *testing.T) {
	c := start(t)
	c.raw("{not json")
	if m := c.recv(); m.Error == nil || m.Error.Code != codeParseError || string(m.ID) != "null" {
		t.Errorf("bad JSON: %+v", m)
	}
	if e := c.callErr("textDocument/hover", at(0, 0)); e.Code != codeNotInitialized {
		t.Errorf("before initialize: %v", e)
	}
	var r any
	c.call("initialize", map[string]any{}, &r)
	if e := c.callErr("no/such", nil); e.Code != codeMethodNotFound {
		t.Errorf("unknown method: %v", e)
	}
	if e := c.callErr("textDocument/hover", "a string"); e.Code != codeInvalidParams {
		t.Errorf("bad params: %v", e)
	}
	if e := c.callErr("textDocument/hover", at(0, 0)); e.Code != codeInvalidParams {
		t.Errorf("document not open: %v", e)
	}
	c.raw(`{"jsonrpc":"2.0","id":7}`)
	if m := c.recv(); m.Error == nil || m.Error.Code != codeInvalidRequest {
		t.Errorf("request without a method: %+v", m)
	}
	c.shutdown()
}

func TestBadFramingEnds(t *testing.T) {
	for _, in := range []string{
		"Content-Length: 99999999999\r\n\r\n",
		"Content-Length: -1\r\n\r\n",
		"no colon here\r\n\r\n",
		"Content-Type: x\r\n\r\n{}",
		"Content-Length: 10\r\n\r\n{}",
		strings.Repeat("x", 10000),
	} {
		err := Serve(strings.NewReader(in), io.Discard, Options{})
		if err == nil || !strings.Contains(err.Error(), "bad message header") {
			t.Errorf("Serve(%.40q) = %v, want a header error", in, err)
		}
	}
	if err := Serve(strings.NewReader(""), io.Discard, Options{}); err == nil {
		t.Error("Serve of an empty stream: no error for the missing exit")
	}
}

// TestBuiltinDocs keeps the hover table in step with package vm.
func TestBuiltinDocs(t *testing.T) {
	for _, name := range vm.Universe() {
		if _, ok := builtins[name]; !ok {
			t.Errorf("builtin %s has no entry in builtins", name)
		}
	}
	for typ := range methodDocs {
		for _, name := range vm.Methods(typ) {
			if _, ok := methodDocs[typ][name]; !ok {
				t.Errorf("method %s.%s has no entry in methodDocs", typ, name)
			}
		}
	}
}

// TestEveryPosition asks for hover, definition, references, completion
// and rename at every position of every example, as a cursor moving
// through the files would: no request may fail with an internal error.
func TestEveryPosition(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.wf")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	if testing.Short() {
		files = files[:1]
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := session(t, string(src))
		for line, text := range strings.Split(string(src), "\n") {
			for char := 0; char <= utf16Len([]byte(text)); char += 3 {
				for _, method := range []string{"hover", "definition", "references", "completion", "rename"} {
					p := at(line, char)
					p["newName"] = "renamed"
					c.next++
					c.send("textDocument/"+method, c.next, p)
					if m := c.recv(); m.Error != nil && m.Error.Code != codeRequestFailed {
						t.Fatalf("%s %s at %d:%d: %v", file, method, line, char, m.Error)
					}
				}
			}
		}
		c.shutdown()
	}
}
