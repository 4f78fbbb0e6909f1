package engine

// This file defines the workflow builtins a .wf script calls (wait, sleep,
// now, input, instance_id and the registered activities) and Call, what a
// suspended workflow asks for.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wf-lang/wf/vm"
)

// Activity is a Go function a workflow calls like any function. The call
// suspends the workflow; the engine commits "activity pending", runs Fn
// with the idempotency key "<instance>:<seq>", and commits its result
// together with the workflow's progress up to its next block. A crash in
// between runs Fn again with the same key, so Fn must be idempotent per
// key (charge a card once per key, say). An error from Fn (or a panic) is
// the call's failure: retried under Retry, then thrown in the workflow as
// an error value it may catch (see ActivityError). ctx carries the
// attempt (ActivityInfoFrom).
type Activity struct {
	Name  string
	Fn    func(ctx context.Context, key string, args []vm.Value) (vm.Value, error)
	Retry RetryPolicy // the default for its calls; activity(fn, args, options) overrides it per call
}

// builtinNames are the engine's own host functions.
var builtinNames = []string{"wait", "sleep", "now", "input", "instance_id", "activity", "wait_any", "parallel", "start", "await"}

// BuiltinNames returns the names of the workflow builtins, to add to
// compiler.Options.Predeclared.
func BuiltinNames() []string { return append([]string(nil), builtinNames...) }

// Env is what the builtins of one run see.
type Env struct {
	ID    string           // instance_id()
	Input string           // input(), JSON; empty means nil
	Now   func() time.Time // now(); default time.Now
	// Clock, if set, is what now() reads instead of Now: recorded values
	// first, and it records what it gives (see Clock).
	Clock *Clock
	// Futures, if set, records the futures start() makes and numbers
	// them; by default they are numbered from 1.
	Futures *Futures
}

// Builtins returns the workflow builtins for one run, with activities
// (by name) that suspend the machine. wf run uses them to run a workflow
// without a store.
func Builtins(env Env, activities []string) []*vm.Builtin {
	clock := env.Clock
	if clock == nil {
		clock = NewClock(env.Now, nil)
	}
	futures := env.Futures
	if futures == nil {
		futures = NewFutures(1)
	}
	bs := []*vm.Builtin{
		{Name: "wait", Fn: builtinWait},
		{Name: "wait_any", Fn: builtinWaitAny},
		{Name: "sleep", Fn: builtinSleep},
		{Name: "now", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			if err := vm.UnpackArgs("now", args); err != nil {
				return vm.Nil, err
			}
			return vm.Float(clock.Now()), nil
		}},
		{Name: "input", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			return builtinInput(env.Input, args)
		}},
		{Name: "instance_id", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
			return vm.String(env.ID), vm.UnpackArgs("instance_id", args)
		}},
	}
	bs = append(bs, &vm.Builtin{Name: "activity", Fn: builtinActivity(activities)},
		&vm.Builtin{Name: "parallel", Fn: builtinParallel(activities)},
		&vm.Builtin{Name: "start", Fn: builtinStart(activities, futures)},
		&vm.Builtin{Name: "await", Fn: builtinAwait})
	for _, name := range activities {
		bs = append(bs, &vm.Builtin{Name: name, Fn: activityHost(name)})
	}
	return bs
}

// builtinWait implements wait(name[, timeout]): the value of the next
// signal called name, or nil when timeout passes first.
func builtinWait(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var name string
	timeout := vm.Nil
	if err := vm.UnpackArgs("wait", args, "name", &name, "timeout?", &timeout); err != nil {
		return vm.Nil, err
	}
	if err := checkName(name); err != nil {
		return vm.Nil, vm.Errorf(vm.ErrValue, "wait: the %v", err)
	}
	timeout, err := timeoutArg("wait", timeout, len(args) == 2)
	if err != nil {
		return vm.Nil, err
	}
	return m.Suspend("wait", vm.NewList([]vm.Value{args[0], timeout}))
}

