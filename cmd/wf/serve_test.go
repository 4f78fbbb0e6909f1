package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeRefuses: wf serve will not serve a non-loopback address
// without a token, nor take two tokens or an empty token file.
func TestServeRefuses(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n  \n"), 0o600)
	db := filepath.Join(dir, "wf.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:7233"}, "not a loopback address: serving it needs --token"},
		{[]string{"--addr", ":7233"}, "not a loopback address"},
		{[]string{"--addr", "192.0.2.1:7233"}, "not a loopback address"},
		{[]string{"--token", "a", "--token-file", empty}, "not both"},
		{[]string{"--token-file", empty}, "holds no token"},
		{[]string{"--token-file", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"--addr", "nonsense"}, "--addr"},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"serve", "--db", db}, tc.args...), nil, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("wf serve %v: exit %d, %q; want exit %d saying %q", tc.args, code, errb.String(), exitUsage, tc.want)
		}
	}
}

// TestServeTokenFile: the token is the file's first line, trimmed, and
// lets a non-loopback address be served.
func TestServeTokenFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "token")
	os.WriteFile(f, []byte("  s3cret \nsecond line\n"), 0o600)
	tok, err := serveToken("", f, "0.0.0.0:7233")
	if err != nil || tok != "s3cret" {
		t.Errorf("token %q, %v", tok, err)
	}
	if tok, err := serveToken("", "", "localhost:7233"); err != nil || tok != "" {
		t.Errorf("loopback without a token: %q, %v", tok, err)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe: wf serve serves the console over a database wf start
// made, on the address it prints, and stops when told.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "wf.db")
	src := filepath.Join(dir, "w.wf")
	os.WriteFile(src, []byte("wait(\"go\")\nprint(\"went\")\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"start", "--db", db, src}, nil, &out, &errb); code != exitOK {
		t.Fatalf("start: %d %s", code, errb.String())
	}
	id := strings.TrimSpace(out.String())
	ctx, cancel := context.WithCancel(context.Background())
	var log lockedBuffer
	done := make(chan int)
	go func() { done <- serve(ctx, []string{"--db", db, "--addr", "127.0.0.1:0"}, &log) }()
	addr := ""
	for i := 0; i < 500 && addr == ""; i++ {
		if m := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(log.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		cancel()
		t.Fatalf("no address in %q (exit %d)", log.String(), <-done)
	}
	resp, err := http.Get(addr + "api/instances?status=waiting")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id": "`+id+`"`) {
		t.Errorf("GET /api/instances: %d %s", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve stopped with %d: %s", code, log.String())
	}
}
