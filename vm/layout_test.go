package vm

// This file tests the sizes of the objects the snapshot decoder makes
// most of, which its memory depends on.

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

// TestMapSize: a restored map comes from a slab, so its bytes are what
// restoring a heap of records allocates per map; its int32 counters
// keep it at 88.
func TestMapSize(t *testing.T) {
	if got := unsafe.Sizeof(Map{}); got > 88 {
		t.Errorf("Map is %d bytes, want at most 88", got)
	}
}
