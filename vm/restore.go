package vm

// This file defines the snapshot decoder: bytes to objects, with every
// index and state checked before anything runs. Snapshots are untrusted
// input; every failure is an error wrapping ErrBadSnapshot.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// ErrBadSnapshot is wrapped by every error about malformed, truncated,
// oversized or inconsistent snapshot data (errors.Is(err, ErrBadSnapshot)).
var ErrBadSnapshot = errors.New("bad snapshot")

// ErrWrongProgram is wrapped when a snapshot was made by a different
// program than the one it is restored with.
var ErrWrongProgram = errors.New("snapshot made by a different program")

// MaxSnapshotSize is the largest snapshot Restore and load accept.
const MaxSnapshotSize = 64 << 20

func badf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadSnapshot, fmt.Sprintf(format, args...))
}

// envelope is a snapshot whose CBOR is well-formed and whose envelope and
// body structure are checked: where its body's fields and heap objects
// start in data, for the decoder to read them in place.
type envelope struct {
	Kind      int64
	Hash      [32]byte
	hasSource bool
	data      []byte
	sourceOff int        // where the embedded [file, source] starts
	bodyOff   int        // where the body starts
	body      []int      // where each body field starts
	heap      []uint32   // where each heap object starts
	tags      []uint8    // each heap object's tag
	heapEnd   int        // where the heap ends
	marks     *snapMarks // what walkWellFormed recorded, until checkShape has used it
}

// openEnvelope checks the whole input's CBOR (its size included) and
// the six-field array, magic and format version that start a snapshot
// or a delta, and returns a reader after them. what names the kind in
// errors, verWhat its version.
func openEnvelope(data []byte, magic string, version int64, what, verWhat string) (cborReader, error) {
	return openMarked(data, nil, magic, version, what, verWhat)
}

// openMarked is openEnvelope, recording in marks (unless nil) where the
// items of a snapshot's body start (see walkWellFormed).
func openMarked(data []byte, marks *snapMarks, magic string, version int64, what, verWhat string) (cborReader, error) {
	if len(data) > MaxSnapshotSize {
		return cborReader{}, badf("%d bytes is over the %d-byte limit", len(data), MaxSnapshotSize)
	}
	if err := walkWellFormed(data, marks); err != nil {
		return cborReader{}, err
	}
	r := cborReader{b: data}
	if n, err := r.array(); err != nil || n != 6 {
		return r, badf("not a %s", what)
	}
	if m, err := r.str(cborText); err != nil || string(m) != magic {
		return r, badf("not a %s", what)
	}
	if v, err := r.int(); err != nil || v != version {
		return r, badf("%s %v, this wf reads version %d", verWhat, v, version)
	}
	return r, nil
}

// decodeEnvelope checks the whole input's CBOR, then the envelope's
// fields, then the body's structure (checkShape), before anything looks
// into the body.
func decodeEnvelope(data []byte) (*envelope, error) {
	var marks snapMarks
	r, err := openMarked(data, &marks, snapshotMagic, snapshotVersion, "wf snapshot", "format version")
	if err != nil {
		return nil, err
	}
	env := &envelope{data: data, marks: &marks}
	if env.Kind, err = r.int(); err != nil || (env.Kind != snapMachine && env.Kind != snapValue) {
		return nil, badf("unknown snapshot kind %v", env.Kind)
	}
	hash, err := r.str(cborBytes)
	if err != nil || len(hash) != 32 {
		return nil, badf("program hash is not 32 bytes")
	}
	env.Hash = [32]byte(hash)
	if !r.null() {
		env.hasSource, env.sourceOff = true, r.off
		if n, err := r.array(); err != nil || n != 2 || r.skip() != nil || r.skip() != nil {
			return nil, badf("embedded program: want [file, source]")
		}
	}
	if r.peek()>>5 != cborArray {
		return nil, badf("body is not an array")
	}
	env.bodyOff = r.off
	err = env.checkShape()
	env.marks = nil
	return env, err
}

// source reads the embedded program's file name and source.
func (env *envelope) source() (string, []byte, error) {
	r := cborReader{b: env.data, off: env.sourceOff}
	_, err1 := r.array()
	file, err2 := r.text()
	src, err3 := r.str(cborBytes)
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", nil, badf("embedded program: want [file, source]")
	}
	return file, bytes.Clone(src), nil
}

