package vm

// This file defines the snapshot decoder: bytes to objects, with every
// index and state checked before anything runs. Snapshots are untrusted
// input; every failure is an error wrapping ErrBadSnapshot.

import (
	"errors"
	"fmt"
	"math"

	"github.com/fxamacker/cbor/v2"

	"github.com/wf-lang/wf/compiler"
)

// ErrBadSnapshot is wrapped by every error about malformed, truncated,
// oversized or inconsistent snapshot data (errors.Is(err, ErrBadSnapshot)).
var ErrBadSnapshot = errors.New("bad snapshot")

// ErrWrongProgram is wrapped when a snapshot was made by a different
// program than the one it is restored with.
var ErrWrongProgram = errors.New("snapshot made by a different program")

// MaxSnapshotSize is the largest snapshot Restore and load accept.
const MaxSnapshotSize = 64 << 20

var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:       16,
		MaxArrayElements:      1 << 24,
		MaxMapPairs:           16,
		IndefLength:           cbor.IndefLengthForbidden,
		TagsMd:                cbor.TagsForbidden,
		DupMapKey:             cbor.DupMapKeyEnforcedAPF,
		IntDec:                cbor.IntDecConvertSigned,
		DefaultByteStringType: nil,
		UTF8:                  cbor.UTF8DecodeInvalid, // wf strings are bytes: "é"[0:1] is one
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

func badf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadSnapshot, fmt.Sprintf(format, args...))
}

// envelope is the decoded outer array. The whole input is decoded in one
// pass under decMode's limits; the envelope's fields are checked before
// anything looks at the body.
type envelope struct {
	Kind   int64
	Hash   []byte
	Source []any // nil, or [file, source]
	Body   []any
}

func decodeEnvelope(data []byte) (*envelope, error) {
	if len(data) > MaxSnapshotSize {
		return nil, badf("%d bytes is over the %d-byte limit", len(data), MaxSnapshotSize)
	}
	var top []any
	if err := decMode.Unmarshal(data, &top); err != nil {
		return nil, badf("%v", err)
	}
	if len(top) != 6 {
		return nil, badf("not a wf snapshot")
	}
	if magic, _ := top[0].(string); magic != snapshotMagic {
		return nil, badf("not a wf snapshot")
	}
	if v, err := asInt(top[1]); err != nil || v != snapshotVersion {
		return nil, badf("format version %v, this wf reads version %d", top[1], snapshotVersion)
	}
	env := &envelope{}
	var err error
	if env.Kind, err = asInt(top[2]); err != nil || (env.Kind != snapMachine && env.Kind != snapValue) {
		return nil, badf("unknown snapshot kind %v", top[2])
	}
	if env.Hash, _ = top[3].([]byte); len(env.Hash) != 32 {
		return nil, badf("program hash is not 32 bytes")
	}
	if top[4] != nil {
		if env.Source, _ = top[4].([]any); len(env.Source) != 2 {
			return nil, badf("embedded program: want [file, source]")
		}
	}
	if env.Body, _ = top[5].([]any); env.Body == nil {
		return nil, badf("body is not an array")
	}
	return env, checkShape(env.Kind, env.Body)
}

