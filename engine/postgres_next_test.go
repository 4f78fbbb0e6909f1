package engine_test

// This file tests the queued message PostgreSQL's State reads with a
// head (engine.Head.Next).

import (
	"context"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/internal/pgtest"
)

// TestPostgresStateReadsNext: State of a waiting instance carries the
// oldest message queued for the name it waits for, and none of another
// name or already consumed; the engine then consumes the messages in
// order. A head that does not wait reads nothing (NextRead false).
func TestPostgresStateReadsNext(t *testing.T) {
	ctx := context.Background()
	e, err := engine.OpenPostgresEngine(ctx, pgtest.DSN(t), engine.Options{Detached: true}, engine.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	id, err := e.Start(ctx, "w.wf", []byte(`print(wait("a"))
print(wait("a"))
sleep("1h")`), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := e.Store()
	state := func() engine.Head {
		t.Helper()
		h, err := s.State(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := state(); !h.NextRead || h.Next != nil {
		t.Fatalf("nothing queued: NextRead %v, Next %+v", h.NextRead, h.Next)
	}
	for _, m := range []struct{ name, value string }{{"b", "0"}, {"a", "1"}, {"a", "2"}} {
		if _, err := s.Send(ctx, id, m.name, m.value, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	want, _, err := s.NextMessage(ctx, id, "a")
	if h := state(); err != nil || !h.NextRead || h.Next == nil || *h.Next != want || h.Next.Value != "1" {
		t.Fatalf("State's Next %+v, NextMessage's %+v (%v)", h.Next, want, err)
	}
	if err := e.Advance(ctx, id); err != nil {
		t.Fatal(err)
	}
	h := state()
	if h.Status != engine.Sleeping || h.NextRead || h.Next != nil {
		t.Fatalf("after both signals: %s, NextRead %v, Next %+v", h.Status, h.NextRead, h.Next)
	}
	if h, err := s.Head(ctx, id); err != nil || h.Output != "1\n2\n" {
		t.Fatalf("output %q (%v)", h.Output, err)
	}
}
