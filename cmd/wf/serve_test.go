package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