// EmbeddedProgram returns the file name and source a self-contained
// snapshot carries, or ok=false when it has none. It checks the envelope
// and the body's structure first, so that a caller compiles the source
// only for a snapshot that could be inspected; compiling costs about 3 µs
// and 1 KB per source byte, so a caller should bound the source's size.
func EmbeddedProgram(data []byte) (file string, src []byte, ok bool, err error) {
	env, err := decodeEnvelope(data)
	if err != nil || env.Source == nil {
		return "", nil, false, err
	}
	file, ok1 := env.Source[0].(string)
	src, ok2 := env.Source[1].([]byte)
	if !ok1 || !ok2 {
		return "", nil, false, badf("embedded program: want [file, source]")
	}
	if ProgramHash(src) != [32]byte(env.Hash) {
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
	return restoreEnvelope(p, env, opts)
}

// restoreEnvelope is Restore after the envelope is decoded.
func restoreEnvelope(p *compiler.Program, env *envelope, opts Options) (*Machine, error) {
	if env.Kind != snapMachine {
		return nil, badf("this is a value snapshot (from dump), not a machine snapshot")
	}
	if [32]byte(env.Hash) != p.Hash {
		return nil, fmt.Errorf("%w: snapshot program %x, restoring with %s (%x)", ErrWrongProgram, env.Hash[:6], p.File, p.Hash[:6])
	}
	m, err := New(p, opts)
	if err != nil {
		// A host function the program (and so the snapshot) needs is
		// missing: the snapshot cannot be restored with these options.
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	d, err := m.decodeBody(env.Body)
	if err != nil {
		return nil, err
	}
	if err := d.verify(m.root, m.cur, m.pending != nil); err != nil {
		return nil, err
	}
	if opts.FreshBudgets {
		m.steps, m.alloc = 0, 0
	}
	m.rechain()
	return m, nil
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
		chain[i].depthBase = base
		base += len(chain[i].Frames)
	}
}

// decodeBody decodes a machine body whose shape checkShape has checked.
func (m *Machine) decodeBody(body []any) (*decoder, error) {
	d, err := newDecoder(m, body[5].([]any), false)
	if err != nil {
		return nil, err
	}
	globals, ok := body[0].([]any)
	if !ok || len(globals) != len(m.globals) {
		return nil, badf("want %d globals", len(m.globals))
	}
	for i, g := range globals {
		if a, ok := g.([]any); ok && len(a) == 0 {
			m.globals[i] = undefined
			continue
		}
		if m.globals[i], err = d.value(g); err != nil {
			return nil, err
		}
	}
	root, err := d.fiber(body[1])
	if err != nil {
		return nil, err
	}
	cur, err := d.fiber(body[2])
	if err != nil {
		return nil, err
	}
	steps, err1 := asInt(body[3])
	alloc, err2 := asInt(body[4])
	if err := errors.Join(err1, err2); err != nil || steps < 0 || alloc < 0 {
		return nil, badf("bad step or allocation counter")
	}
	if err := d.fill(); err != nil {
		return nil, err
	}
	if root.Kind != fiberRoot {
		return nil, badf("the root fiber is a %s", fiberNoun(root))
	}
	m.root, m.cur, m.steps, m.alloc = root, cur, steps, alloc
	if len(body) > 7 {
		if m.markers, err = decodeMarkers(body[7]); err != nil {
			return nil, err
		}
	}
	return d, m.restorePending(d, body[6])
}

// decodeMarkers reads version markers: [name, taken] pairs, names
// strictly ascending.
func decodeMarkers(x any) (map[string]bool, error) {
	pairs, ok := x.([]any)
	if !ok || len(pairs) == 0 {
		return nil, badf("version markers: want a non-empty array of [name, taken] pairs")
	}
	out := make(map[string]bool, len(pairs))
	last := ""
	for i, p := range pairs {
		pair, ok := p.([]any)
		if !ok || len(pair) != 2 {
			return nil, badf("version marker %d: want [name, taken]", i)
		}
		name, ok1 := pair[0].(string)
		taken, ok2 := pair[1].(bool)
		if !ok1 || !ok2 || i > 0 && name <= last {
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
	if len(env.Body) < 8 {
		return map[string]bool{}, nil
	}
	return decodeMarkers(env.Body[7])
}

// restorePending decodes the host call a suspended machine waits on:
// nil, or [host name, request value].
func (m *Machine) restorePending(d *decoder, v any) error {
	if v == nil {
		return nil
	}
	p, ok := v.([]any)
	if !ok || len(p) != 2 {
		return badf("pending host call is not [name, request]")
	}
	name, ok := p[0].(string)
	if !ok {
		return badf("pending host call is not a name")
	}
	req, err := d.value(p[1])
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
	if [32]byte(env.Hash) != m.prog.Hash {
		return Nil, fmt.Errorf("%w: it was dumped by program %x, this is %s (%x)", ErrWrongProgram, env.Hash[:6], m.prog.File, m.prog.Hash[:6])
	}
	d, err := newDecoder(m, env.Body[1].([]any), true)
	if err != nil {
		return Nil, err
	}
	v, err := d.value(env.Body[0])
	if err == nil {
		err = d.fill()
	}
	if err == nil {
		err = d.verify(nil, nil, false)
	}
	return v, err
}

// decoder rebuilds heap objects in two passes: allocate every object from
// its tag (so references resolve whatever their order), then fill them in.
// checkShape has checked every object's tag and field count.
type decoder struct {
	m       *Machine
	isValue bool
	raw     [][]any
	objs    []Value
	work    int64 // units of decoding and verifying done; see tick
	polled  int64 // work at the last cancellation poll
}

// tick counts n units of work: values decoded, frames, stack slots and
// links checked. Every pollInterval units it polls the machine's context,
// so restoring a large snapshot can be cancelled. The count is what
// TestRestoreWorkIsLinear holds to the size of the snapshot.
func (d *decoder) tick(n int) error {
	d.work += int64(n)
	if d.work-d.polled < pollInterval || d.m.ctx == nil {
		return nil
	}
	d.polled = d.work
	if err := d.m.ctx.Err(); err != nil {
		return fmt.Errorf("snapshot decoding stopped: %w", err)
	}
	return nil
}

func newDecoder(m *Machine, heap []any, isValue bool) (*decoder, error) {
	d := &decoder{m: m, isValue: isValue, raw: make([][]any, len(heap)), objs: make([]Value, len(heap))}
	for i, h := range heap {
		if err := d.tick(1); err != nil {
			return nil, err
		}
		o := h.([]any)
		tag, _ := asInt(o[0])
		d.raw[i] = o
		var err error
		if d.objs[i], err = d.alloc(int(tag), o); err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
	}
	return d, nil
}

// alloc creates the empty object for a tag.
func (d *decoder) alloc(tag int, o []any) (Value, error) {
	switch tag {
	case objList:
		return NewList(nil), nil
	case objMap:
		return MapValue(NewMap(0)), nil
	case objClosure:
		return funcValue(&Closure{}), nil
	case objCell:
		return cellValue(&Cell{}), nil
	case objBuiltin:
		return d.builtin(o)
	case objError:
		return ErrorValue(&Error{}), nil
	case objRange:
		return rangeValue(&Range{}), nil
	case objIter:
		return iterValue(&Iter{}), nil
	case objFiber:
		kind, err := asInt(o[1])
		if err != nil || kind < int64(fiberRoot) || kind > int64(fiberCoroutine) {
			return Nil, badf("bad fiber kind")
		}
		f := &Fiber{Kind: FiberKind(kind)}
		if f.Kind == fiberGenerator {
			return generatorValue(f), nil
		}
		return coroutineValue(f), nil
	case objRoot:
		if !d.isValue {
			return Nil, badf("a root reference in a machine snapshot")
		}
		return coroutineValue(d.m.root), nil
	}
	return Nil, badf("unknown object tag %d", tag)
}

// value decodes an inline value. Cells are no values: they may appear
// only where valueOrCell or typed are asked for one.
func (d *decoder) value(x any) (Value, error) {
	v, err := d.valueOrCell(x)
	if err == nil && v.k == kindCell {
		return Nil, badf("a variable cell where a value belongs")
	}
	return v, err
}

// valueOrCell decodes an inline value or a reference to a cell.
func (d *decoder) valueOrCell(x any) (Value, error) {
	switch x := x.(type) {
	case nil:
		return Nil, nil
	case bool:
		return Bool(x), nil
	case int64:
		return Int(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return Nil, badf("integer %d out of range", x)
		}
		return Int(int64(x)), nil
	case float64:
		return Float(x), nil
	case float32:
		return Float(float64(x)), nil
	case string:
		return String(x), nil
	case []byte:
		return Bytes(x), nil
	case []any:
		if len(x) != 1 {
			return Nil, badf("a reference must be [index]")
		}
		i, err := asInt(x[0])
		if err != nil || i < 0 || i >= int64(len(d.objs)) {
			return Nil, badf("reference %v out of range (heap has %d objects)", x[0], len(d.objs))
		}
		return d.objs[i], nil
	}
	return Nil, badf("unexpected %T where a value belongs", x)
}

func (d *decoder) values(x any) ([]Value, error) {
	return d.decodeArray(x, d.value)
}

// slots decodes a fiber's stack, where local slots of captured variables
// hold cells (verify checks which).
func (d *decoder) slots(x any) ([]Value, error) {
	return d.decodeArray(x, d.valueOrCell)
}

func (d *decoder) decodeArray(x any, decode func(any) (Value, error)) ([]Value, error) {
	a, ok := x.([]any)
	if !ok {
		return nil, badf("want an array of values")
	}
	if err := d.tick(len(a)); err != nil {
		return nil, err
	}
	out := make([]Value, len(a))
	for i, e := range a {
		v, err := decode(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// typed decodes a reference and checks the object's kind.
func (d *decoder) typed(x any, kinds ...Kind) (Value, error) {
	v, err := d.valueOrCell(x)
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

func (d *decoder) fiber(x any) (*Fiber, error) {
	v, err := d.typed(x, KindCoroutine, KindGenerator)
	if err != nil {
		return nil, err
	}
	return v.asFiber(), nil
}

func asInt(x any) (int64, error) {
	switch x := x.(type) {
	case int64:
		return x, nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
	}
	return 0, badf("want an integer, got %T", x)
}

// ints decodes n integer fields.
func decodeInts(o []any) ([]int64, error) {
	out := make([]int64, len(o))
	for i, x := range o {
		v, err := asInt(x)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// fill decodes the fields of every object.
func (d *decoder) fill() error {
	for i, o := range d.raw {
		if err := d.fillObject(d.objs[i], o); err != nil {
			return fmt.Errorf("object %d: %w", i, err)
		}
	}
	// A map iterator's version is stored relative to its map (see
	// mapIterState); the map's own counter is known once it is filled.
	for _, v := range d.objs {
		if v.k == KindIter && v.asIter().kind == iterMap {
			it := v.asIter()
			it.stop = int64(it.src.AsMap().version) - it.stop
		}
	}
	return nil
}

func (d *decoder) fillObject(v Value, o []any) error {
	switch v.k {
	case KindList:
		elems, err := d.values(o[1])
		v.AsList().Elems = elems
		return err
	case KindMap:
		return d.fillMap(v.AsMap(), o)
	case KindFunc:
		return d.fillClosure(v.asClosure(), o)
	case kindCell:
		x, err := d.value(o[1])
		(*Cell)(v.p).V = x
		return err
	case KindBuiltin:
		return nil // resolved by alloc
	case KindError:
		return d.fillError(v.AsError(), o)
	case KindRange:
		return fillRange(v.asRange(), o)
	case KindIter:
		return d.fillIter(v.asIter(), o)
	case KindGenerator, KindCoroutine:
		if v.asFiber() == d.m.root && d.isValue {
			return nil
		}
		return d.fillFiber(v.asFiber(), o)
	}
	return badf("unexpected object kind %s", v.TypeName())
}

func (d *decoder) fillMap(mp *Map, o []any) error {
	kv, err := d.values(o[1])
	if err != nil {
		return err
	}
	if len(kv)%2 != 0 {
		return badf("map has an odd number of keys and values")
	}
	for i := 0; i < len(kv); i += 2 {
		added, err := mp.Set(kv[i], kv[i+1])
		if err != nil {
			return badf("map key: %v", err)
		}
		if !added {
			return badf("map has a duplicate key %s", shortRepr(kv[i]))
		}
	}
	return nil
}

func (d *decoder) fillClosure(cl *Closure, o []any) error {
	fi, err := asInt(o[1])
	if err != nil || fi < 0 || fi >= int64(len(d.m.prog.Funcs)) {
		return badf("function index %v out of range", o[1])
	}
	cl.Fn = d.m.prog.Funcs[fi]
	cells, ok := o[2].([]any)
	if !ok || len(cells) != len(cl.Fn.Captures) {
		return badf("function %s captures %d variables", funcName(cl.Fn.Name), len(cl.Fn.Captures))
	}
	cl.Cells = make([]*Cell, len(cells))
	for i, c := range cells {
		cv, err := d.typed(c, kindCell)
		if err != nil {
			return err
		}
		cl.Cells[i] = (*Cell)(cv.p)
	}
	return nil
}

// builtin resolves a builtin object to the machine's own *Builtin, so a
// restored reference is identical (==) to a fresh one.
func (d *decoder) builtin(o []any) (Value, error) {
	name, ok := o[1].(string)
	if !ok {
		return Nil, badf("builtin name is not a string")
	}
	b := d.m.lookupBuiltin(name)
	if b == nil {
		return Nil, fmt.Errorf("%w: host function %q is not registered", ErrBadSnapshot, name)
	}
	return BuiltinValue(b), nil
}

func (d *decoder) fillError(e *Error, o []any) error {
	kind, ok1 := o[1].(string)
	msg, ok2 := o[2].(string)
	trace, ok3 := o[3].([]any)
	if !ok1 || !ok2 || !ok3 {
		return badf("malformed error value")
	}
	e.Kind, e.Msg = kind, msg
	if err := d.tick(len(trace)); err != nil {
		return err
	}
	for _, t := range trace {
		te, ok := t.([]any)
		if !ok || len(te) != 4 {
			return badf("malformed traceback entry")
		}
		fn, ok1 := te[0].(string)
		file, ok2 := te[1].(string)
		lc, err := decodeInts(te[2:])
		if !ok1 || !ok2 || err != nil {
			return badf("malformed traceback entry")
		}
		e.Trace = append(e.Trace, TraceEntry{Func: fn, Pos: posOf(file, lc)})
	}
	return nil
}

func fillRange(r *Range, o []any) error {
	n, err := decodeInts(o[1:])
	if err != nil {
		return err
	}
	if n[2] == 0 {
		return badf("range step is zero")
	}
	r.Start, r.Stop, r.Step = n[0], n[1], n[2]
	return nil
}

// iterSourceKind is the kind of value each iterator kind walks.
var iterSourceKind = [...]Kind{iterList: KindList, iterString: KindString, iterBytes: KindBytes, iterMap: KindMap, iterRange: KindRange}

func (d *decoder) fillIter(it *Iter, o []any) error {
	n, err := decodeInts([]any{o[1], o[3], o[4], o[5], o[6]})
	if err != nil {
		return err
	}
	src, err := d.value(o[2])
	if err != nil {
		return err
	}
	ik := iterKind(n[0])
	if n[0] < 0 || n[0] > int64(iterRange) || src.k != iterSourceKind[ik] {
		return badf("iterator kind %d over a %s", n[0], src.TypeName())
	}
	it.kind, it.src, it.i, it.stop, it.step, it.n = ik, src, n[1], n[2], n[3], n[4]
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
func (d *decoder) fillFiber(f *Fiber, o []any) error {
	status, err := asInt(o[2])
	if err != nil || status < int64(StatusNew) || status > int64(StatusDone) {
		return badf("bad fiber status")
	}
	f.Status = FiberStatus(status)
	stack, err := d.slots(o[3])
	if err != nil {
		return err
	}
	f.Stack, f.SP = stack, len(stack)
	if err := d.fillFrames(f, o[4]); err != nil {
		return err
	}
	if err := d.fillHandlers(f, o[5]); err != nil {
		return err
	}
	if o[6] != nil {
		if f.Parent, err = d.fiber(o[6]); err != nil {
			return err
		}
	}
	if f.Fn, err = d.value(o[7]); err != nil {
		return err
	}
	if f.Result, err = d.value(o[8]); err != nil {
		return err
	}
	exit, err := asInt(o[9])
	if err != nil {
		return err
	}
	f.exit = int(exit)
	return nil
}

func (d *decoder) fillFrames(f *Fiber, x any) error {
	frames, ok := x.([]any)
	if !ok {
		return badf("frames is not an array")
	}
	if err := d.tick(len(frames)); err != nil {
		return err
	}
	f.Frames = make([]Frame, len(frames))
	for i, fx := range frames {
		fr, ok := fx.([]any)
		if !ok || len(fr) != 3 {
			return badf("malformed frame")
		}
		cv, err := d.typed(fr[0], KindFunc)
		if err != nil {
			return err
		}
		n, err := decodeInts(fr[1:])
		if err != nil {
			return err
		}
		f.Frames[i] = Frame{Fn: cv.asClosure(), PC: int(n[0]), Base: int(n[1])}
		if n[0] < 0 || n[1] < 0 || n[0] > math.MaxInt32 || n[1] > math.MaxInt32 {
			return badf("frame pc or base out of range")
		}
	}
	return nil
}

func (d *decoder) fillHandlers(f *Fiber, x any) error {
	hs, ok := x.([]any)
	if !ok {
		return badf("handlers is not an array")
	}
	if err := d.tick(len(hs)); err != nil {
		return err
	}
	for _, hx := range hs {
		h, ok := hx.([]any)
		if !ok || len(h) != 3 {
			return badf("malformed handler")
		}
		n, err := decodeInts(h)
		if err != nil {
			return err
		}
		for _, v := range n {
			if v < 0 || v > math.MaxInt32 {
				return badf("handler field out of range")
			}
		}
		f.Handlers = append(f.Handlers, Handler{Depth: int(n[0]), PC: int(n[1]), SP: int(n[2])})
	}
	return nil
}
