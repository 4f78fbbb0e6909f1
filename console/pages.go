package console

// This file defines the HTML pages: the list of instances, rendered on
// the server, and an instance's page, whose parts the browser fills in
// from the JSON endpoints (assets/instance.js).

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/wf-lang/wf/engine"
)

// row is an instance as a line of the list.
type row struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	WaitingFor string `json:"waiting_for"`
	Due        string `json:"due"`
	File       string `json:"file"`
	Program    string `json:"program"`
	Version    int64  `json:"version"`
	Updated    string `json:"updated"`
}

// when formats a time for the pages (UTC, to the second); "" for none.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func (s *Server) row(ctx context.Context, in engine.Instance) row {
	short := in.Program
	if len(short) > 12 {
		short = short[:12]
	}
	return row{ID: in.ID, Status: string(in.Status), WaitingFor: in.WaitingFor, Due: when(in.Due),
		File: s.fileOf(ctx, in.Program), Program: short, Version: in.Version, Updated: when(in.Updated)}
}

// listData is what assets/list.html shows.
type listData struct {
	CSRF     string
	Rows     []row
	Q        map[string]string // the filters as given
	Statuses []engine.Status
	Next     string // the next page's URL, or ""
	Error    string
}

var statuses = engine.Statuses

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := listData{CSRF: s.csrf, Statuses: statuses, Q: map[string]string{}}
	for _, k := range []string{"status", "program", "waiting_for", "marker", "q"} {
		d.Q[k] = q.Get(k)
	}
	p, err := s.list(r)
	if id := d.Q["q"]; err == nil && len(p.Instances) == 1 && p.Instances[0].ID == id && q.Get("after") == "" {
		http.Redirect(w, r, "/instances/"+url.PathEscape(id), http.StatusSeeOther) // searched for one id: show it
		return
	}
	status := http.StatusOK
	if err != nil {
		status, d.Error = http.StatusBadRequest, err.Error()
	}
	for _, in := range p.Instances {
		d.Rows = append(d.Rows, s.row(r.Context(), in))
	}
	if p.Next != "" {
		d.Next = nextURL(r, "/", p)
	}
	s.render(w, status, "list", d)
}

// instanceData is what assets/instance.html shows before its script
// fills it in.
type instanceData struct {
	CSRF string
	ID   string
	Head engine.Instance
	File string
}

func (s *Server) instancePage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h, err := s.e.Store().State(r.Context(), id)
	if err != nil {
		status := http.StatusInternalServerError
		if engine.IsNotFound(err) {
			status = http.StatusNotFound
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(err.Error() + "\n"))
		return
	}
	s.render(w, http.StatusOK, "instance", instanceData{CSRF: s.csrf, ID: id, Head: h.Instance, File: s.fileOf(r.Context(), h.Program)})
}

// render answers with a template.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	s.tmpl.ExecuteTemplate(w, name, data)
}