// timeoutArg is a wait's timeout as its request stores it: nil for none,
// else seconds.
func timeoutArg(fn string, timeout vm.Value, given bool) (vm.Value, error) {
	if !given {
		return vm.Nil, nil
	}
	d, err := ParseDuration(timeout)
	if err != nil {
		return vm.Nil, vm.Errorf(vm.ErrValue, "%s: %v", fn, err)
	}
	return vm.Float(d.Seconds()), nil
}

// MaxWaitAny is the most signal names and futures one wait_any waits for.
const MaxWaitAny = 64

// builtinWaitAny implements wait_any(names[, timeout]): the first of the
// signals called one of names, as {"name": name, "value": value}, or
// {"name": nil, "value": nil} when timeout passes first. names may list
// futures too; the reply is then {"name", "future", "value", "error"}
// (WaitAnyFutureReply).
func builtinWaitAny(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var names *vm.List
	timeout := vm.Nil
	if err := vm.UnpackArgs("wait_any", args, "names", &names, "timeout?", &timeout); err != nil {
		return vm.Nil, err
	}
	if len(names.Elems) == 0 || len(names.Elems) > MaxWaitAny {
		return vm.Nil, vm.Errorf(vm.ErrValue, "wait_any: names must list 1 to %d signal names or futures, not %d", MaxWaitAny, len(names.Elems))
	}
	seen := map[string]bool{}
	for _, n := range names.Elems {
		if isFuture(n) {
			f, err := parseFuture(n)
			if err != nil {
				return vm.Nil, vm.Errorf(vm.ErrType, "wait_any: %v", err)
			}
			key := fmt.Sprintf("\n%d", f.seq) // no signal name has a newline
			if seen[key] {
				return vm.Nil, vm.Errorf(vm.ErrValue, "wait_any: the future %s is listed twice", f.name())
			}
			seen[key] = true
			continue
		}
		if n.Kind() != vm.KindString {
			return vm.Nil, vm.Errorf(vm.ErrType, "wait_any: a signal name is a string or a future, not %s", n.TypeName())
		}
		if err := checkName(n.AsString()); err != nil {
			return vm.Nil, vm.Errorf(vm.ErrValue, "wait_any: the %v", err)
		}
		if seen[n.AsString()] {
			return vm.Nil, vm.Errorf(vm.ErrValue, "wait_any: the signal name %q is listed twice", n.AsString())
		}
		seen[n.AsString()] = true
	}
	timeout, err := timeoutArg("wait_any", timeout, len(args) == 2)
	if err != nil {
		return vm.Nil, err
	}
	return m.Suspend("wait_any", vm.NewList([]vm.Value{vm.NewList(append([]vm.Value(nil), names.Elems...)), timeout}))
}

// WaitAnyReply is what wait_any returns: {"name": name, "value": value}.
func WaitAnyReply(name, value vm.Value) vm.Value {
	mp := vm.NewMap(2)
	mp.Set(vm.String("name"), name)
	mp.Set(vm.String("value"), value)
	return vm.MapValue(mp)
}

// builtinSleep implements sleep(duration), a durable timer.
func builtinSleep(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var duration vm.Value
	if err := vm.UnpackArgs("sleep", args, "duration", &duration); err != nil {
		return vm.Nil, err
	}
	d, err := ParseDuration(duration)
	if err != nil {
		return vm.Nil, vm.Errorf(vm.ErrValue, "sleep: %v", err)
	}
	return m.Suspend("sleep", vm.Float(d.Seconds()))
}

func builtinInput(input string, args []vm.Value) (vm.Value, error) {
	if err := vm.UnpackArgs("input", args); err != nil || input == "" {
		return vm.Nil, err
	}
	v, err := FromJSON([]byte(input))
	if err != nil {
		return vm.Nil, vm.Errorf(vm.ErrValue, "input: %v", err)
	}
	return v, nil
}

func activityHost(name string) func(*vm.Machine, []vm.Value) (vm.Value, error) {
	return func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		return m.Suspend(name, vm.NewList(append([]vm.Value(nil), args...)))
	}
}

