package examples_test

// This file runs the workflow examples (order.wf, escalation.wf,
// fanout.wf) on the durable engine, with Go activities that fail as a
// payment gateway or a pricing service would and a clock that moves only
// when a story says, and compares each story's output, final status and
// history with its golden file, examples/testdata/NAME.txt.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// story drives one instance of a workflow example.
type story struct {
	t     *testing.T
	e     *engine.Engine
	now   time.Time
	id    string
	calls []string // activity calls, "name key attempt args"
	mu    sync.Mutex
}

// newStory opens an engine with the examples' activities and starts path
// with input.
func newStory(t *testing.T, path, input string) *story {
	s := &story{t: t, now: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)}
	e, err := engine.Open(filepath.Join(t.TempDir(), "wf.db"), engine.Options{
		Activities: s.activities(),
		Now:        func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now },
		NewID:      func() string { return "w1" },
	}, engine.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s.e = e
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.id, err = e.Start(context.Background(), path, src, []byte(input)); err != nil {
		t.Fatal(err)
	}
	return s
}

// activities are the Go functions the examples call: charge fails with
// gateway_timeout on its first two attempts for 99.5, and declines
// amounts over 1000; refund always works; price fails the first attempt
// for every seventh item and does not know "item-13"; quote refuses
// parcels over 100 kg, ups is busy for parcels over 20 kg and fedex on
// every first attempt; book always works.
func (s *story) activities() []engine.Activity {
	act := func(name string, fn func(info engine.ActivityInfo, args []vm.Value) (vm.Value, error)) engine.Activity {
		return engine.Activity{Name: name, Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
			info, _ := engine.ActivityInfoFrom(ctx)
			s.mu.Lock()
			s.calls = append(s.calls, fmt.Sprintf("%s %s attempt %d %s", name, key, info.Attempt, vm.Repr(vm.NewList(args))))
			s.mu.Unlock()
			return fn(info, args)
		}}
	}
	return []engine.Activity{
		act("charge", func(info engine.ActivityInfo, args []vm.Value) (vm.Value, error) {
			amount, _ := args[1].Number()
			switch {
			case amount > 1000:
				return vm.Nil, &engine.ActivityError{Kind: "card_declined", Message: "insufficient funds"}
			case amount == 99.5 && info.Attempt <= 2:
				return vm.Nil, &engine.ActivityError{Kind: "gateway_timeout", Message: "the gateway did not answer"}
			}
			return vm.String("ch_" + vm.Str(args[0])), nil
		}),
		act("refund", func(_ engine.ActivityInfo, args []vm.Value) (vm.Value, error) {
			return vm.String("rf_for_" + vm.Str(args[0])), nil
		}),
		act("price", func(info engine.ActivityInfo, args []vm.Value) (vm.Value, error) {
			item := vm.Str(args[0])
			var n int
			fmt.Sscanf(item, "item-%d", &n)
			switch {
			case n == 13:
				return vm.Nil, &engine.ActivityError{Kind: "unknown_item", Message: item, NonRetryable: true}
			case n%7 == 0 && info.Attempt == 1:
				return vm.Nil, errors.New("pricing service busy")
			}
			return vm.Int(int64(n * 10)), nil
		}),
		act("quote", func(info engine.ActivityInfo, args []vm.Value) (vm.Value, error) {
			carrier, kg := vm.Str(args[0]), args[1].AsInt()
			switch {
			case kg > 100:
				return vm.Nil, &engine.ActivityError{Kind: "too_heavy", Message: fmt.Sprintf("%d kg", kg), NonRetryable: true}
			case carrier == "ups" && kg > 20, carrier == "fedex" && info.Attempt == 1:
				return vm.Nil, &engine.ActivityError{Kind: "busy", Message: carrier + " did not answer"}
			case carrier == "ups":
				return vm.Int(5 + kg), nil
			}
			return vm.Int(4 + kg), nil
		}),
		act("book", func(_ engine.ActivityInfo, args []vm.Value) (vm.Value, error) {
			return vm.String(fmt.Sprintf("bk_%s_%d", vm.Str(args[0]), args[1].AsInt())), nil
		}),
	}
}

// advance moves the clock by d and runs what is due.
func (s *story) advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
	if err := s.e.Advance(context.Background(), s.id); err != nil {
		s.t.Fatal(err)
	}
}

func (s *story) signal(name, value string) {
	if _, err := s.e.Signal(context.Background(), s.id, name, []byte(value)); err != nil {
		s.t.Fatal(err)
	}
}

