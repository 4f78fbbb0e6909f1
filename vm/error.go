package vm

// This file defines wf error values and the Go errors the VM returns.

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/wf-lang/wf/lang"
)

// Error kinds of the runtime errors the VM and the standard library throw.
// A .wf program sees them as e.kind.
const (
	ErrType          = "type_error"
	ErrValue         = "value_error"
	ErrName          = "name_error"
	ErrIndex         = "index_error"
	ErrKey           = "key_error"
	ErrZeroDivision  = "zero_division"
	ErrOverflow      = "overflow"
	ErrArgs          = "argument_error"
	ErrStackOverflow = "stack_overflow"
	ErrGenerator     = "generator_error"
	ErrGeneratorExit = "generator_exit" // what g.close() throws into g
	ErrCoroutine     = "coroutine_error"
	ErrLimit         = "limit_exceeded"
	ErrCancelled     = "cancelled"
	ErrUser          = "error" // error(msg) without a kind
)

// Error is a wf error value: what runtime errors throw and what error()
// creates. It is also a Go error, so builtins return it directly.
type Error struct {
	Kind  string
	Msg   string
	Trace []TraceEntry // filled when the error is thrown, innermost call last
	// fatal marks the runtime's own stops (a budget ran out, the embedder
	// cancelled the run), which no try/catch may intercept. An error a
	// program or a host makes with one of those kinds is an ordinary one.
	fatal bool
	dirty bool  // changed since the machine's base snapshot (track.go)
	snap  int32 // the error's index in the snapshot being written, if it checks out (ptrindex.go)
}

func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	return e.Kind + ": " + e.Msg
}

// errorf returns a new *Error of the given kind.
// Errors of kind limit_exceeded or cancelled made here are the runtime's
// own stops, which cannot be caught.
func errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), fatal: kind == ErrLimit || kind == ErrCancelled}
}

// Errorf returns a new *Error; host functions use it to throw catchable
// errors with a kind. (A limit_exceeded or cancelled error made by
// Errorf stops the machine as the runtime's own would.)
func Errorf(kind, format string, args ...any) *Error { return errorf(kind, format, args...) }

// NewError returns a catchable error value of any kind, cancelled
// included: what a host delivers with ResumeError (the durable engine's
// cancellation of a workflow, an activity's failure).
func NewError(kind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// TraceEntry is one line of a traceback: a function and where it was.
type TraceEntry struct {
	Func string
	Pos  lang.Pos
}

// RuntimeError is what Run returns when a throw is not caught: the thrown
// value and the traceback at the throw.
type RuntimeError struct {
	Value Value
	Trace []TraceEntry
}

// limitError marks errors that no try/catch may intercept: an exhausted
// step budget or cancellation stop the machine for good.
func isUncatchable(e *Error) bool { return e.fatal }

func (e *RuntimeError) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	if e.Value.Kind() == KindError {
		b.WriteString(e.Value.AsError().Error())
	} else {
		b.WriteString("uncaught throw: ")
		b.WriteString(shortRepr(e.Value))
	}
	if len(e.Trace) > 0 {
		b.WriteString("\ntraceback (most recent call last):")
		writeTrace(&b, e.Trace)
	}
	return b.String()
}

// writeTrace writes traceback lines, folding a run of identical lines
// (deep recursion) into one line and a count, as Python does.
func writeTrace(b *strings.Builder, trace []TraceEntry) {
	for i := 0; i < len(trace); {
		t := trace[i]
		j := i + 1
		for j < len(trace) && trace[j] == t {
			j++
		}
		fmt.Fprintf(b, "\n  %s: in %s", t.Pos, t.Func)
		if n := j - i - 1; n > 0 {
			fmt.Fprintf(b, "\n  [the line above repeats %d more times]", n)
		}
		i = j
	}
}

// Unwrap exposes the *Error inside, so errors.As works on RuntimeError.
func (e *RuntimeError) Unwrap() error {
	if e != nil && e.Value.Kind() == KindError {
		return e.Value.AsError()
	}
	return nil
}

// ErrStepLimit is matched (errors.Is) by the error of a machine that ran
// out of steps.
var ErrStepLimit = errors.New("step limit exceeded")

// Is makes errors.Is(err, ErrStepLimit) true for a step-limit error.
func (e *Error) Is(target error) bool {
	return target == ErrStepLimit && e != nil && e.Kind == ErrLimit && strings.HasPrefix(e.Msg, "step limit")
}

// ErrInternal is wrapped by the error the public API returns when wf
// itself hits a broken invariant (a bug): the host process goes on.
var ErrInternal = errors.New("wf internal error")

// recoverAPI turns a panic inside a public entry point into an error
// wrapping ErrInternal. It must be deferred directly (defer
// recoverAPI(&err)): recover only stops a panic when the deferred
// function itself calls it, so a helper that calls recover for it would
// always see nil.
func recoverAPI(err *error) {
	if r := recover(); r != nil {
		*err = InternalError(r)
	}
}

// recoverAPI also marks the machine unusable: its state is suspect. Like
// the function, it calls recover itself.
func (m *Machine) recoverAPI(err *error) {
	if r := recover(); r != nil {
		*err = InternalError(r)
		m.failed = *err
	}
}

// InternalError wraps a recovered panic value in an error wrapping
// ErrInternal, with the place it happened (the innermost function outside
// the Go runtime), so that a report names the bug without a whole stack
// dump. Call it from the deferred function that recovers, as the engine
// does at its step boundary.
func InternalError(r any) error {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") && f.Function != "" {
			return fmt.Errorf("%w: %v (in %s at %s:%d)", ErrInternal, r, f.Function, filepath.Base(f.File), f.Line)
		}
		if !more {
			return fmt.Errorf("%w: %v", ErrInternal, r)
		}
	}
}
