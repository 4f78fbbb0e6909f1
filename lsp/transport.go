package lsp

// This file is the transport: JSON-RPC 2.0 messages framed by a
// Content-Length header, read from and written to byte streams.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// MaxMessage bounds one message's body, so that a bad Content-Length
// cannot make the server allocate without limit. It is far above any
// real .wf file (lang.DefaultMaxSource) in JSON.
const MaxMessage = 64 << 20

// message is any JSON-RPC message: a request (ID and Method), a
// notification (Method only) or a response (ID and Result or Error).
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

// RPCError is a JSON-RPC error object.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// The JSON-RPC and LSP error codes the server sends.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
	codeInternalError  = -32603
	codeNotInitialized = -32002
	codeRequestFailed  = -32803
)

// errFraming is a header the reader cannot make sense of. The stream
// cannot be resynchronised after it, so the server stops.
var errFraming = errors.New("lsp: bad message header")

// reader reads framed messages.
type reader struct{ r *bufio.Reader }

// read returns the body of the next message, or io.EOF at the end of
// the stream, or errFraming for a header without a valid Content-Length.
// Header lines longer than the reader's buffer are refused, so a stream
// without line breaks cannot grow memory.
func (r *reader) read() ([]byte, error) {
	n := -1
	for first := true; ; first = false {
		line, err := r.r.ReadSlice('\n')
		if err == io.EOF && first && len(line) == 0 {
			return nil, io.EOF
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errFraming, err)
		}
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			break
		}
		name, value, ok := strings.Cut(text, ":")
		if !ok {
			return nil, fmt.Errorf("%w: %q", errFraming, text)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			if n, err = strconv.Atoi(strings.TrimSpace(value)); err != nil || n < 0 || n > MaxMessage {
				return nil, fmt.Errorf("%w: Content-Length %q", errFraming, value)
			}
		}
	}
	if n < 0 {
		return nil, fmt.Errorf("%w: no Content-Length", errFraming)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.r, body); err != nil {
		return nil, fmt.Errorf("%w: %v", errFraming, err)
	}
	return body, nil
}

// writer writes framed messages; it is safe for concurrent use.
type writer struct {
	mu sync.Mutex
	w  io.Writer
}

// write sends m with its header.
func (w *writer) write(m *message) error {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := fmt.Fprintf(w.w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	_, err = w.w.Write(body)
	return err
}
