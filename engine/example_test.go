package engine_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// openTemp opens an engine on a fresh database with predictable ids.
func openTemp(opts engine.Options) (*engine.Engine, func()) {
	dir, err := os.MkdirTemp("", "wf-example")
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	opts.NewID = func() string { n++; return fmt.Sprintf("order-%d", n) }
	e, err := engine.Open(filepath.Join(dir, "wf.db"), opts, engine.SQLiteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return e, func() { e.Close(); os.RemoveAll(dir) }
}

const approvalWF = `let req = input()
print("approve " + req["what"] + "?")
if wait("approval") {
    print("ordering " + req["what"])
} else {
    print("declined")
}
`

// Start an instance, which runs until it waits, then signal it.
func Example() {
	e, done := openTemp(engine.Options{})
	defer done()
	ctx := context.Background()

	id, err := e.Start(ctx, "approval.wf", []byte(approvalWF), []byte(`{"what": "a laptop"}`))
	if err != nil {
		log.Fatal(err)
	}
	h, _ := e.Store().Head(ctx, id)
	fmt.Println(id, h.Status, "for", h.WaitingFor)

	if _, err := e.Signal(ctx, id, "approval", []byte(`true`)); err != nil {
		log.Fatal(err)
	}
	h, _ = e.Store().Head(ctx, id)
	fmt.Print(h.Status, "\n", h.Output)
	// Output:
	// order-1 waiting for approval
	// completed
	// approve a laptop?
	// ordering a laptop
}

// Register a Go function as an activity: the workflow calls it like any
// function; the engine runs it once per idempotency key.
func Example_activity() {
	charge := engine.Activity{Name: "charge", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		fmt.Println("charging", args[0].AsInt(), "with key", key)
		return vm.String("receipt-1"), nil
	}}
	e, done := openTemp(engine.Options{Activities: []engine.Activity{charge}})
	defer done()
	ctx := context.Background()

	id, err := e.Start(ctx, "pay.wf", []byte(`print("paid: " + charge(30))`), nil)
	if err != nil {
		log.Fatal(err)
	}
	vs, _ := e.History(ctx, id)
	for _, v := range vs {
		fmt.Println(v.Number, v.Reason, v.Status)
	}
	// Output:
	// charging 30 with key order-1:1
	// 1 started running
	// 2 activity charge done (seq 1) completed
}

// Inspect a waiting instance: where it stopped, its variables, and the
// signals queued for it.
func Example_inspect() {
	e, done := openTemp(engine.Options{})
	defer done()
	ctx := context.Background()

	id, _ := e.Start(ctx, "approval.wf", []byte(approvalWF), []byte(`{"what": "a desk"}`))
	e.Signal(ctx, id, "comment", []byte(`"urgent"`))
	rep, err := e.Show(ctx, id, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("waiting for", rep.Pending)
	for _, g := range rep.Machine.Globals {
		fmt.Println(g.Name, "=", g.Value.Repr)
	}
	main := rep.Machine.Object(rep.Machine.Fibers[0])
	for _, fr := range main.Frames {
		fmt.Println("in", fr.Function, "at", fr.Position)
	}
	fmt.Println("queued:", rep.Queued[0].Name, rep.Queued[0].Value)
	// Output:
	// waiting for signal "approval"
	// req = {"what": "a desk"}
	// in <main> at approval.wf:3:8
	// queued: comment "urgent"
}
