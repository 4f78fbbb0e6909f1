package engine

// This file defines how a replay (CheckHistory) follows futures: the
// attempts a version records (see futureEnd) are given to the futures
// the replayed program started, which changes their maps as the step
// changed the instance's; then an await or a wait_any that the version
// answered with a future, or with a signal among futures, gets the same
// reply from those maps. No activity is called.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wf-lang/wf/vm"
)

var (
	// awaitReason matches the version where an await got its future.
	awaitReason = regexp.MustCompile(`^await: future (\S+) \(seq (\d+)\) (done|failed)$`)
	// anyFutureReason matches the version where a wait_any got a future.
	anyFutureReason = regexp.MustCompile(`^wait_any: future (\S+) \(seq (\d+)\) (done|failed)$`)
	// anySignalReason matches the version where a wait_any that lists
	// futures got a signal.
	anySignalReason = regexp.MustCompile(`^wait_any: signal (\S+) received, futures listed$`)
	// noteReason matches a reason that starts with a future's attempt.
	noteReason = regexp.MustCompile(`^future \S+ (done|failed) \(seq \d+`)
)

// event reads version v: the futures' attempts it records go to the
// replay's futures, then its own event is what the machine gets.
func (rp *replay) event(fl *follower, v Version, first bool) (replayEvent, bool, string) {
	own, ev, ok, why := rp.attempts(v)
	switch {
	case !ok || ev.diverge != "":
		return ev, ok, why
	case own.Reason == "": // attempts only: the machine goes on waiting
		return replayEvent{}, true, ""
	}
	if ev, handled, ok, why := rp.futureEvent(own); handled {
		return ev, ok, why
	}
	return fl.event(own, first)
}

// attempts gives the futures' attempts version v records to the
// replay's futures, and returns v with its own reason and detail value,
// the notes and record of the attempts cut off; ev.diverge is set when
// the replayed program did not start those futures, or its futures
// describe the attempts otherwise than v's reason.
func (rp *replay) attempts(v Version) (own Version, ev replayEvent, ok bool, why string) {
	own = v
	value, _ := SplitDetail(v.Detail)
	own.Detail = value
	_, record, has := cutFutures(strings.SplitN(v.Detail, nowMark, 2)[0])
	if !has {
		if noteReason.MatchString(v.Reason) {
			return own, ev, false, "its futures' outcomes are not recorded (a wf before it kept them made it)"
		}
		return own, ev, true, ""
	}
	ends, err := futuresOf(record)
	if err != nil {
		return own, ev, false, err.Error()
	}
	var notes []string
	for _, end := range ends {
		note, diverge, why := rp.give(end)
		switch {
		case diverge != "":
			return own, replayEvent{diverge: diverge}, true, ""
		case why != "":
			return own, ev, false, why
		case note != "":
			notes = append(notes, note)
		}
	}
	rest, ok := cutNotes(v.Reason, notes)
	if !ok {
		return own, replayEvent{diverge: v.Reason, futures: strings.Join(notes, "; ")}, true, ""
	}
	own.Reason = rest
	return own, ev, true, ""
}

// give applies one recorded attempt (or cancellation) to the replay's
// future, and returns its note for the reason ("" for a cancellation);
// diverge says what the history had when the replay has no such future.
func (rp *replay) give(end futureEnd) (note, diverge, why string) {
	f := rp.held[end.Seq]
	if f == nil {
		return "", fmt.Sprintf("future seq %d outstanding", end.Seq), ""
	}
	if end.Cancelled {
		if f.state == futurePending {
			f.cancel(time.UnixMilli(end.At))
		}
		return "", "", ""
	}
	value := vm.Nil
	if end.Kind == "" {
		x, err := FromJSON(end.Result)
		if err != nil {
			return "", "", fmt.Sprintf("future seq %d's recorded result does not decode: %v", end.Seq, err)
		}
		value = x
	}
	note, err := f.apply(end, value)
	if err != nil {
		return "", "", err.Error()
	}
	return note, "", ""
}

