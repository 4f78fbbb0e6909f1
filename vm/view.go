package vm

// This file defines the JSON form of values: View shows one value, and
// Inspect shows a snapshot's globals and frames the same way. Objects
// (lists, maps, functions, fibers...) are listed once in a table and
// referred to by id, so shared and cyclic data stay small, and every part
// of the view is bounded by ViewOptions. spec/snapshot.md ("Values as
// JSON") is the reference.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// ViewOptions bound a view. Zero fields take the defaults.
type ViewOptions struct {
	MaxObjects int // objects listed in the table; default 10,000
	MaxElems   int // elements, entries, frames, captured variables or trace lines per object; default 1,000
	MaxString  int // bytes of a string, bytes value or error message given in full; default 1,024
	MaxRepr    int // bytes of a value's one-line text; default 200
	MaxBytes   int // bytes of the whole view as compact JSON, about; default 8 MiB
}

func (o ViewOptions) withDefaults() ViewOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxObjects, 10_000)
	def(&o.MaxElems, 1_000)
	def(&o.MaxString, 1<<10)
	def(&o.MaxRepr, 200)
	def(&o.MaxBytes, 8<<20)
	return o
}

// ValueView is the JSON form of a value. Kind is what type() says. Scalars
// carry Value: a JSON bool, number (an int as its exact decimal; a float
// as a number when finite, else "nan", "inf" or "-inf"), string (bytes in
// base64) or, for a builtin, its name. Objects carry Ref, the id of their
// entry in the object table. Len is the length of a list or map, or the
// full byte length of a string or bytes value that was cut (omitted when
// 0). Repr is the
// value's one-line source-like text, cut to ViewOptions.MaxRepr with
// "..."; for an int it is its exact decimal. Truncated marks a string
// that was cut, or an object left out of the table by the limits.
type ValueView struct {
	Kind      string          `json:"kind"`
	Value     json.RawMessage `json:"value,omitempty"`
	Ref       int             `json:"ref,omitempty"`
	Len       int             `json:"len,omitempty"`
	Repr      string          `json:"repr"`
	Truncated bool            `json:"truncated,omitempty"`
}

// ObjectView is an entry of the object table: one list, map, function,
// error, range, iterator, generator or coroutine, with the fields of its
// kind. Truncated marks an object whose elements (entries, frames...) were
// cut by the limits, or that was not expanded at all.
type ObjectView struct {
	ID        int         `json:"id"`
	Kind      string      `json:"kind"`
	Elems     []ValueView `json:"elems,omitempty"`      // list
	Entries   []EntryView `json:"entries,omitempty"`    // map, in insertion order
	Function  string      `json:"function,omitempty"`   // function, generator, coroutine: the function's name
	Position  string      `json:"position,omitempty"`   // function: where it is defined
	Captured  []Var       `json:"captured,omitempty"`   // function: its captured variables
	ErrorKind string      `json:"error_kind,omitempty"` // error: its kind
	Message   string      `json:"message,omitempty"`    // error: its message
	Trace     []TraceView `json:"trace,omitempty"`      // error: where it was thrown, innermost last
	Range     []int64     `json:"range,omitempty"`      // range: start, stop, step
	Over      *ValueView  `json:"over,omitempty"`       // iterator: what it walks
	Status    string      `json:"status,omitempty"`     // generator, coroutine: new, suspended, running or done
	Main      bool        `json:"main,omitempty"`       // coroutine: the main program
	Parent    int         `json:"parent,omitempty"`     // generator, coroutine: id of the parent coroutine or resumer
	Frames    []FrameView `json:"frames,omitempty"`     // generator, coroutine: outermost first
	Truncated bool        `json:"truncated,omitempty"`
}

// EntryView is a map entry.
type EntryView struct {
	Key   ValueView `json:"key"`
	Value ValueView `json:"value"`
}

// Var is a named value: a global, a local or a captured variable.
type Var struct {
	Name  string    `json:"name"`
	Value ValueView `json:"value"`
}

// FrameView is one frame of a fiber: its function, where it stopped, and
// its local variables live there.
type FrameView struct {
	Function string `json:"function"`
	ID       string `json:"function_id"` // the function's stable id (spec/language.md §12)
	Position string `json:"position"`
	PC       int    `json:"pc"`
	Point    string `json:"point,omitempty"` // the suspension point's stable id, if the frame is at one
	Locals   []Var  `json:"locals,omitempty"`
}

// TraceView is a line of an error's traceback.
type TraceView struct {
	Function string `json:"function"`
	Position string `json:"position"`
}

// ValueReport is a value in JSON form with the objects it reaches.
type ValueReport struct {
	Value     ValueView    `json:"value"`
	Objects   []ObjectView `json:"objects,omitempty"`
	Truncated bool         `json:"truncated,omitempty"` // some part was cut by the limits
}

// View returns the JSON form of v and of everything it reaches, within
// opts. It only reads v's objects: call it while their machine is not
// running (a debugger stopped between instructions, say).
func View(v Value, opts ViewOptions) *ValueReport {
	w := newViewer(opts)
	r := &ValueReport{Value: w.value(v)}
	w.drain()
	r.Objects, r.Truncated = w.objs, w.cut
	return r
}

