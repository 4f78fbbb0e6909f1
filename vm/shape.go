package vm

// This file defines checkShape: the checks of a snapshot's body that need
// no program, run before anything is compiled or allocated from it.

import (
	"errors"
	"fmt"
)

// objectFields is the number of fields of each object, its tag included.
var objectFields = [...]int{
	objList: 2, objMap: 2, objClosure: 3, objCell: 2, objBuiltin: 2,
	objError: 4, objRange: 4, objIter: 7, objFiber: 10, objRoot: 1,
}

// bodyFields is the number of fields of a machine body and a value body
// (a machine body has one more, its version markers, when it has any);
// heapField is where each keeps its heap.
var (
	bodyFields = [...]int{snapMachine: 7, snapValue: 2}
	heapField  = [...]int{snapMachine: 5, snapValue: 1}
)

// checkShape checks the body's structure: its field count, that the heap
// is an array of objects each with a known tag and that tag's field count,
// and that the body's own references (the root and current fibers, the
// dumped value) are in range. It is linear in the body and needs no
// program, so a malformed snapshot is refused before a program embedded in
// it is compiled (wf inspect compiled first: 7–10 s and 0.95 GB before
// refusing a crafted 1.2 MB file). The decoder relies on the field counts.
func checkShape(kind int64, body []any) error {
	if len(body) != bodyFields[kind] && !(kind == snapMachine && len(body) == bodyFields[kind]+1) { // + the markers
		return badf("body has %d fields, want %d", len(body), bodyFields[kind])
	}
	heap, ok := body[heapField[kind]].([]any)
	if !ok {
		return badf("heap is not an array")
	}
	for i, h := range heap {
		if err := checkObject(h); err != nil {
			return badf("object %d: %v", i, err)
		}
	}
	roots := body[:1] // the dumped value
	if kind == snapMachine {
		if _, ok := body[0].([]any); !ok {
			return badf("globals is not an array")
		}
		roots = body[1:3] // the root and current fibers
	}
	for _, r := range roots {
		if a, ok := r.([]any); ok && !isRef(a, len(heap)) {
			return badf("reference %v out of range (heap has %d objects)", a, len(heap))
		}
	}
	return nil
}

// checkObject checks one heap object's tag and field count.
func checkObject(h any) error {
	o, ok := h.([]any)
	if !ok || len(o) == 0 {
		return errors.New("not a tagged array")
	}
	tag, err := asInt(o[0])
	if err != nil || tag < 0 || tag >= int64(len(objectFields)) {
		return fmt.Errorf("unknown object tag %v", o[0])
	}
	if len(o) != objectFields[tag] {
		return fmt.Errorf("%d fields, want %d", len(o), objectFields[tag])
	}
	return nil
}

// isRef reports whether a is a reference [index] into a heap of n objects.
func isRef(a []any, n int) bool {
	if len(a) != 1 {
		return false
	}
	i, err := asInt(a[0])
	return err == nil && i < int64(n)
}
