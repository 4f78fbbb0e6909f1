package engine

// This file defines a step: load an instance's head, deliver the event it
// waits for (a signal, a timer, an activity's result), run the machine to
// its next block, and commit the new state as one version.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// event is what a step delivers to the suspended machine.
type event struct {
	reason   string
	reply    vm.Value
	detail   string // JSON of the signal value or activity result
	consumed []int64
	fence    int64     // the lease token the event was produced under; 0 for none
	err      error     // an activity failed for good: thrown where the machine waits
	retryAt  time.Time // an activity failed and runs again then
	retryReq vm.Value  // the activity's request for that attempt
	cancelBy time.Time // the instance is cancelled: its cleanup must end by then
	end      bool      // the cleanup is cut: the instance ends cancelled as it is
	keep     *Call     // futures were attempted, and the machine goes on waiting on this call
}

// ErrCorrupt is wrapped when stored state cannot be loaded: a snapshot,
// a program, a signal's JSON, or a pending request of the wrong shape
// (CallError). The instance is left as it is.
var ErrCorrupt = errors.New("stored state cannot be loaded")

// ErrOtherBytecode is wrapped, with ErrCorrupt, when an instance was
// stored by a wf whose instruction set differs from this one's
// (compiler.BytecodeVersion): its snapshot's pcs mean other code, so this
// wf cannot resume it. The instance, its history and its inbox are kept.
var ErrOtherBytecode = errors.New("stored by a wf with another bytecode version")

// explain names the reason when a snapshot of the stored program hash
// does not fit prog, compiled from that program's stored source: the
// source is the same, so the bytecode version differs.
func explain(prog *compiler.Program, hash string, err error) error {
	if errors.Is(err, vm.ErrWrongProgram) && fmt.Sprintf("%x", prog.Hash) != hash {
		return fmt.Errorf("%w (this wf runs %s): %w", ErrOtherBytecode, compiler.BytecodeVersion, err)
	}
	return err
}

// step advances id by one event for who. It reports whether it moved,
// and whether there is more to do at once (then who holds the lease).
func (e *Engine) step(ctx context.Context, id string, who holder) (moved, due bool, err error) {
	begun := time.Now()
	p, err := e.prepare(ctx, id, who)
	if err != nil || !p.ready {
		return p.moved, false, err
	}
	if due, err = e.store.Commit(ctx, p.st); err == nil {
		who.committed(p.st, begun)
	}
	return err == nil, due, err
}

// prepared is the outcome of prepare.
type prepared struct {
	st    Step // the step to commit, when ready
	ready bool
	moved bool // no step, but the instance moved: failInternal committed
}

// prepare makes id's next step for who, without committing it: the
// worker commits several together (Store.CommitBatch). A step that fails
// inside wf, a panic in the engine or an internal error of the vm, fails
// the instance with the reason instead, so that one bad step cannot kill
// every process that runs it, again after each restart.
func (e *Engine) prepare(ctx context.Context, id string, who holder) (prepared, error) {
	h, err := e.stepHead(ctx, id)
	if err != nil || h.Status.Final() || !h.hasState() {
		return prepared{}, err
	}
	st, ready, err := e.prepareFrom(ctx, h, who)
	if errors.Is(err, vm.ErrInternal) {
		err = e.failInternal(ctx, h, err)
		return prepared{moved: err == nil}, err
	}
	return prepared{st: st, ready: ready}, err
}

// prepareFrom is prepare from the head h.
func (e *Engine) prepareFrom(ctx context.Context, h Head, who holder) (st Step, ready bool, err error) {
	return e.prepareWith(ctx, h, who, func(r *run) (event, bool, error) { return e.nextEvent(r, h, who) })
}

// prepareWith is prepareFrom with the event next decides.
func (e *Engine) prepareWith(ctx context.Context, h Head, who holder, next func(*run) (event, bool, error)) (st Step, ready bool, err error) {
	defer recoverInternal(&err)
	id := h.ID
	prog, err := e.program(ctx, h.Program)
	if err != nil {
		return Step{}, false, fmt.Errorf("instance %s: %w: %v", id, ErrCorrupt, err)
	}
	if now := fmt.Sprintf("%x", prog.Hash); now != h.Program {
		if err := h.resolve(); err != nil {
			return Step{}, false, err
		}
		if h, err = e.rebuild(ctx, h, prog, who); err != nil {
			return Step{}, false, err
		}
	}
	r, err := e.restore(ctx, prog, h)
	if err != nil {
		return Step{}, false, fmt.Errorf("instance %s version %d: %w: %w", id, h.Version, ErrCorrupt, err)
	}
	defer r.cancel()
	ev, ok, err := next(r)
	if err != nil || !ok {
		return Step{}, false, err
	}
	st, err = e.deliver(ctx, r, h, ev)
	if err != nil {
		return Step{}, false, err
	}
	st.Lease = who.lease(st.Instance.Updated)
	st.Fence = ev.fence
	if st.Fence == 0 {
		st.Fence = fence(h, who, e.opts.Now())
	}
	return st, true, nil
}

