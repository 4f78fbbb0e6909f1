package engine

// This file defines the limits on what the engine stores: values from
// outside (inputs, signals, Set, activity results), names, each step's
// output and state, and error texts, so that no field of a store grows
// without bound and every committed state can be restored.

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wf-lang/wf/vm"
)

// ErrTooLarge is wrapped when Start, Signal or Set refuse a value or a
// name over its limit; nothing is stored.
var ErrTooLarge = errors.New("too large")

// Default limits (see Options).
const (
	DefaultMaxValue  = 1 << 20
	DefaultMaxOutput = 1 << 20
)

// MaxName is the longest signal name, in bytes, that Signal and wait
// accept: a name is stored with every message, and in the head and each
// version while an instance waits for it.
const MaxName = 256

// maxErrorText is the longest error text stored with a failed instance;
// a longer one (a deep traceback of a huge message) is cut.
const maxErrorText = 64 << 10

// limit is a size limit as the engine applies it (0 for none) from one
// as Options take it (0 for the default, negative for none).
func limit(n, def int) int {
	return int(budget(int64(n), int64(def)))
}

// checkSize refuses a value of what (a "signal value", ...) over max
// bytes of JSON (0: no limit).
func checkSize(what string, b []byte, max int) error {
	if max > 0 && len(b) > max {
		return fmt.Errorf("%s is %d bytes of JSON, over the limit of %d (Options.MaxValue): %w", what, len(b), max, ErrTooLarge)
	}
	return nil
}

// checkName refuses a signal name that is empty or over MaxName bytes.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("signal name is empty")
	case len(name) > MaxName:
		return fmt.Errorf("signal name is %d bytes, over the limit of %d: %w", len(name), MaxName, ErrTooLarge)
	case strings.Contains(name, "\n"):
		return errors.New("signal name contains a newline")
	}
	return nil
}

// clip cuts an error text to maxErrorText bytes, at a character
// boundary, and says how much it cut.
func clip(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	n := maxErrorText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… (%d more bytes cut)", s[:n], len(s)-n)
}

// output is where print writes in one step: a buffer that refuses to
// grow past max bytes (0: no limit), so a step that prints without end
// fails with a value_error in print instead of filling memory and the
// version's output.
type output struct {
	bytes.Buffer
	max int
}

func (o *output) Write(p []byte) (int, error) {
	if o.max > 0 && o.Len()+len(p) > o.max {
		return 0, fmt.Errorf("this step's output would be over the limit of %d bytes (Options.MaxOutput)", o.max)
	}
	return o.Buffer.Write(p)
}

// tooLargeState says that the state after a step or an edit (what) is n
// bytes of snapshot, over max.
func tooLargeState(what string, n, max int) string {
	return fmt.Sprintf("the state after this %s is %d bytes, over the limit of %d for a snapshot (Options.MaxSnapshot, at most vm.MaxSnapshotSize)", what, n, max)
}

// snapshotLimit is Options.MaxSnapshot as the engine applies it.
func snapshotLimit(n int) int {
	if n <= 0 || n > vm.MaxSnapshotSize {
		return vm.MaxSnapshotSize
	}
	return n
}
