package console

// This file defines the diff of two versions: each version's state as
// plain data (values resolved from the object table), compared with
// statediff.

import (
	"encoding/json"
	"net/http"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/statediff"
	"github.com/wf-lang/wf/vm"
)

// State is a version's state as the diff compares it: status, output,
// and every global and local with its value resolved to plain data.
// Lists of named records (globals, locals, map entries) are matched by
// name, so a statediff path reads fibers[0].frames[1].locals.x.value.
type State struct {
	Status     engine.Status `json:"status"`
	WaitingFor string        `json:"waiting_for,omitempty"`
	Error      string        `json:"error,omitempty"`
	Output     string        `json:"output"`
	Globals    []Named       `json:"globals,omitempty"`
	Fibers     []FiberState  `json:"fibers,omitempty"`
}

// Named is a variable, or a map entry (its key's text as the name).
type Named struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// FiberState is a fiber's frames, outermost first.
type FiberState struct {
	Frames []FrameState `json:"frames"`
}

// FrameState is a frame's function, position and locals.
type FrameState struct {
	Function string  `json:"function"`
	Position string  `json:"position"`
	Locals   []Named `json:"locals,omitempty"`
}

// Diff is what GET /api/instances/{id}/diff answers: both versions as
// wf show --json gives them, and the changes from one to the other.
type Diff struct {
	From    *engine.Report     `json:"from"`
	To      *engine.Report     `json:"to"`
	Changes []statediff.Change `json:"changes"`
}

// StateOf is the state of a report, for diffing.
func StateOf(rep *engine.Report) State {
	v := rep.Version
	st := State{Status: v.Status, WaitingFor: v.WaitingFor, Error: v.Error, Output: v.Output}
	ins := rep.Machine
	if ins == nil {
		return st
	}
	res := resolver{ins: ins, busy: map[int]bool{}}
	st.Globals = res.vars(ins.Globals)
	for _, id := range ins.Fibers {
		var fs FiberState
		if o := ins.Object(id); o != nil {
			for _, fr := range o.Frames {
				fs.Frames = append(fs.Frames, FrameState{Function: fr.Function, Position: fr.Position, Locals: res.vars(fr.Locals)})
			}
		}
		st.Fibers = append(st.Fibers, fs)
	}
	return st
}

// resolver turns values of an inspection into plain data, following
// references; a cycle shows as its text.
type resolver struct {
	ins  *vm.Inspection
	busy map[int]bool
}

func (r resolver) vars(vs []vm.Var) []Named {
	out := make([]Named, len(vs))
	for i, v := range vs {
		out[i] = Named{Name: v.Name, Value: r.value(v.Value)}
	}
	return out
}

func (r resolver) value(v vm.ValueView) any {
	o := r.ins.Object(v.Ref)
	if v.Ref == 0 || o == nil || r.busy[v.Ref] {
		if v.Kind == "string" || v.Kind == "int" || v.Kind == "float" || v.Kind == "bool" {
			var x any
			if json.Unmarshal(v.Value, &x) == nil {
				return x
			}
		}
		return v.Repr
	}
	r.busy[v.Ref] = true
	defer delete(r.busy, v.Ref)
	switch o.Kind {
	case "list":
		out := make([]any, len(o.Elems))
		for i, e := range o.Elems {
			out[i] = r.value(e)
		}
		return out
	case "map":
		out := make([]Named, len(o.Entries))
		for i, e := range o.Entries {
			out[i] = Named{Name: e.Key.Repr, Value: r.value(e.Value)}
		}
		return out
	}
	return v.Repr
}

// apiDiff answers GET /api/instances/{id}/diff?from=A&to=B.
func (s *Server) apiDiff(w http.ResponseWriter, r *http.Request) {
	d, err := s.diff(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) diff(r *http.Request) (*Diff, error) {
	from, err := versionParam(r, "from", true)
	if err != nil {
		return nil, err
	}
	to, err := versionParam(r, "to", true)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	d := &Diff{}
	if d.From, err = s.e.Show(r.Context(), id, from); err != nil {
		return nil, err
	}
	if d.To, err = s.e.Show(r.Context(), id, to); err != nil {
		return nil, err
	}
	if d.Changes, err = statediff.Diff(StateOf(d.From), StateOf(d.To)); err != nil {
		return nil, err
	}
	if d.Changes == nil {
		d.Changes = []statediff.Change{}
	}
	return d, nil
}
