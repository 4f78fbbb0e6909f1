package dap

// This file answers the requests that go further than stepping:
// expressions (evaluate, setVariable), conditional breakpoints and
// logpoints, restartFrame, gotoTargets and goto, data breakpoints, and
// pause.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wf-lang/wf/debug"
	"github.com/wf-lang/wf/vm"
)

// logExpr turns a DAP log message, text with {expression} parts, into a
// wf string literal that interpolates them ("x is ${x}"). "{{" and "}}"
// stand for braces.
func logExpr(msg string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case strings.HasPrefix(msg[i:], "{{") || strings.HasPrefix(msg[i:], "}}"):
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(msg[i:], '}')
			if end < 0 {
				b.WriteString(`{`)
				continue
			}
			b.WriteString("${" + msg[i+1:i+end] + "}")
			i += end
		case c == '"' || c == '\\' || c == '$':
			b.WriteString(`\` + string(c))
		case c == '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// evaluate answers with an expression's value in the selected frame,
// evaluated on a copy (debug.Expr): the program is untouched.
func (srv *Server) evaluate(req *godap.EvaluateRequest) error {
	text := strings.TrimSpace(req.Arguments.Expression)
	if text == "" {
		return errors.New("evaluate: nothing to evaluate")
	}
	i, err := srv.frameIndex(req.Arguments.FrameId)
	if err != nil {
		return err
	}
	r, err := srv.s.Eval(text, i)
	if err != nil {
		return fmt.Errorf("evaluate: %v", err)
	}
	v := vm.View(r.Value, vm.ViewOptions{MaxRepr: 200})
	srv.send(&godap.EvaluateResponse{Response: response(req), Body: godap.EvaluateResponseBody{Result: v.Value.Repr, Type: v.Value.Kind}})
	return nil
}

// setVariable sets a local of a frame or a global to an expression's
// value. The run from the cursor on is a new one (debug.Session.Set).
func (srv *Server) setVariable(req *godap.SetVariableRequest) error {
	a := req.Arguments
	frame := 0
	switch ref := a.VariablesReference; {
	case ref == globalsRef:
		frame = -1 // the global, even where a local hides it
		if _, ok := srv.s.Machine().Global(a.Name); !ok {
			return fmt.Errorf("setVariable: no global %q is set", a.Name)
		}
	case ref >= localsRef && ref < objectRef:
		frame = ref - localsRef
	default:
		return errors.New("setVariable: only a frame's locals and the globals can be set, not the parts of a value")
	}
	if _, err := srv.s.Set(frame, a.Name, a.Value); err != nil {
		return fmt.Errorf("setVariable: %v", err)
	}
	srv.view = nil
	v, ok := srv.s.Machine().Local(max(frame, 0), a.Name)
	if !ok || frame < 0 {
		v, _ = srv.s.Machine().Global(a.Name)
	}
	srv.send(&godap.SetVariableResponse{Response: response(req), Body: godap.SetVariableResponseBody{Value: vm.Repr(v), Type: v.TypeName()}})
	srv.send(&godap.InvalidatedEvent{Event: srv.event("invalidated"), Body: godap.InvalidatedEventBody{Areas: []godap.InvalidatedAreas{"variables"}, ThreadId: threadID}})
	return nil
}

// restartFrame goes back to where a frame was entered.
func (srv *Server) restartFrame(req *godap.RestartFrameRequest) error {
	i, err := srv.frameIndex(req.Arguments.FrameId)
	if err != nil {
		return err
	}
	if srv.s.Steps() <= srv.s.Start() {
		return debug.ErrStart
	}
	srv.send(&godap.RestartFrameResponse{Response: response(req)})
	srv.announce(srv.s.RestartFrame(i))
	return nil
}

// gotoTargets lists the steps at which a line ran so far: each is a
// target labelled with its step and, for a stored instance, the version
// the run had reached there.
func (srv *Server) gotoTargets(req *godap.GotoTargetsRequest) error {
	if !samePath(req.Arguments.Source.Path, srv.s.Machine().Program().File) {
		return errors.New("gotoTargets: the source is not part of the program")
	}
	line := req.Arguments.Line
	hits, versions, err := srv.s.LineHits(line)
	if err != nil {
		return fmt.Errorf("gotoTargets: %v", err)
	}
	body := godap.GotoTargetsResponseBody{Targets: []godap.GotoTarget{}}
	for _, v := range versions {
		body.Targets = append(body.Targets, godap.GotoTarget{Id: versionTarget + int(v.Version), Label: fmt.Sprintf("version %d (step %d)", v.Version, v.Step), Line: line})
	}
	for _, h := range hits {
		label := fmt.Sprintf("step %d", h)
		if v := srv.s.VersionBefore(h); v > 0 {
			label += fmt.Sprintf(", after version %d", v)
		}
		body.Targets = append(body.Targets, godap.GotoTarget{Id: int(h) + 1, Label: label, Line: line})
	}
	srv.send(&godap.GotoTargetsResponse{Response: response(req), Body: body})
	return nil
}

// versionTarget is added to a version's number to make its target id,
// above any step's.
const versionTarget = 1 << 52

// gotoReq moves to a target's step or version, forwards or backwards.
func (srv *Server) gotoReq(req *godap.GotoRequest) error {
	if id := req.Arguments.TargetId; id > versionTarget {
		srv.send(&godap.GotoResponse{Response: response(req)})
		srv.announce(srv.s.GotoVersion(int64(id - versionTarget)))
		return nil
	}
	step := int64(req.Arguments.TargetId) - 1
	if step < srv.s.Start() {
		return fmt.Errorf("goto: no target %d", req.Arguments.TargetId)
	}
	srv.send(&godap.GotoResponse{Response: response(req)})
	st, err := srv.s.Goto(step)
	st.Reason = "goto"
	srv.announce(st, err)
	return nil
}

// dataBreakpointInfo says whether a variable can be watched: a local of
// a frame or a global, by name.
func (srv *Server) dataBreakpointInfo(req *godap.DataBreakpointInfoRequest) error {
	a := req.Arguments
	body := godap.DataBreakpointInfoResponseBody{AccessTypes: []godap.DataBreakpointAccessType{"write"}}
	switch ref := a.VariablesReference; {
	case ref == globalsRef:
		body.DataId, body.Description = "global:"+a.Name, "global "+a.Name+" changes"
	case ref >= localsRef && ref < objectRef, ref == 0:
		frame := max(ref-localsRef, 0)
		if ref == 0 {
			if i, err := srv.frameIndex(a.FrameId); err == nil {
				frame = i
			}
		}
		body.DataId, body.Description = "frame:"+strconv.Itoa(frame)+":"+a.Name, a.Name+" changes"
	default:
		body.Description = "only variables can be watched, not the parts of a value"
	}
	srv.send(&godap.DataBreakpointInfoResponse{Response: response(req), Body: body})
	return nil
}

// setDataBreakpoints replaces the watches: each stops continue and
// reverseContinue where its variable's value changes.
func (srv *Server) setDataBreakpoints(req *godap.SetDataBreakpointsRequest) {
	srv.s.ClearWatches()
	body := godap.SetDataBreakpointsResponseBody{Breakpoints: []godap.Breakpoint{}}
	for _, db := range req.Arguments.Breakpoints {
		bp := godap.Breakpoint{}
		frame, name, err := parseDataID(db.DataId)
		if err == nil && (db.Condition != "" || db.HitCondition != "") {
			err = errors.New("conditions on data breakpoints are not supported")
		}
		if err == nil {
			err = srv.s.Watch(frame, name)
		}
		if err != nil {
			bp.Message = err.Error()
		} else {
			bp.Verified = true
		}
		body.Breakpoints = append(body.Breakpoints, bp)
	}
	srv.send(&godap.SetDataBreakpointsResponse{Response: response(req), Body: body})
}

// parseDataID reads a dataId made by dataBreakpointInfo.
func parseDataID(id string) (int, string, error) {
	if name, ok := strings.CutPrefix(id, "global:"); ok && name != "" {
		return 1 << 30, name, nil // no such frame: Watch takes the global
	}
	rest, ok := strings.CutPrefix(id, "frame:")
	num, name, ok2 := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || name == "" {
		return 0, "", fmt.Errorf("bad dataId %q", id)
	}
	return n, name, nil
}

// pause answers a pause request, then announces the stop. A run in
// progress when it was read stopped at once (the reader set pauseAsked,
// which the session asks between stretches of its run) and left its stop
// to announce here; otherwise the program was stopped already, and the
// stop is where it stands.
func (srv *Server) pause(req *godap.PauseRequest) {
	srv.pauseAsked.Store(false)
	srv.send(&godap.PauseResponse{Response: response(req)})
	st := srv.s.Here()
	if srv.paused != nil {
		st, srv.paused = *srv.paused, nil
	}
	st.Reason = "pause"
	srv.announce(st, nil)
}
