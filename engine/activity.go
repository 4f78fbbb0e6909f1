package engine

// This file defines how an activity call runs: its failures as values a
// workflow catches, retry policies, the per-attempt timeout, and the
// activity builtin that sets them per call.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wf-lang/wf/vm"
)

// RetryPolicy says how often and when the engine calls an activity
// again after it fails. Each attempt, and how it ended, is a version in
// the instance's history; between attempts the instance sleeps (status
// sleeping, due at the next attempt) and a worker fires it, so a crash
// between attempts loses nothing. The zero policy makes one attempt.
type RetryPolicy struct {
	// Attempts is the most attempts, the first included; 0 or 1 for
	// one.
	Attempts int
	// Initial is the wait before the second attempt (default 1s); each
	// later wait is Backoff times the one before (default 2), at most
	// MaxInterval (default 100 × Initial).
	Initial     time.Duration
	Backoff     float64
	MaxInterval time.Duration
	// NonRetryable lists error kinds that end the call at once, as does
	// an ActivityError with NonRetryable set.
	NonRetryable []string
	// Timeout bounds each attempt: the activity's context ends after it,
	// and an attempt still running then fails with kind "timeout". 0 for
	// none (the step's own StepTimeout still applies).
	Timeout time.Duration
}

// ActivityError is an activity's failure. An activity returns one to give
// its failure a kind (the error's kind in the workflow) and to say
// whether another attempt could succeed; any other error has kind
// "activity_error", a panic too. When the last attempt fails, the
// workflow's call throws an error value of that kind, which a try/catch
// around the call handles; uncaught, it fails the instance. The engine
// fills in Name, Key and Attempt.
type ActivityError struct {
	Kind         string // the wf error kind; "activity_error" when empty
	Message      string
	NonRetryable bool // no further attempt, whatever the policy
	Name         string
	Key          string
	Attempt      int
	Err          error // the error the activity returned, if not an *ActivityError
}

// Error is the text the workflow's error value carries as its message.
func (e *ActivityError) Error() string {
	return fmt.Sprintf("activity %s (key %s) failed on attempt %d: %s", e.Name, e.Key, e.Attempt, e.Message)
}

// Unwrap returns the activity's own error.
func (e *ActivityError) Unwrap() error { return e.Err }

// kind is e's wf error kind.
func (e *ActivityError) kind() string {
	if e.Kind == "" {
		return "activity_error"
	}
	return e.Kind
}

// ActivityInfo describes the attempt an activity's Go function runs.
type ActivityInfo struct {
	Instance string
	Name     string
	Key      string // "<instance>:<seq>", the same for every attempt
	Attempt  int    // from 1
}

type infoKey struct{}

// ActivityInfoFrom returns the attempt an activity runs, from the context
// the engine passes it.
func ActivityInfoFrom(ctx context.Context) (ActivityInfo, bool) {
	info, ok := ctx.Value(infoKey{}).(ActivityInfo)
	return info, ok
}

// attempt is one call of an activity: the outcome, and when failed,
// whether and when to try again.
type attempt struct {
	reply vm.Value
	json  string
	fail  *ActivityError
	retry time.Time // zero: no further attempt
}

// runAttempt calls activity a for call, with key, under the policy.
func (e *Engine) runAttempt(ctx context.Context, a Activity, call Call, id, key string) (attempt, error) {
	pol := mergePolicy(a.Retry, call.Options)
	n := max(call.Attempt, 1)
	actx, cancel := ctx, context.CancelFunc(func() {})
	if pol.Timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, pol.Timeout)
	}
	actx = context.WithValue(actx, infoKey{}, ActivityInfo{Instance: id, Name: call.Name, Key: key, Attempt: n})
	v, err := callActivity(actx, a, key, call.Args)
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
	cancel()
	if ctx.Err() != nil {
		return attempt{}, ctx.Err()
	}
	var js []byte
	if err == nil {
		if js, err = ToJSON(v); err == nil {
			err = checkSize("the result", js, e.opts.MaxValue)
		}
		if err != nil {
			err = &ActivityError{Kind: vm.ErrValue, Message: err.Error(), NonRetryable: true}
		}
	}
	if err == nil {
		return attempt{reply: v, json: string(js)}, nil
	}
	ae := asActivityError(err, timedOut)
	ae.Name, ae.Key, ae.Attempt = call.Name, key, n
	at := attempt{fail: ae}
	if n < pol.Attempts && !ae.NonRetryable && !slices.Contains(pol.NonRetryable, ae.kind()) {
		at.retry = e.opts.Now().Add(pol.interval(n))
	}
	return at, nil
}

