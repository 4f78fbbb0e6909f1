package engine

// This file defines how the engine survives its own bugs: a panic while a
// step runs becomes an error wrapping vm.ErrInternal, and the step's
// instance fails with it.

import (
	"context"
	"time"

	"github.com/wf-lang/wf/vm"
)

// recoverInternal turns a panic into an error wrapping vm.ErrInternal
// that names where it happened. It must be deferred directly (defer
// recoverInternal(&err)): recover stops a panic only when called by the
// deferred function itself.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = panicError(r)
	}
}

// panicError wraps a recovered panic value as vm does.
func panicError(r any) error { return vm.InternalError(r) }

// failInternal fails the instance at head h because a step from it
// failed inside wf with cause; the version keeps referring to the last
// good state, so a rewind can retry once wf is fixed.
func (e *Engine) failInternal(ctx context.Context, h Head, cause error) error {
	st := e.successor(h, "internal error")
	in, v := &st.Instance, &st.Version
	fail(in, cause.Error())
	v.Status, v.Error, v.WaitingFor, v.Due, v.ActivitySeq = in.Status, in.Error, "", time.Time{}, 0
	st.Wake = time.Time{}
	_, err := e.store.Commit(ctx, st)
	return err
}
