package engine

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestActorInReasons: an operator's changes made under WithActor say who
// made them; those made without an actor say nothing more.
func TestActorInReasons(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := WithActor(context.Background(), "console (alice)")
	id := f.start(approval, `{"what": "a desk"}`)
	if err := f.e.Set(ctx, id, "req", []byte(`{"what": "a chair"}`), false); err != nil {
		t.Fatal(err)
	}
	copyID, err := f.e.Fork(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Signal(ctx, id, "approval", []byte("true")); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Cancel(ctx, copyID); err != nil {
		t.Fatal(err)
	}
	want := []string{"started → waiting approval",
		`variable req set to {"what": "a chair"} (by console (alice)) → waiting approval`,
		"rewound to version 1 (by console (alice)) → waiting approval",
		"signal approval received (by console (alice)) → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	want = []string{"forked from " + id + " at version 1 (by console (alice)) → waiting approval",
		"cancelled (by console (alice)) → cancelled"}
	if diff := cmp.Diff(want, f.reasons(copyID)); diff != "" {
		t.Errorf("the fork's history (-want +got):\n%s", diff)
	}
}