// deliver gives ev to the machine and makes the step that commits where
// it stopped.
func (e *Engine) deliver(ctx context.Context, r *run, h Head, ev event) (Step, error) {
	var susp *vm.Suspension
	var runErr error
	switch {
	case ev.end:
		st := e.successor(h, ev.reason)
		endCancelled(&st.Instance)
		st.Version.Status, st.Version.WaitingFor, st.Version.Due, st.Version.ActivitySeq = Cancelled, "", time.Time{}, 0
		st.Wake = time.Time{}
		return st, nil
	case ev.keep != nil:
		return e.keepStep(r, h, ev, *ev.keep)
	case !ev.retryAt.IsZero():
		return e.retryStep(r, h, ev)
	case ev.err != nil:
		susp, runErr = r.m.ResumeError(ev.err)
	default:
		susp, runErr = r.m.Resume(ev.reply)
	}
	return e.settle(ctx, r, h, ev, susp, runErr)
}

// retryStep is the version after a failed attempt that will be retried:
// the machine still waits on the call, whose request now names the next
// attempt, and the instance sleeps until it is due. The key stays.
func (e *Engine) retryStep(r *run, h Head, ev event) (Step, error) {
	susp, _ := r.m.Pending()
	if err := r.m.SetPending(ev.retryReq); err != nil {
		return Step{}, err
	}
	if _, err := r.wrap(&vm.Suspension{Host: susp.Host, Request: ev.retryReq}); err != nil {
		return Step{}, err
	}
	snap, err := r.m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		return Step{}, fmt.Errorf("instance %s: %w", h.ID, err)
	}
	st := e.successor(h, ev.reason)
	st.Version.Detail = ev.detail       // parallel()'s calls that ended
	if len(snap) > e.opts.MaxSnapshot { // parallel()'s results so far are too large to keep
		fail(&st.Instance, tooLargeState("step", len(snap), e.opts.MaxSnapshot))
		st.Version.Status, st.Version.Error, st.Version.ActivitySeq = Failed, st.Instance.Error, 0
		st.Wake = time.Time{}
		return st, nil
	}
	st.Instance.Status, st.Instance.Due, st.Instance.WaitingFor = Sleeping, ev.retryAt, ""
	st.Version.Status, st.Version.Due, st.Version.WaitingFor = Sleeping, ev.retryAt, ""
	st.Version.SnapVersion, st.Version.Snapshot = st.Version.Number, snap
	st.Wake = earliest(ev.retryAt, nextDue(r.outstanding(), e.opts.Now()))
	return st, nil
}

// nextEvent decides what the machine gets now, if anything.
func (e *Engine) nextEvent(r *run, h Head, who holder) (event, bool, error) {
	susp, ok := r.m.Pending()
	if !ok {
		return event{}, false, fmt.Errorf("instance %s: %w: the machine waits for nothing", h.ID, ErrCorrupt)
	}
	call, err := ParseCall(susp)
	if err != nil {
		return event{}, false, err
	}
	now := e.opts.Now()
	if call.usesFutures() {
		return e.futuresEvent(r, h, who, call, now)
	}
	switch call.Kind {
	case CallWait:
		return e.signalEvent(r.ctx, h, call, now)
	case CallSleep:
		return event{reason: "timer fired", reply: vm.Nil}, !now.Before(h.Due), nil
	}
	if h.Status == Sleeping && now.Before(h.Due) { // an activity's next attempt, not due yet
		return event{}, false, nil
	}
	if h.Status == Cancelling {
		return e.cleanupEvent(r, h, who, call, now)
	}
	token, err := e.hold(r.ctx, h, who, now)
	if token == 0 || err != nil {
		return event{}, false, err
	}
	run := e.runActivity
	if call.Kind == CallParallel {
		run = e.runParallel
	}
	ev, ok, err := run(r.ctx, h, call)
	ev.fence = token
	return ev, ok, err
}

