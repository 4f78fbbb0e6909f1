package engine

// This file hands a stored version to a debugger.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// DebugPoint is what a debugger needs to run an instance on from one of
// its versions: the program, its source, the version's snapshot, and the
// host functions the engine gives the machine (wait, sleep, the
// activities, now, input...). The debugger runs its own machine from the
// snapshot; nothing is written back.
type DebugPoint struct {
	Instance Instance
	Version  Version
	Program  *compiler.Program
	Source   []byte
	Snapshot []byte
	Hosts    []*vm.Builtin
	// Replies are what the instance got after Version, in order: the
	// reply to each of its next suspensions (a signal's value, an
	// activity's result, parallel()'s list, nil for a timer or a
	// timeout) or the error thrown there (an activity's final failure,
	// the cancellation), up to the head or the first version a replay
	// cannot follow (a rewind, an upgrade). The
	// now() of Hosts gives the values those versions recorded, then the
	// live clock: so a debugger answering the suspensions with Replies
	// runs the instance's fine timeline from Version as it ran.
	Replies []Reply
	// Edits are the variables set (Set, wf set) between those replies:
	// Edits[i] were made while the instance waited for Replies[i] (the
	// last ones, past every reply, where it waits now), in order. A
	// debugger applies them where its run waits for that reply, before
	// giving it, so its run follows the history across them.
	Edits map[int][]Edit
}

// Edit is a recorded change of a variable: the version it made, the
// variable as Set named it, and its new value.
type Edit struct {
	Version int64
	Name    string
	Value   vm.Value
	// Apply, when set, is a change the version made to the waiting
	// machine's state other than a variable's (its futures' attempts,
	// Name "futures"): it takes the machine's snapshot and returns the
	// changed one.
	Apply func(snap []byte) ([]byte, error)
}

// Reply is a recorded reply to a suspension: the value the version it
// made got, or the error thrown into it there (an activity's final
// failure, the cancellation).
type Reply struct {
	Version int64 // the version the reply made
	Value   vm.Value
	Thrown  *vm.Error // when set, Value is nil and this is thrown instead
	// Answer, when set, gives the reply (or the error to throw) from
	// the suspension the run waits in, after the edits before it: an
	// await's or wait_any's future, whose map is the run's own.
	Answer func(*vm.Suspension) (vm.Value, *vm.Error, error)
}

// For gives the reply to machine m, which waits where the instance got
// it: the value, or the error to throw (Thrown, or what Answer reads from
// m's pending suspension).
func (r Reply) For(m *vm.Machine) (vm.Value, *vm.Error, error) {
	if r.Answer == nil {
		return r.Value, r.Thrown, nil
	}
	susp, ok := m.Pending()
	if !ok {
		return vm.Nil, nil, fmt.Errorf("version %d: the run waits for nothing", r.Version)
	}
	return r.Answer(susp)
}

// DebugPoint returns instance id at version at (0: the head) for a
// debugger. A version without a snapshot (one that ended) is refused.
func (e *Engine) DebugPoint(ctx context.Context, id string, at int64) (*DebugPoint, error) {
	h, v, err := e.versionAt(ctx, id, at)
	if err != nil {
		return nil, err
	}
	if v.Snapshot == nil {
		return nil, fmt.Errorf("instance %s version %d is %s and keeps no machine to debug; try an earlier version", id, v.Number, v.Status)
	}
	p, err := e.store.Program(ctx, h.Instance.Program)
	if err != nil {
		return nil, err
	}
	prog, err := e.program(ctx, h.Instance.Program)
	if err != nil {
		return nil, err
	}
	replies, edits, nows, err := e.recorded(ctx, id, v.Number, &debugFutures{e: e, prog: prog, in: h.Instance})
	if err != nil {
		return nil, err
	}
	clock := NewClock(e.opts.Now, nows)
	next, err := e.nextSeqAt(ctx, prog, h, v)
	if err != nil {
		return nil, err
	}
	env := Env{ID: h.Instance.ID, Input: h.Instance.Input, Clock: clock, Futures: NewFutures(next)}
	return &DebugPoint{Instance: h.Instance, Version: v, Program: prog, Source: p.Source, Snapshot: v.Snapshot,
		Hosts: Builtins(env, e.actNames), Replies: replies, Edits: edits}, nil
}

