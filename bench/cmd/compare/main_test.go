package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunJSONRoundTrip runs a tiny comparison as JSON, then prints its
// table again from the saved report with -in.
func TestRunJSONRoundTrip(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-tiny", "-rounds", "1", "-q", "-only", "fib,generator", "-json"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	saved := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(saved, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"-in", saved}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, want := range []string{"| fib ", "| generator ", "ns per resume+yield pair"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunBadWorkload(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-only", "nosuch", "-q"}, &out, &errs); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}
