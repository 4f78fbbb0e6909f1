package engine

// This file defines how the engine runs futures: the outstanding ones
// ride along in the machine's pending request, their attempts run
// concurrently in any step where they are due, whatever the workflow
// waits on, and their outcomes answer an await or a wait_any that lists
// them.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wf-lang/wf/vm"
)

// carry reads the outstanding futures r's machine holds in its pending
// request when the step begins.
func (r *run) carry() error {
	r.carried = nil
	susp, ok := r.m.Pending()
	if !ok || susp.Request.Kind() != vm.KindMap {
		return nil
	}
	_, fs, err := openEnvelope(susp.Request)
	if err != nil {
		r.cancel()
		return &CallError{Host: susp.Host, Why: err.Error()}
	}
	r.carried = fs
	return nil
}

// bind makes c's futures the ones r carries (the same maps, decoded
// once), so that an outcome recorded through one is seen by all.
func (c *Call) bind(carried []*future) {
	c.futures = carried
	find := func(f *future) *future {
		for _, g := range carried {
			if g.m == f.m {
				return g
			}
		}
		return f
	}
	if c.await != nil {
		c.await = find(c.await)
	}
	for i, it := range c.items {
		if it.fut != nil {
			c.items[i].fut = find(it.fut)
		}
	}
}

// outstanding returns the futures r's machine must carry on: the carried
// and the newly started ones still pending.
func (r *run) outstanding() []*future {
	var started []*future
	if r.futures != nil {
		started = r.futures.started
	}
	return pendingOf(r.carried, started)
}

// wrap puts the outstanding futures around the request of susp, the
// call where r's machine stopped, as its pending request.
func (r *run) wrap(susp *vm.Suspension) (*vm.Suspension, error) {
	fs := r.outstanding()
	if len(fs) == 0 {
		return susp, nil
	}
	if len(fs) > MaxFutures {
		return nil, vm.Errorf(vm.ErrValue, "start: %d futures outstanding, over the limit of %d", len(fs), MaxFutures)
	}
	req := futureEnvelope(susp.Request, fs)
	if err := r.m.SetPending(req); err != nil {
		return nil, err
	}
	return &vm.Suspension{Host: susp.Host, Request: req}, nil
}

// cancelFutures ends every future r carries with the instance's
// cancellation: none is attempted again, and awaiting one in the cleanup
// throws "cancelled" at once. It returns the record of their ends.
func (r *run) cancelFutures(now time.Time) []futureEnd {
	var ends []futureEnd
	for _, f := range r.carried {
		if f.state == futurePending {
			ends = append(ends, f.cancel(now))
		}
	}
	return ends
}

// checkStarted makes sure that every pending future call waits on is one
// the engine runs, one the instance's start() made: a map the script
// made up, or a copy (load(dump(f))), would never complete.
func (c Call) checkStarted() error {
	check := func(fn string, f *future) error {
		if f == nil || f.state != futurePending {
			return nil
		}
		for _, g := range c.futures {
			if g.m == f.m {
				return nil
			}
		}
		return vm.Errorf(vm.ErrValue, "%s: the future %s was not started by this instance's start() (a copy, or a map made up), so it would never complete", fn, f.name())
	}
	if err := check("await", c.await); err != nil {
		return err
	}
	for _, it := range c.items {
		if err := check("wait_any", it.fut); err != nil {
			return err
		}
	}
	return nil
}

// usesFutures reports whether a step on call takes the futures' path.
func (c Call) usesFutures() bool { return len(c.futures) > 0 || c.Kind == CallAwait || c.items != nil }

// futuresEvent is nextEvent for a machine with futures outstanding, or
// one that waits on a future. What is there already goes first: a
// queued signal, a completed future, a deadline passed. Else the
// attempts due run, concurrently, with the call's own activity if it is
// one and due; then the call gets what completed, if it waits on it, or
// the step records the attempts and the machine goes on waiting.
func (e *Engine) futuresEvent(r *run, h Head, who holder, call Call, now time.Time) (event, bool, error) {
	call.bind(r.carried)
	if h.Status == Cancelling {
		return e.cleanupEvent(r, h, who, call, now)
	}
	if ev, ok, err := e.answered(r.ctx, h, call, now); err != nil || ok {
		return ev, ok, err
	}
	var due []*future
	for _, f := range call.futures {
		if f.state == futurePending && !now.Before(f.dueAt()) {
			due = append(due, f)
		}
	}
	own := (call.Kind == CallActivity || call.Kind == CallParallel) && (h.Status == Running || !now.Before(h.Due))
	if len(due) == 0 && !own {
		return event{}, false, nil
	}
	token, err := e.hold(r.ctx, h, who, now)
	if token == 0 || err != nil {
		return event{}, false, err
	}
	ev, notes, ends, err := e.runDue(r, h, call, due, own)
	switch {
	case err != nil:
		return event{}, false, err
	case own:
		ev.reason, ev.fence, ev.detail = joinNotes(notes, ev.reason), token, withFutures(ev.detail, ends)
		return ev, true, nil
	}
	ev, ok, err := e.answered(r.ctx, h, call, e.opts.Now())
	if err != nil {
		return event{}, false, err
	}
	if !ok {
		ev = event{keep: &call}
	}
	ev.reason, ev.fence, ev.detail = joinNotes(notes, ev.reason), token, withFutures(ev.detail, ends)
	return ev, true, nil
}

