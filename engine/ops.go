package engine

// This file defines the operations on instances from outside: cancel,
// rewind, fork, set a variable, and the read-only views.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wf-lang/wf/vm"
)

// head loads an instance that has not finished.
func (e *Engine) liveHead(ctx context.Context, id string) (Head, error) {
	h, err := e.store.State(ctx, id)
	if err != nil {
		return h, err
	}
	if h.Status.Final() {
		return h, fmt.Errorf("instance %s is %s: %w", id, h.Status, ErrFinal)
	}
	return h, nil
}

// successor is the next version of h, keeping its state, with reason.
func (e *Engine) successor(h Head, reason string) Step {
	now := e.opts.Now()
	in := h.Instance
	in.Version, in.Updated = h.Version+1, now
	v := Version{Number: in.Version, Reason: reason, Status: in.Status, WaitingFor: in.WaitingFor,
		Due: in.Due, ActivitySeq: in.ActivitySeq, SnapVersion: h.SnapVersion, OutputFrom: h.Version,
		Error: in.Error, Created: now}
	return Step{Instance: in, From: h.Version, Version: v, Wake: opWake(in, h.Snapshot, now)}
}

// Cancel cancels an instance with the default grace period
// (Options.CancelGrace): see CancelWith.
func (e *Engine) Cancel(ctx context.Context, id string) error {
	return e.CancelWith(ctx, id, CancelOptions{})
}

// CancelOptions say how CancelWith cancels.
type CancelOptions struct {
	// Force ends the instance at once, running none of its code: for an
	// instance stuck in its cleanup, or whose code cannot run.
	Force bool
	// Grace bounds the cleanup; default Options.CancelGrace.
	Grace time.Duration
	// Reason is the cancelled error's message; default "instance
	// cancelled".
	Reason string
}

// CancelWith cancels an instance. Unless forced, the workflow observes
// it: where it waits (a signal, a timer, an activity's result or next
// attempt) a catchable error of kind "cancelled" is thrown, so its
// finally blocks run and a catch may compensate, calling activities
// (their failures are not retried). The instance is "cancelling" while
// its cleanup calls activities, and ends cancelled when the cleanup
// finishes (returning, rethrowing, or swallowing the error and going on
// to its next wait or sleep, which ends it there), or when the grace
// period ends, whatever it is doing then. CancelWith runs the cleanup in
// the caller, as Signal runs a step. Once cancelled, an instance takes
// no more signals, timers or workers; its state and history stay
// readable and can be forked, and only a forced Rewind, an operator's
// explicit act recorded as a version of its own, revives it.
func (e *Engine) CancelWith(ctx context.Context, id string, o CancelOptions) error {
	if o.Grace <= 0 {
		o.Grace = e.opts.CancelGrace
	}
	reason := "cancelled"
	if o.Reason == "" {
		o.Reason = "instance cancelled"
	} else {
		reason += ": " + o.Reason
	}
	reason = byActor(ctx, reason)
	who := e.newHolder("", e.opts.Lease)
	for tries := 0; ; tries++ {
		h, err := e.liveHead(ctx, id)
		if err != nil {
			return err
		}
		if o.Force || h.Snapshot == nil {
			return e.forceCancel(ctx, h, byActor(ctx, "cancelled (forced)"))
		}
		if h.Status == Cancelling {
			return nil // its cleanup runs already
		}
		_, err = e.cancelStep(ctx, h, o, reason, who)
		if errors.Is(err, ErrConflict) && tries < 100 {
			continue // it moved meanwhile: cancel where it is now
		}
		if err != nil {
			return err
		}
		return e.advance(ctx, id, who)
	}
}

// forceCancel ends h cancelled without running it.
func (e *Engine) forceCancel(ctx context.Context, h Head, reason string) error {
	st := e.successor(h, reason)
	endCancelled(&st.Instance)
	st.Version.Status, st.Version.WaitingFor, st.Version.Due, st.Version.ActivitySeq = Cancelled, "", time.Time{}, 0
	st.Wake = time.Time{}
	_, err := e.store.Commit(ctx, st)
	return err
}

// endCancelled makes in cancelled, waiting for nothing.
func endCancelled(in *Instance) {
	in.Status, in.WaitingFor, in.Due, in.ActivitySeq = Cancelled, "", time.Time{}, 0
}

// cancelStep throws the cancelled error into h's machine and commits
// where it stops.
func (e *Engine) cancelStep(ctx context.Context, h Head, o CancelOptions, reason string, who holder) (bool, error) {
	by := e.opts.Now().Add(o.Grace)
	st, _, err := e.prepareWith(ctx, h, who, func(r *run) (event, bool, error) {
		ends := r.cancelFutures(e.opts.Now())
		return event{reason: reason, err: vm.NewError(vm.ErrCancelled, o.Reason), cancelBy: by, detail: withFutures("", ends)}, true, nil
	})
	if errors.Is(err, vm.ErrInternal) {
		return false, e.forceCancel(ctx, h, "cancelled (forced: the cleanup could not run: "+err.Error()+")")
	}
	if err != nil {
		return false, err
	}
	return e.store.Commit(ctx, st)
}

