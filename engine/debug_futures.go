package engine

// This file defines how a debugger's replay follows futures: a version's
// futures' attempts become a change of the waiting machine's state (its
// futures' maps, as the step changed them) made before the reply, and an
// await or wait_any answered with a future gets its reply from those
// maps, so a debugger steps across a future's completion with the
// values the instance had.

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// debugFutures gathers the futures' attempts of the versions a debugger
// replays, in order.
type debugFutures struct {
	e    *Engine
	prog *compiler.Program
	in   Instance
	ends []futureEnd // every attempt recorded so far
}

// read cuts version v's futures' notes off its reason and keeps its
// record; it returns v with its own reason ("" when the step only made
// attempts) and detail value, or ok=false when v's attempts are not
// recorded or do not read.
func (d *debugFutures) read(v Version) (Version, bool) {
	own := v
	value, _ := SplitDetail(v.Detail)
	_, record, has := cutFutures(strings.SplitN(v.Detail, nowMark, 2)[0])
	if !has {
		return v, !noteReason.MatchString(v.Reason)
	}
	ends, err := futuresOf(record)
	if err != nil {
		return v, false
	}
	rest := v.Reason
	for _, end := range ends {
		if end.Cancelled {
			continue
		}
		fn, _, _ := strings.Cut(strings.TrimPrefix(rest, "future "), " ")
		g := &future{m: vm.NewMap(9), seq: end.Seq, fn: fn, attempt: end.Attempt - 1, state: futurePending}
		note, err := g.apply(end, vm.Nil)
		if err != nil || !strings.HasPrefix(rest, note) {
			return v, false
		}
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, note), "; ")
	}
	d.ends = append(d.ends, ends...)
	own.Reason, own.Detail = rest, value
	return own, true
}

// edit is the change, before the reply of version n, that gives the
// waiting machine's futures every attempt recorded up to n.
func (d *debugFutures) edit(n int64) Edit {
	ends := slices.Clone(d.ends)
	return Edit{Version: n, Name: "futures", Apply: func(snap []byte) ([]byte, error) { return d.applyTo(snap, ends) }}
}

// applyTo gives the futures the machine in snap can reach where it
// waits (those it carries, awaits or lists) the attempts in ends that
// they have not had yet, and returns its new snapshot.
func (d *debugFutures) applyTo(snap []byte, ends []futureEnd) ([]byte, error) {
	// A machine of its own options: an engine run's would start the
	// step count afresh, and the debugger's timeline counts on it.
	m, err := vm.Restore(d.prog, snap, vm.Options{Hosts: Builtins(Env{ID: d.in.ID, Input: d.in.Input}, d.e.actNames)})
	if err != nil {
		return nil, err
	}
	susp, ok := m.Pending()
	if !ok {
		return snap, nil
	}
	call, err := ParseCall(susp)
	if err != nil {
		return nil, err
	}
	fs := reachable(call)
	for _, end := range ends {
		if f := fs[end.Seq]; f != nil {
			giveEnd(f, end)
		}
	}
	return m.Snapshot(vm.SnapshotOptions{})
}

// reachable returns the futures call carries, awaits or lists, by
// sequence number, each decoded once.
func reachable(call Call) map[int64]*future {
	call.bind(call.futures)
	fs := map[int64]*future{}
	for _, f := range call.futures {
		fs[f.seq] = f
	}
	if call.await != nil {
		fs[call.await.seq] = call.await
	}
	for _, it := range call.items {
		if it.fut != nil {
			fs[it.fut.seq] = it.fut
		}
	}
	return fs
}

// giveEnd applies one recorded attempt to f, unless f has had it.
func giveEnd(f *future, end futureEnd) {
	switch {
	case end.Cancelled:
		if f.state == futurePending {
			f.cancel(time.UnixMilli(end.At))
		}
		return
	case f.state != futurePending || end.Attempt != f.attempt+1:
		return
	}
	value := vm.Nil
	if end.Kind == "" {
		x, err := FromJSON(end.Result)
		if err != nil {
			return
		}
		value = x
	}
	f.apply(end, value)
}

// futureAnswer is the answer of a version whose own reason is an await
// or a wait_any answered with a future, or a wait_any that lists futures
// answered with a signal or its timeout, read from the machine waiting
// there; ok is false for any other version.
func futureAnswer(v Version) (func(*vm.Suspension) (vm.Value, *vm.Error, error), bool) {
	r := v.Reason
	switch {
	case awaitReason.MatchString(r):
		return func(s *vm.Suspension) (vm.Value, *vm.Error, error) {
			call, err := ParseCall(s)
			if err != nil || call.Kind != CallAwait || call.await.state == futurePending {
				return vm.Nil, nil, errors.New("the run does not await the future the instance got: " + r)
			}
			x, err := call.await.outcome()
			var e *vm.Error
			if errors.As(err, &e) {
				return vm.Nil, e, nil
			}
			return x, nil, nil
		}, true
	case anyFutureReason.MatchString(r):
		seq := anyFutureReason.FindStringSubmatch(r)[2]
		return func(s *vm.Suspension) (vm.Value, *vm.Error, error) {
			call, err := ParseCall(s)
			if err == nil {
				for _, it := range call.items {
					if it.fut != nil && it.fut.state != futurePending && fmtSeq(it.fut) == seq {
						return futureReply(it.fut), nil, nil
					}
				}
			}
			return vm.Nil, nil, errors.New("the run does not wait for the future the instance got: " + r)
		}, true
	case anySignalReason.MatchString(r):
		x, err := FromJSON([]byte(v.Detail))
		if err != nil {
			return nil, false
		}
		name := anySignalReason.FindStringSubmatch(r)[1]
		return func(*vm.Suspension) (vm.Value, *vm.Error, error) {
			return WaitAnyFutureReply(vm.String(name), vm.Nil, x, vm.Nil), nil, nil
		}, true
	case strings.HasPrefix(r, "wait_any for ") && strings.HasSuffix(r, " timed out"):
		return func(s *vm.Suspension) (vm.Value, *vm.Error, error) {
			if call, err := ParseCall(s); err == nil && call.items != nil {
				return WaitAnyFutureReply(vm.Nil, vm.Nil, vm.Nil, vm.Nil), nil, nil
			}
			return WaitAnyReply(vm.Nil, vm.Nil), nil, nil
		}, true
	}
	return nil, false
}

// fmtSeq is f's sequence number as a reason writes it.
func fmtSeq(f *future) string { return strconv.FormatInt(f.seq, 10) }
