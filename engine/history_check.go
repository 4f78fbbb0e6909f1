package engine

// This file defines CheckHistory: replaying an instance's recorded
// history on a new version of its workflow before upgrading it. The new
// program starts from the instance's input and gets, at each wait, the
// signal, timer or activity result the instance got, or the error thrown
// into it (an activity's failure, a cancellation), in order, its futures
// the attempts each version recorded (history_futures.go); the first
// version whose output or wait the replay does not reproduce is where the
// new code would have behaved differently. (Temporal's replay test does
// this with histories exported from a server; wf has them in its store.)

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// HistoryCheck is the outcome of CheckHistory.
type HistoryCheck struct {
	ID      string `json:"id"`
	Checked int64  `json:"checked"` // versions the replay reproduced, from the first
	// Diverged is set, with Version, What, Want and Got, when the replay
	// first did something else: What is "output", "state" (what the
	// instance waits for, or that it finished or failed) or "futures"
	// (Want the version's reason, Got the replay's account of the
	// futures' attempts it records).
	Diverged bool   `json:"diverged"`
	Version  int64  `json:"version,omitempty"`
	What     string `json:"what,omitempty"`
	Want     string `json:"want,omitempty"`
	Got      string `json:"got,omitempty"`
	// Stopped says why the replay ended before the head without
	// diverging: a version no replay can follow (a rewind, a set, a fork),
	// a history that no longer starts at version 1, or one with a gap
	// (versions a retention policy deleted).
	Stopped string `json:"stopped,omitempty"`
	// Pruned is set when Prune deleted the history's first versions, 1
	// to Pruned: a replay starts from the instance's input, so nothing is
	// checked (Checked is 0, Stopped says why).
	Pruned int64 `json:"pruned,omitempty"`
}

// CheckHistory replays instance id's history on the program src (not
// stored) and reports the first divergence. now() gives the values each
// version recorded (see SplitDetail), then, in a step that calls it more
// often than the recorded one did, the live clock.
func (e *Engine) CheckHistory(ctx context.Context, id, file string, src []byte) (_ *HistoryCheck, err error) {
	defer recoverInternal(&err)
	prog, err := compiler.CompileSource(file, src, compiler.Options{Predeclared: e.predeclared(nil)})
	if err != nil {
		return nil, err
	}
	h, err := e.store.State(ctx, id)
	if err != nil {
		return nil, err
	}
	hist, err := e.store.History(ctx, id)
	if err != nil {
		return nil, err
	}
	rp, err := e.newReplay(ctx, prog, h.Instance, hist)
	if err != nil {
		return nil, err
	}
	defer rp.cancel()
	return rp.check(hist), nil
}

// replay is a machine of the new program fed an instance's history.
type replay struct {
	*run
	id         string
	susp       *vm.Suspension
	err        error
	cancelling bool // the cancellation was thrown: the cleanup runs
	// held are the futures the machine started, by sequence number;
	// nextSeq is the instance's next sequence number as the engine
	// counted it; now is the time of the version being replayed.
	held    map[int64]*future
	nextSeq int64
	now     time.Time
}

func (e *Engine) newReplay(ctx context.Context, prog *compiler.Program, in Instance, hist []Version) (*replay, error) {
	in.NextSeq = 1 // as the instance started: its futures are numbered from there
	r, err := e.newRun(ctx, prog, in)
	if err != nil {
		return nil, err
	}
	// The whole history's output and one step's more: a replay that
	// prints past what was recorded has diverged by then.
	if r.out.max > 0 && len(hist) > 0 {
		r.out.max += len(hist[len(hist)-1].Output)
	}
	return &replay{run: r, id: in.ID, held: map[int64]*future{}, nextSeq: 1}, nil
}

func (rp *replay) check(hist []Version) *HistoryCheck {
	hc := &HistoryCheck{ID: rp.id}
	if len(hist) > 0 && hist[0].Number > 1 {
		hc.Pruned = hist[0].Number - 1
		hc.Stopped = prunedVersions(hc.Pruned) + " (wf prune deleted them): " +
			"a replay needs the history from the start"
		return hc
	}
	fl := &follower{id: rp.id}
	for i, v := range hist {
		if i > 0 && v.Number != hist[i-1].Number+1 {
			hc.Stopped = deletedVersions(hist[i-1].Number+1, v.Number-1) + " (wf prune deleted them): a replay cannot go past a gap"
			return hc
		}
		ev, ok, why := rp.event(fl, v, i == 0)
		switch {
		case !ok:
			hc.Stopped = fmt.Sprintf("version %d (%s): %s", v.Number, v.Reason, why)
			return hc
		case ev.futures != "":
			hc.Diverged, hc.Version, hc.What, hc.Want, hc.Got = true, v.Number, "futures", ev.diverge, ev.futures
			return hc
		case ev.diverge != "":
			hc.Diverged, hc.Version, hc.What, hc.Want, hc.Got = true, v.Number, "state", ev.diverge, rp.state()
			return hc
		}
		if ev.none() { // no event: nothing to replay
			hc.Checked++
			continue
		}
		if ev.parallel != nil && !rp.waitsOn(ev.parallel) {
			hc.Diverged, hc.Version, hc.What, hc.Want, hc.Got = true, v.Number, "state", ev.parallel.want(), rp.state()
			return hc
		}
		rp.apply(ev, v, i == 0)
		if what, want, got := rp.differs(v); what != "" {
			hc.Diverged, hc.Version, hc.What, hc.Want, hc.Got = true, v.Number, what, want, got
			return hc
		}
		hc.Checked++
	}
	return hc
}

