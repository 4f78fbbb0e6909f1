package engine

// This file hands a stored version to a debugger.

import (
	"context"
	"fmt"

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
	return &DebugPoint{Instance: h.Instance, Version: v, Program: prog, Source: p.Source, Snapshot: v.Snapshot,
		Hosts: Builtins(Env{ID: h.Instance.ID, Input: h.Instance.Input, Now: e.opts.Now}, e.actNames)}, nil
}
