package engine

// This file defines futures as a workflow sees them: start(fn, args[,
// options]) begins an activity call and returns a future, await(f) gives
// its result, and wait_any lists futures among signal names. A future is
// a wf map the script holds; the engine keeps the outstanding ones in the
// machine's pending request (see futureEnvelope), so one snapshot holds
// both and the maps stay shared.

import (
	"fmt"
	"time"

	"github.com/wf-lang/wf/vm"
)

// MaxFutures is the most futures a workflow may have outstanding at once.
const MaxFutures = 1000

// The states of a future.
const (
	futurePending = "pending" // attempts to make
	futureDone    = "done"    // "value" holds the result
	futureFailed  = "failed"  // "value" holds the error value
)

// futuresKey is the key of the envelope's list of outstanding futures.
const futuresKey = "wf_futures"

// Futures records the futures the start builtin of one machine makes: the
// sequence number of the next, and those started since the last reset.
// The engine makes one per machine and resets it at each step, so that a
// future's key, "<instance>:<seq>", is allocated where it starts.
type Futures struct {
	next    int64
	started []*future
}

// NewFutures returns a record whose first future has sequence number next.
func NewFutures(next int64) *Futures { return &Futures{next: max(next, 1)} }

// reset starts a step: the instance's next sequence number is next.
func (fs *Futures) reset(next int64) {
	fs.next, fs.started = max(next, 1), nil
}

// future is a future's map, decoded. m is the map itself: recording an
// outcome changes it, and so what the script sees.
type future struct {
	m       *vm.Map
	seq     int64
	fn      string
	args    []vm.Value
	opts    callOptions
	attempt int64  // attempts made
	due     int64  // Unix milliseconds: the next attempt not before
	state   string // futurePending, futureDone or futureFailed
	value   vm.Value
	at      int64 // Unix milliseconds when it completed
}

// newFuture makes the map of a future not yet attempted.
func newFuture(seq int64, fn string, args []vm.Value, opts vm.Value) *future {
	f := &future{m: vm.NewMap(9), seq: seq, fn: fn, args: args, state: futurePending}
	f.m.Set(vm.String("future"), vm.Int(seq))
	f.m.Set(vm.String("activity"), vm.String(fn))
	f.m.Set(vm.String("args"), vm.NewList(args))
	f.m.Set(vm.String("options"), opts)
	f.store()
	return f
}

// store writes f's changing fields into its map.
func (f *future) store() {
	for _, kv := range []struct {
		k string
		v vm.Value
	}{{"state", vm.String(f.state)}, {"value", f.value}, {"attempts", vm.Int(f.attempt)},
		{"due", vm.Int(f.due)}, {"at", vm.Int(f.at)}} {
		f.m.Set(vm.String(kv.k), kv.v)
	}
}

// mapValue is f's map as a wf value.
func (f *future) mapValue() vm.Value { return vm.MapValue(f.m) }

// isFuture reports whether v looks like a future's map (parseFuture
// checks the rest).
func isFuture(v vm.Value) bool {
	if v.Kind() != vm.KindMap {
		return false
	}
	_, ok := v.AsMap().GetString("future")
	return ok
}

// parseFuture decodes a future's map, as the script or a snapshot holds
// it, checking every field's kind.
func parseFuture(v vm.Value) (*future, error) {
	if !isFuture(v) {
		return nil, fmt.Errorf("%s is not a future (start makes them)", vm.Repr(v))
	}
	m := v.AsMap()
	get := func(k string, kind vm.Kind) (vm.Value, bool) {
		x, ok := m.GetString(k)
		return x, ok && x.Kind() == kind
	}
	seq, ok1 := get("future", vm.KindInt)
	fn, ok2 := get("activity", vm.KindString)
	args, ok3 := get("args", vm.KindList)
	state, ok4 := get("state", vm.KindString)
	n, ok5 := get("attempts", vm.KindInt)
	due, ok6 := get("due", vm.KindInt)
	at, ok7 := get("at", vm.KindInt)
	value, ok8 := m.GetString("value")
	opts, _ := m.GetString("options")
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) || seq.AsInt() < 1 || n.AsInt() < 0 || n.AsInt() > maxAttempts {
		return nil, fmt.Errorf("a future's map was changed: it is not {future, activity, args, options, state, value, attempts, due, at}")
	}
	f := &future{m: m, seq: seq.AsInt(), fn: fn.AsString(), args: args.AsList().Elems, attempt: n.AsInt(),
		due: due.AsInt(), state: state.AsString(), value: value, at: at.AsInt()}
	switch {
	case f.state != futurePending && f.state != futureDone && f.state != futureFailed:
		return nil, fmt.Errorf("a future's state is %q", f.state)
	case f.state == futureFailed && value.Kind() != vm.KindError:
		return nil, fmt.Errorf("a failed future holds %s, not an error", value.TypeName())
	}
	o, err := parseOptions(opts)
	if err != nil {
		return nil, err
	}
	f.opts = o
	return f, nil
}

// name describes f for the history: "charge (seq 3)".
func (f *future) name() string { return fmt.Sprintf("%s (seq %d)", f.fn, f.seq) }

// dueAt is when f's next attempt may run.
func (f *future) dueAt() time.Time { return time.UnixMilli(f.due) }