// cleanupEvent runs the activity a cancelled instance's cleanup calls,
// with no retries, before its grace period ends (h.Due); after it, the
// instance ends cancelled.
func (e *Engine) cleanupEvent(r *run, h Head, who holder, call Call, now time.Time) (event, bool, error) {
	if call.Kind != CallActivity { // a cleanup calls activities one at a time
		return event{reason: "cleanup cut: it waits on " + call.String() + ", and a cleanup only calls activities, one at a time",
			cancelBy: h.Due, end: true}, true, nil
	}
	if !now.Before(h.Due) {
		return event{reason: "cleanup cut: the grace period ended", cancelBy: h.Due, end: true}, true, nil
	}
	token, err := e.hold(r.ctx, h, who, now)
	if token == 0 || err != nil {
		return event{}, false, err
	}
	call.Options.attempts = call.Attempt // no further attempt
	ev, ok, err := e.runActivity(r.ctx, h, call)
	ev.fence, ev.cancelBy = token, h.Due
	return ev, ok, err
}

// hold returns the token of who's lease on h, as a commit or a claim left
// it, or takes the lease now when nobody else holds it; 0 when another
// holds it. Only the holder runs an activity, so a caller and a worker
// never call one key at once, and the commit of its result is fenced by
// the token.
func (e *Engine) hold(ctx context.Context, h Head, who holder, now time.Time) (int64, error) {
	if h.Lease.Held(who.owner, now) && h.Lease.Token > 0 {
		return h.Lease.Token, nil
	}
	return e.store.TakeLease(ctx, h.ID, h.Version, who.owner, now, now.Add(who.d))
}

// fence is the lease token a step of who from h runs under: h's token
// when who holds its lease (a worker's claim, the caller's own commit),
// else 0, and the step is checked by version alone.
func fence(h Head, who holder, now time.Time) int64 {
	if h.Lease.Held(who.owner, now) {
		return h.Lease.Token
	}
	return 0
}

func (e *Engine) signalEvent(ctx context.Context, h Head, call Call, now time.Time) (event, bool, error) {
	timed := call.Timeout >= 0
	var first *Message
	late := false
	for _, name := range call.Names {
		msg, ok, err := e.nextMessage(ctx, h, name)
		switch {
		case err != nil:
			return event{}, false, err
		case !ok:
		case timed && lateFor(h, msg.Sent): // a queued signal here came too late
			late = true
		case first == nil || msg.ID < first.ID:
			first = &msg
		}
	}
	if first != nil {
		v, err := FromJSON([]byte(first.Value))
		if err != nil {
			return event{}, false, fmt.Errorf("signal %d: %w: %v", first.ID, ErrCorrupt, err)
		}
		ev := event{reason: fmt.Sprintf("signal %s received", first.Name), reply: v,
			detail: first.Value, consumed: []int64{first.ID}}
		if call.Any {
			ev.reason, ev.reply = "wait_any: "+ev.reason, WaitAnyReply(vm.String(first.Name), v)
		}
		return ev, true, nil
	}
	if timed && (late || lateFor(h, now)) {
		if call.Any {
			return event{reason: fmt.Sprintf("wait_any for %s timed out", strings.Join(call.Names, ", ")), reply: WaitAnyReply(vm.Nil, vm.Nil)}, true, nil
		}
		return event{reason: fmt.Sprintf("wait for %s timed out", call.Name), reply: vm.Nil}, true, nil
	}
	return event{}, false, nil
}

// nextMessage returns the oldest message queued for h called name: the
// one the store read with h, if it did, or NextMessage's.
func (e *Engine) nextMessage(ctx context.Context, h Head, name string) (Message, bool, error) {
	if h.NextRead && h.Status == Waiting && h.WaitingFor == name {
		if h.Next == nil {
			return Message{}, false, nil
		}
		return *h.Next, true, nil
	}
	return e.store.NextMessage(ctx, h.ID, name)
}

// lateFor reports whether a signal sent at t comes too late for the wait
// with a timeout that h is in: at or after its due time, the wait has
// timed out, whether or not a worker has fired the timeout yet. The
// signal then stays queued for the next wait of its name. Deciding by
// the time the signal was acknowledged, not by when a step runs, makes
// Signal's fast path and a worker agree whoever gets there first.
func lateFor(h Head, t time.Time) bool { return !h.Due.IsZero() && !t.Before(h.Due) }