// Rewind makes an instance continue from the state of an older version.
// The rewind is a new version referring to the old snapshot; nothing is
// deleted. Signals consumed after that version stay consumed (they were
// applied once, in the abandoned timeline); a timer whose due time has
// passed fires at once. A completed or failed instance may be rewound
// (to retry a failed activity, say); a cancelled one only with force,
// since cancel is for good, and the new version says it revived it. It
// returns the new version's number.
func (e *Engine) Rewind(ctx context.Context, id string, to int64, force bool) (int64, error) {
	h, err := e.store.State(ctx, id)
	if err != nil {
		return 0, err
	}
	reason := fmt.Sprintf("rewound to version %d", to)
	if h.Status == Cancelled {
		if !force {
			return 0, fmt.Errorf("instance %s was cancelled, which is for good (force the rewind to revive it): %w", id, ErrFinal)
		}
		reason += " (reviving a cancelled instance)"
	}
	old, err := e.store.Version(ctx, id, to)
	if err != nil {
		return 0, err
	}
	if old.Snapshot == nil {
		return 0, fmt.Errorf("instance %s version %d has no state to rewind to", id, to)
	}
	st := e.successor(h, byActor(ctx, reason))
	in := &st.Instance
	if old.Program != "" && old.Program != in.Program {
		in.Program = old.Program // back to the program before an upgrade
	}
	in.Status, in.WaitingFor, in.Due, in.ActivitySeq, in.Error = old.Status, old.WaitingFor, old.Due, old.ActivitySeq, old.Error
	st.Version.Status, st.Version.WaitingFor, st.Version.Due = old.Status, old.WaitingFor, old.Due
	st.Version.ActivitySeq, st.Version.Error = old.ActivitySeq, old.Error
	st.Version.SnapVersion, st.Version.OutputFrom = old.SnapVersion, old.Number
	st.Wake = opWake(*in, old.Snapshot, e.opts.Now())
	who := e.newHolder("", e.opts.Lease)
	st.Lease = who.lease(in.Updated)
	if _, err := e.store.Commit(ctx, st); err != nil {
		return 0, err
	}
	return st.Version.Number, e.advance(ctx, id, who)
}

// Fork starts a new instance from the state of version at of id (0: the
// head). The copy continues independently; its history starts with
// "forked from ID at version N", and its activity keys are its own.
func (e *Engine) Fork(ctx context.Context, id string, at int64) (string, error) {
	h, err := e.store.State(ctx, id)
	if err != nil {
		return "", err
	}
	if at == 0 {
		at = h.Version
	}
	old, err := e.store.Version(ctx, id, at)
	if err != nil {
		return "", err
	}
	if old.Snapshot == nil {
		return "", fmt.Errorf("instance %s version %d has no state to fork", id, at)
	}
	now := e.opts.Now()
	prog := h.Program
	if old.Program != "" {
		prog = old.Program
	}
	in := Instance{ID: e.opts.NewID(), Program: prog, Status: old.Status, WaitingFor: old.WaitingFor,
		Due: old.Due, Version: 1, ActivitySeq: old.ActivitySeq, NextSeq: h.NextSeq, Input: h.Input,
		Error: old.Error, Parent: id, Created: now, Updated: now}
	v := old
	v.Number, v.SnapVersion, v.Created = 1, 1, now
	v.Printed, v.OutputFrom = old.Output, 0 // the copy's first version holds the output so far
	v.Reason, v.Detail = byActor(ctx, fmt.Sprintf("forked from %s at version %d", id, at)), ""
	who := e.newHolder("", e.opts.Lease)
	if err := e.store.Create(ctx, Step{Instance: in, Version: v, Wake: opWake(in, old.Snapshot, now), Lease: who.lease(now)}); err != nil {
		return "", err
	}
	return in.ID, e.advance(ctx, in.ID, who)
}

