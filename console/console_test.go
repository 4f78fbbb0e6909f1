package console

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// loop waits for two "step" signals, then for "approval"; its globals
// change at every version.
const loop = `let who = input()["who"]
let n = 0
let seen = []
while n < 2 {
    let v = wait("step")
    n = n + 1
    seen = seen + [v]
    print("step " + str(n))
}
let answer = wait("approval")
print("done: " + str(answer))
`

// marked takes the version marker "fix".
const marked = `if version("fix") {
    print("fixed")
}
wait("go")
`

type fixture struct {
	t *testing.T
	e *engine.Engine
	s *Server
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	e, err := engine.Open(filepath.Join(t.TempDir(), "wf.db"), engine.Options{}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if opts.Poll == 0 {
		opts.Poll = 10 * time.Millisecond
	}
	return &fixture{t: t, e: e, s: New(e, opts)}
}

func (f *fixture) start(file, src, input string) string {
	f.t.Helper()
	id, err := f.e.Start(context.Background(), file, []byte(src), []byte(input))
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) signal(id, name, value string) {
	f.t.Helper()
	if _, err := f.e.Signal(context.Background(), id, name, []byte(value)); err != nil {
		f.t.Fatal(err)
	}
}

// host is the Host of the test requests: a loopback console's.
const host = "127.0.0.1:7233"

// get serves a GET of path.
func (f *fixture) get(path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.Host = host
	return f.serve(r, hdr)
}

// post serves a POST of body as the console's own page sends it: JSON,
// same origin, with the CSRF token; hdr adds or overrides headers.
func (f *fixture) post(path, body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Host = host
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Origin", "http://"+host)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set(csrfHeader, f.s.csrf)
	return f.serve(r, hdr)
}

func (f *fixture) serve(r *http.Request, hdr []string) *httptest.ResponseRecorder {
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, r)
	return w
}

// want fails unless w has status code, and decodes its JSON into v.
func (f *fixture) want(w *httptest.ResponseRecorder, code int, v any) {
	f.t.Helper()
	if w.Code != code {
		f.t.Fatalf("status %d, want %d: %s", w.Code, code, w.Body)
	}
	if v != nil {
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			f.t.Fatalf("%v in %s", err, w.Body)
		}
	}
}

// wantError fails unless w has status code and an error saying what.
func (f *fixture) wantError(w *httptest.ResponseRecorder, code int, what string) {
	f.t.Helper()
	var e struct{ Error string }
	f.want(w, code, &e)
	if !strings.Contains(e.Error, what) {
		f.t.Errorf("error %q, want it to say %q", e.Error, what)
	}
}

func ids(list []engine.Instance) string {
	var out []string
	for _, in := range list {
		out = append(out, in.ID)
	}
	return strings.Join(out, " ")
}

func (f *fixture) history(id string) []engine.Version {
	f.t.Helper()
	vs, err := f.e.History(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return vs
}

func TestAPIList(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.start("a.wf", loop, `{"who": "a"}`)
	b := f.start("b.wf", marked, "")
	c := f.start("a.wf", loop, `{"who": "c"}`)
	f.signal(c, "step", "1")
	f.signal(c, "step", "2")
	f.signal(c, "approval", "true")
	prog := func(id string) string {
		h, _ := f.e.Store().State(context.Background(), id)
		return h.Program
	}
	for _, tc := range []struct{ query, want string }{
		{"", c + " " + b + " " + a},
		{"?status=completed", c},
		{"?status=waiting", b + " " + a},
		{"?waiting_for=go", b},
		{"?program=" + prog(a)[:8], c + " " + a},
		{"?q=" + b[:5], b},
		{"?marker=fix", b},
		{"?marker=other", ""},
	} {
		var list []engine.Instance
		f.want(f.get("/api/instances"+tc.query), 200, &list)
		if got := ids(list); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.query, got, tc.want)
		}
	}
	// Paging: the Link header leads to the next page until the last.
	var seen []string
	next := "/api/instances?limit=2"
	for next != "" {
		w := f.get(next)
		var list []engine.Instance
		f.want(w, 200, &list)
		seen = append(seen, ids(list))
		next = ""
		if l := w.Header().Get("Link"); l != "" {
			next = strings.TrimPrefix(strings.Split(l, ">")[0], "<")
		}
	}
	if got := strings.Join(seen, " | "); got != c+" "+b+" | "+a {
		t.Errorf("pages %q, want %q", got, c+" "+b+" | "+a)
	}
	f.wantError(f.get("/api/instances?status=lost"), 400, `unknown status "lost"`)
	f.wantError(f.get("/api/instances?limit=0"), 400, "limit")
	f.wantError(f.get("/api/instances?limit=100000"), 400, "limit")
	f.wantError(f.get("/api/instances?after=nonsense"), 400, "cursor")
}

