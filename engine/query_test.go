package engine

// Tests of Query: a read-only look at a waiting instance's globals.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wf-lang/wf/vm"
)

// TestQueryReadsWithoutChanging: a global's value, a query function's
// result with arguments, and errors for what cannot be queried; the
// instance's version and output do not change, even when the function
// changes a global or prints.
func TestQueryReadsWithoutChanging(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(`let seen = []
fn status(prefix) {
    seen.push(prefix)
    print("not stored")
    return prefix + ": " + str(len(seen)) + " seen"
}
fn stuck() { return wait("x") }
seen.push(wait("go"))
`, "")
	before := f.head(id)
	got, err := f.e.Query(ctx, id, "status", []vm.Value{vm.String("now")})
	if err != nil || vm.Str(got) != "now: 1 seen" {
		t.Errorf("status(now) = %v, %v", vm.Repr(got), err)
	}
	if got, err = f.e.Query(ctx, id, "status", []vm.Value{vm.String("again")}); err != nil || vm.Str(got) != "again: 1 seen" {
		t.Errorf("a second query sees the first one's change: %v, %v", vm.Repr(got), err)
	}
	if got, err = f.e.Query(ctx, id, "seen", nil); err != nil || vm.Repr(got) != "[]" {
		t.Errorf("seen = %v, %v", vm.Repr(got), err)
	}
	if _, err := f.e.Query(ctx, id, "nope", nil); !errors.Is(err, ErrNoQuery) {
		t.Errorf("unknown global: %v", err)
	}
	if _, err := f.e.Query(ctx, id, "stuck", nil); err == nil || !strings.Contains(err.Error(), "cannot suspend") {
		t.Errorf("a query that waits: %v", err)
	}
	if after := f.head(id); after.Version != before.Version || after.Output != before.Output || after.Status != Waiting {
		t.Errorf("the query changed the instance: %+v", after.Instance)
	}
	f.signal(id, "go", "1")
	if _, err := f.e.Query(ctx, id, "seen", nil); err == nil {
		t.Error("a completed instance was queried")
	}
}
