package engine

// This file defines settle: turning where a machine stopped into the Step
// that commits it.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wf-lang/wf/vm"
)

// ErrAbandoned is returned when a step was interrupted by the caller's
// context (a worker shutting down): nothing was committed and the
// instance will be run again from its last version.
var ErrAbandoned = errors.New("step abandoned")

// settle builds the step that commits the machine's new state after ev.
// h is the head the step started from (version 0 for a new instance).
func (e *Engine) settle(ctx context.Context, r *run, h Head, ev event, susp *vm.Suspension, runErr error) (Step, error) {
	if runErr != nil && ctx.Err() != nil {
		return Step{}, fmt.Errorf("%w: %v", ErrAbandoned, ctx.Err())
	}
	now := e.opts.Now()
	in := h.Instance
	in.Version, in.Updated = h.Version+1, now
	in.WaitingFor, in.Due, in.ActivitySeq, in.Error = "", time.Time{}, 0, ""
	if r.futures != nil { // the futures start() made took sequence numbers
		in.NextSeq = max(in.NextSeq, r.futures.next)
	}
	v := Version{Number: in.Version, Reason: ev.reason, Printed: r.out.String(), OutputFrom: h.Version,
		Detail: joinDetail(ev.detail, r.clock.Given()), Created: now}
	var wake time.Time
	var err error
	switch {
	case runErr != nil:
		fail(&in, failure(r, runErr))
	case susp == nil:
		in.Status = Completed
	default:
		if susp, err = r.wrap(susp); err == nil {
			wake, err = e.suspended(&in, susp, now)
		}
	}
	if why := scriptsFault(err); why != "" { // too many futures, or one the script changed
		fail(&in, why)
		wake, err = time.Time{}, nil
	}
	if err != nil {
		return Step{}, err
	}
	if err := e.snapshotInto(&v, r, &in, h); err != nil {
		return Step{}, err
	}
	if in.Status == Failed {
		wake = time.Time{}
	}
	if !ev.cancelBy.IsZero() {
		wake = afterCancel(&in, &v, ev.cancelBy, runErr, now)
	}
	v.Status, v.WaitingFor, v.Due, v.ActivitySeq, v.Error = in.Status, in.WaitingFor, in.Due, in.ActivitySeq, in.Error
	st := Step{Instance: in, From: h.Version, Version: v, Consumed: ev.consumed, Wake: wake}
	e.keepWarm(r, st)
	return st, nil
}

// scriptsFault is why a machine that just stopped cannot wait where it
// did, when the script is to blame: too many futures outstanding, one
// not made by start(), or a future's map the script changed (the request
// it waits on is then malformed). "" for any other error.
func scriptsFault(err error) string {
	var ve *vm.Error
	var ce *CallError
	switch {
	case errors.As(err, &ve):
		return ve.Error()
	case errors.As(err, &ce):
		return fmt.Sprintf("%s: %s", ce.Host, ce.Why)
	}
	return ""
}

// fail makes in failed, waiting for nothing, with why.
func fail(in *Instance, why string) {
	in.Status, in.Error = Failed, clip(why)
	in.WaitingFor, in.Due, in.ActivitySeq = "", time.Time{}, 0
}

// failure describes why a run failed; a step that ran out of time or
// over a budget says so.
func failure(r *run, err error) string {
	var ve *vm.Error
	switch {
	case errors.Is(r.ctx.Err(), context.DeadlineExceeded):
		return "step took longer than the step timeout: " + err.Error()
	case errors.As(err, &ve) && ve.Kind == vm.ErrLimit:
		return "step went over its budget (Options.MaxSteps and MaxAlloc, per step): " + err.Error()
	}
	return err.Error()
}