// transcript is what the story shows: output, status, history. It
// checks first that a replay of the history on the example's program
// (CheckHistory) reproduces every version.
func (s *story) transcript(title string) string {
	s.replays(title)
	ctx := context.Background()
	h, err := s.e.Store().Head(ctx, s.id)
	if err != nil {
		s.t.Fatal(err)
	}
	hist, err := s.e.History(ctx, s.id)
	if err != nil {
		s.t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "== %s\n%sstatus: %s\nhistory:\n", title, h.Output, h.Status)
	for _, v := range hist {
		fmt.Fprintf(&b, "  %d %s → %s\n", v.Number, strings.ReplaceAll(v.Reason, "\n", " "), v.Status)
	}
	fmt.Fprintf(&b, "activity calls:\n")
	for _, c := range s.calls {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	return b.String() + "\n"
}

// replays fails the test unless CheckHistory follows the whole history
// of the story's instance on its own program.
func (s *story) replays(title string) {
	ctx := context.Background()
	h, err := s.e.Store().Head(ctx, s.id)
	if err != nil {
		s.t.Fatal(err)
	}
	p, err := s.e.Store().Program(ctx, h.Program)
	if err != nil {
		s.t.Fatal(err)
	}
	hc, err := s.e.CheckHistory(ctx, s.id, "replay.wf", p.Source)
	if err != nil || hc.Diverged || hc.Stopped != "" || hc.Checked != h.Version {
		s.t.Errorf("%s: CheckHistory: %+v %v, want all %d versions checked", title, hc, err, h.Version)
	}
}

// golden compares got with examples/testdata/name.txt (-update rewrites it).
func golden(t *testing.T, name, got string) {
	path := filepath.Join("testdata", name+".txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestOrderExample(t *testing.T) {
	var out strings.Builder
	s := newStory(t, "order.wf", `{"id": "A-1", "amount": 99.5}`)
	s.advance(30 * time.Second) // the second attempt, after 30s
	s.advance(time.Minute)      // the third, after 60s more
	s.signal("shipped", `"1Z999"`)
	out.WriteString(s.transcript("the gateway fails twice; paid on the third attempt, then shipped"))

	s = newStory(t, "order.wf", `{"id": "A-2", "amount": 5000}`)
	out.WriteString(s.transcript("the card is declined: no retry"))

	s = newStory(t, "order.wf", `{"id": "A-3", "amount": 40}`)
	s.advance(72 * time.Hour)
	out.WriteString(s.transcript("not shipped within 3 days: refunded"))

	s = newStory(t, "order.wf", `{"id": "A-4", "amount": 40}`)
	s.advance(time.Hour)
	if err := s.e.CancelWith(context.Background(), s.id, engine.CancelOptions{Reason: "the customer cancelled"}); err != nil {
		t.Fatal(err)
	}
	out.WriteString(s.transcript("cancelled while waiting for the warehouse: refunded, then cancelled"))
	golden(t, "order", out.String())
}

func TestEscalationExample(t *testing.T) {
	const input = `{"what": "a new laptop", "manager": "bo"}`
	var out strings.Builder
	s := newStory(t, "escalation.wf", input)
	s.advance(3 * time.Hour)
	s.signal("approve", `"ana"`)
	out.WriteString(s.transcript("the approver answers in time"))

	s = newStory(t, "escalation.wf", input)
	s.mu.Lock()
	s.now = s.now.Add(24 * time.Hour) // no worker has fired the timeout yet
	s.mu.Unlock()
	s.signal("approve", `"ana"`)
	out.WriteString(s.transcript("the approver answers a day late: the wait escalates, then takes the late answer"))

	s = newStory(t, "escalation.wf", input)
	s.advance(24 * time.Hour)
	s.signal("manager_reject", `"bo"`)
	out.WriteString(s.transcript("the manager answers first after the escalation"))

	s = newStory(t, "escalation.wf", input)
	s.advance(24 * time.Hour)
	s.advance(48 * time.Hour)
	out.WriteString(s.transcript("nobody answers"))
	golden(t, "escalation", out.String())
}

func TestFanoutExample(t *testing.T) {
	var items []string
	for i := 1; i <= 20; i++ {
		items = append(items, fmt.Sprintf(`"item-%d"`, i))
	}
	s := newStory(t, "fanout.wf", `{"items": [`+strings.Join(items, ", ")+`]}`)
	s.advance(5 * time.Second)
	s.calls = sortedCalls(s.calls)
	golden(t, "fanout", s.transcript("20 items priced at once; items 7 and 14 retried, item 13 unknown"))
}

func TestShipmentExample(t *testing.T) {
	var out strings.Builder
	race := func(title, input string, then func(s *story)) {
		s := newStory(t, "shipment.wf", input)
		then(s)
		s.calls = sortedCalls(s.calls)
		out.WriteString(s.transcript(title))
	}
	race("ups answers at once, fedex is busy: ups wins, fedex's future is dropped", `{"kg": 2}`, func(*story) {})
	race("both busy; fedex answers on its second attempt", `{"kg": 25}`, func(s *story) { s.advance(time.Minute) })
	race("both refuse the parcel: each drops out", `{"kg": 150}`, func(*story) {})
	race("the customer cancels before any quote", `{"kg": 25}`, func(s *story) {
		s.advance(30 * time.Second)
		s.signal("cancel", `"ana"`)
	})
	race("no quote within the deadline, which comes before the next attempts", `{"kg": 25, "within": "1m"}`, func(s *story) {
		s.advance(time.Minute)
	})
	golden(t, "shipment", out.String())
}

// sortedCalls orders the calls of concurrent activities, which run in
// any order, by their text.
func sortedCalls(calls []string) []string {
	out := append([]string(nil), calls...)
	slices.Sort(out)
	return out
}
