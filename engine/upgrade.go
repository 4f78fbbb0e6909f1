package engine

// This file defines Upgrade: moving running instances onto a new version
// of their workflow, or onto the code a newer wf generates for the same
// one. Each instance's state is read through the upgrade map stored with
// its program (vm.Upgrade does the moving); a moved instance gets a new
// version, "upgraded <old> → <new>", which a rewind undoes. An instance
// that cannot move stays as it is, on its old program.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// UpgradeOptions choose the instances to upgrade: IDs, every unfinished
// instance (All), or every unfinished instance of one program (Program,
// a hash or a prefix of one). DryRun reports what would happen and
// changes nothing.
type UpgradeOptions struct {
	IDs     []string
	All     bool
	Program string
	DryRun  bool
}

// UpgradeResult is one instance's outcome. Verdict is vm's ("ok", "ok
// with hook", "needs hook", "cannot move"), or "current" for an instance
// on the new program already, "busy" for one another worker holds (try
// again), "error" for one whose state could not be read.
type UpgradeResult struct {
	ID       string       `json:"id"`
	From     string       `json:"from"`
	To       string       `json:"to"`
	Verdict  string       `json:"verdict"`
	Reason   string       `json:"reason,omitempty"`
	Problems []vm.Problem `json:"problems,omitempty"`
	Version  int64        `json:"version,omitempty"` // the version committed; 0 in a dry run or when it did not move
}

// Moved reports whether the instance can move (dry run) or moved.
func (r UpgradeResult) Moved() bool {
	return r.Verdict == vm.Moves.String() || r.Verdict == vm.MovesWithHook.String() || r.Verdict == "current"
}

// upgradeRetries bounds the retries of one instance whose head moved
// (a signal, a worker's step) between reading and committing it.
const upgradeRetries = 8

// Upgrade compiles src (file names it) and moves the chosen instances
// onto it, or, with DryRun, reports whether each could move. Results
// come in the order of the instances; an error is returned only when
// nothing could be tried (src does not compile, the selection fails).
func (e *Engine) Upgrade(ctx context.Context, file string, src []byte, o UpgradeOptions) (_ []UpgradeResult, err error) {
	defer recoverInternal(&err)
	prog, err := e.upgradeTarget(ctx, file, src, o.DryRun)
	if err != nil {
		return nil, err
	}
	ids, err := e.selectInstances(ctx, o)
	if err != nil {
		return nil, err
	}
	out := make([]UpgradeResult, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, e.upgradeOne(ctx, id, prog, o.DryRun))
	}
	return out, nil
}

// upgradeTarget compiles the new program; stored, unless in a dry run.
func (e *Engine) upgradeTarget(ctx context.Context, file string, src []byte, dry bool) (*compiler.Program, error) {
	if !dry {
		return e.Compile(ctx, file, src)
	}
	return compiler.CompileSource(file, src, compiler.Options{Predeclared: e.predeclared(nil)})
}

