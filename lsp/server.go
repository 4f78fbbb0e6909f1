package lsp

// This file is the server: the message loop and one handler per method.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Options configure a server.
type Options struct {
	// Predeclared names the builtins a program may use, as
	// compiler.Options.Predeclared; wf lsp passes what wf run provides.
	Predeclared []string
}

// Server is a language server for one editor session.
type Server struct {
	opts        Options
	out         *writer
	mu          sync.Mutex
	docs        map[string]*document
	initialized bool
	shutdown    bool
}

// handler answers one request (or handles one notification, whose
// result is dropped).
type handler func(s *Server, params json.RawMessage) (any, error)

// handlers maps methods to their handlers.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"initialize":                  (*Server).initialize,
		"initialized":                 func(*Server, json.RawMessage) (any, error) { return nil, nil },
		"shutdown":                    (*Server).shutdownReq,
		"textDocument/didOpen":        (*Server).didOpen,
		"textDocument/didChange":      (*Server).didChange,
		"textDocument/didClose":       (*Server).didClose,
		"textDocument/hover":          (*Server).hover,
		"textDocument/definition":     (*Server).definition,
		"textDocument/references":     (*Server).references,
		"textDocument/documentSymbol": (*Server).documentSymbol,
		"textDocument/completion":     (*Server).completion,
		"textDocument/formatting":     (*Server).formatting,
		"textDocument/rename":         (*Server).rename,
	}
}

// Serve runs a server reading messages from in and writing to out until
// the "exit" notification or the end of in. It returns nil after a
// shutdown request and exit, and an error otherwise: an exit without
// shutdown, a broken stream or an unreadable header. A message that is
// not valid JSON or not a valid request is answered with a JSON-RPC
// error and the server goes on.
func Serve(in io.Reader, out io.Writer, opts Options) error {
	s := &Server{opts: opts, out: &writer{w: out}, docs: map[string]*document{}}
	r := &reader{r: bufio.NewReader(in)}
	for {
		body, err := r.read()
		if err != nil {
			if err == io.EOF {
				return errors.New("lsp: input ended before exit")
			}
			return err
		}
		var m message
		if err := json.Unmarshal(body, &m); err != nil {
			s.reply(json.RawMessage("null"), nil, &RPCError{Code: codeParseError, Message: err.Error()})
			continue
		}
		if m.Method == "exit" {
			if s.shutdown {
				return nil
			}
			return errors.New("lsp: exit without shutdown")
		}
		s.handle(&m)
	}
}

// handle dispatches one message and answers it if it is a request.
func (s *Server) handle(m *message) {
	if m.Method == "" {
		if m.ID != nil { // a request without a method
			s.reply(m.ID, nil, &RPCError{Code: codeInvalidRequest, Message: "no method"})
		}
		return // a response to nothing the server asked: ignored
	}
	h, ok := handlers[m.Method]
	var result any
	var rerr *RPCError
	switch {
	case !ok:
		rerr = &RPCError{Code: codeMethodNotFound, Message: "method not supported: " + m.Method}
	case !s.initialized && m.Method != "initialize":
		rerr = &RPCError{Code: codeNotInitialized, Message: "not initialized"}
	case s.shutdown:
		rerr = &RPCError{Code: codeInvalidRequest, Message: "the server is shutting down; only exit is accepted"}
	default:
		result, rerr = s.call(h, m.Params)
	}
	if m.ID != nil {
		s.reply(m.ID, result, rerr)
	}
}

// call runs a handler. A panic in it, which would be a bug of the
// server, becomes an internal error response: the editor's session goes
// on, and the user sees the message instead of a dead server.
func (s *Server) call(h handler, params json.RawMessage) (result any, rerr *RPCError) {
	defer func() {
		if v := recover(); v != nil {
			result, rerr = nil, &RPCError{Code: codeInternalError, Message: fmt.Sprintf("internal error: %v", v)}
		}
	}()
	result, err := h(s, params)
	if err != nil && !errors.As(err, &rerr) {
		rerr = &RPCError{Code: codeRequestFailed, Message: err.Error()}
	}
	return result, rerr
}

// reply sends the response to request id.
func (s *Server) reply(id json.RawMessage, result any, rerr *RPCError) {
	m := &message{ID: id, Error: rerr}
	if rerr == nil {
		b, err := json.Marshal(result)
		if err != nil {
			m.Error = &RPCError{Code: codeInternalError, Message: err.Error()}
		} else {
			m.Result = b
		}
	}
	s.out.write(m)
}

// notify sends a notification to the editor.
func (s *Server) notify(method string, params any) {
	b, err := json.Marshal(params)
	if err != nil {
		return
	}
	s.out.write(&message{Method: method, Params: b})
}

// decode unmarshals params into v, or returns an invalid-params error.
func decode(params json.RawMessage, v any) error {
	if len(params) == 0 {
		return &RPCError{Code: codeInvalidParams, Message: "missing params"}
	}
	if err := json.Unmarshal(params, v); err != nil {
		return &RPCError{Code: codeInvalidParams, Message: err.Error()}
	}
	return nil
}

// initialize answers the editor's first request with the server's
// capabilities.
func (s *Server) initialize(json.RawMessage) (any, error) {
	s.initialized = true
	return map[string]any{
		"capabilities": map[string]any{
			"textDocumentSync":           1, // full
			"hoverProvider":              true,
			"definitionProvider":         true,
			"referencesProvider":         true,
			"documentSymbolProvider":     true,
			"documentFormattingProvider": true,
			"renameProvider":             true,
			"completionProvider":         map[string]any{"triggerCharacters": []string{"."}},
		},
		"serverInfo": map[string]string{"name": "wf lsp"},
	}, nil
}

func (s *Server) shutdownReq(json.RawMessage) (any, error) {
	s.shutdown = true
	return nil, nil
}

// open analyses a document's new text, stores it and publishes its
// diagnostics (an empty list clears the editor's).
func (s *Server) open(uri, src string) {
	s.mu.Lock()
	d := analyze(uri, src, s.opts.Predeclared, s.docs[uri])
	s.docs[uri] = d
	s.mu.Unlock()
	diags := d.errs
	if diags == nil {
		diags = []Diagnostic{}
	}
	s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: uri, Diagnostics: diags})
}

func (s *Server) didOpen(params json.RawMessage) (any, error) {
	var p DidOpenParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	s.open(p.TextDocument.URI, p.TextDocument.Text)
	return nil, nil
}

func (s *Server) didChange(params json.RawMessage) (any, error) {
	var p DidChangeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if n := len(p.ContentChanges); n > 0 {
		s.open(p.TextDocument.URI, p.ContentChanges[n-1].Text)
	}
	return nil, nil
}

func (s *Server) didClose(params json.RawMessage) (any, error) {
	var p DidCloseParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []Diagnostic{}})
	return nil, nil
}

// doc returns the open document uri, or an error.
func (s *Server) doc(uri string) (*document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[uri]
	if !ok {
		return nil, &RPCError{Code: codeInvalidParams, Message: "document not open: " + uri}
	}
	return d, nil
}
