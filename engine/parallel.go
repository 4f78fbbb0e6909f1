package engine

// This file defines parallel(fn, arg_lists[, options]): one activity
// called with many argument lists at once, its calls run concurrently by
// the engine, each retried on its own, and their results gathered in
// order.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wf-lang/wf/vm"
)

// MaxParallel is the most calls one parallel() makes.
const MaxParallel = 1000

// parallelWorkers is how many of one parallel()'s calls run at once.
const parallelWorkers = 16

// builtinParallel implements parallel(fn, arg_lists[, options]).
func builtinParallel(acts []string) func(*vm.Machine, []vm.Value) (vm.Value, error) {
	return func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		var fn, opts vm.Value
		var lists *vm.List
		if err := vm.UnpackArgs("parallel", args, "fn", &fn, "arg_lists", &lists, "options?", &opts); err != nil {
			return vm.Nil, err
		}
		name, err := activityName("parallel", fn, acts)
		if err != nil {
			return vm.Nil, err
		}
		if len(lists.Elems) > MaxParallel {
			return vm.Nil, vm.Errorf(vm.ErrValue, "parallel: %d calls, over the limit of %d", len(lists.Elems), MaxParallel)
		}
		for _, l := range lists.Elems {
			if l.Kind() != vm.KindList {
				return vm.Nil, vm.Errorf(vm.ErrType, "parallel: each call's arguments must be a list, not %s", l.TypeName())
			}
		}
		if _, err := parseOptions(opts); err != nil {
			return vm.Nil, vm.Errorf(vm.ErrValue, "parallel: %v", err)
		}
		if len(lists.Elems) == 0 {
			return vm.NewList(nil), nil
		}
		n := len(lists.Elems)
		req := parallelReq{name: name, calls: lists.Elems, options: opts,
			results: make([]vm.Value, n), attempts: make([]int64, n), due: make([]int64, n)}
		return m.Suspend("parallel", req.value())
	}
}

// activityName is the name of fn, a registered activity.
func activityName(who string, fn vm.Value, acts []string) (string, error) {
	if fn.Kind() == vm.KindBuiltin {
		for _, a := range acts {
			if a == fn.AsBuiltin().Name {
				return a, nil
			}
		}
	}
	return "", vm.Errorf(vm.ErrType, "%s: %s is not a registered activity", who, vm.Repr(fn))
}

// parallelReq is parallel()'s request as the machine stores it: the
// calls, and for each its outcome so far (a result or an error value
// once done), the attempts made, and when the next may run (Unix
// seconds).
type parallelReq struct {
	name     string
	calls    []vm.Value
	options  vm.Value
	results  []vm.Value
	done     []bool
	attempts []int64
	due      []int64 // Unix milliseconds
}

func (p *parallelReq) value() vm.Value {
	n := len(p.calls)
	if p.done == nil {
		p.done = make([]bool, n)
	}
	done, attempts, due := make([]vm.Value, n), make([]vm.Value, n), make([]vm.Value, n)
	for i := range n {
		done[i], attempts[i], due[i] = vm.Bool(p.done[i]), vm.Int(p.attempts[i]), vm.Int(p.due[i])
	}
	mp := vm.NewMap(7)
	for _, kv := range []struct {
		k string
		v vm.Value
	}{{"fn", vm.String(p.name)}, {"calls", vm.NewList(p.calls)}, {"options", p.options},
		{"results", vm.NewList(p.results)}, {"done", vm.NewList(done)}, {"attempts", vm.NewList(attempts)},
		{"due", vm.NewList(due)}} {
		mp.Set(vm.String(kv.k), kv.v)
	}
	return vm.MapValue(mp)
}

// parseParallel decodes parallel()'s stored request.
func parseParallel(s *vm.Suspension) (Call, error) {
	bad := func(why string) (Call, error) { return Call{}, &CallError{Host: s.Host, Why: why} }
	if s.Request.Kind() != vm.KindMap {
		return bad("the request is a " + s.Request.TypeName() + ", not a map")
	}
	mp := s.Request.AsMap()
	get := func(k string, kind vm.Kind) (vm.Value, bool) {
		v, ok := mp.GetString(k)
		return v, ok && v.Kind() == kind
	}
	fn, ok1 := get("fn", vm.KindString)
	calls, ok2 := get("calls", vm.KindList)
	results, ok3 := get("results", vm.KindList)
	done, ok4 := get("done", vm.KindList)
	attempts, ok5 := get("attempts", vm.KindList)
	due, ok6 := get("due", vm.KindList)
	opts, _ := mp.GetString("options")
	n := len(calls.AsList().Elems)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || n == 0 || n > MaxParallel {
		return bad("the request is not {fn, calls, options, results, done, attempts, due}")
	}
	p := &parallelReq{name: fn.AsString(), calls: calls.AsList().Elems, options: opts, results: results.AsList().Elems,
		done: make([]bool, n), attempts: make([]int64, n), due: make([]int64, n)}
	if len(p.results) != n || len(done.AsList().Elems) != n || len(attempts.AsList().Elems) != n || len(due.AsList().Elems) != n {
		return bad("the request's lists differ in length")
	}
	for i := range n {
		d, a, t := done.AsList().Elems[i], attempts.AsList().Elems[i], due.AsList().Elems[i]
		if d.Kind() != vm.KindBool || a.Kind() != vm.KindInt || t.Kind() != vm.KindInt || p.calls[i].Kind() != vm.KindList {
			return bad(fmt.Sprintf("call %d's state has the wrong types", i))
		}
		p.done[i], p.attempts[i], p.due[i] = d.AsBool(), a.AsInt(), t.AsInt()
	}
	o, err := parseOptions(opts)
	if err != nil {
		return bad(err.Error())
	}
	return Call{Kind: CallParallel, Name: p.name, Calls: p.calls, Options: o, rawOptions: opts, parallel: p}, nil
}