// EmbeddedProgram returns the file name and source a self-contained
// snapshot carries, or ok=false when it has none. It checks the envelope
// and the body's structure first, so that a caller compiles the source
// only for a snapshot that could be inspected; compiling costs about 3 µs
// and 1 KB per source byte, so a caller should bound the source's size.
func EmbeddedProgram(data []byte) (file string, src []byte, ok bool, err error) {
	env, err := decodeEnvelope(data)
	if err != nil || !env.hasSource {
		return "", nil, false, err
	}
	if file, src, err = env.source(); err != nil {
		return "", nil, false, err
	}
	if ProgramHash(src) != env.Hash {
		return "", nil, false, badf("embedded program does not match its hash")
	}
	return file, src, true, nil
}

// Restore rebuilds a machine from a Snapshot. p must be the program the
// snapshot was made from; opts supply output, limits and host functions
// (every host function the snapshot refers to must be bound to p by
// Compile or be in opts.Hosts). The restored machine continues exactly
// as the original would have. Restoring polls opts.Context and stops
// with its error when it is done.
func Restore(p *compiler.Program, data []byte, opts Options) (m *Machine, err error) {
	defer recoverAPI(&err)
	if err := checkProgram(p); err != nil {
		return nil, err
	}
	env, err := decodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	m, d, err := restoreEnvelope(p, env, opts)
	if err == nil && opts.Deltas {
		m.setBase(restoredBase(env, d, nil, nil))
	}
	return m, err
}