// runDue makes the attempts of the futures due, concurrently with the
// call's own activity when own; it returns the call's event and the
// notes of the futures' attempts, with their record.
func (e *Engine) runDue(r *run, h Head, call Call, due []*future, own bool) (event, []string, []futureEnd, error) {
	var ev event
	var ok bool
	var ownErr error
	var wg sync.WaitGroup
	if own {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := e.runActivity
			if call.Kind == CallParallel {
				run = e.runParallel
			}
			ev, ok, ownErr = run(r.ctx, h, call)
		}()
	}
	notes, ends, err := e.runFutures(r.ctx, h, due)
	wg.Wait()
	switch {
	case err != nil:
		return event{}, nil, nil, err
	case ownErr != nil:
		return event{}, nil, nil, ownErr
	case own && !ok:
		return event{}, nil, nil, fmt.Errorf("instance %s: the activity call gave no event", h.ID)
	}
	return ev, notes, ends, nil
}

// joinNotes joins the notes of a step's attempts and its event's reason.
func joinNotes(notes []string, reason string) string {
	if reason != "" {
		notes = append(notes, reason)
	}
	return strings.Join(notes, "; ")
}

// runFutures makes one attempt of each future in fs, concurrently, and
// records the outcomes in them; it returns the history's note of each,
// and the record of each for the version's detail.
func (e *Engine) runFutures(ctx context.Context, h Head, fs []*future) ([]string, []futureEnd, error) {
	outs := make([]attempt, len(fs))
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelWorkers)
	for i, f := range fs {
		a, ok := e.acts[f.fn]
		if !ok {
			return nil, nil, fmt.Errorf("activity %s is not registered in this process", f.fn)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := Call{Kind: CallActivity, Name: f.fn, Args: f.args, Attempt: int(f.attempt) + 1, Options: f.opts}
			outs[i], errs[i] = e.runAttempt(ctx, a, c, h.ID, fmt.Sprintf("%s:%d", h.ID, f.seq))
		}()
	}
	wg.Wait()
	now := e.opts.Now()
	notes := make([]string, 0, len(fs))
	ends := make([]futureEnd, 0, len(fs))
	for i, f := range fs {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		note, end := f.record(outs[i], now)
		notes, ends = append(notes, note), append(ends, end)
	}
	return notes, ends, nil
}

// answered is what call gets now without an attempt, if anything: for
// a wait or wait_any, a queued signal, a listed future that completed or
// the timeout; for sleep, the timer; for await, the future's outcome.
func (e *Engine) answered(ctx context.Context, h Head, call Call, now time.Time) (event, bool, error) {
	switch {
	case call.Kind == CallSleep:
		return event{reason: "timer fired", reply: vm.Nil}, !now.Before(h.Due), nil
	case call.Kind == CallAwait:
		f := call.await
		if f.state == futurePending {
			return event{}, false, nil
		}
		v, err := f.outcome()
		if err != nil {
			return event{reason: fmt.Sprintf("await: future %s failed", f.name()), err: err}, true, nil
		}
		return event{reason: fmt.Sprintf("await: future %s done", f.name()), reply: v}, true, nil
	case call.Kind == CallWait && call.items != nil:
		return e.selectEvent(ctx, h, call, now)
	case call.Kind == CallWait:
		return e.signalEvent(ctx, h, call, now)
	}
	return event{}, false, nil
}

