package dap

// This file answers the requests that set a session up and end it.

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	godap "github.com/google/go-dap"

	"github.com/wf-lang/wf/debug"
)

// errNoSession answers requests that need a launched program.
var errNoSession = errors.New("no program is running: launch one first")

// handle answers one request.
func (srv *Server) handle(req godap.RequestMessage) {
	r := req.GetRequest()
	if _, ok := req.(*godap.PauseRequest); ok && srv.s == nil {
		srv.pauseAsked.Store(false) // nothing to pause
	}
	if srv.s == nil && needsSession(req) {
		srv.fail(r.Seq, r.Command, errNoSession)
		return
	}
	var err error
	switch req := req.(type) {
	case *godap.InitializeRequest:
		srv.initialize(req)
	case *godap.LaunchRequest:
		err = srv.launchReq(req)
	case *godap.AttachRequest:
		err = srv.attachReq(req)
	case *godap.SetBreakpointsRequest:
		err = srv.setBreakpoints(req)
	case *godap.SetFunctionBreakpointsRequest:
		srv.setFunctionBreakpoints(req)
	case *godap.SetExceptionBreakpointsRequest:
		srv.send(&godap.SetExceptionBreakpointsResponse{Response: response(req)})
	case *godap.ConfigurationDoneRequest:
		srv.configurationDone(req)
	case *godap.ThreadsRequest:
		srv.send(&godap.ThreadsResponse{Response: response(req), Body: godap.ThreadsResponseBody{Threads: []godap.Thread{{Id: threadID, Name: "main"}}}})
	case *godap.StackTraceRequest:
		srv.stackTrace(req)
	case *godap.ScopesRequest:
		err = srv.scopes(req)
	case *godap.VariablesRequest:
		err = srv.variables(req)
	case *godap.EvaluateRequest:
		err = srv.evaluate(req)
	case *godap.SetVariableRequest:
		err = srv.setVariable(req)
	case *godap.RestartFrameRequest:
		err = srv.restartFrame(req)
	case *godap.GotoTargetsRequest:
		err = srv.gotoTargets(req)
	case *godap.GotoRequest:
		err = srv.gotoReq(req)
	case *godap.DataBreakpointInfoRequest:
		err = srv.dataBreakpointInfo(req)
	case *godap.SetDataBreakpointsRequest:
		srv.setDataBreakpoints(req)
	case *godap.PauseRequest:
		srv.pause(req)
	case *godap.DisconnectRequest, *godap.TerminateRequest:
		srv.send(&godap.DisconnectResponse{Response: response(req)})
		srv.done = true
	default:
		if move, ok := srv.moves(req); ok {
			err = srv.moveReq(req, move)
		} else {
			err = fmt.Errorf("unsupported request %q", r.Command)
		}
	}
	if err != nil {
		srv.fail(r.Seq, r.Command, err)
	}
}

// needsSession reports whether req needs a launched program.
func needsSession(req godap.RequestMessage) bool {
	switch req.(type) {
	case *godap.InitializeRequest, *godap.LaunchRequest, *godap.AttachRequest, *godap.DisconnectRequest, *godap.TerminateRequest,
		*godap.SetExceptionBreakpointsRequest, *godap.ThreadsRequest:
		return false
	}
	return true
}

// threadID is the id of the run's one thread.
const threadID = 1

func (srv *Server) initialize(req *godap.InitializeRequest) {
	srv.send(&godap.InitializeResponse{Response: response(req), Body: godap.Capabilities{
		SupportsConfigurationDoneRequest:  true,
		SupportsStepBack:                  true,
		SupportsFunctionBreakpoints:       true,
		SupportsEvaluateForHovers:         true,
		SupportsTerminateRequest:          true,
		SupportsConditionalBreakpoints:    true,
		SupportsHitConditionalBreakpoints: true,
		SupportsLogPoints:                 true,
		SupportsSetVariable:               true,
		SupportsRestartFrame:              true,
		SupportsGotoTargetsRequest:        true,
		SupportsDataBreakpoints:           true,
	}})
}

// launchReq starts the program. The initialized event follows: the
// editor then sends its breakpoints and configurationDone, which starts
// the run.
func (srv *Server) launchReq(req *godap.LaunchRequest) error {
	if srv.s != nil {
		return errors.New("a program is already running: one launch per conversation")
	}
	var args LaunchArgs
	if err := json.Unmarshal(req.Arguments, &args); err != nil {
		return fmt.Errorf("launch: bad arguments: %v", err)
	}
	if args.Program == "" {
		return errors.New(`launch: no "program" to run`)
	}
	return srv.begin(req, args, &godap.LaunchResponse{Response: response(req)})
}

// AttachArgs are the fields of an attach request: a stored instance, its
// database and the version to start from (0: the latest), more flags of
// wf debug, and whether to stop where the version stands (the default).
type AttachArgs struct {
	ID          string   `json:"id"`
	DB          string   `json:"db"`
	At          int64    `json:"at"`
	Args        []string `json:"args"`
	StopOnEntry *bool    `json:"stopOnEntry"`
}