// CallKind says what a suspended workflow waits for.
type CallKind string

// The call kinds.
const (
	CallWait     CallKind = "wait"
	CallSleep    CallKind = "sleep"
	CallActivity CallKind = "activity"
	CallParallel CallKind = "parallel" // parallel(fn, arg_lists): one activity, many calls
	CallAwait    CallKind = "await"    // await(f): a future's outcome
)

// Call is a workflow's pending request, decoded from its suspension.
type Call struct {
	Kind    CallKind
	Name    string        // the signal (wait) or activity name
	Names   []string      // wait and wait_any: the signal names (Name alone for wait)
	Any     bool          // wait_any: the reply is {"name", "value"}
	Timeout time.Duration // wait: -1 for none
	Sleep   time.Duration // sleep
	Args    []vm.Value    // activity arguments
	Calls   []vm.Value    // parallel: each call's argument list
	Attempt int           // activity: the attempt to run next, from 1
	Options callOptions   // activity: the call's options

	rawOptions vm.Value     // the options as the request holds them
	parallel   *parallelReq // parallel: the calls and their state

	request vm.Value   // the call's own request, inside the futures' envelope
	futures []*future  // the outstanding futures the envelope carries
	await   *future    // await: the future awaited
	items   []waitItem // wait_any listing futures: what it lists, in order
}

// waitItem is one thing a wait_any lists: a signal name or a future.
type waitItem struct {
	name string
	fut  *future
}

// ParseCall decodes a suspension made by the workflow builtins: wait
// asks with [name, timeout] (a non-empty string, and nil or seconds),
// sleep with seconds, an activity with the list of its arguments. A
// suspension comes back from stored state, so ParseCall checks every
// part's kind before reading it, and reports any other shape as a
// *CallError, which wraps ErrCorrupt.
func ParseCall(s *vm.Suspension) (Call, error) {
	req, fs, err := openEnvelope(s.Request)
	if err != nil {
		return Call{}, &CallError{Host: s.Host, Why: err.Error()}
	}
	c, err := parseOwn(&vm.Suspension{Host: s.Host, Request: req})
	c.request, c.futures = req, fs
	return c, err
}

// parseOwn decodes a call's own request, out of its envelope.
func parseOwn(s *vm.Suspension) (Call, error) {
	switch s.Host {
	case "await":
		f, err := parseFuture(s.Request)
		if err != nil {
			return Call{}, &CallError{Host: s.Host, Why: err.Error()}
		}
		return Call{Kind: CallAwait, Name: f.fn, await: f}, nil
	case "wait":
		return parseWait(s.Request)
	case "wait_any":
		return parseWaitAny(s.Request)
	case "parallel":
		return parseParallel(s)
	case "sleep":
		d, err := storedDuration(s.Request)
		if err != nil {
			return Call{}, &CallError{Host: s.Host, Why: err.Error()}
		}
		return Call{Kind: CallSleep, Sleep: d}, nil
	}
	return parseActivity(s)
}

// parseWait decodes wait's request, [name, timeout].
func parseWait(req vm.Value) (Call, error) {
	bad := func(why string) (Call, error) { return Call{}, &CallError{Host: "wait", Why: why} }
	if req.Kind() != vm.KindList || len(req.AsList().Elems) != 2 {
		return bad("the request is not a list [name, timeout]")
	}
	l := req.AsList().Elems
	if l[0].Kind() != vm.KindString {
		return bad("the signal name is a " + l[0].TypeName() + ", not a string")
	}
	if l[0].AsString() == "" {
		return bad("the signal name is empty")
	}
	c := Call{Kind: CallWait, Name: l[0].AsString(), Names: []string{l[0].AsString()}, Timeout: -1}
	return c.storedTimeout(l[1], bad)
}

