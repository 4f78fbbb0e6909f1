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
// dumped value) are in range. It records where each body field and each
// heap object starts, for the decoder, which relies on the field counts.
// It is linear in the body and needs no program, so a malformed snapshot
// is refused before a program embedded in it is compiled (wf inspect
// compiled first: 7–10 s and 0.95 GB before refusing a crafted 1.2 MB
// file).
func (env *envelope) checkShape() error {
	r := cborReader{b: env.data, off: env.bodyOff}
	n, err := r.array()
	if err != nil {
		return badf("body is not an array")
	}
	kind := env.Kind
	if n != bodyFields[kind] && !(kind == snapMachine && n == bodyFields[kind]+1) { // + the markers
		return badf("body has %d fields, want %d", n, bodyFields[kind])
	}
	env.body = make([]int, n)
	for i := range env.body {
		env.body[i] = r.off
		if i == heapField[kind] {
			err = env.scanHeap(&r)
		} else {
			err = r.skip()
		}
		if err != nil {
			return err
		}
	}
	roots := env.body[:1] // the dumped value
	if kind == snapMachine {
		if env.data[env.body[0]]>>5 != cborArray {
			return badf("globals is not an array")
		}
		roots = env.body[1:3] // the root and current fibers
	}
	for _, off := range roots {
		if env.data[off]>>5 == cborArray && !isRef(cborReader{b: env.data, off: off}, len(env.heap)) {
			return badf("reference at byte %d out of range (heap has %d objects)", off, len(env.heap))
		}
	}
	return nil
}

// scanHeap records where each heap object starts and checks its tag and
// field count.
func (env *envelope) scanHeap(r *cborReader) error {
	n, err := r.array()
	if err != nil {
		return badf("heap is not an array")
	}
	env.heap = make([]uint32, n)
	for i := range env.heap {
		env.heap[i] = uint32(r.off)
		if err := checkObject(r); err != nil {
			return badf("object %d: %v", i, err)
		}
	}
	env.heapEnd = r.off
	return nil
}

// checkObject checks one heap object's tag and field count and moves past
// it.
func checkObject(r *cborReader) error {
	n, err := r.array()
	if err != nil || n == 0 {
		return errors.New("not a tagged array")
	}
	tag, err := r.int()
	if err != nil || tag < 0 || tag >= int64(len(objectFields)) {
		return fmt.Errorf("unknown object tag")
	}
	if n != objectFields[tag] {
		return fmt.Errorf("%d fields, want %d", n, objectFields[tag])
	}
	for range n - 1 {
		if err := r.skip(); err != nil {
			return err
		}
	}
	return nil
}

// isRef reports whether r starts a reference [index] into a heap of n
// objects.
func isRef(r cborReader, n int) bool {
	if k, err := r.array(); err != nil || k != 1 {
		return false
	}
	i, err := r.int()
	return err == nil && i >= 0 && i < int64(n)
}
