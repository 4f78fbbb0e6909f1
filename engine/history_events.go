package engine

// This file defines how a replay (CheckHistory) reads the versions whose
// event is more than a value to resume with: an activity's final
// failure and a cancellation, which throw an error into the workflow,
// and parallel(), whose results gather over several versions.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// cleanupWaits ends the reason of a version where a cancelled instance's
// cleanup went on to wait or sleep, which ends it.
const cleanupWaits = "; the cleanup waits, so it ends here"

// replayEvent is what a replay gives the machine at a version: a value
// to resume with, or an error to throw; neither for a version that is
// no event.
type replayEvent struct {
	reply  *vm.Value
	thrown error
	cancel bool // thrown is the cancellation: the cleanup follows
	// parallel, when set, is the parallel() call the machine must be
	// waiting on for reply (its results) to make sense.
	parallel *parallelProgress
	// diverge, when set, is what the history had where the replay's
	// futures differ (a future it did not start, an await of another):
	// the replay diverged at this version; futures, when set, is the
	// replay's own account of the version's futures' attempts.
	diverge, futures string
}

// none reports whether ev gives the machine nothing.
func (ev replayEvent) none() bool { return ev.reply == nil && ev.thrown == nil }

// follower reads an instance's versions in order as replay events,
// keeping the results of a parallel() call between its versions.
type follower struct {
	id  string
	par *parallelProgress
}

// parallelProgress is a parallel() call's results as its versions
// recorded them, so far.
type parallelProgress struct {
	name    string
	seq     int64
	results []vm.Value
	done    []bool
}

var (
	// failReason matches the version of an activity's final failure.
	failReason = regexp.MustCompile(`^activity (\S+) failed \(seq (\d+), attempt (\d+)\): ([A-Za-z_][A-Za-z0-9_]*): (?s:(.*))$`)
	// cancelReason matches the version that threw the cancellation.
	cancelReason = regexp.MustCompile(`^cancelled(?:: (?s:(.*?)))?(?: \(by [^()]*\))?$`)
	// parallelReason matches a version of parallel()'s calls.
	parallelReason = regexp.MustCompile(`^parallel (\S+) \(seq (\d+) to (\d+)\): `)
	// parallelRetry ends the reason of one that leaves calls to retry.
	parallelRetry = regexp.MustCompile(`; next attempt at \S+$`)
)

// event returns what version v gave the machine, or ok=false with why
// for a version a replay cannot follow.
func (f *follower) event(v Version, first bool) (ev replayEvent, ok bool, why string) {
	r := strings.TrimSuffix(v.Reason, cleanupWaits)
	switch {
	case first:
	case retryReason.MatchString(r):
	case strings.HasPrefix(r, "cancelled (forced"), r == "cleanup cut: the grace period ended":
		return replayEvent{}, true, "" // the instance ended without running
	case cancelReason.MatchString(r):
		msg := cancelReason.FindStringSubmatch(r)[1]
		if msg == "" {
			msg = "instance cancelled"
		}
		return replayEvent{thrown: vm.NewError(vm.ErrCancelled, msg), cancel: true}, true, ""
	case failReason.MatchString(r):
		m := failReason.FindStringSubmatch(r)
		msg := fmt.Sprintf("activity %s (key %s:%s) failed on attempt %s: %s", m[1], f.id, m[2], m[3], m[5])
		return replayEvent{thrown: vm.NewError(m[4], msg)}, true, ""
	case parallelReason.MatchString(r):
		return f.parallel(v, r)
	}
	reply, ok, why := eventOf(v, first)
	return replayEvent{reply: reply}, ok, why
}

// parallel reads a version of a parallel() call, reason r: the calls
// that ended in it (its detail, see parallelEnd) join the results so
// far; the version that ends the last one gives the machine the list.
func (f *follower) parallel(v Version, r string) (replayEvent, bool, string) {
	m := parallelReason.FindStringSubmatch(r)
	seq, err1 := strconv.ParseInt(m[2], 10, 64)
	last, err2 := strconv.ParseInt(m[3], 10, 64)
	if err1 != nil || err2 != nil || last < seq || last-seq >= MaxParallel {
		return replayEvent{}, false, "its calls' numbers do not parse"
	}
	if f.par == nil || f.par.seq != seq || f.par.name != m[1] {
		n := last - seq + 1
		f.par = &parallelProgress{name: m[1], seq: seq, results: make([]vm.Value, n), done: make([]bool, n)}
	}
	value, _ := SplitDetail(v.Detail)
	if value == "" {
		return replayEvent{}, false, "its calls' results are not recorded (a wf before it kept them made it)"
	}
	if why := f.par.add(value); why != "" {
		return replayEvent{}, false, why
	}
	if parallelRetry.MatchString(r) {
		return replayEvent{}, true, "" // calls left to retry: the machine gets nothing yet
	}
	p := f.par
	f.par = nil
	for i, d := range p.done {
		if !d {
			return replayEvent{}, false, fmt.Sprintf("call #%d has no recorded result", i)
		}
	}
	reply := vm.NewList(p.results)
	return replayEvent{reply: &reply, parallel: p}, true, ""
}

// add records the calls that ended in a version, its detail value.
func (p *parallelProgress) add(value string) string {
	var ends []parallelEnd
	if err := json.Unmarshal([]byte(value), &ends); err != nil {
		return "its recorded results do not decode: " + err.Error()
	}
	for _, e := range ends {
		if e.Call < 0 || e.Call >= len(p.results) {
			return fmt.Sprintf("it records call #%d of %d", e.Call, len(p.results))
		}
		if e.Kind != "" {
			p.results[e.Call] = vm.ErrorValue(vm.NewError(e.Kind, e.Error))
		} else {
			x, err := FromJSON(e.Result)
			if err != nil {
				return fmt.Sprintf("call #%d's recorded result does not decode: %v", e.Call, err)
			}
			p.results[e.Call] = x
		}
		p.done[e.Call] = true
	}
	return ""
}

// want describes the call the machine must wait on for p's results.
func (p *parallelProgress) want() string {
	return fmt.Sprintf("calls %s in parallel (%d calls)", p.name, len(p.results))
}

// waitsOn reports whether the replayed machine waits on p's call.
func (rp *replay) waitsOn(p *parallelProgress) bool {
	if rp.err != nil || rp.susp == nil {
		return false
	}
	call, err := ParseCall(rp.susp)
	return err == nil && call.Kind == CallParallel && call.Name == p.name && len(call.Calls) == len(p.results)
}
