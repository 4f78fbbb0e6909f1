package main

// This file defines wf-chaos, the processes of the PostgreSQL chaos test
// (postgres_chaos_test.go): workers that embed the engine with an
// activity recording each call in a table, and loaders that start
// instances and signal them, printing what was acknowledged.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// chaosWorkflow waits for three signals; each value goes through the
// record activity, and a durable timer follows, so that a kill can land
// in a wait, an activity call or a timer.
const chaosWorkflow = `let total = input()["base"]
for i in range(3) {
    let v = wait("add")
    let r = record(v)
    total = total + v + r
    print("step " + str(i) + " got " + str(v) + " record " + str(r) + " total " + str(total))
    sleep("20ms")
}
print("done " + str(total))
`

// chaosExpected is the output of an uninterrupted run of chaosWorkflow
// given base and the signal values, in order (record(v) is 2v+1).
func chaosExpected(base int, values []int) string {
	out := ""
	total := base
	for i, v := range values {
		total += v + 2*v + 1
		out += fmt.Sprintf("step %d got %d record %d total %d\n", i, v, 2*v+1, total)
	}
	return out + fmt.Sprintf("done %d\n", total)
}

// chaosCalls is the table in which the record activity notes each call,
// in a schema of its own beside wf's.
const chaosCalls = "chaos.calls"

// recordActivity returns the activity record(v) = 2v+1, which first
// inserts a row (key, pid) into chaosCalls: its side effect, counted per
// key at the end. A failed insert (the server restarting) is retried
// rather than failing the instance.
func recordActivity(pool *pgxpool.Pool) engine.Activity {
	return engine.Activity{Name: "record", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		for {
			_, err := pool.Exec(ctx, "INSERT INTO "+chaosCalls+" (key, pid) VALUES ($1, $2)", key, os.Getpid())
			if err == nil {
				return record(args)
			}
			if ctx.Err() != nil {
				return vm.Nil, ctx.Err()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}}
}

// record is the record activity's result: 2v+1.
func record(args []vm.Value) (vm.Value, error) {
	var v int64
	if err := vm.UnpackArgs("record", args, "v", &v); err != nil {
		return vm.Nil, err
	}
	return vm.Int(2*v + 1), nil
}

// chaosMain is the wf-chaos command:
//
//	wf-chaos worker DSN CONCURRENCY batch|nobatch
//	wf-chaos load DSN FIRST COUNT
//
// A worker runs engine.Work with the record activity until SIGTERM. A
// loader starts instances FIRST to FIRST+COUNT-1 (ids chaos-N, base
// N*100), then sends each three "add" signals, round by round, printing
// "start N" and "ack N VALUE" on stdout once each is acknowledged.
func chaosMain() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: wf-chaos worker|load DSN ...")
		os.Exit(2)
	}
	// The database opens whatever the signals: a worker stopped while it
	// opens stops cleanly once it has, as wf worker does.
	pool, err := pgxpool.New(context.Background(), os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer pool.Close()
	var id string
	opts := engine.Options{Detached: true, Activities: []engine.Activity{recordActivity(pool)},
		NewID: func() string { return id }}
	e, err := engine.OpenPostgresEngine(context.Background(), os.Args[2], opts, engine.PostgresOptions{MaxConns: 4})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer e.Close()
	switch os.Args[1] {
	case "worker":
		err = chaosWorker(ctx, e, os.Args[3:])
	case "load":
		err = chaosLoad(ctx, e, &id, os.Args[3:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wf-chaos:", err)
		os.Exit(1)
	}
}

func chaosWorker(ctx context.Context, e *engine.Engine, args []string) error {
	if len(args) != 2 {
		return errors.New("usage: worker DSN CONCURRENCY batch|nobatch")
	}
	n, _ := strconv.Atoi(args[0])
	fmt.Fprintf(os.Stderr, "wf-chaos worker: pid %d\n", os.Getpid())
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	return e.Work(ctx, engine.WorkerOptions{Poll: 5 * time.Millisecond, Lease: 500 * time.Millisecond,
		Concurrency: n, NoBatch: args[1] == "nobatch", Logf: logf})
}

func chaosLoad(ctx context.Context, e *engine.Engine, id *string, args []string) error {
	if len(args) != 2 {
		return errors.New("usage: load DSN FIRST COUNT")
	}
	first, _ := strconv.Atoi(args[0])
	count, _ := strconv.Atoi(args[1])
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for n := first; n < first+count; n++ {
		*id = fmt.Sprintf("chaos-%d", n)
		if err := chaosStart(ctx, e, *id, n); err != nil {
			return err
		}
		fmt.Fprintf(out, "start %d\n", n)
		out.Flush()
	}
	for round := 0; round < 3; round++ {
		for n := first; n < first+count; n++ {
			v := n + round*1_000_000
			if err := chaosSignal(ctx, e, fmt.Sprintf("chaos-%d", n), v); err != nil {
				return err
			}
			fmt.Fprintf(out, "ack %d %d\n", n, v)
			out.Flush()
		}
	}
	return nil
}

// chaosStart starts instance id (e's NewID returns it) until it exists: a
// Start that failed with the server restarting may have committed, and
// is not repeated if it did.
func chaosStart(ctx context.Context, e *engine.Engine, id string, n int) error {
	return retry(ctx, func() error {
		_, err := e.Start(ctx, "chaos.wf", []byte(chaosWorkflow), []byte(fmt.Sprintf(`{"base": %d}`, n*100)))
		return err
	}, func() (bool, error) {
		_, err := e.Store().Head(ctx, id)
		if errors.Is(err, engine.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
}

// chaosSignal sends signal add=v to id until its inbox has it, in the same
// way: values are unique per instance, so the inbox tells whether a
// failed Signal committed.
func chaosSignal(ctx context.Context, e *engine.Engine, id string, v int) error {
	return retry(ctx, func() error {
		_, err := e.Signal(ctx, id, "add", []byte(strconv.Itoa(v)))
		return err
	}, func() (bool, error) {
		inbox, err := e.Store().Inbox(ctx, id)
		for _, m := range inbox {
			if m.Name == "add" && m.Value == strconv.Itoa(v) {
				return true, nil
			}
		}
		return false, err
	})
}

// retry calls do until it succeeds; after a failure, done says whether it
// took effect nonetheless (failing itself while the server is out of
// reach). It gives up after a minute of failures.
func retry(ctx context.Context, do func() error, done func() (bool, error)) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := do()
		if err == nil {
			return nil
		}
		for {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
			ok, cerr := done()
			if cerr == nil && ok {
				return nil
			}
			if cerr == nil {
				break // it did not: do it again
			}
		}
	}
}