// viewer builds a view: objects get ids in the order they are first met
// and are expanded breadth-first, so the table lists what is nearest to
// the roots first when the limits cut it short.
type viewer struct {
	opts    ViewOptions
	ids     map[unsafe.Pointer]int
	objs    []ObjectView // objs[id-1]
	vals    []Value      // the object each entry shows
	views   []ValueView  // the value form of each object, made once
	size    int          // bytes of JSON so far, about
	cut     bool         // something was left out
	outside *Fiber       // shown by reference only: a value snapshot's root
}

func newViewer(opts ViewOptions) *viewer {
	return &viewer{opts: opts.withDefaults(), ids: map[unsafe.Pointer]int{}}
}

// full reports whether the view has reached its size limit.
func (w *viewer) full() bool {
	if w.size >= w.opts.MaxBytes {
		w.cut = true
	}
	return w.size >= w.opts.MaxBytes
}

// isObject reports whether values of kind k are listed in the table.
func isObject(k Kind) bool {
	switch k {
	case KindList, KindMap, KindFunc, KindError, KindRange, KindIter, KindGenerator, KindCoroutine:
		return true
	}
	return false
}

// value returns the JSON form of v, entering its object in the table.
func (w *viewer) value(v Value) ValueView {
	if v.k == kindCell {
		v = (*Cell)(v.p).V
	}
	var vv ValueView
	if isObject(v.k) {
		vv = w.object(v)
	} else {
		vv = w.scalar(v)
	}
	w.size += 32 + len(vv.Kind) + len(vv.Value) + jsonLen(vv.Repr)
	return vv
}

// object returns the value form of an object: a reference to its entry,
// or, past the limits, its kind and text marked truncated.
func (w *viewer) object(v Value) ValueView {
	if id := w.ref(v); id > 0 {
		return w.views[id-1]
	}
	w.cut = true
	vv := ValueView{Kind: v.TypeName(), Repr: w.repr(v), Truncated: true}
	vv.Len = containerLen(v)
	return vv
}

// ref returns the id of v's entry, making one if the limits allow; 0 if
// they do not.
func (w *viewer) ref(v Value) int {
	if id, ok := w.ids[v.p]; ok {
		return id
	}
	if len(w.objs) >= w.opts.MaxObjects || w.full() {
		return 0
	}
	id := len(w.objs) + 1
	w.ids[v.p] = id
	w.objs = append(w.objs, ObjectView{ID: id, Kind: v.TypeName()})
	w.vals = append(w.vals, v)
	w.views = append(w.views, ValueView{Kind: v.TypeName(), Ref: id, Len: containerLen(v), Repr: w.repr(v)})
	w.size += 24 + len(v.TypeName())
	return id
}

func containerLen(v Value) int {
	switch v.k {
	case KindList:
		return len(v.AsList().Elems)
	case KindMap:
		return v.AsMap().Len()
	}
	return 0
}

// repr returns v's one-line text within MaxRepr bytes.
func (w *viewer) repr(v Value) string {
	limit := w.opts.MaxRepr
	p := printer{limit: limit}
	p.value(v, 0)
	s := p.b.String()
	if len(s) > limit {
		s = cutText(s, limit) + "..."
	}
	return s
}

// scalar returns the JSON form of a value that is not an object.
func (w *viewer) scalar(v Value) ValueView {
	vv := ValueView{Kind: v.TypeName(), Repr: w.repr(v)}
	switch v.k {
	case KindBool:
		vv.Value = json.RawMessage(strconv.FormatBool(v.AsBool()))
	case KindInt:
		vv.Value = json.RawMessage(strconv.FormatInt(v.AsInt(), 10))
	case KindFloat:
		vv.Value = floatJSON(v.AsFloat())
	case KindString:
		s := v.AsString()
		vv.Value = jsonText(w.cutString(&vv, s, len(s)))
	case KindBytes:
		b := v.AsBytes()
		vv.Value = jsonText(base64.StdEncoding.EncodeToString([]byte(w.cutString(&vv, string(b), len(b)))))
	case KindBuiltin:
		vv.Value = jsonText(v.AsBuiltin().Name)
	}
	return vv
}

// cutString returns s cut to MaxString bytes, at a character boundary,
// recording the cut and the full length n in vv.
func (w *viewer) cutString(vv *ValueView, s string, n int) string {
	if len(s) <= w.opts.MaxString {
		return s
	}
	vv.Len, vv.Truncated, w.cut = n, true, true
	return cutText(s, w.opts.MaxString)
}

// cutText returns the first n bytes of s or fewer, not splitting a UTF-8
// character.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// floatJSON is a float as JSON: a number when finite, else a string.
func floatJSON(f float64) json.RawMessage {
	b, err := json.Marshal(f)
	if err != nil { // NaN or an infinity
		return jsonText(FormatFloat(f))
	}
	return b
}

// jsonText is s as a JSON string, with <, > and & left as they are.
func jsonText(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// jsonLen is about the length of s as a JSON string.
func jsonLen(s string) int {
	n := 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20:
			n += 6
		default:
			n++
		}
	}
	return n
}

// drain expands the listed objects in id order until all are done or the
// size limit is reached; the rest stay marked truncated.
func (w *viewer) drain() {
	for i := 0; i < len(w.objs); i++ {
		if w.full() {
			for j := i; j < len(w.objs); j++ {
				w.objs[j].Truncated = true
			}
			return
		}
		o := w.objs[i] // expanding appends to w.objs
		w.expand(&o, w.vals[i])
		w.objs[i] = o
	}
}
