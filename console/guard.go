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
	if s.opts.Token != "" && !s.tokenOK(r) {
		if s.tokenInURL(w, r) {
			return false // redirected without it, the cookie set
		}
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

// tokenOK reports whether r carries the token in its Authorization
// header or its cookie, comparing in constant time.
func (s *Server) tokenOK(r *http.Request) bool {
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.sameToken(auth) {
		return true
	}
	c, err := r.Cookie(tokenCookie)
	return err == nil && s.sameToken(c.Value)
}

// tokenInURL handles a GET whose ?token= is right: it sets the cookie
// and redirects to the URL without the token, so that the token stays
// out of the address bar, the browser's history and the server's logs.
func (s *Server) tokenInURL(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if r.Method != http.MethodGet || !s.sameToken(q.Get("token")) {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: q.Get("token"), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	q.Del("token")
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
	return true
}

func (s *Server) sameToken(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) == 1
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