// selectEvent answers a wait_any that lists futures: of the listed
// signals queued and futures completed, the one that came first (a
// signal when it was acknowledged, a future when its outcome was
// recorded; on a tie, the one listed first), as long as it came before
// the deadline; else, past the deadline, the timeout.
func (e *Engine) selectEvent(ctx context.Context, h Head, call Call, now time.Time) (event, bool, error) {
	timed := call.Timeout >= 0
	late := timed && lateFor(h, now)
	var best *waitItem
	var bestAt int64
	var bestMsg Message
	for i, it := range call.items {
		var at int64
		var msg Message
		switch {
		case it.fut != nil:
			if it.fut.state == futurePending || timed && lateFor(h, time.UnixMilli(it.fut.at)) {
				continue
			}
			at = it.fut.at
		default:
			m, ok, err := e.nextMessage(ctx, h, it.name)
			if err != nil {
				return event{}, false, err
			}
			if !ok {
				continue
			}
			if timed && lateFor(h, m.Sent) {
				late = true
				continue
			}
			at, msg = m.Sent.UnixMilli(), m
		}
		if best == nil || at < bestAt {
			best, bestAt, bestMsg = &call.items[i], at, msg
		}
	}
	switch {
	case best != nil && best.fut != nil:
		f := best.fut
		what := "done"
		if f.state == futureFailed {
			what = "failed"
		}
		return event{reason: fmt.Sprintf("wait_any: future %s %s", f.name(), what), reply: futureReply(f)}, true, nil
	case best != nil:
		v, err := FromJSON([]byte(bestMsg.Value))
		if err != nil {
			return event{}, false, fmt.Errorf("signal %d: %w: %v", bestMsg.ID, ErrCorrupt, err)
		}
		return event{reason: fmt.Sprintf("wait_any: signal %s received, futures listed", bestMsg.Name),
			reply: WaitAnyFutureReply(vm.String(bestMsg.Name), vm.Nil, v, vm.Nil), detail: bestMsg.Value,
			consumed: []int64{bestMsg.ID}}, true, nil
	case late:
		return event{reason: fmt.Sprintf("wait_any for %s timed out", call.listed()),
			reply: WaitAnyFutureReply(vm.Nil, vm.Nil, vm.Nil, vm.Nil)}, true, nil
	}
	return event{}, false, nil
}

// keepStep is the version after attempts that answered nothing: the
// machine goes on waiting on the same call, its futures updated; the
// instance keeps its status and deadline, and wakes for the next attempt
// due, or its own deadline, whichever comes first. Its machine is kept
// warm, as a settled step's is.
func (e *Engine) keepStep(r *run, h Head, ev event, call Call) (Step, error) {
	st := e.successor(h, ev.reason)
	st.Version.Detail = ev.detail // the futures' attempts
	susp, _ := r.m.Pending()
	if _, err := r.wrap(&vm.Suspension{Host: susp.Host, Request: call.request}); err != nil {
		return Step{}, err
	}
	in, v := &st.Instance, &st.Version
	if call.Kind == CallAwait { // the awaited future's next attempt is its due time
		in.Status, in.Due, in.ActivitySeq = Sleeping, call.await.dueAt(), 0
	}
	if err := e.snapshotInto(v, r, in, h); err != nil {
		return Step{}, err
	}
	v.Status, v.WaitingFor, v.Due, v.ActivitySeq, v.Error = in.Status, in.WaitingFor, in.Due, in.ActivitySeq, in.Error
	st.Wake = time.Time{}
	if in.Status != Failed { // a state over the snapshot limit fails
		now := e.opts.Now()
		st.Wake = earliest(wakeFor(*in, now), nextDue(r.outstanding(), now))
		e.keepWarm(r, st)
	}
	return st, nil
}

// futuresWake is when a worker must look at an instance suspended in
// call: at once when a wait_any lists a future that has completed, else
// by the earliest attempt due.
func futuresWake(call Call, wake, now time.Time) time.Time {
	for _, it := range call.items {
		if it.fut != nil && it.fut.state != futurePending {
			return now
		}
	}
	return earliest(wake, nextDue(call.futures, now))
}

// mayCarryFutures reports whether a snapshot may hold outstanding
// futures: whether the envelope's key is in its bytes. A snapshot without
// futures holds it only if the script wrote that string itself, which
// costs a wake-up, never a missed one.
func mayCarryFutures(snap []byte) bool { return bytes.Contains(snap, []byte(futuresKey)) }

// opWake is the wake time of an instance an operation (rewind, set,
// fork, upgrade) leaves in state in with snapshot snap: wakeFor, or now
// when it may carry futures, whose attempts only a step reads; that step
// then sets the right time.
func opWake(in Instance, snap []byte, now time.Time) time.Time {
	w := wakeFor(in, now)
	if !in.Status.Final() && mayCarryFutures(snap) {
		return now
	}
	return w
}

// idleWake is the wake time of h, which had nothing to do now: wakeFor,
// or the earliest attempt of the futures its machine carries.
func (e *Engine) idleWake(ctx context.Context, h Head, now time.Time) time.Time {
	w := wakeFor(h.Instance, now)
	if h.Status.Final() || !mayCarryFutures(h.Snapshot) {
		return w
	}
	prog, err := e.program(ctx, h.Program)
	if err != nil {
		return w
	}
	r, err := e.restored(ctx, prog, h)
	if err != nil {
		return w
	}
	defer r.cancel()
	susp, ok := r.m.Pending()
	if !ok {
		return w
	}
	call, err := ParseCall(susp)
	if err != nil {
		return w
	}
	return futuresWake(call, w, now)
}

// touchFutures marks the maps of the futures r's step began with as
// changed: the engine records outcomes in them from Go, which the
// machine's change marks do not see, and a delta must carry them.
func (r *run) touchFutures() {
	for _, f := range r.carried {
		r.m.Touch(f.mapValue())
	}
}
