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

// tagFiberOf is the tag checkHeap records for a fiber whose kind, its
// first field, it read: tagFiberOf plus the kind, so that the decoder
// makes the fiber without reading into the object again. A fiber whose
// kind is no FiberKind keeps objFiber, which alloc reads and refuses.
const tagFiberOf = 16

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
// file). The input's CBOR is known to be well-formed, and env.marks holds
// where the body's items start, which walkWellFormed recorded while it
// checked that, so checkShape reads only the heads it checks.
func (env *envelope) checkShape() error {
	r := cborReader{b: env.data, off: env.bodyOff}
	n, err := r.array()
	if err != nil || n != len(env.marks.body) {
		return badf("body is not an array")
	}
	kind := env.Kind
	if n != bodyFields[kind] && !(kind == snapMachine && n == bodyFields[kind]+1) { // + the markers
		return badf("body has %d fields, want %d", n, bodyFields[kind])
	}
	env.body = env.marks.body
	r.off = env.body[heapField[kind]]
	heap := env.marks.field5
	if kind == snapValue {
		heap = env.marks.field1
	}
	if err := env.checkHeap(&r, heap); err != nil {
		return err
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

// checkHeap checks that the heap, where r stands, is an array of the
// objects that start at offs, and checks each object's tag and field
// count, recording the tags (a fiber's with its kind: tagFiberOf).
func (env *envelope) checkHeap(r *cborReader, offs []uint32) error {
	n, err := r.array()
	if err != nil || n != len(offs) {
		return badf("heap is not an array")
	}
	env.heap, env.tags = offs, make([]uint8, n)
	data := env.data
	for i, off := range offs {
		// The common case inline: a one-byte array head and tag, a
		// third of checkShape's time for a heap of small objects.
		if o := int(off); o+2 < len(data) {
			c, t := data[o], data[o+1]
			if t < uint8(len(objectFields)) && int(c)-0x80 == objectFields[t] {
				if k := data[o+2]; t == objFiber && k <= uint8(fiberCoroutine) {
					t = tagFiberOf + k
				}
				env.tags[i] = t
				continue
			}
		}
		r.off = int(off)
		_, tag, err := checkObjectHead(r)
		if err != nil {
			return badf("object %d: %v", i, err)
		}
		env.tags[i] = uint8(tag)
		if k, ok := r.tiny(); ok && tag == objFiber && k <= int64(fiberCoroutine) {
			env.tags[i] = tagFiberOf + uint8(k)
		}
	}
	env.heapEnd = len(env.data) // a value snapshot's heap ends its body
	if f := heapField[env.Kind] + 1; f < len(env.body) {
		env.heapEnd = env.body[f]
	}
	return nil
}

// checkObject checks one heap object's tag and field count and moves past
// it.
func checkObject(r *cborReader) error {
	n, _, err := checkObjectHead(r)
	if err != nil {
		return err
	}
	for range n - 1 {
		if err := r.skip(); err != nil {
			return err
		}
	}
	return nil
}

// checkObjectHead checks one heap object's tag and field count, reading
// its array head and tag, and returns its field count and tag.
func checkObjectHead(r *cborReader) (n, tag int, err error) {
	n, err = r.array()
	if err != nil || n == 0 {
		return 0, 0, errors.New("not a tagged array")
	}
	t, err := r.int()
	if err != nil || t < 0 || t >= int64(len(objectFields)) {
		return 0, 0, fmt.Errorf("unknown object tag")
	}
	if n != objectFields[t] {
		return 0, 0, fmt.Errorf("%d fields, want %d", n, objectFields[t])
	}
	return n, int(t), nil
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
