package console

// This file defines the actions: POST endpoints that change an
// instance, each made under the console's actor (so the version it
// makes says who did it) and, when the request names the version its
// user saw (expect_version), only if the instance is still there.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/lang"
)

// errMoved: the instance moved on since the user reviewed the change.
var errMoved = errors.New("instance changed since it was shown")

// decode reads r's JSON body into v, refusing unknown fields and
// anything after the document.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return badRequest("the body is not the JSON this action takes: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("the body has more than one JSON document")
	}
	return nil
}

// expect checks that instance id is still at version want (0: any).
func (s *Server) expect(r *http.Request, id string, want int64) error {
	if want == 0 {
		return nil
	}
	h, err := s.e.Store().State(r.Context(), id)
	if err != nil {
		return err
	}
	if h.Version != want {
		return fmt.Errorf("%w: %s is at version %d, not %d; review the change again", errMoved, id, h.Version, want)
	}
	return nil
}

// state answers with an instance's id and where it stands, as wf start
// --json does, plus extra fields.
func (s *Server) state(w http.ResponseWriter, r *http.Request, id string, extra map[string]any) {
	h, err := s.e.Store().State(r.Context(), id)
	if err != nil {
		fail(w, err)
		return
	}
	out := map[string]any{"id": id, "status": h.Status, "waiting_for": h.WaitingFor, "version": h.Version}
	for k, v := range extra {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
}

// act decodes the body into req, checks expect_version, and runs do;
// do returns extra fields of the answer.
func (s *Server) act(w http.ResponseWriter, r *http.Request, req interface{ expected() int64 }, do func(id string) (map[string]any, error)) {
	id := r.PathValue("id")
	if err := decode(r, req); err != nil {
		fail(w, err)
		return
	}
	if err := s.expect(r, id, req.expected()); err != nil {
		fail(w, err)
		return
	}
	extra, err := do(id)
	var re *engine.ResumeError
	if errors.As(err, &re) { // stored, but not yet resumed: a worker will
		if extra == nil {
			extra = map[string]any{}
		}
		extra["warning"], err = err.Error(), nil
	}
	if err != nil {
		fail(w, err)
		return
	}
	if newID, ok := extra["id"].(string); ok {
		id = newID
	}
	s.state(w, r, id, extra)
}

// Expect is the version the user saw when confirming; 0 for none.
type Expect struct {
	Version int64 `json:"expect_version,omitempty"`
}

func (e *Expect) expected() int64 { return e.Version }

// SignalRequest is the body of POST .../signal.
type SignalRequest struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value,omitempty"` // any JSON; absent: null
	Expect
}

func (s *Server) apiSignal(w http.ResponseWriter, r *http.Request) {
	var req SignalRequest
	s.act(w, r, &req, func(id string) (map[string]any, error) {
		msg, err := s.e.Signal(s.actor(r), id, req.Name, req.Value)
		return map[string]any{"signal": msg.ID}, err
	})
}

// SetRequest is the body of POST .../set.
type SetRequest struct {
	Name    string          `json:"name"`
	Value   json.RawMessage `json:"value"`
	AnyType bool            `json:"any_type,omitempty"`
	Expect
}

func (s *Server) apiSet(w http.ResponseWriter, r *http.Request) {
	var req SetRequest
	s.act(w, r, &req, func(id string) (map[string]any, error) {
		if len(req.Value) == 0 {
			return nil, badRequest("value is required (a JSON document)")
		}
		return nil, s.e.Set(s.actor(r), id, req.Name, req.Value, req.AnyType)
	})
}

// ForkRequest is the body of POST .../fork: the version to fork (0:
// the head). The answer describes the new instance.
type ForkRequest struct {
	At int64 `json:"at"`
	Expect
}

func (s *Server) apiFork(w http.ResponseWriter, r *http.Request) {
	var req ForkRequest
	s.act(w, r, &req, func(id string) (map[string]any, error) {
		if req.At < 0 {
			return nil, badRequest("at %d: want a version number, or 0 for the head", req.At)
		}
		newID, err := s.e.Fork(s.actor(r), id, req.At)
		return map[string]any{"id": newID, "forked_from": id}, err
	})
}

// RewindRequest is the body of POST .../rewind.
type RewindRequest struct {
	To    int64 `json:"to"`
	Force bool  `json:"force,omitempty"`
	Expect
}

func (s *Server) apiRewind(w http.ResponseWriter, r *http.Request) {
	var req RewindRequest
	s.act(w, r, &req, func(id string) (map[string]any, error) {
		if req.To < 1 {
			return nil, badRequest("to %d: want a version number", req.To)
		}
		n, err := s.e.Rewind(s.actor(r), id, req.To, req.Force)
		return map[string]any{"rewind_version": n}, err
	})
}

// CancelRequest is the body of POST .../cancel.
type CancelRequest struct {
	Expect
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	var req CancelRequest
	s.act(w, r, &req, func(id string) (map[string]any, error) {
		return nil, s.e.Cancel(s.actor(r), id)
	})
}

// UpgradeRequest is the body of POST .../upgrade-dry-run: the new
// program.
type UpgradeRequest struct {
	File   string `json:"file"`
	Source string `json:"source"`
}

// apiUpgradeDryRun answers with wf upgrade --dry-run --json's shape:
// whether the instance could move onto the program, and why not. It
// changes nothing; it is a POST for the size of its body.
func (s *Server) apiUpgradeDryRun(w http.ResponseWriter, r *http.Request) {
	var req UpgradeRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.File == "" {
		req.File = "new.wf"
	}
	id := r.PathValue("id")
	if _, err := s.e.Store().State(r.Context(), id); err != nil {
		fail(w, err)
		return
	}
	res, err := s.e.Upgrade(r.Context(), req.File, []byte(req.Source), engine.UpgradeOptions{IDs: []string{id}, DryRun: true})
	if err != nil {
		var el lang.ErrorList
		if errors.As(err, &el) {
			httpError(w, http.StatusBadRequest, "%s", lang.Render(err, []byte(req.Source)))
			return
		}
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