// recorded returns the replies instance id got after version from, the
// edits made between them (by reply ordinal, see DebugPoint), and the
// now() values their steps recorded, in order, as far as a replay can
// follow the history (not past a gap a retention policy left). The values stop after a step that recorded as
// many as it may: it read the clock more often, and the steps after it
// read it live in the debugger.
func (e *Engine) recorded(ctx context.Context, id string, from int64, d *debugFutures) ([]Reply, map[int][]Edit, []float64, error) {
	hist, err := e.store.History(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	var replies []Reply
	edits := map[int][]Edit{}
	var nows []float64
	full := false // a step recorded MaxRecordedNows: later values would be misplaced
	prev := from
	fl := &follower{id: id}
	for _, v := range hist {
		if v.Number <= from {
			continue
		}
		if v.Number != prev+1 {
			break // a gap retention left: the replies after it follow a state the replay never reaches
		}
		prev = v.Number
		if ed, ok := editOf(v); ok {
			edits[len(replies)] = append(edits[len(replies)], ed)
			continue
		}
		own, ok := d.read(v)
		if !ok {
			break
		}
		if own.Reason == "" {
			continue // futures' attempts only: the machine waits on
		}
		reply, ok := debugReply(fl, own)
		if !ok {
			break
		}
		if reply == nil {
			continue // a failed attempt to be retried, parallel() calls left: the machine got nothing
		}
		if len(d.ends) > 0 {
			edits[len(replies)] = append(edits[len(replies)], d.edit(v.Number))
		}
		reply.Version = v.Number
		replies = append(replies, *reply)
		if _, n := SplitDetail(v.Detail); !full {
			nows, full = append(nows, n...), len(n) >= MaxRecordedNows
		}
	}
	return replies, edits, nows, nil
}

// debugReply reads version v, with fl, as a debugger replays it: the
// reply or error the machine got; nil for a version where it got
// nothing and waits on; ok=false at a version a debugger's replay cannot
// follow: a rewind, an upgrade, the end of a cancelled instance. v is
// the version with its futures' attempts cut off (debugFutures.read).
func debugReply(fl *follower, v Version) (*Reply, bool) {
	if answer, ok := futureAnswer(v); ok {
		return &Reply{Value: vm.Nil, Answer: answer}, true
	}
	ev, ok, _ := fl.event(v, false)
	r := strings.TrimSuffix(v.Reason, cleanupWaits)
	switch {
	case !ok:
		return nil, false
	case ev.thrown != nil:
		var e *vm.Error
		if !errors.As(ev.thrown, &e) {
			return nil, false
		}
		return &Reply{Value: vm.Nil, Thrown: e}, true
	case ev.reply != nil:
		return &Reply{Value: *ev.reply}, true
	case retryReason.MatchString(r), parallelReason.MatchString(r) && parallelRetry.MatchString(r):
		return nil, true
	}
	return nil, false
}

// editOf returns the edit version v recorded, if Set made it: its reason
// is "variable NAME set to VALUE" (and who did it), its detail the value.
func editOf(v Version) (Edit, bool) {
	f := strings.Fields(v.Reason)
	if len(f) < 4 || f[0] != "variable" || f[2] != "set" || f[3] != "to" {
		return Edit{}, false
	}
	x, err := FromJSON([]byte(v.Detail))
	if err != nil {
		return Edit{}, false
	}
	return Edit{Version: v.Number, Name: f[1], Value: x}, true
}

// ForkFrom starts a new instance of instance id's program and input from
// snap, a machine state made outside the store (a debugger's, at any
// step), and runs it to its next block as a step does. note says where
// the state came from; the new instance's history starts with "forked
// from ID: note", and its output with what that first step prints.
func (e *Engine) ForkFrom(ctx context.Context, id string, snap []byte, note string) (_ string, err error) {
	defer recoverInternal(&err)
	h, err := e.store.State(ctx, id)
	if err != nil {
		return "", err
	}
	prog, err := e.program(ctx, h.Program)
	if err != nil {
		return "", err
	}
	now := e.opts.Now()
	in := Instance{ID: e.opts.NewID(), Program: h.Program, Input: h.Input, NextSeq: h.NextSeq, Parent: id, Created: now}
	r, err := e.machine(ctx, prog, in, snap)
	if err != nil {
		return "", fmt.Errorf("fork: %w", err)
	}
	defer r.cancel()
	susp, pending := r.m.Pending()
	var runErr error
	if !pending {
		susp, runErr = r.m.Run()
	}
	st, err := e.settle(ctx, r, Head{Instance: in}, event{reason: fmt.Sprintf("forked from %s: %s", id, note)}, susp, runErr)
	if err != nil {
		return "", err
	}
	return e.create(ctx, st)
}
