package wftest

// This file defines workflow tests: a test file beside a durable
// workflow starts instances of it on an engine of its own, with a clock
// that moves only when the test says.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// ErrWorkflow is the kind of error a workflow test function throws when
// the engine refuses what it asked.
const ErrWorkflow = "workflow_error"

// workflowNames are the functions a test of a workflow may call.
var workflowNames = []string{"workflow_stub", "workflow_start", "workflow_signal", "workflow_advance",
	"workflow_status", "workflow_output", "workflow_cancel"}

// epoch is where a test's clock starts.
var epoch = time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

// usesWorkflow reports whether f calls one of the engine's workflow
// builtins (wait, sleep, input, ...) without declaring it.
func usesWorkflow(f *lang.File) bool {
	declared, calls := map[string]bool{}, false
	for _, st := range f.Stmts {
		if name := lang.Declared(st); name != "" {
			declared[name] = true
		}
	}
	for _, st := range f.Stmts {
		lang.Inspect(st, func(n lang.Node) bool {
			if c, ok := n.(*lang.CallExpr); ok {
				if id, ok := c.Fn.(*lang.Ident); ok && isEngineBuiltin(id.Name) && !declared[id.Name] {
					calls = true
				}
			}
			return !calls
		})
	}
	return calls
}

func isEngineBuiltin(name string) bool {
	for _, b := range engine.BuiltinNames() {
		if b == name {
			return true
		}
	}
	return false
}

// harness is the engine one test (or the top level) drives: a SQLite
// database in a directory of its own, a clock that starts at epoch, and
// activity stubs.
type harness struct {
	prog  source // the workflow
	dir   string
	e     *engine.Engine
	now   time.Time
	stubs []engine.Activity
	n     int // instances started, for their ids
}

// close closes the engine and removes its database.
func (h *harness) close() {
	if h.e != nil {
		h.e.Close()
	}
	if h.dir != "" {
		os.RemoveAll(h.dir)
	}
}

func (h *harness) builtins() []*vm.Builtin {
	return []*vm.Builtin{
		{Name: "workflow_stub", Fn: h.stub},
		{Name: "workflow_start", Fn: h.start},
		{Name: "workflow_signal", Fn: h.signal},
		{Name: "workflow_advance", Fn: h.advance},
		{Name: "workflow_status", Fn: h.status},
		{Name: "workflow_output", Fn: h.output},
		{Name: "workflow_cancel", Fn: h.cancel},
	}
}

// engine opens the engine on first use, with the stubs declared so far.
func (h *harness) engine() (*engine.Engine, error) {
	if h.e != nil {
		return h.e, nil
	}
	dir, err := os.MkdirTemp("", "wftest")
	if err != nil {
		return nil, err
	}
	h.dir, h.now = dir, epoch
	h.e, err = engine.Open(filepath.Join(dir, "wf.db"), engine.Options{
		Activities: h.stubs,
		Now:        func() time.Time { return h.now },
		NewID:      func() string { h.n++; return fmt.Sprintf("w%d", h.n) },
	}, engine.SQLiteOptions{})
	return h.e, err
}

// wfErr wraps an engine error as a wf error the test can see.
func wfErr(fn string, err error) error {
	return vm.Errorf(ErrWorkflow, "%s: %v", fn, err)
}

func want(fn string, args []vm.Value, min, max int) error {
	if len(args) < min || len(args) > max {
		return vm.Errorf(vm.ErrArgs, "%s takes %d to %d arguments, got %d", fn, min, max, len(args))
	}
	return nil
}