// asActivityError makes any error an activity returned an ActivityError.
func asActivityError(err error, timedOut bool) *ActivityError {
	var ae *ActivityError
	if errors.As(err, &ae) {
		c := *ae
		if c.Message == "" && c.Err != nil {
			c.Message = c.Err.Error()
		}
		return &c
	}
	if timedOut {
		return &ActivityError{Kind: "timeout", Message: "the attempt ran past its timeout: " + err.Error(), Err: err}
	}
	return &ActivityError{Message: err.Error(), Err: err}
}

// callActivity calls a.Fn; a panic in it is the activity's failure.
func callActivity(ctx context.Context, a Activity, key string, args []vm.Value) (v vm.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return a.Fn(ctx, key, args)
}

// interval is the wait after failed attempt n (from 1).
func (p RetryPolicy) interval(n int) time.Duration {
	d := float64(p.Initial) * math.Pow(p.Backoff, float64(n-1))
	if d > float64(p.MaxInterval) || math.IsInf(d, 0) || math.IsNaN(d) {
		return p.MaxInterval
	}
	return time.Duration(d)
}

// mergePolicy is the activity's policy with the call's options over it,
// and the defaults filled in.
func mergePolicy(p RetryPolicy, o callOptions) RetryPolicy {
	if o.attempts > 0 {
		p.Attempts = o.attempts
	}
	if o.initial > 0 {
		p.Initial = o.initial
	}
	if o.backoff > 0 {
		p.Backoff = o.backoff
	}
	if o.maxInterval > 0 {
		p.MaxInterval = o.maxInterval
	}
	if o.nonRetryable != nil {
		p.NonRetryable = o.nonRetryable
	}
	if o.timeout > 0 {
		p.Timeout = o.timeout
	}
	p.Attempts = max(p.Attempts, 1)
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Backoff < 1 {
		p.Backoff = 2
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = min(100*p.Initial, MaxDuration)
	}
	return p
}

// callOptions are the options of one activity(...) call.
type callOptions struct {
	attempts     int
	initial      time.Duration
	backoff      float64
	maxInterval  time.Duration
	nonRetryable []string
	timeout      time.Duration
}

// maxAttempts bounds a policy's attempts, so that a history stays small.
const maxAttempts = 1000

// parseOptions reads activity(...)'s options map, as the script wrote it
// (durations as wf durations) or as stored (seconds).
func parseOptions(v vm.Value) (callOptions, error) {
	var o callOptions
	if v.IsNil() {
		return o, nil
	}
	if v.Kind() != vm.KindMap {
		return o, fmt.Errorf("the options are a %s, not a map", v.TypeName())
	}
	var err error
	v.AsMap().Each(func(k, x vm.Value) bool {
		err = o.set(k, x)
		return err == nil
	})
	return o, err
}

