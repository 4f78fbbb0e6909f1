// Command service is a small HTTP server that runs a durable approval
// workflow per purchase request:
//
//	POST /requests            {"item": "laptop", "who": "ana"}  → {"id": ...}
//	POST /approve/{id}        {"ok": true, "by": "bo"}          → the instance's state
//	GET  /requests/{id}       → status and output so far
//
// When the workflow fails on a request (a body without "item", a decision
// without "ok", an order the supplier refuses), the POST answers 422 with
// the instance's state and its error. Requests survive restarts: state is
// in the SQLite file named by -db.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

//go:embed approval.wf
var approvalSource []byte

func main() {
	addr := flag.String("addr", "localhost:8080", "listen address")
	db := flag.String("db", "service.db", "database file")
	flag.Parse()
	e, err := engine.Open(*db, engine.Options{Activities: activities()}, engine.SQLiteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { // fires the 3-day timeouts; retries store errors, logging them, until ctx ends
		if err := e.Work(ctx, engine.WorkerOptions{Logger: slog.Default()}); err != nil {
			log.Printf("worker stopped: %v", err) // a service without its worker must not go on
			stop()
		}
	}()
	srv := &http.Server{Addr: *addr, Handler: NewHandler(e)}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// activities are the Go functions the workflow may call.
func activities() []engine.Activity {
	return []engine.Activity{{
		Name: "place_order",
		Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
			// A real service would call a supplier with key as the
			// idempotency key, so a retry after a crash orders once.
			return vm.String("PO-" + key), nil
		},
	}}
}

// NewHandler returns the service's routes over engine e.
func NewHandler(e *engine.Engine) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /requests", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := e.Start(r.Context(), "approval.wf", approvalSource, body)
		if err != nil {
			fail(w, err)
			return
		}
		writeState(w, r.Context(), e, id, true)
	})
	mux.HandleFunc("POST /approve/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := r.PathValue("id")
		var stored *engine.ResumeError // the signal is kept; a worker resumes it
		if _, err := e.Signal(r.Context(), id, "approve", body); err != nil && !errors.As(err, &stored) {
			fail(w, err)
			return
		}
		writeState(w, r.Context(), e, id, true)
	})
	mux.HandleFunc("GET /requests/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeState(w, r.Context(), e, r.PathValue("id"), false)
	})
	return mux
}

// maxBody is the largest request body the service reads. The engine
// has limits of its own (engine.Options.MaxValue, 1 MiB by default): a
// value over them is refused with engine.ErrTooLarge, a 400 too.
const maxBody = 1 << 16

// readBody reads a request body of at most maxBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(body) > maxBody {
		err = fmt.Errorf("the request body is over %d bytes", maxBody)
	}
	return body, err
}

// State is what the service answers about a request.
type State struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Output string `json:"output"`
	Error  string `json:"error,omitempty"` // why the instance failed
}

// writeState answers with the state of instance id: 200, or 422 when
// changed (the request just started or signalled it) and it failed.
func writeState(w http.ResponseWriter, ctx context.Context, e *engine.Engine, id string, changed bool) {
	h, err := e.Store().Head(ctx, id)
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if changed && h.Status == engine.Failed {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	json.NewEncoder(w).Encode(State{ID: id, Status: string(h.Status), Output: h.Output, Error: h.Error})
}

func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, engine.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, engine.ErrInvalid), errors.Is(err, engine.ErrTooLarge):
		code = http.StatusBadRequest
	case errors.Is(err, engine.ErrFinal):
		code = http.StatusConflict
	case errors.Is(err, engine.ErrBusy):
		code = http.StatusServiceUnavailable // another process holds the database
		w.Header().Set("Retry-After", "1")
	}
	http.Error(w, fmt.Sprint(err), code)
}
