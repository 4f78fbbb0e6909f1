package engine

// This file defines the conversion between wf values and JSON, the form
// inputs, signal values and activity results take outside the machine:
// vm.FromJSON and vm.ToJSON, with errors the engine's callers match.

import (
	"errors"
	"fmt"

	"github.com/wf-lang/wf/vm"
)

// ErrInvalid is wrapped by errors about JSON input that does not parse.
var ErrInvalid = errors.New("invalid JSON")

// FromJSON decodes one JSON document into a wf value as vm.FromJSON does
// (objects become maps in document order, numbers without a fraction or
// exponent ints, other numbers floats, nesting at most 200 deep); its
// errors wrap ErrInvalid.
func FromJSON(data []byte) (vm.Value, error) {
	v, err := vm.FromJSON(data)
	if e := (*vm.Error)(nil); errors.As(err, &e) {
		return vm.Nil, fmt.Errorf("%w: %s", ErrInvalid, e.Msg)
	}
	return v, err
}

// ToJSON encodes a wf value as compact JSON as vm.ToJSON does: nil,
// bools, numbers, strings, lists and maps with string keys (in insertion
// order). Floats keep a decimal point so they decode back as floats; nan,
// inf, invalid UTF-8 and other kinds are errors.
func ToJSON(v vm.Value) ([]byte, error) { return vm.ToJSON(v) }