// outcome is what f gives once completed: its result, or the error an
// await throws.
func (f *future) outcome() (vm.Value, error) {
	if f.state == futureFailed {
		e := f.value.AsError()
		return vm.Nil, vm.NewError(e.Kind, e.Msg)
	}
	return f.value, nil
}

// builtinStart implements start(fn, args[, options]): the activity call
// fn(args...) begun, with the options of activity(), and its future.
func builtinStart(acts []string, fs *Futures) func(*vm.Machine, []vm.Value) (vm.Value, error) {
	return func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		var fn, list, opts vm.Value
		if err := vm.UnpackArgs("start", args, "fn", &fn, "args", &list, "options?", &opts); err != nil {
			return vm.Nil, err
		}
		name, err := activityName("start", fn, acts)
		if err != nil {
			return vm.Nil, err
		}
		if list.Kind() != vm.KindList {
			return vm.Nil, vm.Errorf(vm.ErrType, "start: the arguments must be a list, not %s", list.TypeName())
		}
		if _, err := parseOptions(opts); err != nil {
			return vm.Nil, vm.Errorf(vm.ErrValue, "start: %v", err)
		}
		if len(fs.started) >= MaxFutures {
			return vm.Nil, vm.Errorf(vm.ErrValue, "start: more than %d futures started in one step", MaxFutures)
		}
		f := newFuture(fs.next, name, append([]vm.Value(nil), list.AsList().Elems...), opts)
		fs.next++
		fs.started = append(fs.started, f)
		return f.mapValue(), nil
	}
}

// builtinAwait implements await(f): the future's result, or its error
// thrown; if it has not completed, the workflow waits for it.
func builtinAwait(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var fv vm.Value
	if err := vm.UnpackArgs("await", args, "future", &fv); err != nil {
		return vm.Nil, err
	}
	f, err := parseFuture(fv)
	if err != nil {
		return vm.Nil, vm.Errorf(vm.ErrType, "await: %v", err)
	}
	if f.state != futurePending {
		return f.outcome()
	}
	return m.Suspend("await", fv)
}

// WaitAnyFutureReply is what a wait_any that lists futures returns:
// {"name", "future", "value", "error"}, with the signal's name or the
// future that fired, and nil for the others.
func WaitAnyFutureReply(name, future, value, errv vm.Value) vm.Value {
	mp := vm.NewMap(4)
	mp.Set(vm.String("name"), name)
	mp.Set(vm.String("future"), future)
	mp.Set(vm.String("value"), value)
	mp.Set(vm.String("error"), errv)
	return vm.MapValue(mp)
}

// futureReply is a wait_any's reply for the completed future f.
func futureReply(f *future) vm.Value {
	if f.state == futureFailed {
		return WaitAnyFutureReply(vm.Nil, f.mapValue(), vm.Nil, f.value)
	}
	return WaitAnyFutureReply(vm.Nil, f.mapValue(), f.value, vm.Nil)
}

// futureEnvelope is the pending request of a machine with outstanding
// futures: {"wf_futures": [future...], "call": the call's own request}.
// The maps in the list are the script's own, so the snapshot keeps them
// shared, and a future the script dropped still runs.
func futureEnvelope(call vm.Value, fs []*future) vm.Value {
	l := make([]vm.Value, len(fs))
	for i, f := range fs {
		l[i] = f.mapValue()
	}
	mp := vm.NewMap(2)
	mp.Set(vm.String(futuresKey), vm.NewList(l))
	mp.Set(vm.String("call"), call)
	return vm.MapValue(mp)
}

// openEnvelope splits a pending request into the call's own and the
// outstanding futures, if it is an envelope.
func openEnvelope(req vm.Value) (vm.Value, []*future, error) {
	if req.Kind() != vm.KindMap {
		return req, nil, nil
	}
	l, ok := req.AsMap().GetString(futuresKey)
	if !ok {
		return req, nil, nil
	}
	call, ok := req.AsMap().GetString("call")
	if !ok || l.Kind() != vm.KindList || len(l.AsList().Elems) > MaxFutures {
		return req, nil, fmt.Errorf("the futures' envelope is not {%s, call}", futuresKey)
	}
	var fs []*future
	seen := map[int64]bool{}
	for _, v := range l.AsList().Elems {
		f, err := parseFuture(v)
		if err != nil {
			return req, nil, err
		}
		if seen[f.seq] {
			return req, nil, fmt.Errorf("future seq %d is listed twice", f.seq)
		}
		seen[f.seq] = true
		fs = append(fs, f)
	}
	return call, fs, nil
}

// pendingOf returns the futures of fs still pending, each once.
func pendingOf(fs ...[]*future) []*future {
	n := 0
	for _, l := range fs {
		n += len(l)
	}
	if n == 0 {
		return nil
	}
	var out []*future
	seen := map[*vm.Map]bool{}
	for _, l := range fs {
		for _, f := range l {
			if f.state == futurePending && !seen[f.m] {
				seen[f.m] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// nextDue is when the earliest of fs may next be attempted, not before
// now; zero for none.
func nextDue(fs []*future, now time.Time) time.Time {
	var t time.Time
	for _, f := range fs {
		if f.state == futurePending && (t.IsZero() || f.dueAt().Before(t)) {
			t = f.dueAt()
		}
	}
	if !t.IsZero() && t.Before(now) {
		return now
	}
	return t
}

// earliest is the earlier of two wake times, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