// storedTimeout sets c's timeout from its stored form.
func (c Call) storedTimeout(t vm.Value, bad func(string) (Call, error)) (Call, error) {
	if !t.IsNil() {
		d, err := storedDuration(t)
		if err != nil {
			return bad("timeout: " + err.Error())
		}
		c.Timeout = d
	}
	return c, nil
}

// parseWaitAny decodes wait_any's request, [[names...], timeout].
func parseWaitAny(req vm.Value) (Call, error) {
	bad := func(why string) (Call, error) { return Call{}, &CallError{Host: "wait_any", Why: why} }
	if req.Kind() != vm.KindList || len(req.AsList().Elems) != 2 || req.AsList().Elems[0].Kind() != vm.KindList {
		return bad("the request is not a list [names, timeout]")
	}
	l := req.AsList().Elems
	c := Call{Kind: CallWait, Any: true, Timeout: -1}
	var items []waitItem
	for _, n := range l[0].AsList().Elems {
		if isFuture(n) {
			f, err := parseFuture(n)
			if err != nil {
				return bad(err.Error())
			}
			items = append(items, waitItem{fut: f})
			continue
		}
		if n.Kind() != vm.KindString || checkName(n.AsString()) != nil || slices.Contains(c.Names, n.AsString()) {
			return bad("a signal name is " + vm.Repr(n))
		}
		c.Names = append(c.Names, n.AsString())
		items = append(items, waitItem{name: n.AsString()})
	}
	if len(items) == 0 || len(items) > MaxWaitAny {
		return bad(fmt.Sprintf("it waits for %d names and futures", len(items)))
	}
	if len(items) > len(c.Names) {
		c.items = items
	}
	if len(c.Names) > 0 {
		c.Name = c.Names[0]
	}
	return c.storedTimeout(l[1], bad)
}

// waitingFor is the head's WaitingFor for a wait: its names, one a line.
func (c Call) waitingFor() string { return strings.Join(c.Names, "\n") }

// storedDuration reads a duration as wait and sleep store it: seconds, an
// int or a float. State stored before MaxDuration existed may hold up to
// time.Duration's 292 years; such a duration reads as MaxDuration.
func storedDuration(v vm.Value) (time.Duration, error) {
	var f float64
	switch v.Kind() {
	case vm.KindInt:
		f = float64(v.AsInt())
	case vm.KindFloat:
		f = v.AsFloat()
	default:
		return 0, fmt.Errorf("a duration is a number of seconds, not a %s", v.TypeName())
	}
	d, err := seconds(f, math.MaxInt64)
	return min(d, MaxDuration), err
}

// CallError reports a suspension whose request does not have the shape
// its builtin gives it: state stored by something else, or changed in the
// database. The instance is left as it is.
type CallError struct {
	Host string // the host function the machine waits on
	Why  string
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%v: the machine waits on %s, but %s", ErrCorrupt, e.Host, e.Why)
}

// Unwrap makes errors.Is(err, ErrCorrupt) hold.
func (e *CallError) Unwrap() error { return ErrCorrupt }

// String describes the call for people: `signal "approval"`, ...
func (c Call) String() string {
	switch c.Kind {
	case CallWait:
		if c.items != nil {
			return "any of " + c.listed()
		}
		if c.Any {
			return fmt.Sprintf("any of signals %q", c.Names)
		}
		return fmt.Sprintf("signal %q", c.Name)
	case CallSleep:
		return "timer " + c.Sleep.String()
	}
	if c.Kind == CallParallel {
		return fmt.Sprintf("activity %s, %d calls in parallel", c.Name, len(c.parallel.calls))
	}
	if c.Kind == CallAwait {
		return "future " + c.await.name()
	}
	return "activity " + c.Name
}

// listed describes what a wait_any with futures lists: `signal "cancel",
// future charge (seq 3)`.
func (c Call) listed() string {
	parts := make([]string, len(c.items))
	for i, it := range c.items {
		if it.fut != nil {
			parts[i] = "future " + it.fut.name()
		} else {
			parts[i] = fmt.Sprintf("signal %q", it.name)
		}
	}
	return strings.Join(parts, ", ")
}