func TestListPage(t *testing.T) {
	f := newFixture(t, Options{PageSize: 1})
	a := f.start("a.wf", loop, `{"who": "x"}`)
	b := f.start("b.wf", marked, "")
	w := f.get("/?status=waiting")
	f.want(w, 200, nil)
	body := w.Body.String()
	for _, want := range []string{b, "b.wf", "waiting", `<option selected>waiting</option>`, `href="/?after=`, `name="csrf-token" content="` + f.s.csrf} {
		if !strings.Contains(body, want) {
			t.Errorf("the list page lacks %q", want)
		}
	}
	if strings.Contains(body, a) {
		t.Errorf("the first page of one shows %s too", a)
	}
	if w := f.get("/?q=" + a); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/instances/"+a {
		t.Errorf("searching for an id: %d to %q, want a redirect to its page", w.Code, w.Header().Get("Location"))
	}
	w = f.get("/?status=lost")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "unknown status") {
		t.Errorf("a bad filter: %d %s", w.Code, w.Body)
	}
}

func TestAPIShowAndHistory(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	f.signal(id, "step", `"one"`)
	var rep engine.Report
	f.want(f.get("/api/instances/"+id), 200, &rep)
	if rep.Version.Number != 2 || rep.Instance.Status != engine.Waiting || rep.Machine == nil || rep.Version.Output != "step 1\n" {
		t.Errorf("head: version %d, %s, output %q", rep.Version.Number, rep.Instance.Status, rep.Version.Output)
	}
	f.want(f.get("/api/instances/"+id+"?at=1"), 200, &rep)
	if rep.Version.Number != 1 || rep.Version.Reason != "started" {
		t.Errorf("?at=1: version %d (%s)", rep.Version.Number, rep.Version.Reason)
	}
	var vs []engine.Version
	f.want(f.get("/api/instances/"+id+"/history"), 200, &vs)
	if len(vs) != 2 || vs[1].Reason != "signal step received" {
		t.Errorf("history: %+v", vs)
	}
	var brief []engine.Version
	f.want(f.get("/api/instances/"+id+"/history?brief=1"), 200, &brief)
	if len(brief) != 2 || brief[1].Output != "" || brief[1].Detail != `"one"` || brief[1].Reason != "signal step received" {
		t.Errorf("brief history: %+v", brief)
	}
	var p programView
	f.want(f.get("/api/programs/"+rep.Instance.Program), 200, &p)
	if p.File != "a.wf" || p.Source != loop {
		t.Errorf("program %q: %q", p.File, p.Source)
	}
	f.wantError(f.get("/api/instances/nobody"), 404, "not found")
	f.wantError(f.get("/api/instances/"+id+"?at=9"), 404, "not found")
	f.wantError(f.get("/api/instances/"+id+"?at=x"), 400, "version number")
	f.wantError(f.get("/api/instances/nobody/history"), 404, "not found")
	f.wantError(f.get("/api/programs/feed"), 404, "not found")
	page := f.get("/instances/" + id)
	if page.Code != 200 || !strings.Contains(page.Body.String(), `data-id="`+id+`"`) {
		t.Errorf("instance page: %d", page.Code)
	}
	if w := f.get("/instances/nobody"); w.Code != 404 {
		t.Errorf("unknown instance page: %d, want 404", w.Code)
	}
}