// attachReq debugs a stored instance: a launch of its ID with --db and
// --at, as wf debug ID takes them.
func (srv *Server) attachReq(req *godap.AttachRequest) error {
	if srv.s != nil {
		return errors.New("a program is already running: one launch per conversation")
	}
	var a AttachArgs
	if err := json.Unmarshal(req.Arguments, &a); err != nil {
		return fmt.Errorf("attach: bad arguments: %v", err)
	}
	if a.ID == "" {
		return errors.New(`attach: no instance "id"`)
	}
	if a.At < 0 {
		return fmt.Errorf("attach: version %d: want 0 (the latest) or a version number", a.At)
	}
	args := LaunchArgs{Program: a.ID, StopOnEntry: a.StopOnEntry == nil || *a.StopOnEntry}
	if a.DB != "" {
		args.Args = append(args.Args, "--db", a.DB)
	}
	args.Args = append(append(args.Args, "--at", fmt.Sprint(a.At)), a.Args...)
	return srv.begin(req, args, &godap.AttachResponse{Response: response(req)})
}

// begin starts a session for a launch or an attach and answers it.
func (srv *Server) begin(req godap.RequestMessage, args LaunchArgs, respond godap.Message) error {
	s, closeFn, err := srv.launch(args, output{srv})
	if err != nil {
		return fmt.Errorf("%s: %v", req.GetRequest().Command, err)
	}
	srv.s, srv.close, srv.stopOnEntry = s, closeFn, args.StopOnEntry
	s.SetInterrupt(srv.pauseAsked.Load)
	srv.send(respond)
	srv.send(&godap.InitializedEvent{Event: srv.event("initialized")})
	return nil
}

// setBreakpoints replaces the line breakpoints. The program is one file:
// a source that is another file gets its breakpoints refused.
func (srv *Server) setBreakpoints(req *godap.SetBreakpointsRequest) error {
	for _, b := range srv.lines {
		srv.s.Unbreak(b)
	}
	srv.lines = nil
	file := srv.s.Machine().Program().File
	other := !samePath(req.Arguments.Source.Path, file)
	body := godap.SetBreakpointsResponseBody{Breakpoints: []godap.Breakpoint{}}
	for _, sb := range req.Arguments.Breakpoints {
		bp := godap.Breakpoint{Line: sb.Line, Source: &req.Arguments.Source}
		switch {
		case other:
			bp.Message = fmt.Sprintf("not part of the program (%s)", filepath.Base(file))
		default:
			o := debug.BreakOpts{Cond: sb.Condition, Hits: sb.HitCondition}
			if sb.LogMessage != "" {
				o.Log, o.Message = logExpr(sb.LogMessage), true
			}
			b, err := srv.s.BreakWith(fmt.Sprint(sb.Line), o)
			if err != nil {
				bp.Message = err.Error()
				break
			}
			srv.lines = append(srv.lines, b)
			bp.Id, bp.Verified = b.ID, true
		}
		body.Breakpoints = append(body.Breakpoints, bp)
	}
	srv.send(&godap.SetBreakpointsResponse{Response: response(req), Body: body})
	return nil
}

// samePath reports whether an editor's path names the program's file.
func samePath(path, file string) bool {
	if path == file {
		return true
	}
	a, err1 := filepath.Abs(path)
	b, err2 := filepath.Abs(file)
	return err1 == nil && err2 == nil && a == b
}

// setFunctionBreakpoints replaces the function breakpoints.
func (srv *Server) setFunctionBreakpoints(req *godap.SetFunctionBreakpointsRequest) {
	for _, b := range srv.funcs {
		srv.s.Unbreak(b)
	}
	srv.funcs = nil
	body := godap.SetFunctionBreakpointsResponseBody{Breakpoints: []godap.Breakpoint{}}
	for _, fb := range req.Arguments.Breakpoints {
		var bp godap.Breakpoint
		if b, err := srv.s.Break(fb.Name); err != nil {
			bp.Message = err.Error()
		} else {
			srv.funcs = append(srv.funcs, b)
			bp.Id, bp.Verified = b.ID, true
		}
		body.Breakpoints = append(body.Breakpoints, bp)
	}
	srv.send(&godap.SetFunctionBreakpointsResponse{Response: response(req), Body: body})
}

// configurationDone starts the run: it stops at the first line with
// stopOnEntry, else runs to the first breakpoint or the end.
func (srv *Server) configurationDone(req *godap.ConfigurationDoneRequest) {
	srv.send(&godap.ConfigurationDoneResponse{Response: response(req)})
	if srv.stopOnEntry {
		st := srv.s.Here()
		st.Reason = "start"
		srv.announce(st, nil)
		return
	}
	srv.announce(srv.s.Continue())
}
