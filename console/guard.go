package console

// This file defines the checks every request passes before it is
// served: the token, the Host of a loopback console, and for a POST the
// same origin, a JSON body and the CSRF token.

import (
	"context"
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wf-lang/wf/engine"
)

// tokenCookie carries the token in a browser, once ?token= set it.
const tokenCookie = "wf_token"

// csrfHeader carries the CSRF token of a POST; pages give it in
// <meta name="csrf-token">.
const csrfHeader = "X-CSRF-Token"

// guard answers a request that fails a check and reports false.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Token == "" && !LoopbackHost(r.Host) {
		httpError(w, http.StatusForbidden, "this console serves loopback clients only (Host %q); serve it with a token to reach it from elsewhere", r.Host)
		return false
	}
	if s.opts.Token != "" && !s.tokenOK(w, r) {
		httpError(w, http.StatusUnauthorized, "a valid token is required (open the console with ?token=... or send Authorization: Bearer ...)")
		return false
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	if why := s.crossSite(r); why != "" {
		httpError(w, http.StatusForbidden, "refused: %s", why)
		return false
	}
	return true
}

// tokenOK reports whether r carries the token, comparing in constant
// time. A page visited with a right ?token= sets the cookie.
func (s *Server) tokenOK(w http.ResponseWriter, r *http.Request) bool {
	want := []byte(s.opts.Token)
	same := func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), want) == 1 }
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && same(auth) {
		return true
	}
	if c, err := r.Cookie(tokenCookie); err == nil && same(c.Value) {
		return true
	}
	if q := r.URL.Query().Get("token"); q != "" && same(q) && r.Method == http.MethodGet {
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: q, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		return true
	}
	return false
}

// crossSite says why a state-changing request is refused, or "".
func (s *Server) crossSite(r *http.Request) string {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return "a cross-site request (Sec-Fetch-Site: " + site + ")"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return "a request from another origin (" + o + ")"
		}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return "the body must be application/json"
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(s.csrf)) != 1 {
		return "missing or wrong CSRF token (" + csrfHeader + ")"
	}
	return ""
}

// LoopbackHost reports whether host (a Host header or an address,
// with or without a port) names the loopback interface.
func LoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// actor is who makes a change, as the instance's history records it:
// the console, the token's id when there is one, and the client's
// address.
func (s *Server) actor(r *http.Request) context.Context {
	who := "console"
	if s.opts.Token != "" {
		who += ", token " + tokenID(s.opts.Token)
	}
	who += ", " + r.RemoteAddr
	return engine.WithActor(r.Context(), who)
}
