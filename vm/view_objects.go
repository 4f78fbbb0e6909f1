package vm

// This file defines how View expands each kind of object into its entry
// of the object table: elements, entries, captured variables, fibers'
// frames and locals.

// expand fills in o, the entry of object v.
func (w *viewer) expand(o *ObjectView, v Value) {
	switch v.k {
	case KindList:
		w.list(o, v.AsList().Elems)
	case KindMap:
		w.mapEntries(o, v.AsMap())
	case KindFunc:
		w.closure(o, v.asClosure())
	case KindError:
		w.errorObject(o, v.AsError())
	case KindRange:
		r := v.asRange()
		o.Range = []int64{r.Start, r.Stop, r.Step}
		w.size += 60
	case KindIter:
		over := w.value(v.asIter().src)
		o.Over = &over
	case KindGenerator, KindCoroutine:
		w.fiber(o, v.asFiber())
	}
}

// room reports whether element i of an object may be listed, marking o
// truncated when not.
func (w *viewer) room(o *ObjectView, i int) bool {
	if i >= w.opts.MaxElems || w.full() {
		o.Truncated, w.cut = true, true
		return false
	}
	return true
}

func (w *viewer) list(o *ObjectView, elems []Value) {
	for i, e := range elems {
		if !w.room(o, i) {
			return
		}
		o.Elems = append(o.Elems, w.value(e))
	}
}

func (w *viewer) mapEntries(o *ObjectView, m *Map) {
	i := 0
	m.Each(func(k, v Value) bool {
		if !w.room(o, i) {
			return false
		}
		i++
		o.Entries = append(o.Entries, EntryView{Key: w.value(k), Value: w.value(v)})
		return true
	})
}

func (w *viewer) closure(o *ObjectView, cl *Closure) {
	fn := cl.Fn
	o.Function, o.Position = funcName(fn.Name), fn.Pos.String()
	w.size += 40 + len(o.Function) + len(o.Position)
	for i, c := range cl.Cells {
		if !w.room(o, i) {
			return
		}
		name := ""
		if i < len(fn.FreeNames) {
			name = fn.FreeNames[i]
		}
		o.Captured = append(o.Captured, w.variable(name, c.V))
	}
}

// variable returns a named value.
func (w *viewer) variable(name string, v Value) Var {
	w.size += 20 + len(name)
	return Var{Name: name, Value: w.value(v)}
}

func (w *viewer) errorObject(o *ObjectView, e *Error) {
	o.ErrorKind, o.Message = w.text(o, e.Kind), w.text(o, e.Msg)
	w.size += 40 + jsonLen(o.ErrorKind) + jsonLen(o.Message)
	for i, t := range e.Trace {
		if !w.room(o, i) {
			return
		}
		o.Trace = append(o.Trace, TraceView{Function: t.Func, Position: t.Pos.String()})
		w.size += 40 + jsonLen(t.Func) + jsonLen(t.Pos.File)
	}
}

// text returns s cut to MaxString bytes, marking o truncated if it was.
func (w *viewer) text(o *ObjectView, s string) string {
	if len(s) <= w.opts.MaxString {
		return s
	}
	o.Truncated, w.cut = true, true
	return cutText(s, w.opts.MaxString)
}

// fiber fills in a generator's or coroutine's entry: its function,
// status, parent and frames with their live locals.
func (w *viewer) fiber(o *ObjectView, f *Fiber) {
	o.Function, o.Main = funcName(fiberFuncName(f)), f.Kind == fiberRoot
	if o.Main {
		o.Function = "<main>"
	}
	w.size += 60 + len(o.Function)
	if f == w.outside {
		return
	}
	o.Status = f.Status.String()
	if o.Main && f.Status == StatusNew {
		o.Status = "running" // the main program is running from its first instruction
	}
	if f.Parent != nil {
		o.Parent = w.ref(fiberValue(f.Parent))
	}
	for i, fr := range f.Frames {
		if !w.room(o, i) {
			return
		}
		o.Frames = append(o.Frames, w.frame(f, fr))
	}
}

// fiberValue is the value that refers to f.
func fiberValue(f *Fiber) Value {
	if f.Kind == fiberGenerator {
		return generatorValue(f)
	}
	return coroutineValue(f)
}

// frame shows a frame and the locals live at its pc.
func (w *viewer) frame(f *Fiber, fr Frame) FrameView {
	fn := fr.Fn.Fn
	fv := FrameView{Function: funcName(fn.Name), ID: fn.ID, Position: fn.PosAt(fn.Pos.File, max(fr.PC-1, 0)).String(),
		PC: fr.PC, Point: fn.PointAt(fr.PC)}
	w.size += 50 + len(fv.Function) + len(fv.ID) + len(fv.Position) + len(fv.Point)
	for _, l := range fn.LocalsAt(fr.PC) {
		if i := fr.Base + l.Slot; i < len(f.Stack) && !w.full() {
			fv.Locals = append(fv.Locals, w.variable(l.Name, f.Stack[i]))
		}
	}
	return fv
}

// fibers returns the ids of the listed generators and coroutines, the
// outside fiber excepted, in id order.
func (w *viewer) fibers() []int {
	ids := []int{}
	for i, v := range w.vals {
		if (v.k == KindGenerator || v.k == KindCoroutine) && v.asFiber() != w.outside {
			ids = append(ids, i+1)
		}
	}
	return ids
}