// set reads one option.
func (o *callOptions) set(k, x vm.Value) error {
	name := vm.Str(k)
	dur := func(d *time.Duration) error {
		var err error
		*d, err = ParseDuration(x)
		return err
	}
	switch name {
	case "attempts":
		if x.Kind() != vm.KindInt || x.AsInt() < 1 || x.AsInt() > maxAttempts {
			return fmt.Errorf("attempts must be an int from 1 to %d, not %s", maxAttempts, vm.Repr(x))
		}
		o.attempts = int(x.AsInt())
		return nil
	case "backoff":
		f, ok := x.Number()
		if !ok || f < 1 || f > 100 {
			return fmt.Errorf("backoff must be a number from 1 to 100, not %s", vm.Repr(x))
		}
		o.backoff = f
		return nil
	case "initial":
		return dur(&o.initial)
	case "max_interval":
		return dur(&o.maxInterval)
	case "timeout":
		return dur(&o.timeout)
	case "non_retryable":
		return o.setKinds(x)
	}
	return fmt.Errorf("unknown option %s (options: attempts, initial, backoff, max_interval, non_retryable, timeout)", vm.Repr(k))
}

func (o *callOptions) setKinds(x vm.Value) error {
	if x.Kind() != vm.KindList {
		return fmt.Errorf("non_retryable must be a list of error kinds, not %s", vm.Repr(x))
	}
	o.nonRetryable = []string{}
	for _, k := range x.AsList().Elems {
		if k.Kind() != vm.KindString {
			return fmt.Errorf("non_retryable must be a list of error kinds, not %s", vm.Repr(x))
		}
		o.nonRetryable = append(o.nonRetryable, k.AsString())
	}
	return nil
}

// builtinActivity implements activity(fn, args[, options]): the call
// fn(args...) of a registered activity, with retry options.
func builtinActivity(acts []string) func(*vm.Machine, []vm.Value) (vm.Value, error) {
	return func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		var fn, list, opts vm.Value
		if err := vm.UnpackArgs("activity", args, "fn", &fn, "args", &list, "options?", &opts); err != nil {
			return vm.Nil, err
		}
		name, err := activityName("activity", fn, acts)
		if err != nil {
			return vm.Nil, err
		}
		if list.Kind() != vm.KindList {
			return vm.Nil, vm.Errorf(vm.ErrType, "activity: the arguments must be a list, not %s", list.TypeName())
		}
		if _, err := parseOptions(opts); err != nil {
			return vm.Nil, vm.Errorf(vm.ErrValue, "activity: %v", err)
		}
		req := activityRequest(list.AsList().Elems, opts, 1)
		return m.Suspend(name, req)
	}
}

// activityRequest is what a suspended activity call asks for, with its
// options and the attempt to run next: {"args", "options", "attempt"}.
// A plain call asks with the list of its arguments, as before options
// existed.
func activityRequest(args []vm.Value, opts vm.Value, attempt int) vm.Value {
	mp := vm.NewMap(3)
	mp.Set(vm.String("args"), vm.NewList(append([]vm.Value(nil), args...)))
	mp.Set(vm.String("options"), opts)
	mp.Set(vm.String("attempt"), vm.Int(int64(attempt)))
	return vm.MapValue(mp)
}

// parseActivity decodes an activity's stored request.
func parseActivity(s *vm.Suspension) (Call, error) {
	bad := func(why string) (Call, error) { return Call{}, &CallError{Host: s.Host, Why: why} }
	switch s.Request.Kind() {
	case vm.KindList:
		return Call{Kind: CallActivity, Name: s.Host, Args: s.Request.AsList().Elems, Attempt: 1}, nil
	case vm.KindMap:
	default:
		return bad("the arguments are a " + s.Request.TypeName() + ", not a list")
	}
	mp := s.Request.AsMap()
	args, _ := mp.GetString("args")
	opts, _ := mp.GetString("options")
	n, _ := mp.GetString("attempt")
	if args.Kind() != vm.KindList || n.Kind() != vm.KindInt || n.AsInt() < 1 || n.AsInt() > maxAttempts {
		return bad("the request is not {args, options, attempt}")
	}
	o, err := parseOptions(opts)
	if err != nil {
		return bad(err.Error())
	}
	return Call{Kind: CallActivity, Name: s.Host, Args: args.AsList().Elems, Attempt: int(n.AsInt()),
		Options: o, rawOptions: opts}, nil
}
