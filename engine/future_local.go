package engine

// This file defines how a run without an engine (wf run) answers the
// calls that involve futures: each future completes when the script
// first waits on it, with the result a stand-in gives.

import "github.com/wf-lang/wf/vm"

// LocalAnswers stand in for signals and activities in a run without an
// engine.
type LocalAnswers interface {
	// Signal returns the value given for the next signal called name,
	// if one was given.
	Signal(name string) (vm.Value, bool)
	// Result returns an activity call's result (call.Name, call.Args).
	Result(call Call) (vm.Value, error)
}

// AnswerFutures answers call in a run without an engine, when it is an
// await or a wait_any that lists futures, and reports whether it did.
// await completes its future with a's result. wait_any returns the first
// listed future already completed, else the first listed signal a has a
// value for, else completes the first listed future.
func AnswerFutures(call Call, a LocalAnswers) (vm.Value, bool, error) {
	switch {
	case call.Kind == CallAwait:
		f := call.await
		if err := completeLocally(f, a); err != nil {
			return vm.Nil, true, err
		}
		v, err := f.outcome()
		return v, true, err
	case call.Kind != CallWait || call.items == nil:
		return vm.Nil, false, nil
	}
	for _, it := range call.items {
		if it.fut != nil && it.fut.state != futurePending {
			return futureReply(it.fut), true, nil
		}
	}
	for _, it := range call.items {
		if v, ok := a.Signal(it.name); it.fut == nil && ok {
			return WaitAnyFutureReply(vm.String(it.name), vm.Nil, v, vm.Nil), true, nil
		}
	}
	for _, it := range call.items {
		if it.fut != nil {
			err := completeLocally(it.fut, a)
			return futureReply(it.fut), true, err
		}
	}
	return vm.Nil, false, nil
}

// completeLocally completes the pending future f with a's result.
func completeLocally(f *future, a LocalAnswers) error {
	if f.state != futurePending {
		return nil
	}
	v, err := a.Result(Call{Kind: CallActivity, Name: f.fn, Args: f.args, Attempt: 1})
	if err != nil {
		return err
	}
	f.attempt++
	f.state, f.value = futureDone, v
	f.store()
	return nil
}
