// Package engine runs durable workflows: .wf scripts whose state lives in
// a database while they wait for a person, an event or a timer, and that
// continue exactly where they stopped, in this process or another, today
// or next month.
//
// # Workflows
//
// A workflow is an ordinary .wf script that calls the workflow builtins,
// host functions the engine registers (package vm knows no database):
//
//	let req = input()                   // the start input (JSON), or nil
//	let answer = wait("approval", "3d") // a signal's value; nil after 3 days
//	sleep("1h30m")                      // a durable timer: nothing stays in memory
//	let receipt = charge(req["amount"]) // an activity: a Go function, run once per key
//	print(instance_id(), now())         // print output is stored with each version
//	let ev = wait_any(["approve", "cancel"], "2d") // {"name": ..., "value": ...}
//	let rs = parallel(price, [["a"], ["b"]])       // an activity's calls, concurrently
//	let f = start(quote, ["ups"])                  // a future: the call runs while the workflow waits
//	let first = wait_any([f, "cancel"], "1h")      // {"name", "future", "value", "error"}
//	print(await(f))                                // its result, or its failure thrown
//
// Durations are seconds (an int or a float) or strings of numbers with
// units ms, s, m, h, d, w ("90s", "3d", "1h30m"), up to 100 years
// (MaxDuration; a longer one is a value_error). now() is Unix seconds as
// a float. input is a function, not a variable, because the compiler
// knows no predeclared variables, only functions. wait with a timeout
// returns nil when the timeout passes, so a workflow tells a late answer
// from none with == nil. Whether a signal came in time is decided by the
// time it was sent (the engine's clock when Signal stored it) against
// the wait's due time, whoever gets there first, the signal or a worker
// firing the timeout: a late signal does not answer the wait that timed
// out, and stays queued for the next wait for its name, as one sent
// while nobody waits does.
//
// # Using the engine from Go
//
// Open a SQLite file (or wrap any Store with New), register activities,
// start instances and signal them:
//
//	e, err := engine.Open("wf.db", engine.Options{Activities: acts}, engine.SQLiteOptions{})
//	id, err := e.Start(ctx, "approval.wf", src, []byte(`{"what": "a laptop"}`))
//	_, err = e.Signal(ctx, id, "approval", []byte(`true`))
//	go e.Work(ctx, engine.WorkerOptions{Logger: slog.Default()}) // timers, and work left by crashes
//
// Start runs the new instance until it first waits, sleeps or finishes and
// commits that state as version 1. Signal stores the signal (from then on
// it is acknowledged: never lost, never applied twice) and, unless
// Options.Detached, resumes the instance in the caller. A signal nobody
// waits for yet stays queued and is delivered, in order, when the
// workflow waits for its name. Work claims instances whose timers are due
// or that have work left, and advances them, logging each step to
// WorkerOptions.Logger if set; it retries a failing store with a growing
// pause and returns only when ctx ends.
//
// # Steps, versions and activities
//
// Each time an instance moves, the engine restores its snapshot, delivers
// one event (a signal, a timer, a timeout, an activity result), runs the
// machine to its next block and commits, in one transaction: the new
// snapshot, the status (running, waiting, sleeping, completed, failed,
// cancelled), what it waits for, its due time, what it printed, the
// inbox rows it consumed, and a new numbered version with the reason
// ("signal approval received"). The commit is checked against the version
// the step started from, so of two processes resuming one instance only
// one commits; the other's step is discarded.
//
// An activity call suspends the workflow; the engine commits it as
// pending with a sequence number, calls the Go function with the key
// "<instance>:<seq>", and commits the result together with the workflow's
// progress up to its next block. Only the holder of the instance's lease
// calls it: the Start or Signal caller whose commit left it pending (that
// commit takes the lease), or a worker that claimed it. A crash in
// between calls the function again with the same key, once the lease has
// ended; without a crash, each key is called once per attempt.
//
// An activity's error (or panic) is a value the workflow handles: after
// the attempts its RetryPolicy allows (per activity, or per call with
// activity(fn, args, options)), the call throws a wf error of the
// activity's kind (ActivityError.Kind; "activity_error" by default;
// "timeout" for an attempt past its timeout) that try/catch catches.
// Between attempts the instance sleeps, due at the next attempt, and
// each attempt's outcome is a version of its own; the key stays
// "<instance>:<seq>" and the attempt number is in the context
// (ActivityInfoFrom). Uncaught, the failure fails the instance; its last
// good state stays, and Rewind to the pending version retries the call
// with the same key. A step that fails inside wf itself, a panic or a
// vm.ErrInternal, fails the instance with the reason, and the process
// goes on.
//
// A future (start) takes its key where the script starts it; the
// engine keeps the outstanding futures in the machine's pending request
// (future.go) and makes their attempts, concurrently, in any step where
// they are due, whatever the workflow waits on, recording each outcome
// in a version ("future quote done (seq 3)").
//
// # Limits
//
// Every field the engine stores as a workflow runs is bounded, and no
// step commits a state the engine could not load again:
//
//   - each step runs under budgets, Options.MaxSteps and MaxAlloc
//     (100 million steps, 256 MiB), counted from zero in every step, and
//     a timeout, Options.StepTimeout (30 s);
//   - a step may print Options.MaxOutput (1 MiB); print fails past it;
//   - a step's state must fit in a snapshot of Options.MaxSnapshot
//     (vm.MaxSnapshotSize, 64 MiB, the most vm.Restore accepts);
//   - start inputs, signal values, values Set stores and activity
//     results are at most Options.MaxValue bytes of JSON (1 MiB), and
//     signal names at most MaxName bytes (256): Start, Signal and Set
//     refuse larger ones with ErrTooLarge, storing nothing;
//   - durations are at most MaxDuration (100 years);
//   - the error text of a failed instance is cut at 64 KiB.
//
// A step that goes over a limit fails its instance with the reason; the
// failed version keeps the last good state, and the process goes on.
// Signals queued for an instance when it fails (or is cancelled) stay in
// its inbox, unconsumed, and Show lists them; a signal whose step failed
// is consumed by the failed version, whose Detail holds its value.
// Signal refuses a finished instance (ErrFinal), so no signal is
// acknowledged that nothing would apply; a Rewind that revives the
// instance delivers the queued ones when it waits for their names.
//
// # Cancelling
//
// Cancel throws a catchable wf error of kind "cancelled" where the
// instance waits (a signal, a timer, an activity or its next attempt),
// so its finally blocks run and a catch may compensate with activities;
// the instance is "cancelling" while they run, until Options.CancelGrace
// ends, and then cancelled. CancelWith{Force: true} ends it without
// running it.
//
// # Reading and changing instances from outside
//
// History lists the versions; Show describes any version: its fibers,
// frames and locals (vm.Inspect), what it waits for, queued signals and
// the output so far. Fork copies a version into a new instance. Rewind
// makes an instance continue from an older version, recorded as a new
// version (nothing is deleted). Set changes a variable of a waiting
// instance (vm.SetVariable) and records the edit. Cancel ends it for
// good, after its cleanup (see above): it takes no more signals, timers
// or workers, and only a forced Rewind, an operator's explicit act
// recorded as a version of its own, revives it; a completed or failed
// instance needs no force to be rewound. Under a context from WithActor,
// these changes (and a signal delivered at once) say in their version's
// reason who made them.
//
// List pages through instances newest first: Filter selects by status,
// signal waited for, program or id, and After continues from the last
// instance of the previous page (a Cursor), reading an index from there
// on, so that a page deep in a large store costs what the first does.
//
// # Changing a workflow while it runs
//
// Upgrade moves chosen instances onto a new version of their workflow,
// each as a version of its own ("upgraded <old> → <new>", undone by
// Rewind), through the upgrade map stored with every program
// (vm.Upgrade moves the state; spec/language.md §12 gives the rules);
// with DryRun it only reports, for each instance, whether it can move and
// why not. An instance that cannot move keeps its old program. A step of
// an instance stored by a wf of another bytecode version first moves it,
// the same way, onto this wf's code for the same source. CheckHistory
// replays an instance's recorded signals, timers and activity results on
// new code and reports the first version it would not reproduce; Using
// lists the instances that take a version marker.
//
// # Concurrency
//
// An Engine is safe for concurrent use by many goroutines, and engines in
// several processes may share one database (see Engine for what a caller
// may expect under contention). In one process, the SQLite store is bound
// by the CPU rather than by locks: examples/service on a fresh database
// (BenchmarkService: per workflow a POST /requests and a POST
// /approve/{id} that completes it, its activity included, over loopback
// HTTP with the worker running), on a 2-core machine shared with other
// work, medians of three runs of 2000 workflows:
//
//	clients  workflows/s  p50 of a call  p99 of a call
//	1          643          0.53 ms        5.7 ms
//	8          786          3.3 ms        24 ms
//	32         766         18.8 ms        51 ms
//	128        837         72 ms         152 ms
//
// Throughput is flat because the two cores are busy; a call's latency
// grows with the queue of clients, and every call completes. Reproduce
// with
//
//	go test ./examples/service -run '^$' -bench Service -benchtime 2000x -count 3
//
// # Stores
//
// Store is the engine's only access to durable state; each method is one
// transaction. SQLite (OpenSQLite) keeps everything in one file in WAL
// mode, with synchronous=NORMAL by default (a commit survives a crash of
// the process; FULL also survives power loss); in one process, every
// write runs on one writer connection and reads on a pool of their own.
// Programs are stored once under the SHA-256 of their source; versions
// refer to snapshots by version number, so a rewind or an edit-free step
// copies no bytes, and each version stores only what its step printed,
// after a reference to the version it continues, so an instance takes
// room in proportion to its output (300 steps printing 2 KiB each: 1.25
// MB of database, where storing the output so far in every version took
// 93 MB; BenchmarkOutputStorage). The schema is versioned: opening a
// database to write brings an older one to this wf's schema in one
// transaction, and a newer one is refused (ErrSchema).
//
// A large state (64 KB of snapshot or more) is stored by delta: a step
// restores the machine tracking its changes and stores only what changed
// since an earlier version's full snapshot (vm.Machine.DeltaKeepBase),
// until that delta grows past a quarter of the state, when the step
// stores the full snapshot instead and later versions take it as their
// base. Every delta applies to one full snapshot, never to a chain, and
// the stores resolve it when a version is read (Head, State, Version), so
// everything that reads versions sees exact full snapshots; a step reads
// its head without applying the delta, which a warm machine already in
// that state does not need. A step then costs what changed, not what
// exists: an instance holding 5 MB that changes one record per signal
// takes hundreds of signals per second and stores kilobytes per signal
// (BenchmarkBigStateSignals); Options.FullSnapshots turns deltas off.
//
// PostgreSQL (OpenPostgres, OpenPostgresEngine) is the store for many
// workers on many hosts sharing one database: the same tables in a
// schema of their own (the DSN's search_path), migrated in the same way,
// with row locks where SQLite has one writer. Claims are leases
// (ClaimDue, TakeLease, and commits that leave work due), each counted
// by a fencing token (Lease.Token), and the wake-up rule for queued
// signals is part of the Store contract, not of the engine, so both
// stores keep it in their own way. An idle worker on PostgreSQL also
// LISTENs for hints that a write made work due (Waker), sent after the
// write commits and coalesced; it still polls, as hints may be lost.
package engine
