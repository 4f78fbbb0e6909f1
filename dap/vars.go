package dap

// This file answers the requests that read the state at the cursor:
// stackTrace, scopes, variables and evaluate, all from one vm.StackView
// per stop.
//
// A variablesReference is one of
//
//	globalsRef             the globals that are set
//	localsRef + i          the live locals of frame i (0 the innermost)
//	objectRef + id         the entry id of the view's object table
//
// so a reference needs no table of its own and is stable while the
// cursor stays.

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wf-lang/wf/vm"
)

const (
	globalsRef = 1
	localsRef  = 2
	objectRef  = 1 << 24 // above any frame number: the call depth is far below
)

// stack returns the view of the stack at the cursor, innermost frame
// first, viewing it the first time it is asked for after a move.
func (srv *Server) stack() *vm.StackView {
	if srv.view == nil {
		v := srv.s.Machine().Stack(vm.ViewOptions{MaxElems: 1000, MaxRepr: 200, MaxBytes: 4 << 20})
		for i, j := 0, len(v.Frames)-1; i < j; i, j = i+1, j-1 {
			v.Frames[i], v.Frames[j] = v.Frames[j], v.Frames[i]
		}
		srv.view = v
	}
	return srv.view
}

// frameIndex is the frame a frameId names: ids are indexes plus one, and
// 0 (none given) is the innermost frame.
func (srv *Server) frameIndex(id int) (int, error) {
	i := max(id-1, 0)
	if n := len(srv.stack().Frames); i >= n {
		return 0, fmt.Errorf("no frame %d (the stack has %d)", id, n)
	}
	return i, nil
}

func (srv *Server) stackTrace(req *godap.StackTraceRequest) {
	frames := srv.stack().Frames
	file := srv.s.Machine().Program().File
	src := &godap.Source{Name: filepath.Base(file), Path: absPath(file)}
	body := godap.StackTraceResponseBody{StackFrames: []godap.StackFrame{}, TotalFrames: len(frames)}
	start := max(req.Arguments.StartFrame, 0)
	for i := start; i < len(frames); i++ {
		if req.Arguments.Levels > 0 && i-start >= req.Arguments.Levels {
			break
		}
		line := lineOf(frames[i].Position)
		if i == 0 {
			line = srv.s.Machine().Location().Line() // the next instruction's line
		}
		body.StackFrames = append(body.StackFrames, godap.StackFrame{Id: i + 1, Name: frames[i].Function, Source: src, Line: line, Column: 1})
	}
	srv.send(&godap.StackTraceResponse{Response: response(req), Body: body})
}

// absPath is path made absolute, for editors that open sources by path.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// lineOf reads the line of a position FILE:LINE:COL (0 if none).
func lineOf(pos string) int {
	rest, _, ok := cutLast(pos)
	if !ok {
		return 0
	}
	_, line, _ := cutLast(rest)
	n, _ := strconv.Atoi(line)
	return n
}

func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func (srv *Server) scopes(req *godap.ScopesRequest) error {
	i, err := srv.frameIndex(req.Arguments.FrameId)
	if err != nil {
		return err
	}
	sv := srv.stack()
	srv.send(&godap.ScopesResponse{Response: response(req), Body: godap.ScopesResponseBody{Scopes: []godap.Scope{
		{Name: "Locals", PresentationHint: "locals", VariablesReference: localsRef + i, NamedVariables: len(sv.Frames[i].Locals)},
		{Name: "Globals", VariablesReference: globalsRef, NamedVariables: len(sv.Globals), Expensive: false},
	}}})
	return nil
}

func (srv *Server) variables(req *godap.VariablesRequest) error {
	vars, err := srv.children(req.Arguments.VariablesReference)
	if err != nil {
		return err
	}
	if a := req.Arguments; a.Filter == "" && (a.Start > 0 || a.Count > 0) {
		vars = vars[min(max(a.Start, 0), len(vars)):]
		if a.Count > 0 && a.Count < len(vars) {
			vars = vars[:a.Count]
		}
	}
	srv.send(&godap.VariablesResponse{Response: response(req), Body: godap.VariablesResponseBody{Variables: vars}})
	return nil
}

// children lists what a reference expands to.
func (srv *Server) children(ref int) ([]godap.Variable, error) {
	sv := srv.stack()
	switch {
	case ref == globalsRef:
		return variables(sv.Globals), nil
	case ref >= localsRef && ref < objectRef:
		if i := ref - localsRef; i < len(sv.Frames) {
			return variables(sv.Frames[i].Locals), nil
		}
	case ref > objectRef && ref-objectRef <= len(sv.Objects):
		return object(sv.Objects[ref-objectRef-1]), nil
	}
	return nil, fmt.Errorf("no variables with reference %d here (references last until the next step)", ref)
}

func variables(vs []vm.Var) []godap.Variable {
	out := make([]godap.Variable, 0, len(vs))
	for _, v := range vs {
		out = append(out, variable(v.Name, v.Value))
	}
	return out
}

// variable shows a value; an object that has parts to show gets a
// reference to expand it by.
func variable(name string, v vm.ValueView) godap.Variable {
	dv := godap.Variable{Name: name, Value: v.Repr, Type: v.Kind}
	if v.Ref > 0 {
		dv.VariablesReference = objectRef + v.Ref
		switch v.Kind {
		case "list":
			dv.IndexedVariables = v.Len
		case "map":
			dv.NamedVariables = v.Len
		}
	}
	return dv
}

// object lists an object's parts: a list's elements, a map's entries
// (named by their keys' text), a function's captured variables, an
// error's kind, message and trace, a fiber's status and frames.
func object(o vm.ObjectView) []godap.Variable {
	out := []godap.Variable{}
	add := func(name, value string) { out = append(out, godap.Variable{Name: name, Value: value}) }
	for i, e := range o.Elems {
		out = append(out, variable("["+strconv.Itoa(i)+"]", e))
	}
	for _, e := range o.Entries {
		out = append(out, variable(e.Key.Repr, e.Value))
	}
	for _, c := range o.Captured {
		out = append(out, variable(c.Name, c.Value))
	}
	if o.ErrorKind != "" {
		add("kind", o.ErrorKind)
		add("message", strconv.Quote(o.Message))
	}
	for i, t := range o.Trace {
		add("trace["+strconv.Itoa(i)+"]", t.Function+" at "+t.Position)
	}
	if o.Status != "" {
		add("status", o.Status)
	}
	for i, f := range o.Frames {
		add("frame["+strconv.Itoa(i)+"]", f.Function+" at "+f.Position)
	}
	if o.Truncated {
		add("...", "(cut by the view's limits)")
	}
	return out
}

// find looks a variable up by name; the last one wins, as the innermost
// of shadowing locals does.
func find(vs []vm.Var, name string) (vm.ValueView, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Name == name {
			return vs[i].Value, true
		}
	}
	return vm.ValueView{}, false
}