// restoreEnvelope is Restore after the envelope is decoded; it also
// returns the decoder, whose objects are the heap in snapshot order.
func restoreEnvelope(p *compiler.Program, env *envelope, opts Options) (*Machine, *decoder, error) {
	if env.Kind != snapMachine {
		return nil, nil, badf("this is a value snapshot (from dump), not a machine snapshot")
	}
	if env.Hash != p.Hash {
		return nil, nil, fmt.Errorf("%w: snapshot program %x, restoring with %s (%x)", ErrWrongProgram, env.Hash[:6], p.File, p.Hash[:6])
	}
	m, err := New(p, opts)
	if err != nil {
		// A host function the program (and so the snapshot) needs is
		// missing: the snapshot cannot be restored with these options.
		return nil, nil, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	d, err := m.decodeBody(env, true)
	if err != nil {
		return nil, nil, err
	}
	if err := d.verify(); err != nil {
		return nil, nil, err
	}
	if opts.FreshBudgets {
		m.steps, m.alloc = 0, 0
	}
	m.rechain()
	return m, d, nil
}

// rechain sets depthBase along the chain of generators running when the
// snapshot was taken (the current fiber and its resumers), which a
// snapshot does not record: it follows from their frames.
func (m *Machine) rechain() {
	var chain []*Fiber
	for f := m.cur; f != nil; f = f.Parent {
		chain = append(chain, f)
		if f.Kind != fiberGenerator {
			break
		}
	}
	base := 0
	for i := len(chain) - 1; i >= 0; i-- {
		chain[i].depthBase = int32(base)
		base += len(chain[i].Frames)
	}
}

// decodeBody decodes a machine body whose shape checkShape has checked.
// With check, it verifies each fiber as it fills it (see fill); the
// caller then finishes with verify.
func (m *Machine) decodeBody(env *envelope, check bool) (*decoder, error) {
	d, err := newDecoder(m, env, false)
	if err != nil {
		return nil, err
	}
	d.check = check
	if err := d.globals(env.body[0]); err != nil {
		return nil, err
	}
	d.r.off = env.body[1]
	root, err := d.fiber()
	if err != nil {
		return nil, err
	}
	cur, err := d.fiber()
	if err != nil {
		return nil, err
	}
	steps, err1 := d.r.int()
	alloc, err2 := d.r.int()
	if err := errors.Join(err1, err2); err != nil || steps < 0 || alloc < 0 {
		return nil, badf("bad step or allocation counter")
	}
	// What verifying a fiber as it is filled needs to know: which fibers
	// are the main program and the current one, and whether the machine
	// waits on a host call (restorePending decodes it below).
	d.root, d.cur = root, cur
	pend := cborReader{b: env.data, off: env.body[6]}
	d.pending = !pend.null()
	if err := d.fill(); err != nil {
		return nil, err
	}
	if root.Kind != fiberRoot {
		return nil, badf("the root fiber is a %s", fiberNoun(root))
	}
	m.root, m.cur, m.steps, m.alloc = root, cur, steps, alloc
	if len(env.body) > 7 {
		if m.markers, err = decodeMarkers(cborReader{b: env.data, off: env.body[7]}); err != nil {
			return nil, err
		}
	}
	d.r.off = env.body[6]
	return d, m.restorePending(d)
}

// globals decodes the globals array at off.
func (d *decoder) globals(off int) error {
	d.r.off = off
	n, err := d.r.array()
	if err != nil || n != len(d.m.globals) {
		return badf("want %d globals", len(d.m.globals))
	}
	for i := range d.m.globals {
		if d.r.peek() == 0x80 { // an empty array: a global whose let has not run
			d.r.off++
			d.m.globals[i] = undefined
			continue
		}
		if d.m.globals[i], err = d.value(); err != nil {
			return err
		}
	}
	return nil
}

// decodeMarkers reads version markers: [name, taken] pairs, names
// strictly ascending.
func decodeMarkers(r cborReader) (map[string]bool, error) {
	n, err := r.array()
	if err != nil || n == 0 {
		return nil, badf("version markers: want a non-empty array of [name, taken] pairs")
	}
	out := make(map[string]bool, n)
	last := ""
	for i := range n {
		if k, err := r.array(); err != nil || k != 2 {
			return nil, badf("version marker %d: want [name, taken]", i)
		}
		name, err1 := r.text()
		taken, err2 := r.bool()
		if err1 != nil || err2 != nil || i > 0 && name <= last {
			return nil, badf("version marker %d: want a string name, in ascending order, and a bool", i)
		}
		out[name], last = taken, name
	}
	return out, nil
}

// Markers returns the version markers a machine snapshot records, by
// name: true for a marker the instance takes (version(name) is true), false
// for one it was upgraded past. It needs no program.
func Markers(data []byte) (map[string]bool, error) {
	env, err := decodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	if env.Kind != snapMachine {
		return nil, badf("this is a value snapshot (from dump), not a machine snapshot")
	}
	if len(env.body) < 8 {
		return map[string]bool{}, nil
	}
	return decodeMarkers(cborReader{b: env.data, off: env.body[7]})
}

// restorePending decodes the host call a suspended machine waits on:
// nil, or [host name, request value].
func (m *Machine) restorePending(d *decoder) error {
	if d.r.null() {
		return nil
	}
	if n, err := d.r.array(); err != nil || n != 2 {
		return badf("pending host call is not [name, request]")
	}
	name, err := d.r.text()
	if err != nil {
		return badf("pending host call is not a name")
	}
	req, err := d.value()
	if err != nil {
		return err
	}
	if m.lookupBuiltin(name) == nil {
		return fmt.Errorf("%w: the snapshot waits on host function %q, which is not registered", ErrBadSnapshot, name)
	}
	m.pending = &pendingHost{Host: name, Request: req}
	return nil
}

// loadValue decodes a value snapshot made by dump in a machine running the
// same program.
func (m *Machine) loadValue(data []byte) (Value, error) {
	env, err := decodeEnvelope(data)
	if err != nil {
		return Nil, err
	}
	return m.loadEnvelope(env)
}

// loadEnvelope is loadValue after the envelope is decoded.
func (m *Machine) loadEnvelope(env *envelope) (Value, error) {
	if env.Kind != snapValue {
		return Nil, badf("this is a machine snapshot, not a dumped value")
	}
	if env.Hash != m.prog.Hash {
		return Nil, fmt.Errorf("%w: it was dumped by program %x, this is %s (%x)", ErrWrongProgram, env.Hash[:6], m.prog.File, m.prog.Hash[:6])
	}
	d, err := newDecoder(m, env, true)
	if err != nil {
		return Nil, err
	}
	d.check, d.root = true, m.root
	d.r.off = env.body[0]
	v, err := d.value()
	if err == nil {
		err = d.fill()
	}
	if err == nil {
		err = d.verify()
	}
	return v, err
}

// decoder rebuilds heap objects in two passes, reading the bytes in
// place: make every object from its tag (so references resolve whatever
// their order), then fill them in. checkShape has checked every object's
// tag and field count and recorded each tag and where each object
// starts, so the first pass reads only a fiber's kind and a builtin's
// name.
type decoder struct {
	m       *Machine
	isValue bool
	r       cborReader
	offs    []uint32 // where each heap object starts
	tags    []uint8  // each heap object's tag
	// ptrs and kinds are the heap's objects (see obj): a third of the
	// memory of a []Value, most of what restoring a closure and its
	// cell allocated beyond the objects themselves.
	ptrs  []unsafe.Pointer
	kinds []Kind
	// check says fill verifies each fiber it fills (verifyFiber), for
	// verify to finish; root and cur are the main program and current
	// fibers (cur is nil for a value snapshot), pending whether the
	// machine waits on a host call.
	check     bool
	root, cur *Fiber
	pending   bool
	running   int      // fibers verifyFiber found running
	exits     []*Fiber // for-loop and closing generators, for verify to check
	work      int64    // units of decoding and verifying done; see tick
	polled    int64    // work at the last cancellation poll
	// short holds recently decoded short strings, shared by equal ones:
	// made at the first, with room for 16 to 256 by the input's size, so
	// that loading a small value does not spend most of what it
	// allocates on a table for a large heap.
	short []string
	slabs decodeSlabs
}

// decodeSlabs are where a decoder takes the objects, slices and strings
// it builds from: one allocation per chunk, not one or more per object
// (see slab for what a chunk costs a program that keeps few of them).
type decodeSlabs struct {
	lists    slab[List]
	maps     slab[Map]
	closures slab[Closure]
	cells    slab[Cell]
	fibers   slab[Fiber]
	values   slab[Value]
	entries  slab[mapEntry]
	cellRefs slab[*Cell]
	frames   slab[Frame]
	texts    textSlab
}

// tick counts n units of work: values decoded, frames, stack slots and
// links checked. Every pollInterval units it polls the machine's context,
// so restoring a large snapshot can be cancelled. The count is what
// TestRestoreWorkIsLinear holds to the size of the snapshot.
// It is small enough to inline (it is called several times per object);
// poll does the rest.
func (d *decoder) tick(n int) error {
	d.work += int64(n)
	if d.work-d.polled < pollInterval {
		return nil
	}
	return d.poll()
}

// poll polls the machine's context for tick.
func (d *decoder) poll() error {
	if d.polled = d.work; d.m.ctx == nil {
		return nil
	}
	if err := d.m.ctx.Err(); err != nil {
		return fmt.Errorf("snapshot decoding stopped: %w", err)
	}
	return nil
}

// newDecoder returns a decoder of env's body with every heap object
// made, empty, from its tag, so that references resolve whatever their
// order. Making them all before filling any keeps the collector's work
// down: a cycle that runs while they are made scans empty objects
// (making each at its first reference instead cost 10–20% more CPU time
// restoring a million closures).
func newDecoder(m *Machine, env *envelope, isValue bool) (*decoder, error) {
	n := len(env.heap)
	d := &decoder{m: m, isValue: isValue, r: cborReader{b: env.data}, offs: env.heap, tags: env.tags,
		ptrs: make([]unsafe.Pointer, n), kinds: make([]Kind, n)}
	return d, d.makeAll()
}

// makeAll makes every heap object, empty.
func (d *decoder) makeAll() error {
	for i := range d.ptrs {
		if err := d.tick(1); err != nil {
			return err
		}
		v, err := d.alloc(i)
		if err != nil {
			return fmt.Errorf("object %d: %w", i, err)
		}
		d.ptrs[i], d.kinds[i] = v.p, v.k
	}
	return nil
}

// obj is heap object i.
func (d *decoder) obj(i int) Value { return Value{k: d.kinds[i], p: d.ptrs[i]} }

// object moves the reader into object i, past its array head and tag.
func (d *decoder) object(i int) error {
	d.r.off = int(d.offs[i])
	if _, ok := d.r.shortArray(); !ok {
		if _, err := d.r.array(); err != nil {
			return err
		}
	}
	if _, ok := d.r.tiny(); !ok {
		_, err := d.r.int()
		return err
	}
	return nil
}

// alloc creates object i, empty, from its tag, reading the fields that
// decide its identity (a builtin's name; a fiber's kind, unless
// checkHeap recorded it with the tag).
func (d *decoder) alloc(i int) (Value, error) {
	switch d.tags[i] {
	case objList:
		return ListValue(d.slabs.lists.new()), nil
	case objMap:
		return MapValue(d.slabs.maps.new()), nil
	case objClosure:
		return funcValue(d.slabs.closures.new()), nil
	case objCell:
		return cellValue(d.slabs.cells.new()), nil
	case objBuiltin:
		r := d.fields(i)
		return d.builtin(&r)
	case objError:
		return ErrorValue(&Error{}), nil
	case objRange:
		return rangeValue(&Range{}), nil
	case objIter:
		return iterValue(&Iter{}), nil
	case tagFiberOf + uint8(fiberRoot), tagFiberOf + uint8(fiberGenerator), tagFiberOf + uint8(fiberCoroutine):
		f := d.slabs.fibers.new()
		if f.Kind = FiberKind(d.tags[i] - tagFiberOf); f.Kind == fiberGenerator {
			return generatorValue(f), nil
		}
		return coroutineValue(f), nil
	case objFiber: // a kind checkHeap did not record: refused here
		r := d.fields(i)
		kind, err := r.int()
		if err != nil || kind < int64(fiberRoot) || kind > int64(fiberCoroutine) {
			return Nil, badf("bad fiber kind")
		}
		f := d.slabs.fibers.new()
		if f.Kind = FiberKind(kind); f.Kind == fiberGenerator {
			return generatorValue(f), nil
		}
		return coroutineValue(f), nil
	case objRoot:
		if !d.isValue {
			return Nil, badf("a root reference in a machine snapshot")
		}
		return coroutineValue(d.m.root), nil
	}
	return Nil, badf("unknown object tag %d", d.tags[i])
}

// fields returns a reader of object i's fields, after its tag.
func (d *decoder) fields(i int) cborReader {
	r := cborReader{b: d.r.b, off: int(d.offs[i])}
	r.array() // checkShape checked the head and the tag
	r.int()
	return r
}

// makeRoom gives a fiber that runs as the restored machine starts (the
// current one, the resumers of the generators it runs in, the main
// program) the room its code may use, as Fiber.makeRoom does (setCur
// does it for the others), from the decoder's slab; the slots the stack
// leaves there are cleared.
func (d *decoder) makeRoom(f *Fiber) {
	f.cramped = false
	need := f.room()
	if need <= len(f.Stack) {
		return
	}
	s := d.slabs.values.take(need)
	copy(s, f.Stack)
	clear(f.Stack)
	f.Stack = s
}

// value decodes an inline value. Cells are no values: they may appear
// only where valueOrCell or typed are asked for one.
func (d *decoder) value() (Value, error) {
	v, err := d.valueOrCell()
	if err == nil && v.k == kindCell {
		return Nil, badf("a variable cell where a value belongs")
	}
	return v, err
}

// valueOrCell decodes an inline value or a reference to a cell.
func (d *decoder) valueOrCell() (Value, error) {
	var major, ai byte
	var arg uint64
	var err error
	if c, ok := d.r.short(); ok { // inlined: the common case
		major, ai, arg = c>>5, c&31, uint64(c&31)
	} else if major, ai, arg, err = d.r.headLong(); err != nil {
		return Nil, err
	}
	switch major {
	case cborUint, cborNegint:
		i, err := cborInt(major, arg)
		return Int(i), err
	case cborText:
		return d.text(arg)
	case cborBytes:
		b, err := d.r.contents(arg)
		return Bytes(append(make([]byte, 0, len(b)), b...)), err
	case cborArray:
		return d.ref(arg)
	case cborSimple:
		switch ai {
		case 20, 21:
			return Bool(ai == 21), nil
		case 22, 23:
			return Nil, nil
		case 25, 26, 27:
			return Float(cborFloat(ai, arg)), nil
		}
	}
	return Nil, badf("unexpected %s where a value belongs", cborNames[major])
}

// ref decodes a reference, an array of n elements that must be [index].
func (d *decoder) ref(n uint64) (Value, error) {
	if n != 1 {
		return Nil, badf("a reference must be [index]")
	}
	i, ok := d.r.tiny() // the reader's fast paths are inlined by hand in this file's loops
	var err error
	if !ok {
		i, err = d.r.int()
	}
	if err != nil || i < 0 || i >= int64(len(d.ptrs)) {
		return Nil, badf("reference %v out of range (heap has %d objects)", i, len(d.ptrs))
	}
	return d.obj(int(i)), nil
}

// text decodes a text string of n bytes. Short strings equal to one
// decoded shortly before share its bytes (wf strings are immutable), so
// a heap of maps with the same keys holds each key once.
func (d *decoder) text(n uint64) (Value, error) {
	b, err := d.r.contents(n)
	if err != nil || len(b) > 16 {
		return String(d.slabs.texts.text(b)), err
	}
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	if d.short == nil {
		d.short = make([]string, min(256, max(16, 1<<bits.Len(uint(len(d.r.b)/64)))))
	}
	s := &d.short[h&uint32(len(d.short)-1)]
	if *s != string(b) {
		*s = d.slabs.texts.text(b)
	}
	return String(*s), nil
}

// values decodes an array of values.
func (d *decoder) values() ([]Value, error) {
	out, err := d.valueArray()
	for i := range out {
		if out[i], err = d.value(); err != nil {
			return nil, err
		}
	}
	return out, err
}

// slots decodes a fiber's stack, where local slots of captured variables
// hold cells (verify checks which). The stack holds only its values:
// verify gives the running fibers the room their code may use, and
// setCur gives it to the others when they first run (Fiber.makeRoom).
func (d *decoder) slots() ([]Value, error) {
	out, err := d.valueArray()
	for i := range out {
		if out[i], err = d.valueOrCell(); err != nil {
			return nil, err
		}
	}
	return out, err
}

// valueArray reads the head of an array of values and returns a slice
// for them, for values and slots to fill.
func (d *decoder) valueArray() ([]Value, error) {
	n, ok := d.r.shortArray()
	var err error
	if !ok {
		n, err = d.r.array()
	}
	if err != nil {
		return nil, badf("want an array of values")
	}
	if err := d.tick(n); err != nil {
		return nil, err
	}
	return d.slabs.values.take(n), nil
}

// typed decodes a reference and checks the object's kind.
func (d *decoder) typed(kinds ...Kind) (Value, error) {
	v, err := d.valueOrCell()
	if err != nil {
		return Nil, err
	}
	for _, k := range kinds {
		if v.k == k {
			return v, nil
		}
	}
	return Nil, badf("want a reference to a %v, got %s", kinds[0], v.TypeName())
}

func (d *decoder) fiber() (*Fiber, error) {
	v, err := d.typed(KindCoroutine, KindGenerator)
	if err != nil {
		return nil, err
	}
	return v.asFiber(), nil
}

// ints decodes len(out) integer fields.
func (d *decoder) ints(out ...*int64) error {
	for _, p := range out {
		v, ok := d.r.tiny()
		if !ok {
			var err error
			if v, err = d.r.int(); err != nil {
				return err
			}
		}
		*p = v
	}
	return nil
}

// fill decodes the fields of every object, the closures first. With
// d.check, it verifies each fiber right after filling it, while its
// fields, stack and frames are in the cache (a separate pass over a
// million generators read them all again from memory): a fiber's check
// reads its frames' functions, which the closures' fill set; verify
// checks what relates fibers to each other once all are filled.
func (d *decoder) fill() error {
	for i, k := range d.kinds {
		if k == KindFunc {
			if err := d.fillAt(i); err != nil {
				return err
			}
		}
	}
	for i, k := range d.kinds {
		if k == KindFunc {
			continue
		}
		if err := d.fillAt(i); err != nil {
			return err
		}
		if d.check && (k == KindGenerator || k == KindCoroutine) {
			if err := d.verifyFilled((*Fiber)(d.ptrs[i])); err != nil {
				return err
			}
		}
	}
	// A map iterator's version is stored relative to its map (see
	// mapIterState); the map's own counter is known once it is filled.
	for i, k := range d.kinds {
		if k != KindIter {
			continue
		}
		if it := (*Iter)(d.ptrs[i]); it.kind == iterMap {
			it.stop = int64(it.src.AsMap().version) - it.stop
		}
	}
	return nil
}

// fillAt decodes the fields of object i.
func (d *decoder) fillAt(i int) error {
	err := d.object(i)
	if err == nil {
		err = d.fillObject(d.obj(i))
	}
	if err != nil {
		return fmt.Errorf("object %d: %w", i, err)
	}
	return nil
}

// fillObject decodes an object's fields, the reader standing after its
// tag.
func (d *decoder) fillObject(v Value) error {
	switch v.k {
	case KindList:
		elems, err := d.values()
		v.AsList().Elems = elems
		return err
	case KindMap:
		return d.fillMap(v.AsMap())
	case KindFunc:
		return d.fillClosure(v.asClosure())
	case kindCell:
		x, err := d.value()
		(*Cell)(v.p).V = x
		return err
	case KindBuiltin:
		return nil // resolved by alloc
	case KindError:
		return d.fillError(v.AsError())
	case KindRange:
		return d.fillRange(v.asRange())
	case KindIter:
		return d.fillIter(v.asIter())
	case KindGenerator, KindCoroutine:
		if v.asFiber() == d.m.root && d.isValue {
			return nil
		}
		return d.fillFiber(v.asFiber())
	}
	return badf("unexpected object kind %s", v.TypeName())
}

// fillMap decodes a map's keys and values, sized for them at once.
func (d *decoder) fillMap(mp *Map) error {
	n, err := d.r.array()
	if err != nil {
		return badf("want an array of values")
	}
	if n%2 != 0 {
		return badf("map has an odd number of keys and values")
	}
	if err := d.tick(n); err != nil {
		return err
	}
	if n/2 <= smallMap {
		return d.fillSmallMap(mp, d.slabs.entries.take(n/2))
	}
	mp.entries = d.slabs.entries.take(n / 2)[:0]
	if d.r.peek()>>5 == cborText {
		mp.strs = make(map[string]int32, n/2)
	}
	for range n / 2 {
		k, err := d.value()
		if err != nil {
			return err
		}
		x, err := d.value()
		if err != nil {
			return err
		}
		if err := mp.add(k, x); err != nil {
			return err
		}
	}
	return nil
}

// fillSmallMap decodes the entries of a small map into entries, which
// fillMap took for them, without its lookup tables: a key equal to one
// before it (as keyOf tells, so 1 and 1.0 are equal) is an error. The
// map's fields are written once, when all its entries are in.
func (d *decoder) fillSmallMap(mp *Map, entries []mapEntry) error {
	funcs := 0
	for i := range entries {
		k, err := d.value()
		if err != nil {
			return err
		}
		x, err := d.value()
		if err != nil {
			return err
		}
		if err := checkNewKey(entries[:i], k); err != nil {
			return err
		}
		e := &entries[i]
		e.Key, e.Value = k, x
		funcs += b2i(isFunc(x))
	}
	mp.entries, mp.unindexed = entries, len(entries) > 0
	mp.live, mp.version, mp.funcs = int32(len(entries)), uint32(len(entries)), int32(funcs)
	return nil
}

// smallMap is the most entries a restored map may have and still be
// left without its lookup tables: the decoder checks its keys for
// duplicates by comparing each pair, and the map builds its tables when
// first looked up (see Map.buildIndex). Most maps of a large state are
// small records that a step never looks at; building their tables cost
// two allocations and a hash per key, most of restoring a heap of small
// maps.
const smallMap = 8

// add appends a decoded entry to a map being filled, as Set would add a
// new key but hashing the key once (Set looks it up first) and leaving
// the map's cache of key addresses to fill itself later. A key already
// there is an error: a snapshot has none.
func (m *Map) add(k, v Value) error {
	i := int32(len(m.entries))
	if k.k == KindString {
		if m.strs == nil {
			m.strs = make(map[string]int32)
		}
		n := len(m.strs)
		if m.strs[k.AsString()] = i; len(m.strs) == n {
			return badf("map has a duplicate key %s", shortRepr(k))
		}
	} else {
		key, err := keyOf(k)
		if err != nil {
			return badf("map key: %v", err)
		}
		if m.others == nil {
			m.others = make(map[mapKey]int32)
		}
		n := len(m.others)
		if m.others[key] = i; len(m.others) == n {
			return badf("map has a duplicate key %s", shortRepr(k))
		}
	}
	m.entries = append(m.entries, mapEntry{Key: k, Value: v})
	m.live++
	m.version++
	m.funcs += int32(b2i(isFunc(v)))
	return nil
}

// checkNewKey checks that k is hashable and equal to no key of entries
// as keyOf tells (so 1 and 1.0 are equal). A string, the common case,
// needs no keyOf: no key of another kind equals it.
func checkNewKey(entries []mapEntry, k Value) error {
	if k.k == KindString {
		for _, e := range entries {
			if e.Key.k == KindString && e.Key.AsString() == k.AsString() {
				return badf("map has a duplicate key %s", shortRepr(k))
			}
		}
		return nil
	}
	key, err := keyOf(k)
	if err != nil {
		return badf("map key: %v", err)
	}
	for _, e := range entries {
		if other, _ := keyOf(e.Key); other == key {
			return badf("map has a duplicate key %s", shortRepr(k))
		}
	}
	return nil
}

func (d *decoder) fillClosure(cl *Closure) error {
	fi, err := d.r.int()
	if err != nil || fi < 0 || fi >= int64(len(d.m.prog.Funcs)) {
		return badf("function index %v out of range", fi)
	}
	cl.Fn = d.m.prog.Funcs[fi]
	n, err := d.r.array()
	if err != nil || n != len(cl.Fn.Captures) {
		return badf("function %s captures %d variables", funcName(cl.Fn.Name), len(cl.Fn.Captures))
	}
	cl.Cells = d.slabs.cellRefs.take(n)
	for i := range cl.Cells {
		cv, err := d.typed(kindCell)
		if err != nil {
			return err
		}
		cl.Cells[i] = (*Cell)(cv.p)
	}
	return nil
}

// builtin resolves a builtin object to the machine's own *Builtin, so a
// restored reference is identical (==) to a fresh one.
func (d *decoder) builtin(r *cborReader) (Value, error) {
	name, err := r.text()
	if err != nil {
		return Nil, badf("builtin name is not a string")
	}
	b := d.m.lookupBuiltin(name)
	if b == nil {
		return Nil, fmt.Errorf("%w: host function %q is not registered", ErrBadSnapshot, name)
	}
	return BuiltinValue(b), nil
}

func (d *decoder) fillError(e *Error) error {
	kind, err1 := d.r.text()
	msg, err2 := d.r.text()
	n, err3 := d.r.array()
	if errors.Join(err1, err2, err3) != nil {
		return badf("malformed error value")
	}
	e.Kind, e.Msg = kind, msg
	if err := d.tick(n); err != nil {
		return err
	}
	for range n {
		if k, err := d.r.array(); err != nil || k != 4 {
			return badf("malformed traceback entry")
		}
		fn, err1 := d.r.text()
		file, err2 := d.r.text()
		var line, col int64
		if errors.Join(err1, err2, d.ints(&line, &col)) != nil {
			return badf("malformed traceback entry")
		}
		e.Trace = append(e.Trace, TraceEntry{Func: fn, Pos: lang.Pos{File: file, Line: int(line), Col: int(col)}})
	}
	return nil
}

func (d *decoder) fillRange(r *Range) error {
	if err := d.ints(&r.Start, &r.Stop, &r.Step); err != nil {
		return err
	}
	if r.Step == 0 {
		return badf("range step is zero")
	}
	return nil
}

// iterSourceKind is the kind of value each iterator kind walks.
var iterSourceKind = [...]Kind{iterList: KindList, iterString: KindString, iterBytes: KindBytes, iterMap: KindMap, iterRange: KindRange}

func (d *decoder) fillIter(it *Iter) error {
	var kind int64
	if err := d.ints(&kind); err != nil {
		return err
	}
	src, err := d.value()
	if err != nil {
		return err
	}
	if err := d.ints(&it.i, &it.stop, &it.step, &it.n); err != nil {
		return err
	}
	ik := iterKind(kind)
	if kind < 0 || kind > int64(iterRange) || src.k != iterSourceKind[ik] {
		return badf("iterator kind %d over a %s", kind, src.TypeName())
	}
	it.kind, it.src = ik, src
	switch {
	case it.i < 0 && ik != iterRange, it.n < 0:
		return badf("negative iterator position")
	case ik == iterString && it.i > int64(src.n):
		return badf("string iterator past the end")
	case ik == iterRange && it.step == 0:
		return badf("range iterator step is zero")
	}
	return nil
}

// fillFiber decodes a fiber's fields; verify checks their meaning later.
func (d *decoder) fillFiber(f *Fiber) error {
	var kind, status int64 // the kind was read by alloc
	err := d.ints(&kind, &status)
	if err != nil || status < int64(StatusNew) || status > int64(StatusDone) {
		return badf("bad fiber status")
	}
	f.Status = FiberStatus(status)
	stack, err := d.slots()
	if err != nil {
		return err
	}
	f.Stack, f.SP, f.cramped = stack, len(stack), true
	if err := d.fillFrames(f); err != nil {
		return err
	}
	if err := d.fillHandlers(f); err != nil {
		return err
	}
	if !d.r.null() {
		if f.Parent, err = d.fiber(); err != nil {
			return err
		}
	}
	// The fiber is fresh from the slab: leave Fn and Result zero when
	// they are nil, a pointer write fewer (see slab).
	for _, p := range [2]*Value{&f.Fn, &f.Result} {
		v, err := d.value()
		if err != nil {
			return err
		}
		if v != Nil {
			*p = v
		}
	}
	exit, err := d.r.int()
	if err != nil || exit < closing || exit > math.MaxInt32 {
		return badf("generator loop exit out of range")
	}
	f.exit = int32(exit)
	return nil
}

func (d *decoder) fillFrames(f *Fiber) error {
	n, ok := d.r.shortArray()
	var err error
	if !ok {
		n, err = d.r.array()
	}
	if err != nil {
		return badf("frames is not an array")
	}
	if err := d.tick(n); err != nil {
		return err
	}
	f.Frames = d.slabs.frames.take(n)
	for i := range f.Frames {
		k, ok := d.r.shortArray()
		if !ok {
			k, err = d.r.array()
		}
		if err != nil || k != 3 {
			return badf("malformed frame")
		}
		cv, err := d.typed(KindFunc)
		if err != nil {
			return err
		}
		var pc, base int64
		if err := d.ints(&pc, &base); err != nil {
			return err
		}
		f.Frames[i] = Frame{Fn: cv.asClosure(), PC: int(pc), Base: int(base)}
		if pc < 0 || base < 0 || pc > math.MaxInt32 || base > math.MaxInt32 {
			return badf("frame pc or base out of range")
		}
	}
	return nil
}

func (d *decoder) fillHandlers(f *Fiber) error {
	n, ok := d.r.shortArray()
	var err error
	if !ok {
		n, err = d.r.array()
	}
	if err != nil {
		return badf("handlers is not an array")
	}
	if err := d.tick(n); err != nil {
		return err
	}
	for range n {
		if k, err := d.r.array(); err != nil || k != 3 {
			return badf("malformed handler")
		}
		var h [3]int64
		if err := d.ints(&h[0], &h[1], &h[2]); err != nil {
			return err
		}
		for _, v := range h {
			if v < 0 || v > math.MaxInt32 {
				return badf("handler field out of range")
			}
		}
		f.pushHandler(Handler{Depth: int(h[0]), PC: int(h[1]), SP: int(h[2])})
	}
	return nil
}