// Set changes a variable of an unfinished instance (see vm.SetVariable
// for how name is found) to the value of a JSON document, and records the
// edit as a version. The new value must have the old one's kind (an int
// may become a float), unless either is nil or anyKind is set.
func (e *Engine) Set(ctx context.Context, id, name string, value []byte, anyKind bool) error {
	if err := checkSize("the value", value, e.opts.MaxValue); err != nil {
		return err
	}
	v, err := FromJSON(value)
	if err != nil {
		return err
	}
	h, err := e.liveHead(ctx, id)
	if err != nil {
		return err
	}
	if h.Snapshot == nil {
		return fmt.Errorf("instance %s has no state to edit", id)
	}
	prog, err := e.program(ctx, h.Program)
	if err != nil {
		return err
	}
	snap, old, err := vm.SetVariable(prog, h.Snapshot, name, v)
	if err != nil {
		return fmt.Errorf("instance %s: %w", id, explain(prog, h.Program, err))
	}
	if !anyKind && !sameKind(old, v) {
		return fmt.Errorf("instance %s: %s holds a %s, the new value is a %s (allow any type to change it): %w", id, name, old.TypeName(), v.TypeName(), ErrWrongKind)
	}
	if len(snap) > e.opts.MaxSnapshot {
		return fmt.Errorf("instance %s: %s: %w", id, tooLargeState("edit", len(snap), e.opts.MaxSnapshot), ErrTooLarge)
	}
	st := e.successor(h, byActor(ctx, fmt.Sprintf("variable %s set to %s", name, value)))
	st.Version.SnapVersion, st.Version.Snapshot, st.Version.Detail = st.Version.Number, snap, string(value)
	_, err = e.store.Commit(ctx, st)
	return err
}

// ErrWrongKind is wrapped when Set would change a variable's kind.
var ErrWrongKind = errors.New("value of another kind")

func sameKind(a, b vm.Value) bool {
	num := func(k vm.Kind) bool { return k == vm.KindInt || k == vm.KindFloat }
	return a.Kind() == b.Kind() || a.IsNil() || b.IsNil() || num(a.Kind()) && num(b.Kind())
}

// Report is what wf show prints: an instance at one version, its machine
// readably, and its inbox.
type Report struct {
	Instance Instance       `json:"instance"`
	Version  Version        `json:"version"`
	Machine  *vm.Inspection `json:"machine,omitempty"`
	Queued   []Message      `json:"queued_signals,omitempty"`
	Pending  string         `json:"waiting_for,omitempty"` // "signal \"approval\"", ...
}

// Show describes instance id at version at (0: the head).
func (e *Engine) Show(ctx context.Context, id string, at int64) (*Report, error) {
	h, v, err := e.versionAt(ctx, id, at)
	if err != nil {
		return nil, err
	}
	rep := &Report{Instance: h.Instance, Version: v}
	if rep.Queued, err = e.queued(ctx, id); err != nil {
		return nil, err
	}
	if v.Snapshot == nil {
		return rep, nil
	}
	return rep, e.describe(ctx, rep, v.Snapshot)
}

// versionAt returns instance id's head and its version at (0: the head).
func (e *Engine) versionAt(ctx context.Context, id string, at int64) (Head, Version, error) {
	h, err := e.store.State(ctx, id)
	if err != nil {
		return Head{}, Version{}, err
	}
	if at == 0 {
		at = h.Version
	}
	v, err := e.store.Version(ctx, id, at)
	return h, v, err
}

func (e *Engine) describe(ctx context.Context, rep *Report, snap []byte) error {
	prog, err := e.program(ctx, rep.Instance.Program)
	if err != nil {
		return err
	}
	if rep.Machine, err = vm.Inspect(prog, snap, vm.InspectOptions{Context: ctx}); err != nil {
		err = explain(prog, rep.Instance.Program, err)
		return fmt.Errorf("instance %s version %d: %w: %w", rep.Instance.ID, rep.Version.Number, ErrCorrupt, err)
	}
	if !rep.Version.Status.Final() {
		rep.Pending = describeWait(rep.Version)
	}
	if rep.Machine.Waiting == "await" {
		if what, ok := e.describeAwait(ctx, prog, rep.Instance, snap); ok {
			rep.Pending = what
		}
	}
	rep.Version.Snapshot = nil
	return nil
}

func describeWait(v Version) string {
	switch {
	case v.Status == Waiting && v.WaitingFor == "":
		return "futures"
	case v.Status == Waiting:
		return fmt.Sprintf("signal %q", v.WaitingFor)
	case v.Status == Sleeping:
		return "timer due " + v.Due.UTC().Format(time.RFC3339)
	case v.ActivitySeq > 0:
		return fmt.Sprintf("activity call (seq %d)", v.ActivitySeq)
	}
	return ""
}

func (e *Engine) queued(ctx context.Context, id string) ([]Message, error) {
	all, err := e.store.Inbox(ctx, id)
	var q []Message
	for _, m := range all {
		if m.ConsumedBy == 0 {
			q = append(q, m)
		}
	}
	return q, err
}

// History returns every version of an instance, oldest first.
func (e *Engine) History(ctx context.Context, id string) ([]Version, error) {
	return e.store.History(ctx, id)
}

// List returns instances, newest first. An unknown status or a negative
// limit is an error, not an empty list.
func (e *Engine) List(ctx context.Context, f Filter) ([]Instance, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, fmt.Errorf("unknown status %q", f.Status)
	}
	if f.Limit < 0 {
		return nil, fmt.Errorf("negative limit %d", f.Limit)
	}
	return e.store.List(ctx, f)
}

// IsNotFound reports whether err means an unknown instance or version.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
