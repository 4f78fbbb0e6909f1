package console

// This file defines live updates: server-sent events that poll the
// store, since the engine has no change feed. An instance page watches
// its head version; the list watches the ids and versions of its page.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wf-lang/wf/engine"
)

// keepAlive is how often an idle stream sends a comment, so that
// proxies keep it open.
const keepAlive = 15 * time.Second

// stream sends event name with the data look returns whenever its key
// changes, polling every every, until the client goes away or
// look fails.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, name string, every time.Duration, look func(ctx context.Context) (key string, data any, err error)) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	key, data, err := look(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func(data any) {
		b, _ := json.Marshal(data) // escapes <, > and &
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		flusher.Flush()
	}
	send(data)
	tick, idle := time.NewTicker(every), time.Now()
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		k, d, err := look(r.Context())
		switch {
		case err != nil:
			return // the client reconnects, and sees the error then
		case k != key:
			key, idle = k, time.Now()
			send(d)
		case time.Since(idle) > keepAlive:
			idle = time.Now()
			fmt.Fprint(w, ": alive\n\n")
			flusher.Flush()
		}
	}
}

// HeadEvent is the data of an instance's "head" event.
type HeadEvent struct {
	ID         string `json:"id"`
	Version    int64  `json:"version"`
	Status     string `json:"status"`
	WaitingFor string `json:"waiting_for,omitempty"`
}

// instanceEvents streams "head" events: the instance's head version
// and status, whenever they change. Each poll reads the head row alone.
func (s *Server) instanceEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.stream(w, r, "head", s.opts.Poll, func(ctx context.Context) (string, any, error) {
		list, err := s.e.List(ctx, engine.Filter{ID: id}) // the head row, without the snapshot State reads
		if err == nil && len(list) == 0 {
			err = fmt.Errorf("instance %s: %w", id, engine.ErrNotFound)
		}
		if err != nil {
			return "", nil, err
		}
		h := list[0]
		return fmt.Sprintf("%d %s", h.Version, h.Status), HeadEvent{ID: id, Version: h.Version, Status: string(h.Status), WaitingFor: h.WaitingFor}, nil
	})
}

// listEvents streams "list" events: the page GET /api/instances with
// the same query answers, whenever an instance on it changes or the
// page gains or loses one. A marker filter reads the state of every
// instance it passes over, so its page is polled ten times less often.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	every := s.opts.Poll
	if r.URL.Query().Get("marker") != "" {
		every *= 10
	}
	s.stream(w, r, "list", every, func(ctx context.Context) (string, any, error) {
		p, err := s.list(r.WithContext(ctx))
		if err != nil {
			return "", nil, err
		}
		var key strings.Builder
		rows := make([]row, len(p.Instances))
		for i, in := range p.Instances {
			fmt.Fprintf(&key, "%s@%d ", in.ID, in.Version)
			rows[i] = s.row(ctx, in)
		}
		return key.String(), rows, nil
	})
}
