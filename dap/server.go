// Package dap serves a debug.Session over the Debug Adapter Protocol, so
// that an editor (VS Code, Neovim's nvim-dap, Emacs dap-mode...) can step
// a .wf run forwards and backwards.
//
// The protocol's messages are go-dap's (github.com/google/go-dap); a
// Server reads requests one at a time from a stream and answers each
// before reading the next. Moving commands answer first, then run, then
// announce where they stopped with a stopped event, as the protocol
// asks. The run has one thread (the machine runs one fiber at a time;
// its stack is the running chain of fibers, see vm.Machine.Stack).
//
// Variables are the vm's JSON views (vm.StackView): a stop's locals,
// globals and the objects they reach are viewed once, the first time an
// editor asks, and each list, map, function or error of the view's
// object table is expandable by a reference derived from its id (see
// refs.go). References live until the next move, as the protocol says.
//
// Breakpoints take conditions, hit counts and log messages (a message's
// {expression} parts become a wf string's ${...} interpolations);
// evaluate and setVariable take any expression (debug.Expr); gotoTargets
// lists the steps at which a line ran and goto goes to one; restartFrame
// goes back to a frame's entry; data breakpoints are watches. An attach
// request debugs a stored instance by id, database and version.
//
// What the program prints goes to the editor as output events; what a
// reverse command re-runs is not printed again (package debug mutes it).
package dap

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	godap "github.com/google/go-dap"

	"github.com/wf-lang/wf/debug"
	"github.com/wf-lang/wf/vm"
)

// LaunchArgs are the fields of a launch request the server reads: the
// program to run, the arguments of wf debug before it (--signal,
// --input, --allow-read...), and whether to stop at its first line.
type LaunchArgs struct {
	Program     string   `json:"program"`
	Args        []string `json:"args"`
	StopOnEntry bool     `json:"stopOnEntry"`
}

// Launcher starts a session on a launch request's program, printing the
// program's output to stdout. Close, if not nil, is called when the
// session ends. Package dap leaves compiling and the choice of host
// functions to its caller (cmd/wf).
type Launcher func(args LaunchArgs, stdout io.Writer) (s *debug.Session, close func(), err error)

// Server is one debugging conversation: a stream of requests, at most one
// launched session.
type Server struct {
	launch Launcher

	mu  sync.Mutex // guards w and seq: output events are written mid-run
	w   io.Writer
	seq int

	s           *debug.Session
	close       func()
	stopOnEntry bool
	lines       []*debug.Breakpoint // the breakpoints of the last setBreakpoints
	funcs       []*debug.Breakpoint // those of the last setFunctionBreakpoints
	view        *vm.StackView       // the stop's stack, viewed on demand
	done        bool                // disconnect was asked, or the stream ended
	pauseAsked  atomic.Bool         // a pause request was read and not answered yet
	paused      *debug.Stop         // where a run stopped for it, to announce after answering it
}

// NewServer returns a server that starts sessions with launch.
func NewServer(launch Launcher) *Server { return &Server{launch: launch} }

// Serve answers the requests read from r on w until a disconnect request
// or the end of r. A request that cannot be decoded gets an error
// response; a stream that breaks the base protocol (a bad header, a body
// over 4 MiB) ends the conversation with an error, as nothing after it
// can be framed. Requests are read by a goroutine of their own while
// one is answered, so that a pause request stops a run in progress.
func (srv *Server) Serve(r io.Reader, w io.Writer) error {
	srv.w = w
	defer srv.end()
	in := make(chan incoming, 16)
	go srv.read(bufio.NewReader(r), in)
	for !srv.done {
		m, ok := <-in
		switch {
		case !ok:
			return nil // the stream ended between messages
		case m.err != nil:
			return fmt.Errorf("dap: %w", m.err)
		case m.bad != nil:
			srv.malformed(m.data, m.bad)
		default:
			srv.handle(m.req)
		}
	}
	return nil
}

// incoming is a message read: a request, or why it is not one.
type incoming struct {
	req  godap.RequestMessage
	data []byte
	bad  error // it does not decode
	err  error // the stream broke
}

// read reads messages into in until the stream ends or breaks. A pause
// request also sets srv.pauseAsked at once, for the run in progress.
func (srv *Server) read(br *bufio.Reader, in chan<- incoming) {
	defer close(in)
	for {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return
		}
		data, err := godap.ReadBaseMessage(br)
		if err != nil {
			in <- incoming{err: err}
			return
		}
		msg, err := godap.DecodeProtocolMessage(data)
		if err != nil {
			in <- incoming{data: data, bad: err}
			continue
		}
		req, ok := msg.(godap.RequestMessage)
		if !ok {
			continue // a response to a reverse request: none are sent
		}
		if _, ok := req.(*godap.PauseRequest); ok {
			srv.pauseAsked.Store(true)
		}
		in <- incoming{req: req}
	}
}

// end closes the session's resources.
func (srv *Server) end() {
	if srv.close != nil {
		srv.close()
		srv.close = nil
	}
}

// malformed answers a message that does not decode, if it has a seq and
// a command to answer.
func (srv *Server) malformed(data []byte, err error) {
	var head struct {
		Seq     int    `json:"seq"`
		Type    string `json:"type"`
		Command string `json:"command"`
	}
	if json.Unmarshal(data, &head) != nil || head.Type != "request" {
		srv.send(&godap.OutputEvent{Event: srv.event("output"), Body: godap.OutputEventBody{Category: "important", Output: fmt.Sprintf("wf dap: a message that is not a request: %v\n", err)}})
		return
	}
	var fe *godap.DecodeProtocolMessageFieldError
	if errors.As(err, &fe) && fe.FieldName == "command" {
		err = fmt.Errorf("unsupported request %q", head.Command)
	}
	srv.fail(head.Seq, head.Command, err)
}

// send writes a message with the next seq.
func (srv *Server) send(m godap.Message) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.seq++
	switch m := m.(type) {
	case godap.ResponseMessage:
		m.GetResponse().Seq = srv.seq
	case godap.EventMessage:
		m.GetEvent().Seq = srv.seq
	}
	if err := godap.WriteProtocolMessage(srv.w, m); err != nil {
		srv.done = true // the editor has gone: stop reading
	}
}

// response is the head of the response to req, successful.
func response(req godap.RequestMessage) godap.Response {
	r := req.GetRequest()
	return godap.Response{ProtocolMessage: godap.ProtocolMessage{Type: "response"}, RequestSeq: r.Seq, Command: r.Command, Success: true}
}

// event is the head of an event.
func (srv *Server) event(name string) godap.Event {
	return godap.Event{ProtocolMessage: godap.ProtocolMessage{Type: "event"}, Event: name}
}

// fail answers request seq with an error.
func (srv *Server) fail(seq int, command string, err error) {
	srv.send(&godap.ErrorResponse{
		Response: godap.Response{ProtocolMessage: godap.ProtocolMessage{Type: "response"}, RequestSeq: seq, Command: command, Message: err.Error()},
		Body:     godap.ErrorResponseBody{Error: &godap.ErrorMessage{Id: 1, Format: err.Error(), ShowUser: true}},
	})
}

// output sends the program's output as output events.
type output struct{ srv *Server }

func (o output) Write(p []byte) (int, error) {
	o.srv.send(&godap.OutputEvent{Event: o.srv.event("output"), Body: godap.OutputEventBody{Category: "stdout", Output: string(p)}})
	return len(p), nil
}