func TestAPIDiff(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	f.signal(id, "step", `"one"`)
	var d Diff
	f.want(f.get("/api/instances/"+id+"/diff?from=1&to=2"), 200, &d)
	var paths []string
	for _, c := range d.Changes {
		paths = append(paths, c.Path+"="+string(c.New))
	}
	want := `globals.n.value=1 globals.seen.value[0]="one" output="step 1\n"`
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	if d.From.Version.Number != 1 || d.To.Version.Number != 2 {
		t.Errorf("versions %d and %d", d.From.Version.Number, d.To.Version.Number)
	}
	f.want(f.get("/api/instances/"+id+"/diff?from=2&to=2"), 200, &d)
	if len(d.Changes) != 0 {
		t.Errorf("a version against itself: %v", d.Changes)
	}
	f.wantError(f.get("/api/instances/"+id+"/diff?to=2"), 400, "from")
	f.wantError(f.get("/api/instances/"+id+"/diff?from=1&to=7"), 404, "not found")
	f.wantError(f.get("/api/instances/nobody/diff?from=1&to=2"), 404, "not found")
}

// lastReason is the reason of id's head version.
func (f *fixture) lastReason(id string) string {
	vs := f.history(id)
	return vs[len(vs)-1].Reason
}

func TestAPISignal(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	var got map[string]any
	f.want(f.post("/api/instances/"+id+"/signal", `{"name": "step", "value": {"x": [1, 2]}, "expect_version": 1}`), 200, &got)
	if got["version"] != 2.0 || got["status"] != "waiting" || got["signal"] == nil {
		t.Errorf("answer %v", got)
	}
	if r := f.lastReason(id); r != "signal step received (by console, 192.0.2.1:1234)" {
		t.Errorf("reason %q", r)
	}
	f.wantError(f.post("/api/instances/"+id+"/signal", `{"name": "step", "expect_version": 1}`), 409, "is at version 2, not 1")
	f.wantError(f.post("/api/instances/"+id+"/signal", `{"name": "step", "value": }`), 400, "not the JSON")
	f.wantError(f.post("/api/instances/"+id+"/signal", `{"name": "step", "valu": 1}`), 400, "unknown field")
	f.wantError(f.post("/api/instances/"+id+"/signal", `{"name": "step"} {}`), 400, "more than one")
	f.wantError(f.post("/api/instances/nobody/signal", `{"name": "step"}`), 404, "not found")
	// A queued signal (the instance waits for another) is stored.
	f.want(f.post("/api/instances/"+id+"/signal", `{"name": "approval", "value": true}`), 200, &got)
	f.signal(id, "step", "2")
	if h, _ := f.e.Store().State(context.Background(), id); h.Status != engine.Completed {
		t.Errorf("after both signals: %s", h.Status)
	}
	f.wantError(f.post("/api/instances/"+id+"/signal", `{"name": "step"}`), 409, "finished")
}

