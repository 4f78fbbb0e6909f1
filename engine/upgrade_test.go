package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

const pricingV1 = `let order = input()
let ok = wait("approval")
print("v1 charges", order["amount"])
let paid = wait("payment")
print("v1 done", paid)
`

// pricingV2 changes the code after both waits and adds a step.
const pricingV2 = `let order = input()
let ok = wait("approval")
print("v2 charges", order["amount"] * 2)
let paid = wait("payment")
print("v2 done", paid)
let shipped = wait("shipping")
print("v2 shipped", shipped)
`

// pricingV3 drops the payment wait: an instance waiting for payment
// cannot move to it.
const pricingV3 = `let order = input()
let ok = wait("approval")
print("v3 charges", order["amount"])
`

// TestUpgradeStory: three instances at different waits; a dry run says
// which can move to each new version; the upgrade moves them, and they
// go on in the new code; one that cannot move keeps its old code.
func TestUpgradeStory(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	a := f.start(pricingV1, `{"amount": 10}`)
	b := f.start(pricingV1, `{"amount": 20}`)
	f.signal(b, "approval", "true")
	c := f.start(pricingV1, `{"amount": 30}`)
	f.signal(c, "approval", "true")

	dry, err := f.e.Upgrade(ctx, "v3.wf", []byte(pricingV3), UpgradeOptions{All: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{}
	for _, r := range dry {
		verdicts[r.ID] = r.Verdict
		if r.Version != 0 {
			t.Fatalf("a dry run committed: %+v", r)
		}
	}
	if verdicts[a] != "ok" || verdicts[b] != "cannot move" || verdicts[c] != "cannot move" {
		t.Fatalf("dry run to v3: %v", dry)
	}
	if !strings.Contains(dry[1].Reason, `suspension point gone at wait("payment")#1`) {
		t.Fatalf("reason: %q", dry[1].Reason)
	}
	if f.head(a).Version != 1 {
		t.Fatal("the dry run changed an instance")
	}
	byProgram, err := f.e.Upgrade(ctx, "v3.wf", []byte(pricingV3), UpgradeOptions{Program: f.head(a).Program[:10], DryRun: true})
	if err != nil || len(byProgram) != 3 {
		t.Fatalf("dry run by program: %v %v", byProgram, err)
	}

	res, err := f.e.Upgrade(ctx, "v2.wf", []byte(pricingV2), UpgradeOptions{IDs: []string{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.Moved() || r.Version == 0 {
			t.Fatalf("upgrade to v2: %+v", r)
		}
	}
	f.signal(a, "approval", "true")
	f.signal(a, "payment", `"card"`)
	f.signal(a, "shipping", `"today"`)
	f.signal(b, "payment", `"cash"`)
	f.signal(b, "shipping", `"now"`)
	f.signal(c, "payment", `"check"`)
	want := map[string]string{
		a: "v2 charges 20\nv2 done card\nv2 shipped today\n",
		b: "v1 charges 20\nv2 done cash\nv2 shipped now\n",
		c: "v1 charges 30\nv1 done check\n",
	}
	for id, out := range want {
		if h := f.head(id); h.Status != Completed || h.Output != out {
			t.Errorf("%s: %s %q, want %q", id, h.Status, h.Output, out)
		}
	}
	if r := f.reasons(a); !strings.HasPrefix(r[1], "upgraded ") {
		t.Errorf("history of %s: %q", a, r)
	}
}

// TestUpgradeIsUndoneByRewind: rewinding to the version before an
// upgrade puts the instance back on its old program.
func TestUpgradeIsUndoneByRewind(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(pricingV1, `{"amount": 1}`)
	old := f.head(id).Program
	if _, err := f.e.Upgrade(ctx, "v2.wf", []byte(pricingV2), UpgradeOptions{IDs: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if f.head(id).Program == old {
		t.Fatal("not upgraded")
	}
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil {
		t.Fatal(err)
	}
	if h := f.head(id); h.Program != old {
		t.Fatalf("after the rewind the instance runs %s, want %s", h.Program, old)
	}
	f.signal(id, "approval", "true")
	f.signal(id, "payment", "1")
	if h := f.head(id); h.Output != "v1 charges 1\nv1 done 1\n" {
		t.Fatalf("output %q", h.Output)
	}
}

// conflictOnce is a store whose first upgrade commit meets a signal that
// arrived just before it: the commit fails with ErrConflict, as it would
// against a real concurrent writer.
type conflictOnce struct {
	Store
	e    *Engine
	done bool
}

func (s *conflictOnce) Commit(ctx context.Context, st Step) (bool, error) {
	if !s.done && strings.HasPrefix(st.Version.Reason, "upgraded") {
		s.done = true
		if _, err := s.e.Signal(ctx, st.Instance.ID, "approval", []byte("true")); err != nil {
			return false, err
		}
		return false, ErrConflict
	}
	return s.Store.Commit(ctx, st)
}

// TestUpgradeRetriesAfterConcurrentSignal: the signal is not lost and the
// upgrade is retried from the new head.
func TestUpgradeRetriesAfterConcurrentSignal(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(pricingV1, `{"amount": 5}`)
	wrapped := &conflictOnce{Store: f.e.Store(), e: f.e}
	e2, err := New(wrapped, Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e2.Upgrade(ctx, "v2.wf", []byte(pricingV2), UpgradeOptions{IDs: []string{id}})
	if err != nil || len(res) != 1 || !res[0].Moved() {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	h := f.head(id)
	if h.WaitingFor != "payment" || h.Output != "v1 charges 5\n" {
		t.Fatalf("head: waiting for %q, output %q", h.WaitingFor, h.Output)
	}
	f.signal(id, "payment", "2")
	f.signal(id, "shipping", "3")
	if h := f.head(id); h.Output != "v1 charges 5\nv2 done 2\nv2 shipped 3\n" {
		t.Fatalf("output %q", h.Output)
	}
}

func TestUpgradeNeedsASelection(t *testing.T) {
	f := newFixture(t, Options{})
	if _, err := f.e.Upgrade(context.Background(), "v2.wf", []byte(pricingV2), UpgradeOptions{}); err == nil {
		t.Fatal("an upgrade of nothing in particular was accepted")
	}
	if _, err := f.e.Upgrade(context.Background(), "v2.wf", []byte("let ="), UpgradeOptions{All: true}); err == nil {
		t.Fatal("a program that does not compile was accepted")
	}
	res, err := f.e.Upgrade(context.Background(), "v2.wf", []byte(pricingV2), UpgradeOptions{IDs: []string{"nope"}})
	if err != nil || len(res) != 1 || res[0].Verdict != "error" || !strings.Contains(res[0].Reason, "not found") {
		t.Fatalf("unknown id: %+v %v", res, err)
	}
}

// TestCheckHistory replays an instance's history on new code: an edit
// that changes only what comes after the history reproduces it; one that
// prints something else, or waits for something else, diverges at the
// first version where it shows.
func TestCheckHistory(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(pricingV1, `{"amount": 10}`)
	f.signal(id, "approval", "true")
	check := func(src string) *HistoryCheck {
		t.Helper()
		hc, err := f.e.CheckHistory(ctx, id, "new.wf", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return hc
	}
	if hc := check(pricingV1); hc.Diverged || hc.Checked != 2 || hc.Stopped != "" {
		t.Fatalf("the same program: %+v", hc)
	}
	later := strings.Replace(pricingV1, `print("v1 done", paid)`, `print("done differently", paid)`, 1)
	if hc := check(later); hc.Diverged || hc.Checked != 2 {
		t.Fatalf("an edit after the history: %+v", hc)
	}
	if hc := check(pricingV2); !hc.Diverged || hc.Version != 2 || hc.What != "output" || !strings.Contains(hc.Got, "v2 charges 20") {
		t.Fatalf("an edit that prints otherwise: %+v", hc)
	}
	other := strings.Replace(pricingV1, `wait("payment")`, `wait("invoice")`, 1)
	if hc := check(other); !hc.Diverged || hc.Version != 2 || hc.What != "state" || hc.Got != `waits for signal "invoice"` {
		t.Fatalf("an edit that waits otherwise: %+v", hc)
	}
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil {
		t.Fatal(err)
	}
	if hc := check(pricingV1); hc.Stopped == "" || hc.Checked != 2 {
		t.Fatalf("a history with a rewind: %+v", hc)
	}
}

// TestCheckHistoryPruned: once Prune has deleted the first versions of a
// finished instance, CheckHistory says so, checking nothing, rather than
// replaying a history cut at its start.
func TestCheckHistoryPruned(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	const src = `let a = wait("x")
print("got", a)
let b = wait("y")
print("then", b)`
	id := f.start(src, ``)
	f.signal(id, "x", "1")
	f.signal(id, "y", "2")
	check := func() *HistoryCheck {
		t.Helper()
		hc, err := f.e.CheckHistory(ctx, id, "same.wf", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return hc
	}
	if hc := check(); hc.Diverged || hc.Checked != 3 || hc.Stopped != "" || hc.Pruned != 0 {
		t.Fatalf("before pruning: %+v", hc)
	}
	if got, err := f.e.Prune(ctx, 1, time.Time{}); err != nil || got.Versions != 2 {
		t.Fatalf("Prune = %+v, %v; want 2 versions", got, err)
	}
	hc := check()
	if hc.Diverged || hc.Checked != 0 || hc.Pruned != 2 || !strings.Contains(hc.Stopped, "versions 1 to 2 were pruned") {
		t.Fatalf("after pruning: %+v", hc)
	}
}