// runActivity calls the activity the machine waits on, with the key
// "<instance>:<seq>" committed before the call, once: its result, its
// failure thrown into the workflow, or a retry due later.
func (e *Engine) runActivity(ctx context.Context, h Head, call Call) (event, bool, error) {
	a, ok := e.acts[call.Name]
	if !ok {
		return event{}, false, fmt.Errorf("activity %s is not registered in this process", call.Name)
	}
	key := fmt.Sprintf("%s:%d", h.ID, h.ActivitySeq)
	at, err := e.runAttempt(ctx, a, call, h.ID, key)
	if err != nil {
		return event{}, false, err
	}
	tries := ""
	if call.Attempt > 1 {
		tries = fmt.Sprintf(", attempt %d", call.Attempt)
	}
	if at.fail == nil {
		return event{reason: fmt.Sprintf("activity %s done (seq %d%s)", call.Name, h.ActivitySeq, tries),
			reply: at.reply, detail: at.json}, true, nil
	}
	f := at.fail
	why := fmt.Sprintf("activity %s failed (seq %d, attempt %d): %s: %s", call.Name, h.ActivitySeq, f.Attempt, f.kind(), f.Message)
	if at.retry.IsZero() {
		return event{reason: why, err: vm.NewError(f.kind(), f.Error())}, true, nil
	}
	return event{reason: fmt.Sprintf("%s; attempt %d at %s", why, f.Attempt+1, at.retry.UTC().Format(time.RFC3339)),
		retryAt: at.retry, retryReq: activityRequest(call.Args, call.rawOptions, f.Attempt+1)}, true, nil
}

// delivered is a signal deliverNow stored and applied, and whether the
// instance has more to do at once.
type delivered struct {
	Message
	due bool
}

// deliverNow is Signal's fast path: when instance id waits for signal
// name and nothing of that name is queued before it, the instance is
// resumed with value in memory and the signal is stored, already
// consumed, in the same transaction that commits the resumed state, so it
// is acknowledged exactly when it is applied (one write transaction
// instead of two). It reports false, having stored nothing, in every other
// case (another state, a signal queued first, a wait that has timed out,
// a lost race, any error or panic); Signal then queues the signal the
// ordinary way, which reports errors.
func (e *Engine) deliverNow(ctx context.Context, id, name, value string, who holder) (d delivered, ok bool) {
	defer func() {
		if recover() != nil { // the ordinary path fails the instance with the reason
			d, ok = delivered{}, false
		}
	}()
	sent := e.opts.Now()
	h, err := e.stepHead(ctx, id)
	if err != nil || h.Status != Waiting || h.WaitingFor != name || !h.hasState() || lateFor(h, sent) {
		return delivered{}, false
	}
	if _, queued, err := e.store.NextMessage(ctx, id, name); err != nil || queued {
		return delivered{}, false
	}
	reply, err := FromJSON([]byte(value))
	if err != nil {
		return delivered{}, false
	}
	r, ok := e.waitingMachine(ctx, h, name)
	if !ok {
		return delivered{}, false
	}
	defer r.cancel()
	msg := &Message{Instance: id, Name: name, Value: value, Sent: sent}
	ev := event{reason: byActor(ctx, fmt.Sprintf("signal %s received", name)), reply: reply, detail: value}
	susp, runErr := r.m.Resume(reply)
	st, err := e.settle(ctx, r, h, ev, susp, runErr)
	if err != nil {
		return delivered{}, false
	}
	st.Deliver, st.Lease = msg, who.lease(st.Instance.Updated)
	due, err := e.store.Commit(ctx, st)
	if err != nil {
		return delivered{}, false
	}
	return delivered{Message: *msg, due: due}, true
}

// waitingMachine restores h's machine if it is suspended in wait(name).
func (e *Engine) waitingMachine(ctx context.Context, h Head, name string) (*run, bool) {
	prog, err := e.program(ctx, h.Program)
	if err != nil {
		return nil, false
	}
	r, err := e.restore(ctx, prog, h)
	if err != nil {
		return nil, false
	}
	susp, ok := r.m.Pending()
	if call, err := ParseCall(susp); !ok || err != nil || call.Kind != CallWait || call.Any || call.Name != name {
		r.cancel()
		return nil, false
	}
	return r, true
}