func TestAPISetForkRewindCancel(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	f.want(f.post("/api/instances/"+id+"/set", `{"name": "n", "value": 1, "expect_version": 1}`), 200, nil)
	if r := f.lastReason(id); r != "variable n set to 1 (by console, 192.0.2.1:1234)" {
		t.Errorf("set reason %q", r)
	}
	f.wantError(f.post("/api/instances/"+id+"/set", `{"name": "n", "value": "one"}`), 400, "allow any type")
	f.wantError(f.post("/api/instances/"+id+"/set", `{"name": "nothing", "value": 1}`), 400, "nothing")
	f.wantError(f.post("/api/instances/"+id+"/set", `{"name": "n"}`), 400, "value is required")

	var forked map[string]any
	f.want(f.post("/api/instances/"+id+"/fork", `{"at": 1}`), 200, &forked)
	copyID, _ := forked["id"].(string)
	if copyID == "" || copyID == id || forked["forked_from"] != id {
		t.Fatalf("fork answer %v", forked)
	}
	if r := f.lastReason(copyID); r != "forked from "+id+" at version 1 (by console, 192.0.2.1:1234)" {
		t.Errorf("fork reason %q", r)
	}
	f.wantError(f.post("/api/instances/"+id+"/fork", `{"at": 9}`), 404, "not found")

	var rew map[string]any
	f.want(f.post("/api/instances/"+id+"/rewind", `{"to": 1, "expect_version": 2}`), 200, &rew)
	if rew["rewind_version"] != 3.0 || f.lastReason(id) != "rewound to version 1 (by console, 192.0.2.1:1234)" {
		t.Errorf("rewind answer %v, reason %q", rew, f.lastReason(id))
	}
	f.wantError(f.post("/api/instances/"+id+"/rewind", `{"to": 0}`), 400, "version number")

	f.want(f.post("/api/instances/"+id+"/cancel", `{"expect_version": 3}`), 200, nil)
	if r := f.lastReason(id); r != "cancelled (by console, 192.0.2.1:1234)" {
		t.Errorf("cancel reason %q", r)
	}
	f.wantError(f.post("/api/instances/"+id+"/cancel", `{}`), 409, "finished")
	f.wantError(f.post("/api/instances/"+id+"/rewind", `{"to": 1}`), 409, "force")
	f.want(f.post("/api/instances/"+id+"/rewind", `{"to": 1, "force": true}`), 200, nil)
}

func TestAPIUpgradeDryRun(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	var res []engine.UpgradeResult
	newSrc := strings.Replace(loop, `print("done: " + str(answer))`, `print("finished: " + str(answer))`, 1)
	body, _ := json.Marshal(UpgradeRequest{File: "a2.wf", Source: newSrc})
	f.want(f.post("/api/instances/"+id+"/upgrade-dry-run", string(body)), 200, &res)
	if len(res) != 1 || res[0].ID != id || !res[0].Moved() || res[0].Version != 0 {
		t.Errorf("dry run: %+v", res)
	}
	if h, _ := f.e.Store().State(context.Background(), id); h.Version != 1 {
		t.Errorf("a dry run changed the instance: version %d", h.Version)
	}
	f.wantError(f.post("/api/instances/"+id+"/upgrade-dry-run", `{"source": "let = 1"}`), 400, "new.wf:1:")
	f.wantError(f.post("/api/instances/nobody/upgrade-dry-run", `{"source": "print(1)"}`), 404, "not found")
}

// TestGuard: the token, the loopback Host, and a POST's origin, content
// type, CSRF token and size.
func TestGuard(t *testing.T) {
	f := newFixture(t, Options{MaxBody: 1 << 10})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	sig := "/api/instances/" + id + "/signal"
	ok := `{"name": "nothing"}` // queued for nobody: harmless
	f.want(f.post(sig, ok), 200, nil)
	for _, tc := range []struct {
		hdr  []string
		what string
	}{
		{[]string{csrfHeader, ""}, "CSRF"},
		{[]string{csrfHeader, "x" + f.s.csrf[1:]}, "CSRF"}, // not hex: never the token
		{[]string{"Origin", "http://evil.example"}, "another origin"},
		{[]string{"Sec-Fetch-Site", "cross-site"}, "cross-site"},
		{[]string{"Content-Type", "text/plain"}, "application/json"},
	} {
		f.wantError(f.post(sig, ok, tc.hdr...), 403, tc.what)
	}
	huge := `{"name": "x", "value": "` + strings.Repeat("a", 2<<10) + `"}`
	f.wantError(f.post(sig, huge), 413, "too large")
	if w := f.get(sig); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET of an action: %d, want 405", w.Code)
	}
	r := httptest.NewRequest("GET", "/api/instances", nil)
	r.Host = "wf.example.com:7233" // a DNS-rebound name
	f.wantError(f.serve(r, nil), 403, "loopback clients only")
}