// selectInstances lists the ids UpgradeOptions choose.
func (e *Engine) selectInstances(ctx context.Context, o UpgradeOptions) ([]string, error) {
	if !o.All && o.Program == "" {
		if len(o.IDs) == 0 {
			return nil, errors.New("upgrade: name instances, all of them, or a program")
		}
		return o.IDs, nil
	}
	list, err := e.store.List(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, in := range list {
		if !in.Status.Final() && strings.HasPrefix(in.Program, o.Program) {
			ids = append(ids, in.ID)
		}
	}
	return ids, nil
}

// upgradeOne moves (or plans to move) one instance, retrying when its
// head moves under it.
func (e *Engine) upgradeOne(ctx context.Context, id string, prog *compiler.Program, dry bool) UpgradeResult {
	to := fmt.Sprintf("%x", prog.Hash)
	res := UpgradeResult{ID: id, To: to}
	for range upgradeRetries {
		h, err := e.liveHead(ctx, id)
		if err != nil {
			return failed(res, err)
		}
		res.From = h.Program
		if h.Program == to {
			res.Verdict = "current"
			return res
		}
		res, err = e.upgradeHead(ctx, h, prog, res, dry, nil)
		if !errors.Is(err, ErrConflict) {
			return failed(res, err)
		}
	}
	res.Verdict, res.Reason = "busy", "the instance kept changing; try again"
	return res
}

func failed(res UpgradeResult, err error) UpgradeResult {
	if err != nil {
		res.Verdict, res.Reason = "error", err.Error()
	}
	return res
}

// upgradeHead moves the state of head h. It returns ErrConflict when the
// head moved before the commit. A worker that holds the instance's lease
// passes itself as who; otherwise the upgrade takes the lease for its
// commit (an instance another worker holds is "busy").
func (e *Engine) upgradeHead(ctx context.Context, h Head, prog *compiler.Program, res UpgradeResult, dry bool, who *holder) (UpgradeResult, error) {
	if h.Snapshot == nil {
		return res, fmt.Errorf("instance %s has no state to upgrade", h.ID)
	}
	old, err := e.programMap(ctx, h.Program)
	if err != nil {
		return res, fmt.Errorf("instance %s: %w", h.ID, err)
	}
	out := &output{max: e.opts.MaxOutput}
	opts := vm.Options{Stdout: out, Context: ctx, MaxSteps: e.opts.MaxSteps, MaxAlloc: e.opts.MaxAlloc, FreshBudgets: true,
		Hosts: Builtins(Env{ID: h.ID, Input: h.Input, Now: e.opts.Now}, e.actNames)}
	if dry {
		rep, err := vm.PlanUpgrade(prog, old, h.Snapshot, opts)
		return withReport(res, rep), err
	}
	var token int64 // the lease token the commit is fenced by
	if who == nil {
		owner := e.newHolder("upgrade-", e.opts.Lease)
		now := e.opts.Now()
		tok, err := e.store.TakeLease(ctx, h.ID, h.Version, owner.owner, now, now.Add(owner.d))
		if err != nil || tok == 0 {
			if err == nil {
				res.Verdict, res.Reason = "busy", "another worker holds the instance; try again"
			}
			return res, err
		}
		token = tok
		defer func() { _ = e.release(ctx, h, owner.owner) }() // a no-op once the commit moved the version
	} else {
		token = fence(h, *who, e.opts.Now())
	}
	moved, rep, err := vm.Upgrade(prog, old, h.Snapshot, opts)
	res = withReport(res, rep)
	if errors.Is(err, vm.ErrCannotMove) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	st := e.successor(h, fmt.Sprintf("upgraded %s → %s", short(h.Program), short(res.To)))
	st.Instance.Program = res.To
	st.Version.SnapVersion, st.Version.Snapshot, st.Version.Printed = st.Version.Number, moved, out.String()
	if who != nil {
		st.Lease = who.lease(st.Instance.Updated)
	}
	st.Fence = token
	if _, err := e.store.Commit(ctx, st); err != nil {
		return res, err
	}
	res.Version = st.Version.Number
	return res, nil
}

// release gives back the lease an upgrade took, leaving the instance as
// it was.
func (e *Engine) release(ctx context.Context, h Head, owner string) error {
	return e.store.Snooze(ctx, h.ID, h.Version, owner, opWake(h.Instance, h.Snapshot, e.opts.Now()))
}

func withReport(res UpgradeResult, rep *vm.Report) UpgradeResult {
	if rep == nil {
		return res
	}
	res.Verdict, res.Reason, res.Problems = rep.Verdict.String(), rep.Reason(), rep.Problems
	return res
}

func short(hash string) string { return hash[:min(len(hash), 12)] }

// programMap returns the upgrade map of a stored program: the one stored
// with it, or, for a program stored before maps were kept, the map of
// its source compiled now if that gives the same program.
func (e *Engine) programMap(ctx context.Context, hash string) (*compiler.Map, error) {
	e.mu.Lock()
	m := e.maps[hash]
	e.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := e.loadMap(ctx, hash)
	if err == nil {
		e.mu.Lock()
		e.maps[hash] = m
		e.mu.Unlock()
	}
	return m, err
}

// loadMap reads or makes a program's upgrade map (programMap).
func (e *Engine) loadMap(ctx context.Context, hash string) (*compiler.Map, error) {
	p, err := e.store.Program(ctx, hash)
	if err != nil {
		return nil, err
	}
	if p.Map != nil {
		return compiler.DecodeMap(p.Map)
	}
	prog, err := e.program(ctx, hash)
	if err != nil {
		return nil, err
	}
	if fmt.Sprintf("%x", prog.Hash) != hash {
		return nil, fmt.Errorf("program %s was stored by a wf of another bytecode version that kept no upgrade map: %w", short(hash), ErrOtherBytecode)
	}
	return prog.Map(), nil
}

// rebuild moves an instance stored by a wf of another bytecode version
// onto the code this wf generates for the same source, as a version of
// its own, before who steps it; it returns the new head.
func (e *Engine) rebuild(ctx context.Context, h Head, prog *compiler.Program, who holder) (Head, error) {
	p, err := e.store.Program(ctx, h.Program)
	if err != nil {
		return h, err
	}
	to := fmt.Sprintf("%x", prog.Hash)
	if err := e.store.PutProgram(ctx, Program{Hash: to, File: p.File, Source: p.Source, Hosts: p.Hosts, Map: prog.Map().Encode()}); err != nil {
		return h, err
	}
	res, err := e.upgradeHead(ctx, h, prog, UpgradeResult{ID: h.ID, From: h.Program, To: to}, false, &who)
	if err == nil && res.Version == 0 {
		err = fmt.Errorf("%w: %s", vm.ErrCannotMove, res.Reason)
	}
	if err != nil && !errors.Is(err, ErrOtherBytecode) {
		err = fmt.Errorf("%w (this wf runs %s): %w", ErrOtherBytecode, compiler.BytecodeVersion, err)
	}
	if err != nil {
		return h, fmt.Errorf("instance %s version %d: %w: %w", h.ID, h.Version, ErrCorrupt, err)
	}
	return e.store.State(ctx, h.ID)
}

// Using returns the instances f selects whose state takes the version
// marker name: version(name) is true in them (they started on a program
// that asks for it, and were not upgraded onto it from one that did
// not). It reads each instance's head state.
func (e *Engine) Using(ctx context.Context, name string, f Filter) ([]Instance, error) {
	limit := f.Limit
	f.Limit = 0
	list, err := e.List(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []Instance
	for _, in := range list {
		if limit > 0 && len(out) == limit {
			break
		}
		h, err := e.store.State(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if h.Snapshot == nil {
			continue
		}
		mk, err := vm.Markers(h.Snapshot)
		if err != nil {
			return nil, fmt.Errorf("instance %s: %w: %w", in.ID, ErrCorrupt, err)
		}
		if mk[name] {
			out = append(out, in)
		}
	}
	return out, nil
}
