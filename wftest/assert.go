package wftest

// This file defines assert and assert_eq.

import (
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/wf-lang/wf/vm"
)

// ErrAssertion is the kind of error a failed assertion throws.
const ErrAssertion = "assertion_error"

// assertNames are the functions wf test adds to a test's program.
var assertNames = []string{"assert", "assert_eq"}

// asserts binds the assertions for one machine and keeps the detail of
// the last failure (a diff), shown under the error.
type asserts struct{ detail string }

func (a *asserts) builtins() []*vm.Builtin {
	return []*vm.Builtin{
		{Name: "assert", Fn: a.assert},
		{Name: "assert_eq", Fn: a.assertEq},
	}
}

// assert(cond[, msg]) fails when cond is false.
func (a *asserts) assert(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if len(args) < 1 || len(args) > 2 {
		return vm.Nil, vm.Errorf(vm.ErrArgs, "assert takes 1 or 2 arguments (cond, msg), got %d", len(args))
	}
	if args[0].Truth() {
		return vm.Nil, nil
	}
	return vm.Nil, vm.Errorf(ErrAssertion, "assertion failed%s", message(args[1:]))
}

// assert_eq(got, want[, msg]) fails when got != want.
func (a *asserts) assertEq(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	if len(args) < 2 || len(args) > 3 {
		return vm.Nil, vm.Errorf(vm.ErrArgs, "assert_eq takes 2 or 3 arguments (got, want, msg), got %d", len(args))
	}
	got, want := args[0], args[1]
	eq, err := vm.Equal(got, want)
	if err != nil {
		return vm.Nil, err
	}
	if eq {
		return vm.Nil, nil
	}
	g, w := vm.Repr(got), vm.Repr(want)
	if len(g)+len(w) <= 100 && !strings.Contains(g+w, "\n") {
		return vm.Nil, vm.Errorf(ErrAssertion, "got %s, want %s%s", g, w, message(args[2:]))
	}
	a.detail = string(diff.Diff("want", []byte(layout(want)), "got", []byte(layout(got))))
	return vm.Nil, vm.Errorf(ErrAssertion, "got and want differ%s (-want +got):", message(args[2:]))
}

// message returns ": msg" for an optional message argument.
func message(args []vm.Value) string {
	if len(args) == 0 {
		return ""
	}
	return ": " + vm.Str(args[0])
}

// layout returns v written out one element per line where it is a list
// or map too long for one, so that a diff shows which elements differ.
func layout(v vm.Value) string {
	var b strings.Builder
	writeLayout(&b, v, "", 0)
	b.WriteByte('\n')
	return b.String()
}

func writeLayout(b *strings.Builder, v vm.Value, indent string, depth int) {
	r := vm.Repr(v)
	if len(r) <= 60 || depth > 20 || v.Kind() != vm.KindList && v.Kind() != vm.KindMap {
		b.WriteString(r)
		return
	}
	inner := indent + "    "
	if v.Kind() == vm.KindList {
		b.WriteString("[\n")
		for _, e := range v.AsList().Elems {
			b.WriteString(inner)
			writeLayout(b, e, inner, depth+1)
			b.WriteString(",\n")
		}
		b.WriteString(indent + "]")
		return
	}
	b.WriteString("{\n")
	v.AsMap().Each(func(k, e vm.Value) bool {
		b.WriteString(inner + vm.Repr(k) + ": ")
		writeLayout(b, e, inner, depth+1)
		b.WriteString(",\n")
		return true
	})
	b.WriteString(indent + "}")
}