func TestToken(t *testing.T) {
	f := newFixture(t, Options{Token: "s3cret"})
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Host = "console.example.com" // any host, with a token
		return f.serve(r, hdr)
	}
	f.wantError(get("/api/instances"), 401, "token")
	f.wantError(get("/api/instances", "Authorization", "Bearer wrong"), 401, "token")
	f.wantError(get("/api/instances?token=wrong"), 401, "token")
	f.want(get("/api/instances", "Authorization", "Bearer s3cret"), 200, nil)
	w := get("/?status=waiting&token=s3cret")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/?status=waiting" {
		t.Errorf("?token=: %d to %q, want a redirect to the URL without it", w.Code, w.Header().Get("Location"))
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != tokenCookie || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %v", c)
	}
	f.want(get("/api/instances", "Cookie", tokenCookie+"=s3cret"), 200, nil)
	f.wantError(get("/api/instances", "Cookie", tokenCookie+"=s3cre"), 401, "token")
	// The history names the token by its hash, never the token itself.
	id := f.start("a.wf", loop, `{"who": "x"}`)
	r := httptest.NewRequest("POST", "/api/instances/"+id+"/cancel", strings.NewReader(`{}`))
	r.Host = "console.example.com"
	f.want(f.serve(r, []string{"Authorization", "Bearer s3cret", "Content-Type", "application/json", csrfHeader, f.s.csrf}), 200, nil)
	if got, want := f.lastReason(id), "cancelled (by console, token "+tokenID("s3cret")+", 192.0.2.1:1234)"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
}

// TestXSS: hostile text in a program's name, its output, its variables
// and a signal arrives in the pages as text, and in JSON with <, > and
// & escaped.
func TestXSS(t *testing.T) {
	f := newFixture(t, Options{})
	const hostile = `<script>alert(1)</script>`
	src := `let x = input()
print("` + `<script>alert(2)</script>` + `")
let y = ["<img src=x onerror=alert(3)>"]
wait("</title><script>alert(4)</script>")
`
	id := f.start(hostile+".wf", src, `{"h": "<b onmouseover=alert(5)>"}`)
	for _, path := range []string{"/", "/instances/" + id, "/api/instances", "/api/instances/" + id, "/api/instances/" + id + "/history",
		"/api/instances/" + id + "/diff?from=1&to=1"} {
		body := f.get(path).Body.String()
		for _, bad := range []string{"<script>alert", "<img src", "<b onmouseover", "</title><script>"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s has %q unescaped", path, bad)
			}
		}
	}
	page := f.get("/").Body.String()
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;.wf") {
		t.Errorf("the list does not show the hostile file name as text")
	}
	if csp := f.get("/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}

// readEvent reads the next server-sent event.
func readEvent(t *testing.T, br *bufio.Reader) (name, data string) {
	t.Helper()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && name != "":
			return name, data
		}
	}
}

// TestEvents: an instance's stream sends its head now and when it
// changes; the list's stream sends the page when an instance on it does.
func TestEvents(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start("a.wf", loop, `{"who": "x"}`)
	srv := httptest.NewServer(f.s)
	defer srv.Close()
	open := func(path string) (*bufio.Reader, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: %d %s %s", path, resp.StatusCode, ct, b)
		}
		return bufio.NewReader(resp.Body), func() { cancel(); resp.Body.Close() }
	}
	inst, closeInst := open("/api/instances/" + id + "/events")
	defer closeInst()
	list, closeList := open("/api/events?status=waiting")
	defer closeList()
	if name, data := readEvent(t, inst); name != "head" || !strings.Contains(data, `"version":1`) {
		t.Errorf("first event %s %s", name, data)
	}
	if name, data := readEvent(t, list); name != "list" || !strings.Contains(data, `"id":"`+id+`"`) {
		t.Errorf("first list event %s %s", name, data)
	}
	f.signal(id, "step", "1")
	if name, data := readEvent(t, inst); name != "head" || !strings.Contains(data, `"version":2`) {
		t.Errorf("after a signal: %s %s", name, data)
	}
	if name, data := readEvent(t, list); name != "list" || !strings.Contains(data, `"version":2`) {
		t.Errorf("list after a signal: %s %s", name, data)
	}
	w := f.get("/api/instances/nobody/events")
	f.wantError(w, 404, "not found")
	f.wantError(f.get("/api/events?status=lost"), 400, "unknown status")
}