// cutNotes returns reason after the notes of a step's futures' attempts,
// and whether it starts with them.
func cutNotes(reason string, notes []string) (string, bool) {
	if len(notes) == 0 {
		return reason, true
	}
	prefix := strings.Join(notes, "; ")
	switch {
	case reason == prefix:
		return "", true
	case strings.HasPrefix(reason, prefix+"; "):
		return reason[len(prefix)+2:], true
	}
	return "", false
}

// futureEvent is the event of a version whose own reason is an await or
// wait_any answered with a future, or a wait_any that lists futures
// answered with a signal or its timeout; handled is false for any
// other version.
func (rp *replay) futureEvent(v Version) (ev replayEvent, handled, ok bool, why string) {
	r := v.Reason
	call, waits := rp.call()
	switch {
	case awaitReason.MatchString(r):
		f, want := rp.completed(awaitReason.FindStringSubmatch(r))
		if f == nil || !waits || call.Kind != CallAwait || call.await.m != f.m {
			return replayEvent{diverge: "awaits " + want}, true, true, ""
		}
		x, err := f.outcome()
		if err != nil {
			return replayEvent{thrown: err}, true, true, ""
		}
		return replayEvent{reply: &x}, true, true, ""
	case anyFutureReason.MatchString(r):
		f, want := rp.completed(anyFutureReason.FindStringSubmatch(r))
		if f == nil || !waits || !call.lists(f) {
			return replayEvent{diverge: "waits for any of a list with " + want}, true, true, ""
		}
		x := futureReply(f)
		return replayEvent{reply: &x}, true, true, ""
	case anySignalReason.MatchString(r):
		if !waits || call.items == nil {
			return replayEvent{diverge: "waits for any of a list with futures"}, true, true, ""
		}
		x, err := FromJSON([]byte(v.Detail))
		if err != nil {
			return replayEvent{}, true, false, "its recorded value does not decode: " + err.Error()
		}
		reply := WaitAnyFutureReply(vm.String(anySignalReason.FindStringSubmatch(r)[1]), vm.Nil, x, vm.Nil)
		return replayEvent{reply: &reply}, true, true, ""
	case strings.HasPrefix(r, "wait_any for ") && strings.HasSuffix(r, " timed out") && waits && call.items != nil:
		reply := WaitAnyFutureReply(vm.Nil, vm.Nil, vm.Nil, vm.Nil)
		return replayEvent{reply: &reply}, true, true, ""
	}
	return replayEvent{}, false, false, ""
}

// completed returns the replay's future a reason's match names (name,
// seq, outcome), if it has completed so; want describes it.
func (rp *replay) completed(m []string) (f *future, want string) {
	want = fmt.Sprintf("future %s (seq %s), %s", m[1], m[2], m[3])
	seq, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return nil, want
	}
	f = rp.held[seq]
	state := futureDone
	if m[3] == "failed" {
		state = futureFailed
	}
	if f == nil || f.fn != m[1] || f.state != state {
		return nil, want
	}
	return f, want
}

// lists reports whether a wait_any call lists future f.
func (c Call) lists(f *future) bool {
	for _, it := range c.items {
		if it.fut != nil && it.fut.m == f.m {
			return true
		}
	}
	return false
}

// call is the call the replayed machine waits on, if it waits.
func (rp *replay) call() (Call, bool) {
	if rp.err != nil || rp.susp == nil {
		return Call{}, false
	}
	call, err := ParseCall(rp.susp)
	return call, err == nil
}

// collect takes the futures the replayed machine started in its last
// run, and numbers the next ones as the engine does: after them, and
// after the activity call the machine waits on.
func (rp *replay) collect() {
	fs := rp.run.futures
	for _, f := range fs.started {
		rp.held[f.seq] = f
	}
	rp.nextSeq = max(rp.nextSeq, fs.next)
	if call, ok := rp.call(); ok {
		switch call.Kind {
		case CallActivity:
			rp.nextSeq++
		case CallParallel:
			rp.nextSeq += int64(len(call.parallel.calls))
		}
	}
	fs.reset(rp.nextSeq)
}

// awaitState is state for a machine that awaits f, in the terms of
// versionState: sleeping until its next attempt, else running it.
func (rp *replay) awaitState(f *future) string {
	if f.state == futurePending && rp.now.Before(f.dueAt()) {
		return "sleeps"
	}
	return "calls an activity"
}