// suspended fills the head columns for a machine stopped in a builtin and
// returns when a worker should look at it again.
func (e *Engine) suspended(in *Instance, susp *vm.Suspension, now time.Time) (time.Time, error) {
	call, err := ParseCall(susp)
	if err != nil {
		return time.Time{}, err
	}
	if err := call.checkStarted(); err != nil {
		return time.Time{}, err
	}
	wake, err := e.ownSuspended(in, call, now)
	if err != nil || !call.usesFutures() {
		return wake, err
	}
	return futuresWake(call, wake, now), nil
}

// ownSuspended is suspended for call itself, its futures aside.
func (e *Engine) ownSuspended(in *Instance, call Call, now time.Time) (time.Time, error) {
	switch call.Kind {
	case CallAwait: // sleeping until the future's next attempt, or running it now
		if f := call.await; f.state == futurePending && now.Before(f.dueAt()) {
			in.Status, in.Due = Sleeping, f.dueAt()
			return in.Due, nil
		}
		in.Status, in.ActivitySeq = Running, call.await.seq
		return now, nil
	case CallWait:
		in.Status, in.WaitingFor = Waiting, call.waitingFor()
		if call.Timeout >= 0 {
			in.Due = now.Add(call.Timeout)
		}
		return in.Due, nil
	case CallSleep:
		in.Status, in.Due = Sleeping, now.Add(call.Sleep)
		return in.Due, nil
	}
	if _, ok := e.acts[call.Name]; !ok {
		return time.Time{}, fmt.Errorf("activity %s is not registered in this process", call.Name)
	}
	in.Status, in.ActivitySeq = Running, in.NextSeq
	in.NextSeq++
	if call.Kind == CallParallel { // a key for each call
		in.NextSeq += int64(len(call.parallel.calls)) - 1
	}
	return now, nil
}

// snapshotInto stores the machine's state in v, except for a finished
// run, which has none (its globals are gone with it), and a failed run,
// whose version keeps referring to the last good state for rewinding. A
// state over Options.MaxSnapshot fails the step in the same way: it
// could never be restored, so committing it would leave the instance
// waiting for good, its signals acknowledged and never applied.
func (e *Engine) snapshotInto(v *Version, r *run, in *Instance, h Head) error {
	if in.Status != Completed && in.Status != Failed {
		r.touchFutures()
		snap, size, isDelta, err := stateOf(r.m, r.base, e.opts.MaxSnapshot)
		if err != nil {
			return fmt.Errorf("instance %s: %w", in.ID, err)
		}
		if size <= e.opts.MaxSnapshot {
			v.SnapVersion, v.Snapshot = v.Number, snap
			r.keepAs(snap, size, isDelta, v.Number, !e.opts.FullSnapshots)
			return nil
		}
		fail(in, tooLargeState("step", size, e.opts.MaxSnapshot))
	}
	v.SnapVersion = v.Number
	if in.Status == Failed && h.Version > 0 {
		v.SnapVersion = h.SnapVersion
	}
	return nil
}

// wakeFor is when a worker should next look at an instance in state in.
func wakeFor(in Instance, now time.Time) time.Time {
	switch in.Status {
	case Running:
		return now
	case Waiting, Sleeping:
		return in.Due
	}
	return time.Time{}
}

// afterCancel is where a cancelled instance's cleanup leads, once its
// machine stopped: on to the activity it calls, until by, as cancelling;
// else (it finished, failed, or waits or sleeps again) cancelled. A
// failure other than the cancellation itself stays in the error text.
func afterCancel(in *Instance, v *Version, by time.Time, runErr error, now time.Time) time.Time {
	switch {
	case in.Status == Running && in.ActivitySeq > 0:
		in.Status, in.Due = Cancelling, by
		return now
	case in.Status == Waiting || in.Status == Sleeping:
		v.Reason += cleanupWaits
	}
	var re *vm.RuntimeError
	if errors.As(runErr, &re) && re.Value.Kind() == vm.KindError && re.Value.AsError().Kind == vm.ErrCancelled {
		in.Error = ""
	}
	endCancelled(in)
	return time.Time{}
}
