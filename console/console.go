package console

// This file defines Server, the console's http.Handler, its options and
// its routes.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/wf-lang/wf/engine"
)

//go:embed assets
var assets embed.FS

// Options configure a Server. The zero value serves loopback clients
// only, with the defaults below.
type Options struct {
	// Token, when set, is required of every request: as the wf_token
	// cookie (which opening any page with ?token=T sets, redirecting to
	// the page without it), or as "Authorization: Bearer T". Without a token the server answers only
	// requests whose Host is a loopback name (localhost, 127.0.0.1,
	// [::1]), which defeats DNS rebinding; serve a non-loopback address
	// only with a token.
	Token string
	// Poll is how often live updates look at the store; default 500ms.
	Poll time.Duration
	// MaxBody bounds a request body in bytes; default 2 MiB (a signal
	// value or a variable's JSON is at most the engine's MaxValue, 1 MiB
	// by default; a dry-run upgrade's source up to lang's limit).
	MaxBody int64
	// PageSize is the instances on a page of the list; default 50.
	PageSize int
}

// Server is the console: pages, JSON endpoints and live updates over
// one engine. Make it with New.
type Server struct {
	e    *engine.Engine
	opts Options
	csrf string // the CSRF token of this process, required of every POST
	mux  *http.ServeMux
	tmpl *template.Template

	mu    sync.Mutex
	files map[string]string // program hash → file name, read once
}

// New returns a console over e.
func New(e *engine.Engine, opts Options) *Server {
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 2 << 20
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	var b [24]byte
	rand.Read(b[:])
	s := &Server{e: e, opts: opts, csrf: hex.EncodeToString(b[:]), files: map[string]string{}}
	s.tmpl = template.Must(template.ParseFS(assets, "assets/*.html"))
	s.routes()
	return s
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /{$}", s.listPage)
	m.HandleFunc("GET /instances/{id}", s.instancePage)
	m.HandleFunc("GET /api/instances", s.apiList)
	m.HandleFunc("GET /api/instances/{id}", s.apiShow)
	m.HandleFunc("GET /api/instances/{id}/history", s.apiHistory)
	m.HandleFunc("GET /api/instances/{id}/diff", s.apiDiff)
	m.HandleFunc("GET /api/instances/{id}/events", s.instanceEvents)
	m.HandleFunc("GET /api/events", s.listEvents)
	m.HandleFunc("GET /api/programs/{hash}", s.apiProgram)
	m.HandleFunc("POST /api/instances/{id}/signal", s.apiSignal)
	m.HandleFunc("POST /api/instances/{id}/set", s.apiSet)
	m.HandleFunc("POST /api/instances/{id}/fork", s.apiFork)
	m.HandleFunc("POST /api/instances/{id}/rewind", s.apiRewind)
	m.HandleFunc("POST /api/instances/{id}/cancel", s.apiCancel)
	m.HandleFunc("POST /api/instances/{id}/upgrade-dry-run", s.apiUpgradeDryRun)
	s.mux = m
}

// ServeHTTP checks the request (see guard) and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if !s.guard(w, r) {
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
	}
	s.mux.ServeHTTP(w, r)
}

// fileOf names the file of a stored program ("" if it cannot be read).
func (s *Server) fileOf(ctx context.Context, hash string) string {
	s.mu.Lock()
	f, ok := s.files[hash]
	s.mu.Unlock()
	if ok {
		return f
	}
	p, err := s.e.Store().Program(ctx, hash)
	if err != nil {
		return ""
	}
	s.mu.Lock()
	s.files[hash] = p.File
	s.mu.Unlock()
	return p.File
}

// tokenID names a token in histories without giving it away: the first
// 8 hex digits of its SHA-256.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:4])
}
