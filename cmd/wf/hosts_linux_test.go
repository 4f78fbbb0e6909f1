package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestReadFileStopsAtBudget: read_file reads no more than the allocation
// budget has left, plus a byte. A stream larger than the budget (a named
// pipe fed 16 MiB) fails with the memory limit error once that much has
// been read; it used to be read whole first, so /dev/zero ran the process
// out of memory whatever --max-alloc said.
func TestReadFileStopsAtBudget(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes:", err)
	}
	var written atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		chunk := make([]byte, 64<<10)
		for range 256 {
			n, err := f.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return // the reader closed the pipe
			}
		}
	}()
	script := filepath.Join(dir, "read.wf")
	os.WriteFile(script, []byte("print(len(read_file(input())))\n"), 0o644)
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--allow-read", "--max-alloc", "100000", "--input", strconv.Quote(fifo), script},
		nil, &stdout, &stderr)
	<-done
	if code != exitRuntime || !strings.Contains(stderr.String(), "memory limit of 100000 bytes exceeded") {
		t.Errorf("exit %d, stderr %q; want the memory limit error", code, stderr.String())
	}
	if n := written.Load(); n > 1<<20 {
		t.Errorf("the pipe was read for %d bytes; want at most the budget and the pipe's buffer", n)
	}
}