// stub(name, result) makes the activity name return result, for every
// instance started after it.
func (h *harness) stub(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if err := want("workflow_stub", args, 2, 2); err != nil {
		return vm.Nil, err
	}
	if h.e != nil {
		return vm.Nil, vm.Errorf(ErrWorkflow, "workflow_stub: stub activities before the first workflow_start")
	}
	if args[1].Kind() == vm.KindError { // every call fails so
		e := args[1].AsError()
		h.stubs = append(h.stubs, engine.Activity{Name: vm.Str(args[0]),
			Fn: func(context.Context, string, []vm.Value) (vm.Value, error) {
				return vm.Nil, &engine.ActivityError{Kind: e.Kind, Message: e.Msg}
			}})
		return vm.Nil, nil
	}
	result, err := engine.ToJSON(args[1])
	if err != nil {
		return vm.Nil, wfErr("workflow_stub", err)
	}
	h.stubs = append(h.stubs, engine.Activity{Name: vm.Str(args[0]),
		Fn: func(context.Context, string, []vm.Value) (vm.Value, error) { return engine.FromJSON(result) }})
	return vm.Nil, nil
}

// start([input]) starts an instance of the workflow and runs it until it
// first waits, sleeps or ends; it returns the instance's id.
func (h *harness) start(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if err := want("workflow_start", args, 0, 1); err != nil {
		return vm.Nil, err
	}
	var input []byte
	if len(args) == 1 {
		var err error
		if input, err = engine.ToJSON(args[0]); err != nil {
			return vm.Nil, wfErr("workflow_start", err)
		}
	}
	e, err := h.engine()
	if err != nil {
		return vm.Nil, wfErr("workflow_start", err)
	}
	id, err := e.Start(context.Background(), h.prog.path, h.prog.src, input)
	if err != nil {
		return vm.Nil, wfErr("workflow_start", err)
	}
	return vm.String(id), nil
}

// signal(id, name, value) sends a signal and runs the instance on.
func (h *harness) signal(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if err := want("workflow_signal", args, 3, 3); err != nil {
		return vm.Nil, err
	}
	value, err := engine.ToJSON(args[2])
	if err == nil {
		err = h.needEngine()
	}
	if err == nil {
		_, err = h.e.Signal(context.Background(), vm.Str(args[0]), vm.Str(args[1]), value)
	}
	if err != nil {
		return vm.Nil, wfErr("workflow_signal", err)
	}
	return vm.Nil, nil
}

// advance(id, duration) moves the clock on and runs the instance through
// the timers and timeouts now due.
func (h *harness) advance(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if err := want("workflow_advance", args, 2, 2); err != nil {
		return vm.Nil, err
	}
	d, err := engine.ParseDuration(args[1])
	if err != nil {
		return vm.Nil, err
	}
	if err := h.needEngine(); err != nil {
		return vm.Nil, wfErr("workflow_advance", err)
	}
	h.now = h.now.Add(d)
	if err := h.e.Advance(context.Background(), vm.Str(args[0])); err != nil {
		return vm.Nil, wfErr("workflow_advance", err)
	}
	return vm.Nil, nil
}

// cancel(id) cancels an instance; its catch and finally blocks run.
func (h *harness) cancel(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if err := want("workflow_cancel", args, 1, 1); err != nil {
		return vm.Nil, err
	}
	err := h.needEngine()
	if err == nil {
		err = h.e.Cancel(context.Background(), vm.Str(args[0]))
	}
	if err != nil {
		return vm.Nil, wfErr("workflow_cancel", err)
	}
	return vm.Nil, nil
}

// status(id) is the instance's status: "waiting", "sleeping",
// "completed", "failed", ...
func (h *harness) status(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	head, err := h.head("workflow_status", args)
	if err != nil {
		return vm.Nil, err
	}
	return vm.String(string(head.Status)), nil
}

// output(id) is everything the instance has printed.
func (h *harness) output(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	head, err := h.head("workflow_output", args)
	if err != nil {
		return vm.Nil, err
	}
	return vm.String(head.Output), nil
}

func (h *harness) head(fn string, args []vm.Value) (engine.Head, error) {
	if err := want(fn, args, 1, 1); err != nil {
		return engine.Head{}, err
	}
	if err := h.needEngine(); err != nil {
		return engine.Head{}, wfErr(fn, err)
	}
	head, err := h.e.Store().Head(context.Background(), vm.Str(args[0]))
	if err != nil {
		return engine.Head{}, wfErr(fn, err)
	}
	return head, nil
}

func (h *harness) needEngine() error {
	if h.e == nil {
		return fmt.Errorf("no workflow started")
	}
	return nil
}