// apply gives the machine ev, version v's event, with the now() values
// v recorded.
func (rp *replay) apply(ev replayEvent, v Version, first bool) {
	_, nows := SplitDetail(v.Detail)
	rp.clock.Replay(nows)
	rp.now = v.Created
	switch {
	case first:
		rp.susp, rp.err = rp.m.Run()
	case ev.thrown != nil:
		rp.susp, rp.err = rp.m.ResumeError(ev.thrown)
	default:
		rp.susp, rp.err = rp.m.Resume(*ev.reply)
	}
	rp.cancelling = rp.cancelling || ev.cancel
	rp.collect()
}

// prunedVersions says that versions 1 to n were pruned.
func prunedVersions(n int64) string {
	if n == 1 {
		return "version 1 was pruned"
	}
	return fmt.Sprintf("versions 1 to %d were pruned", n)
}

// deletedVersions says that versions from to to were deleted.
func deletedVersions(from, to int64) string {
	if from == to {
		return fmt.Sprintf("version %d was deleted", from)
	}
	return fmt.Sprintf("versions %d to %d were deleted", from, to)
}

var nothing = vm.Nil

// eventOf returns what the machine got in version v: a reply to resume
// with (nil for a version that is no event), or ok=false for a version
// a replay cannot follow.
func eventOf(v Version, first bool) (reply *vm.Value, ok bool, why string) {
	r := v.Reason
	switch {
	case first && r == "started":
		return &nothing, true, ""
	case first:
		return nil, false, "the history does not start with a fresh start"
	case strings.HasPrefix(r, "signal ") && strings.HasSuffix(r, " received"),
		strings.HasPrefix(r, "activity ") && strings.Contains(r, " done (seq "):
		value, _ := SplitDetail(v.Detail)
		x, err := FromJSON([]byte(value))
		if err != nil {
			return nil, false, "its recorded value does not decode: " + err.Error()
		}
		return &x, true, ""
	case strings.HasPrefix(r, "wait_any: signal ") && strings.HasSuffix(r, " received"):
		x, err := FromJSON([]byte(v.Detail))
		if err != nil {
			return nil, false, "its recorded value does not decode: " + err.Error()
		}
		name := strings.TrimSuffix(strings.TrimPrefix(r, "wait_any: signal "), " received")
		reply := WaitAnyReply(vm.String(name), x)
		return &reply, true, ""
	case strings.HasPrefix(r, "wait_any for ") && strings.HasSuffix(r, " timed out"):
		reply := WaitAnyReply(vm.Nil, vm.Nil)
		return &reply, true, ""
	case retryReason.MatchString(r):
		return nil, true, "" // the call is made again later: the machine gets nothing yet
	case r == "timer fired", strings.HasPrefix(r, "wait for ") && strings.HasSuffix(r, " timed out"):
		return &nothing, true, ""
	case strings.HasPrefix(r, "upgraded "):
		return nil, true, ""
	}
	return nil, false, "a replay cannot follow it"
}

// retryReason matches the version of an activity's failed attempt that
// is retried.
var retryReason = regexp.MustCompile(`^activity \S+ failed \(seq \d+, attempt \d+\): .*; attempt \d+ at \S+$`)

// differs compares the replay, after its event, with version v.
func (rp *replay) differs(v Version) (what, want, got string) {
	if out := rp.out.String(); out != v.Output {
		return "output", v.Output, out
	}
	want, got = versionState(v), rp.state()
	if rp.cancelling {
		got = rp.cleanupState()
	}
	if want != got {
		return "state", want, got
	}
	return "", "", ""
}

// versionState describes what a version's instance does next.
func versionState(v Version) string {
	switch {
	case v.Status == Waiting:
		return fmt.Sprintf("waits for signal %q", strings.ReplaceAll(v.WaitingFor, "\n", ", "))
	case v.Status == Sleeping:
		return "sleeps"
	case v.Status == Running && v.ActivitySeq > 0:
		return "calls an activity"
	case v.Status == Cancelling:
		return "cleans up: calls an activity"
	case v.Status == Cancelled:
		return "cancelled"
	case v.Status == Completed:
		return "completed"
	case v.Status == Failed:
		return "failed"
	}
	return string(v.Status)
}

// cleanupState is state for a cancelled instance's cleanup: calling an
// activity it goes on cancelling; anything else ends it cancelled.
func (rp *replay) cleanupState() string {
	if s := rp.state(); s == "calls an activity" {
		return "cleans up: calls an activity"
	}
	return "cancelled"
}

// state describes what the replayed machine does next, in the terms of
// versionState.
func (rp *replay) state() string {
	var re *vm.RuntimeError
	switch {
	case errors.As(rp.err, &re):
		return "failed"
	case rp.err != nil:
		return "failed: " + rp.err.Error()
	case rp.susp == nil:
		return "completed"
	}
	call, err := ParseCall(rp.susp)
	if err != nil {
		return "failed: " + err.Error()
	}
	switch call.Kind {
	case CallWait:
		return fmt.Sprintf("waits for signal %q", strings.Join(call.Names, ", "))
	case CallSleep:
		return "sleeps"
	case CallAwait:
		return rp.awaitState(call.await)
	}
	return "calls an activity"
}
