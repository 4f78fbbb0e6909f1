package engine

// This file defines Query: reading a value from an instance's current
// state, a global or what a function of the workflow returns, without
// changing the instance.

import (
	"context"
	"errors"
	"fmt"

	"github.com/wf-lang/wf/vm"
)

// ErrNoQuery is wrapped when a query names no global of the workflow, or
// one that holds no value yet.
var ErrNoQuery = errors.New("no such global")

// Query reads instance id's global called name from its head state: the
// value itself, or, for a function, what calling it with args returns
// (a query handler, such as fn status() { return {"paid": paid} }). It
// runs on a copy restored from the stored snapshot and commits nothing:
// what the function prints is dropped, and a function that waits,
// sleeps or calls an activity fails the query, not the instance. The
// function runs under the step budgets and StepTimeout.
func (e *Engine) Query(ctx context.Context, id, name string, args []vm.Value) (vm.Value, error) {
	h, err := e.store.State(ctx, id)
	if err != nil {
		return vm.Nil, err
	}
	if h.Snapshot == nil {
		return vm.Nil, fmt.Errorf("instance %s is %s and keeps no state to query", id, h.Status)
	}
	prog, err := e.program(ctx, h.Program)
	if err != nil {
		return vm.Nil, fmt.Errorf("instance %s: %w: %v", id, ErrCorrupt, err)
	}
	r, err := e.machine(ctx, prog, h.Instance, h.Snapshot)
	if err != nil {
		return vm.Nil, fmt.Errorf("instance %s version %d: %w", id, h.Version, err)
	}
	defer r.cancel()
	v, ok := r.m.Global(name)
	if !ok {
		return vm.Nil, fmt.Errorf("instance %s: %w %q (or it holds no value yet)", id, ErrNoQuery, name)
	}
	if v.Kind() != vm.KindFunc {
		if len(args) > 0 {
			return vm.Nil, fmt.Errorf("instance %s: %s is a %s, not a function to call with arguments", id, name, v.TypeName())
		}
		return v, nil
	}
	v, err = r.m.Call(v, args...)
	if err != nil {
		return vm.Nil, fmt.Errorf("query %s on instance %s: %w", name, id, err)
	}
	return v, nil
}
