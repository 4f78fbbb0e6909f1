package console

// This file defines the JSON endpoints: the list, an instance at a
// version, its history, the diff of two versions, a program's source,
// and the actions. Their shapes are those of the CLI's --json output
// (see doc.go).

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// maxPage bounds ?limit= of the list.
const maxPage = 500

// httpError answers with status and {"error": message}.
func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// writeJSON answers with status and v as JSON. Encoding escapes <, >
// and &, so no JSON answer is ever HTML a browser would run.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// fail answers with the HTTP status err calls for.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, engine.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, engine.ErrFinal), errors.Is(err, engine.ErrConflict), errors.Is(err, errMoved):
		status = http.StatusConflict
	case errors.Is(err, engine.ErrInvalid), errors.Is(err, engine.ErrWrongKind), errors.Is(err, engine.ErrTooLarge),
		errors.Is(err, vm.ErrNoVariable), errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	}
	httpError(w, status, "%v", err)
}

// errBadRequest is wrapped by errors in a request's parameters or body.
var errBadRequest = errors.New("bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// page is one page of the list: the instances, the filter that chose
// them, and the cursor of the next page ("" on the last).
type page struct {
	Instances []engine.Instance
	Filter    engine.Filter
	Marker    string
	Next      string
}

// list reads the page of instances the query of r asks for: status, program,
// waiting_for, marker, q (an id or its prefix), after (a cursor), limit.
func (s *Server) list(r *http.Request) (page, error) {
	q := r.URL.Query()
	f := engine.Filter{Status: engine.Status(q.Get("status")), Program: q.Get("program"),
		WaitingFor: q.Get("waiting_for"), IDPrefix: strings.TrimSpace(q.Get("q")), Limit: s.opts.PageSize}
	if f.Status != "" && !f.Status.Valid() {
		return page{}, badRequest("unknown status %q (want running, waiting, sleeping, cancelling, completed, failed or cancelled)", f.Status)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPage {
			return page{}, badRequest("limit %q: want 1 to %d", l, maxPage)
		}
		f.Limit = n
	}
	if a := q.Get("after"); a != "" {
		c, err := parseCursor(a)
		if err != nil {
			return page{}, err
		}
		f.After = c
	}
	p := page{Filter: f, Marker: q.Get("marker")}
	var err error
	if p.Marker != "" {
		p.Instances, err = s.e.Using(r.Context(), p.Marker, f)
	} else {
		p.Instances, err = s.e.List(r.Context(), f)
	}
	if n := len(p.Instances); err == nil && n == f.Limit {
		p.Next = formatCursor(engine.CursorOf(p.Instances[n-1]))
	}
	return p, err
}

// formatCursor writes a cursor as NANOS.ID; parseCursor reads it.
func formatCursor(c engine.Cursor) string {
	return strconv.FormatInt(c.Created.UnixNano(), 10) + "." + c.ID
}

func parseCursor(s string) (engine.Cursor, error) {
	ns, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return engine.Cursor{}, badRequest("cursor %q: want NANOS.ID, as a next link gives it", s)
	}
	return engine.Cursor{Created: time.Unix(0, n), ID: id}, nil
}

// nextURL is the URL of the page after p: r's with after set.
func nextURL(r *http.Request, path string, p page) string {
	q := r.URL.Query()
	q.Del("token")
	q.Set("after", p.Next)
	return (&url.URL{Path: path, RawQuery: q.Encode()}).String()
}

// apiList answers GET /api/instances with the shape of wf list --json;
// the next page, if any, is in the Link header (rel="next").
func (s *Server) apiList(w http.ResponseWriter, r *http.Request) {
	p, err := s.list(r)
	if err != nil {
		fail(w, err)
		return
	}
	if p.Next != "" {
		w.Header().Set("Link", "<"+nextURL(r, "/api/instances", p)+`>; rel="next"`)
	}
	if p.Instances == nil {
		p.Instances = []engine.Instance{}
	}
	writeJSON(w, http.StatusOK, p.Instances)
}

// versionParam reads a version number parameter: 0 when absent and
// optional.
func versionParam(r *http.Request, name string, required bool) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" && !required {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, badRequest("%s=%q: want a version number (1 or more)", name, v)
	}
	return n, nil
}

// apiShow answers GET /api/instances/{id}[?at=N] with wf show --json's
// shape.
func (s *Server) apiShow(w http.ResponseWriter, r *http.Request) {
	at, err := versionParam(r, "at", false)
	if err != nil {
		fail(w, err)
		return
	}
	rep, err := s.e.Show(r.Context(), r.PathValue("id"), at)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// apiHistory answers GET /api/instances/{id}/history with wf history
// --json's shape; with ?brief=1 each version's output is left empty,
// so that a timeline of many versions stays small.
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request) {
	vs, err := s.e.History(r.Context(), r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	if r.URL.Query().Get("brief") == "1" {
		for i := range vs {
			vs[i].Output = ""
		}
	}
	writeJSON(w, http.StatusOK, vs)
}

// programView is a stored program as GET /api/programs/{hash} gives it.
type programView struct {
	Hash   string `json:"hash"`
	File   string `json:"file"`
	Source string `json:"source"`
}

func (s *Server) apiProgram(w http.ResponseWriter, r *http.Request) {
	p, err := s.e.Store().Program(r.Context(), r.PathValue("hash"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, programView{Hash: p.Hash, File: p.File, Source: string(p.Source)})
}
