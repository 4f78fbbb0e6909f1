package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/engine"
)

func post(t *testing.T, url, body string) (int, State) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s State
	if resp.Header.Get("Content-Type") == "application/json" {
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, s
}

// TestApproveEndToEnd starts a request, restarts the service (a new
// engine on the same file), approves, and reads the result.
func TestApproveEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "service.db")
	e, err := engine.Open(db, engine.Options{Activities: activities()}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(e))
	code, s := post(t, srv.URL+"/requests", `{"item": "laptop", "who": "ana"}`)
	if code != http.StatusOK || s.Status != "waiting" {
		t.Fatalf("start: %d %+v", code, s)
	}
	srv.Close()
	e.Close()

	e, err = engine.Open(db, engine.Options{Activities: activities()}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv = httptest.NewServer(NewHandler(e))
	defer srv.Close()
	code, s = post(t, srv.URL+"/approve/"+s.ID, `{"ok": true, "by": "bo"}`)
	want := State{ID: s.ID, Status: "completed", Output: "request " + s.ID + ": laptop for ana\n" +
		"approved by bo; order PO-" + s.ID + ":1\n"}
	if diff := cmp.Diff(want, s); code != http.StatusOK || diff != "" {
		t.Errorf("approve: %d (-want +got):\n%s", code, diff)
	}
	if code, _ := post(t, srv.URL+"/approve/"+s.ID, `{"ok": true, "by": "bo"}`); code != http.StatusConflict {
		t.Errorf("approving twice: %d, want 409", code)
	}
	if code, _ := post(t, srv.URL+"/approve/nope", `{}`); code != http.StatusNotFound {
		t.Errorf("unknown id: %d, want 404", code)
	}
	if code, _ := post(t, srv.URL+"/requests", `{bad`); code != http.StatusBadRequest {
		t.Errorf("bad JSON: %d, want 400", code)
	}
}

// TestTooLargeIs400: a body over the service's limit, or a value over the
// engine's (engine.ErrTooLarge), is the client's error, not the server's.
func TestTooLargeIs400(t *testing.T) {
	e, err := engine.Open(filepath.Join(t.TempDir(), "service.db"),
		engine.Options{Activities: activities(), MaxValue: 64}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(NewHandler(e))
	defer srv.Close()
	code, s := post(t, srv.URL+"/requests", `{"item": "laptop", "who": "ana"}`)
	if code != http.StatusOK {
		t.Fatalf("start: %d", code)
	}
	for _, c := range []struct{ url, body string }{
		{"/requests", `{"item": "` + strings.Repeat("x", 100) + `"}`},
		{"/approve/" + s.ID, `{"by": "` + strings.Repeat("x", 100) + `"}`},
		{"/requests", `"` + strings.Repeat("x", maxBody) + `"`},
	} {
		if code, _ := post(t, srv.URL+c.url, c.body); code != http.StatusBadRequest {
			t.Errorf("POST %s with %d bytes: %d, want 400", c.url, len(c.body), code)
		}
	}
}

// TestFailureIs422: a request the workflow fails on is answered 422 with
// the instance's error, not 200; reading it later is a 200 that still
// says why.
func TestFailureIs422(t *testing.T) {
	e, err := engine.Open(filepath.Join(t.TempDir(), "service.db"), engine.Options{Activities: activities()}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(NewHandler(e))
	defer srv.Close()
	code, s := post(t, srv.URL+"/requests", `{"who": "ana"}`)
	if code != http.StatusUnprocessableEntity || s.Status != "failed" || !strings.Contains(s.Error, "item") {
		t.Errorf("start without an item: %d %+v; want 422, failed, with the error", code, s)
	}
	_, s = post(t, srv.URL+"/requests", `{"item": "laptop", "who": "ana"}`)
	code, s = post(t, srv.URL+"/approve/"+s.ID, `{"by": "bo"}`)
	if code != http.StatusUnprocessableEntity || s.Status != "failed" || !strings.Contains(s.Error, "ok") {
		t.Errorf("a decision without ok: %d %+v; want 422, failed, with the error", code, s)
	}
	resp, err := http.Get(srv.URL + "/requests/" + s.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got State
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK || got.Error != s.Error {
		t.Errorf("GET: %d %+v (%v); want 200 with the error %q", resp.StatusCode, got, err, s.Error)
	}
}
