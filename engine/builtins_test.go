package engine

// Tests of the workflow builtins' argument checks.

import (
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestBuiltinArgumentErrors: the builtins refuse bad arguments with the
// standard library's kinds and words (vm.UnpackArgs), before suspending.
func TestBuiltinArgumentErrors(t *testing.T) {
	fns := map[string]*vm.Builtin{}
	for _, b := range Builtins(Env{}, nil) {
		fns[b.Name] = b
	}
	s, i := vm.String, vm.Int
	cases := []struct {
		fn   string
		args []vm.Value
		want string
	}{
		{"wait", nil, "argument_error: wait takes at least 1 argument, got 0"},
		{"wait", []vm.Value{s("a"), i(1), i(2)}, "argument_error: wait takes at most 2 arguments, got 3"},
		{"wait", []vm.Value{i(1)}, "type_error: wait: argument 1 (name) must be a string, got int"},
		{"wait", []vm.Value{s("")}, "value_error: wait: the signal name is empty"},
		{"wait_any", []vm.Value{s("a")}, "type_error: wait_any: argument 1 (names) must be a list, got string"},
		{"wait_any", []vm.Value{vm.NewList([]vm.Value{s("a")}), s("soon")}, `value_error: wait_any: bad duration "soon"`},
		{"activity", []vm.Value{s("a"), vm.NewList(nil)}, `type_error: activity: "a" is not a registered activity`},
		{"wait", []vm.Value{s("a"), s("soon")}, `value_error: wait: bad duration "soon"`},
		{"sleep", nil, "argument_error: sleep takes 1 argument, got 0"},
		{"sleep", []vm.Value{vm.True}, "value_error: sleep: a duration is a number of seconds"},
		{"now", []vm.Value{i(1)}, "argument_error: now takes 0 arguments, got 1"},
		{"input", []vm.Value{i(1)}, "argument_error: input takes 0 arguments, got 1"},
		{"instance_id", []vm.Value{i(1)}, "argument_error: instance_id takes 0 arguments, got 1"},
	}
	for _, c := range cases {
		_, err := fns[c.fn].Fn(nil, c.args)
		if err == nil || len(err.Error()) < len(c.want) || err.Error()[:len(c.want)] != c.want {
			t.Errorf("%s%s: %v\nwant %s...", c.fn, vm.Repr(vm.NewList(c.args)), err, c.want)
		}
	}
}
