package vm

// This file tests the sizes the snapshot decoder's memory depends on.

import (
	"testing"
	"unsafe"
)

// TestFiberSize: a Fiber is most of a restored generator's memory (and of
// what the collector scans of it); its int32 counters and try blocks
// behind a pointer keep it at 144 bytes. A field added past that should
// be weighed against BenchmarkHeapCurve/generators.
func TestFiberSize(t *testing.T) {
	if got := unsafe.Sizeof(Fiber{}); got > 144 {
		t.Errorf("Fiber is %d bytes, want at most 144", got)
	}
}