// runParallel runs the calls of a parallel() that are due, concurrently,
// each as one attempt under the policy; it returns the list of results
// when every call is done, or else a retry for when the next is due.
func (e *Engine) runParallel(ctx context.Context, h Head, call Call) (event, bool, error) {
	a, ok := e.acts[call.Name]
	if !ok {
		return event{}, false, fmt.Errorf("activity %s is not registered in this process", call.Name)
	}
	p := call.parallel
	now := e.opts.Now()
	outcomes := make([]attempt, len(p.calls))
	errs := make([]error, len(p.calls))
	var run []int
	for i := range p.calls {
		if !p.done[i] && !now.Before(time.UnixMilli(p.due[i])) {
			run = append(run, i)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelWorkers)
	for _, i := range run {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := Call{Kind: CallActivity, Name: call.Name, Args: p.calls[i].AsList().Elems, Attempt: int(p.attempts[i]) + 1, Options: call.Options}
			outcomes[i], errs[i] = e.runAttempt(ctx, a, c, h.ID, fmt.Sprintf("%s:%d", h.ID, h.ActivitySeq+int64(i)))
		}()
	}
	wg.Wait()
	var notes []string
	ends := []parallelEnd{} // "[]", not "null": the detail of a parallel version is never empty
	for _, i := range run {
		if errs[i] != nil {
			return event{}, false, errs[i]
		}
		notes = append(notes, p.record(i, outcomes[i]))
		if p.done[i] {
			ends = append(ends, endOf(i, outcomes[i]))
		}
	}
	reason := fmt.Sprintf("parallel %s (seq %d to %d): %s", call.Name, h.ActivitySeq, h.ActivitySeq+int64(len(p.calls))-1, strings.Join(notes, ", "))
	detail, err := json.Marshal(ends)
	if err != nil {
		return event{}, false, err
	}
	next, pending := p.next()
	if !pending {
		return event{reason: reason, reply: vm.NewList(p.results), detail: string(detail)}, true, nil
	}
	return event{reason: fmt.Sprintf("%s; next attempt at %s", reason, next.UTC().Format(time.RFC3339)),
		retryAt: next, retryReq: p.value(), detail: string(detail)}, true, nil
}

// parallelEnd is how a call of parallel() ended, as a version's detail
// records it (a JSON list of those that ended in its step), so that a
// replay (CheckHistory) gives the workflow the same list: its result
// (JSON), or the kind and message of the error value in its place.
type parallelEnd struct {
	Call   int             `json:"call"`
	Result json.RawMessage `json:"result,omitempty"`
	Kind   string          `json:"kind,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// endOf is how call i ended with attempt at, its last.
func endOf(i int, at attempt) parallelEnd {
	if at.fail != nil {
		return parallelEnd{Call: i, Kind: at.fail.kind(), Error: at.fail.Error()}
	}
	return parallelEnd{Call: i, Result: json.RawMessage(at.json)}
}

// record notes call i's attempt in p, and describes it for the history.
func (p *parallelReq) record(i int, at attempt) string {
	p.attempts[i]++
	n := p.attempts[i]
	switch {
	case at.fail == nil:
		p.results[i], p.done[i] = at.reply, true
		return fmt.Sprintf("#%d done on attempt %d", i, n)
	case at.retry.IsZero():
		p.results[i], p.done[i] = vm.ErrorValue(vm.NewError(at.fail.kind(), at.fail.Error())), true
		return fmt.Sprintf("#%d failed on attempt %d: %s", i, n, at.fail.kind())
	}
	p.due[i] = (at.retry.UnixNano() + 999_999) / 1e6 // rounded up: not before the retry time
	return fmt.Sprintf("#%d failed on attempt %d: %s, to retry", i, n, at.fail.kind())
}

// next is when the earliest call not done may run, and whether there is
// one.
func (p *parallelReq) next() (time.Time, bool) {
	var t time.Time
	for i, d := range p.done {
		if !d && (t.IsZero() || time.UnixMilli(p.due[i]).Before(t)) {
			t = time.UnixMilli(p.due[i])
		}
	}
	return t, !t.IsZero()
}
