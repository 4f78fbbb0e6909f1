package main

// This file defines the durable workflow commands: start, signal, list,
// show, history, fork, rewind, set, cancel and worker.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// engineCommands are dispatched by run.
var engineCommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"start":   cmdStart,
	"signal":  cmdSignal,
	"list":    cmdList,
	"show":    cmdShow,
	"history": cmdHistory,
	"fork":    cmdFork,
	"rewind":  cmdRewind,
	"set":     cmdSet,
	"cancel":  cmdCancel,
	"query":   cmdQuery,
	"worker":  cmdWorker,
	"upgrade": cmdUpgrade,
	"prune":   cmdPrune,
	"serve":   cmdServe,
	"diff":    cmdDiff,
}

const engineUsage = `
Durable workflows (state in a SQLite file or a PostgreSQL database: --db FILE or
--db postgres://..., $WF_DB, default ./wf.db):
  wf start FILE [--input JSON]   start an instance; print its id
  wf signal ID NAME JSON|--null  send a signal (queued until the workflow waits for it)
  wf list [--status S] [--uses M] list instances (--uses: those taking version marker M)
  wf show ID [--at VERSION]      status, stacks with locals, queued signals, output
  wf history ID                  every version, why it was made and what it got
  wf diff ID --from A --to B     what changed in the machine from version A to B
  wf fork ID [--at VERSION]      a new instance continuing from that state
  wf rewind ID --to VERSION      continue from an older state (recorded as a new version);
                                 --force to revive a cancelled instance
  wf set ID NAME JSON            change a variable of a waiting instance
  wf query ID NAME [JSON...]     a global of a stored instance, or a function's result, read-only
  wf cancel [--force] ID         cancel an instance: its catch/finally clean up, then it ends
                                 (only wf rewind --force revives it)
  wf worker [--concurrency N]    fire timers and run instances with work, until SIGTERM;
                                 logs each step (--log text|json|off); --no-batch
  wf upgrade NEW.wf ID...        move instances (or --all, --program HASH) onto new code;
                                 --dry-run says which can move and why not
  wf prune --keep N              delete all but the last N versions of finished instances
                                 (--finished-before D: only those finished over D ago;
                                 --keep-every K, --older-than D, --running: retention)
  wf serve [--addr 127.0.0.1:7233] a web console: instances, timelines, diffs, actions
                                 (a non-loopback --addr needs --token or --token-file)

start, signal, fork, rewind and worker run workflow steps (the code between two
waits); --max-steps and --max-alloc bound each step (defaults 100000000 steps,
268435456 bytes; 0: no limit). A step that goes over fails its instance.
`

// dbFlags are the flags every engine command takes, and the step
// budgets of those that run steps.
type dbFlags struct {
	path    string
	sync    string
	asJSON  bool
	budgets *budgetFlags // nil unless the command runs steps
	conns   int          // PostgreSQL connections the command needs at once; 0 for the pool's default
}

// budgetFlags are the budgets of each step the command runs.
type budgetFlags struct {
	maxSteps, maxAlloc int64
}

// runsSteps registers the step budget flags, for commands that run steps
// (start, signal, fork, rewind, worker). Their defaults are the engine's.
func (d *dbFlags) runsSteps(fs *flag.FlagSet) {
	d.budgets = &budgetFlags{}
	intFlag(fs, &d.budgets.maxSteps, "max-steps", engine.DefaultMaxSteps, 0, math.MaxInt64,
		"`N` instructions one step of a workflow may run, a step being the code between two waits (0: no limit)")
	intFlag(fs, &d.budgets.maxAlloc, "max-alloc", engine.DefaultMaxAlloc, 0, math.MaxInt64,
		"`BYTES` one step of a workflow may allocate (0: no limit)")
}

// apply sets the budgets in opts, 0 becoming the engine's "no limit".
func (b *budgetFlags) apply(opts *engine.Options) {
	opts.MaxSteps, opts.MaxAlloc = b.maxSteps, b.maxAlloc
	if b.maxSteps == 0 {
		opts.MaxSteps = -1
	}
	if b.maxAlloc == 0 {
		opts.MaxAlloc = -1
	}
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	def := os.Getenv("WF_DB")
	if def == "" {
		def = "wf.db"
	}
	fs.StringVar(&d.path, "db", def, "the database: a SQLite file, or a postgres:// URL ($WF_DB)")
	fs.StringVar(&d.sync, "synchronous", "NORMAL", "NORMAL, or FULL to fsync every commit (SQLite; PostgreSQL's commits are\n"+
		"as durable as the server's synchronous_commit, on by default)")
	fs.BoolVar(&d.asJSON, "json", false, "print JSON instead of text")
}

// access is what a command does to the database.
type access int

const (
	readOnly  access = iota // list, show, history: open read-only, never create
	readWrite               // signal, fork, rewind, set, cancel: the database must exist
	create                  // start, worker: create the database if there is none
)

// open opens the engine for acc.
func (d *dbFlags) open(acc access, opts engine.Options, stderr io.Writer) (*engine.Engine, int) {
	if d.budgets != nil {
		d.budgets.apply(&opts)
	}
	var e *engine.Engine
	var err error
	switch {
	case engine.IsPostgresDSN(d.path):
		pg := engine.PostgresOptions{ReadOnly: acc == readOnly, MaxConns: int32(d.conns)}
		e, err = engine.OpenPostgresEngine(context.Background(), d.path, opts, pg)
	case acc != create && !engine.FileExists(d.path):
		fmt.Fprintf(stderr, "wf: no database at %s (wf start creates one; --db or $WF_DB name another)\n", d.path)
		return nil, exitUsage
	default:
		e, err = engine.Open(d.path, opts, engine.SQLiteOptions{Synchronous: d.sync, ReadOnly: acc == readOnly})
	}
	if err != nil {
		return nil, report(stderr, err)
	}
	return e, exitOK
}

// where names the database for messages: the file, or the URL without
// its password.
func (d *dbFlags) where() string {
	if !engine.IsPostgresDSN(d.path) {
		return d.path
	}
	u, err := url.Parse(d.path)
	if err != nil {
		return "a PostgreSQL database"
	}
	return u.Redacted()
}

// report prints err and returns its exit code: exitUsage for bad input
// (unknown ids, invalid JSON, a database that is not ours), exitRuntime
// for anything else.
func report(stderr io.Writer, err error) int {
	var re *vm.RuntimeError
	if errors.As(err, &re) {
		fmt.Fprintln(stderr, re)
		return exitRuntime
	}
	var el lang.ErrorList
	if errors.As(err, &el) {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "wf: %v\n", err)
	for _, bad := range []error{engine.ErrNotFound, engine.ErrInvalid, engine.ErrTooLarge, engine.ErrNotOurs,
		engine.ErrSchema, engine.ErrFinal, engine.ErrWrongKind, vm.ErrNoVariable} {
		if errors.Is(err, bad) {
			return exitUsage
		}
	}
	return exitRuntime
}

// parse parses flags interleaved with want positional arguments.
func parse(fs *flag.FlagSet, args []string, want int) ([]string, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if want >= 0 && len(pos) != want {
		fs.Usage()
		return nil, false
	}
	return pos, true
}

func cmdStart(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("start", "wf start [--db FILE|URL] [--input JSON] [--max-steps N] [--max-alloc BYTES] FILE", stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	input := fs.String("input", "", "the workflow's input(), as JSON")
	pos, ok := parse(fs, args, 1)
	if !ok {
		return exitUsage
	}
	src, err := readSource(pos[0], lang.DefaultMaxSource) // the engine compiles with lang's defaults
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return exitUsage
	}
	e, code := d.open(create, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	var in []byte
	if *input != "" {
		in = []byte(*input)
	}
	id, err := e.Start(context.Background(), pos[0], src, in)
	var el lang.ErrorList
	if errors.As(err, &el) {
		fmt.Fprint(stderr, lang.Render(err, src))
		return exitUsage
	}
	if err != nil {
		return report(stderr, err)
	}
	if code := printState(e, id, d.asJSON, stdout, stderr); code != exitOK {
		return code
	}
	return startFailed(e, id, stderr)
}

// startFailed reports the failure of instance id, new, if it failed
// before its first wait: exitRuntime, else exitOK.
func startFailed(e *engine.Engine, id string, stderr io.Writer) int {
	h, err := e.Store().Head(context.Background(), id)
	if err != nil {
		return report(stderr, err)
	}
	return failedCode(h.Instance, stderr)
}

// printState prints an instance's id and where it stands.
func printState(e *engine.Engine, id string, asJSON bool, stdout, stderr io.Writer) int {
	h, err := e.Store().Head(context.Background(), id)
	if err != nil {
		return report(stderr, err)
	}
	if asJSON {
		return printJSON(stdout, map[string]any{"id": id, "status": h.Status, "waiting_for": h.WaitingFor, "version": h.Version, "error": h.Error})
	}
	fmt.Fprintln(stdout, id)
	return exitOK
}

// failedCode prints why in failed, if it has, and returns exitRuntime;
// else exitOK.
func failedCode(in engine.Instance, stderr io.Writer) int {
	if in.Status != engine.Failed {
		return exitOK
	}
	fmt.Fprintf(stderr, "wf: instance %s failed: %s\n", in.ID, in.Error)
	return exitRuntime
}

func cmdSignal(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("signal", "wf signal [--db FILE|URL] [--max-steps N] [--max-alloc BYTES] ID NAME JSON|--null", stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	null := fs.Bool("null", false, "send null as the signal's value (instead of JSON)")
	pos, ok := parse(fs, args, -1)
	if !ok || len(pos) < 2 || len(pos) > 3 {
		fs.Usage()
		return exitUsage
	}
	value, code := signalValue(pos[2:], *null, stderr)
	if value == nil {
		return code
	}
	e, code := d.open(readWrite, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	msg, err := e.Signal(context.Background(), pos[0], pos[1], value)
	var re *engine.ResumeError
	if err != nil && !errors.As(err, &re) {
		return report(stderr, err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
	}
	h, herr := e.Store().Head(context.Background(), pos[0])
	if herr != nil {
		return report(stderr, herr)
	}
	queued, qerr := stillQueued(e, msg)
	if qerr != nil {
		return report(stderr, qerr)
	}
	if d.asJSON {
		printJSON(stdout, map[string]any{"signal": msg.ID, "id": pos[0], "status": h.Status, "waiting_for": h.WaitingFor,
			"queued": queued, "error": h.Error})
	} else {
		fmt.Fprintf(stdout, "signal #%d %s stored; %s is %s\n", msg.ID, pos[1], pos[0], describeHead(h.Instance))
	}
	if queued && !h.Status.Final() {
		fmt.Fprintf(stderr, "wf signal: warning: %s is %s, so signal #%d %s stays queued until the workflow waits for %s\n",
			pos[0], describeHead(h.Instance), msg.ID, pos[1], pos[1])
	}
	return failedCode(h.Instance, stderr)
}

// describeHead describes where in stands now.
func describeHead(in engine.Instance) string { return describeAt(in, time.Now()) }

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("list", "wf list [--db FILE|URL] [--status S] [--uses MARKER] [--json]", stderr)
	var d dbFlags
	d.register(fs)
	status := fs.String("status", "", "only instances in this status (running, waiting, sleeping, cancelling, completed, failed, cancelled)")
	var limit int
	intFlag(fs, &limit, "limit", 0, 0, math.MaxInt, "at most `N` instances (0: all)")
	uses := fs.String("uses", "", "only instances that take the version marker `NAME` (version(NAME) is true)")
	if _, ok := parse(fs, args, 0); !ok {
		return exitUsage
	}
	if *status != "" && !engine.Status(*status).Valid() {
		fmt.Fprintf(stderr, "wf list: unknown status %q (want running, waiting, sleeping, cancelling, completed, failed or cancelled)\n", *status)
		return exitUsage
	}
	e, code := d.open(readOnly, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	f := engine.Filter{Status: engine.Status(*status), Limit: limit}
	list, err := e.List(context.Background(), f)
	if *uses != "" {
		list, err = e.Using(context.Background(), *uses, f)
	}
	if err != nil {
		return report(stderr, err)
	}
	if d.asJSON {
		return printJSON(stdout, list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tVERSION\tUPDATED\tSTATE")
	for _, in := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", in.ID, in.Status, in.Version, in.Updated.Local().Format(time.DateTime), describeHead(in))
	}
	tw.Flush()
	return exitOK
}

func cmdHistory(args []string, stdout, stderr io.Writer) int {
	return instanceCmd("history", "wf history [--db FILE|URL] [--json] ID", 1, readOnly, args, stderr, nil,
		func(e *engine.Engine, d dbFlags, pos []string) int {
			vs, err := e.History(context.Background(), pos[0])
			if err != nil {
				return report(stderr, err)
			}
			if d.asJSON {
				return printJSON(stdout, historyJSON(vs))
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tTIME\tREASON\tTHEN\tGOT")
			for _, v := range vs {
				in := engine.Instance{Status: v.Status, WaitingFor: v.WaitingFor, Due: v.Due, Error: v.Error}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.Number, v.Created.Local().Format(time.DateTime), v.Reason, describeAt(in, time.Time{}), got(v))
			}
			tw.Flush()
			return exitOK
		})
}

func cmdShow(args []string, stdout, stderr io.Writer) int {
	var at int64
	flags := func(fs *flag.FlagSet, _ *dbFlags) {
		intFlag(fs, &at, "at", 0, 0, math.MaxInt64, "show `VERSION` instead of the latest")
	}
	return instanceCmd("show", "wf show [--db FILE|URL] [--json] [--at VERSION] ID", 1, readOnly, args, stderr, flags,
		func(e *engine.Engine, d dbFlags, pos []string) int {
			rep, err := e.Show(context.Background(), pos[0], at)
			if err != nil {
				return report(stderr, err)
			}
			if d.asJSON {
				return printJSON(stdout, reportJSON(rep))
			}
			printReport(stdout, rep)
			return exitOK
		})
}

func printReport(w io.Writer, rep *engine.Report) {
	in, v := rep.Instance, rep.Version
	fmt.Fprintf(w, "instance %s (%s)\n", in.ID, in.Status)
	fmt.Fprintf(w, "version %d of %d: %s\n", v.Number, in.Version, v.Reason)
	state := engine.Instance{Status: v.Status, WaitingFor: v.WaitingFor, Due: v.Due, Error: v.Error}
	now := time.Now()
	if v.Number != in.Version {
		now = time.Time{} // a past state's deadline is only a time
	}
	fmt.Fprintf(w, "state: %s\n", describeAt(state, now))
	if rep.Pending != "" {
		fmt.Fprintf(w, "waiting for: %s\n", rep.Pending)
	}
	if in.Parent != "" {
		fmt.Fprintf(w, "forked from: %s\n", in.Parent)
	}
	if in.Input != "" {
		fmt.Fprintf(w, "input: %s\n", in.Input)
	}
	for _, m := range rep.Queued {
		fmt.Fprintf(w, "queued signal #%d %s = %s\n", m.ID, m.Name, m.Value)
	}
	if v.Error != "" {
		fmt.Fprintf(w, "error: %s\n", v.Error)
	}
	if rep.Machine != nil {
		printInspection(w, rep.Machine)
	}
	fmt.Fprintln(w, "output so far:")
	for _, line := range splitLines(v.Output) {
		fmt.Fprintf(w, "  | %s\n", line)
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

func cmdFork(args []string, stdout, stderr io.Writer) int {
	var at int64
	flags := func(fs *flag.FlagSet, d *dbFlags) {
		intFlag(fs, &at, "at", 0, 0, math.MaxInt64, "fork `VERSION` instead of the latest")
		d.runsSteps(fs)
	}
	return instanceCmd("fork", "wf fork [--db FILE|URL] [--at VERSION] [--max-steps N] [--max-alloc BYTES] ID", 1, readWrite, args, stderr, flags,
		func(e *engine.Engine, d dbFlags, pos []string) int {
			id, err := e.Fork(context.Background(), pos[0], at)
			if err != nil {
				return report(stderr, err)
			}
			return printState(e, id, d.asJSON, stdout, stderr)
		})
}

func cmdRewind(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rewind", "wf rewind [--db FILE|URL] [--max-steps N] [--max-alloc BYTES] [--force] --to VERSION ID", stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	var to int64 // 0: not given
	intFlag(fs, &to, "to", 0, 1, math.MaxInt64, "the `VERSION` to continue from")
	force := fs.Bool("force", false, "revive a cancelled instance (cancel is otherwise for good; a completed or failed one needs no force)")
	pos, ok := parse(fs, args, 1)
	if !ok {
		return exitUsage
	}
	if to == 0 {
		fmt.Fprintln(stderr, "wf rewind: --to VERSION is required")
		return exitUsage
	}
	e, code := d.open(readWrite, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	n, err := e.Rewind(context.Background(), pos[0], to, *force)
	if err != nil {
		return report(stderr, err)
	}
	if !d.asJSON {
		fmt.Fprintf(stdout, "%s rewound to version %d as version %d\n", pos[0], to, n)
		return exitOK
	}
	return printState(e, pos[0], true, stdout, stderr)
}

func cmdSet(args []string, stdout, stderr io.Writer) int {
	var anyType *bool
	flags := func(fs *flag.FlagSet, _ *dbFlags) {
		anyType = fs.Bool("any-type", false, "allow a value of another type than the variable's")
	}
	return instanceCmd("set", "wf set [--db FILE|URL] [--any-type] ID NAME JSON", 3, readWrite, args, stderr, flags,
		func(e *engine.Engine, d dbFlags, pos []string) int {
			if err := e.Set(context.Background(), pos[0], pos[1], []byte(pos[2]), *anyType); err != nil {
				return report(stderr, err)
			}
			return changed(e, d, pos[0], fmt.Sprintf("%s: %s = %s", pos[0], pos[1], pos[2]), stdout, stderr)
		})
}

func cmdCancel(args []string, stdout, stderr io.Writer) int {
	var force *bool
	flags := func(fs *flag.FlagSet, _ *dbFlags) {
		force = fs.Bool("force", false, "end the instance at once, running none of its cleanup (for one stuck in it)")
	}
	return instanceCmd("cancel", "wf cancel [--db FILE|URL] [--force] ID", 1, readWrite, args, stderr, flags,
		func(e *engine.Engine, d dbFlags, pos []string) int {
			if err := e.CancelWith(context.Background(), pos[0], engine.CancelOptions{Force: *force}); err != nil {
				return report(stderr, err)
			}
			return changed(e, d, pos[0], pos[0]+" cancelled", stdout, stderr)
		})
}

// instanceCmd runs a command on stored instances: it parses the flags
// (the database flags plus what flags adds) and want positional
// arguments, opens the existing database for acc, and calls do.
func instanceCmd(name, synopsis string, want int, acc access, args []string, stderr io.Writer,
	flags func(*flag.FlagSet, *dbFlags), do func(e *engine.Engine, d dbFlags, pos []string) int) int {
	fs := newFlags(name, synopsis, stderr)
	var d dbFlags
	d.register(fs)
	if flags != nil {
		flags(fs, &d)
	}
	pos, ok := parse(fs, args, want)
	if !ok {
		return exitUsage
	}
	e, code := d.open(acc, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	return do(e, d, pos)
}

// changed reports a change to instance id: msg as text, or the
// instance's new state as JSON.
func changed(e *engine.Engine, d dbFlags, id, msg string, stdout, stderr io.Writer) int {
	if !d.asJSON {
		fmt.Fprintln(stdout, msg)
		return exitOK
	}
	return printState(e, id, true, stdout, stderr)
}

// maxConcurrency bounds wf worker --concurrency: each loop may hold a
// database connection and run a step's budget of memory.
const maxConcurrency = 256

func cmdWorker(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("worker", "wf worker [--db FILE|URL] [--poll DURATION] [--concurrency N] [--no-batch] [--log text|json|off] [--max-steps N] [--max-alloc BYTES]", stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	var poll, lease time.Duration
	durationFlag(fs, &poll, "poll", 100*time.Millisecond, time.Millisecond, time.Hour, "look for due work every `DURATION` when idle (1ms to 1h)")
	durationFlag(fs, &lease, "lease", time.Minute, 10*time.Millisecond, 24*time.Hour,
		"a claim on an instance lasts `DURATION` (10ms to 24h; a killed worker's claims expire after it)")
	var concurrency int
	intFlag(fs, &concurrency, "concurrency", 1, 1, maxConcurrency,
		fmt.Sprintf("advance up to `N` instances at once (1 to %d), each claimed by a loop of its own", maxConcurrency))
	noBatch := fs.Bool("no-batch", false, "commit each instance's step in a transaction of its own, not a claim's steps together")
	logAs := registerLog(fs)
	if _, ok := parse(fs, args, 0); !ok {
		return exitUsage
	}
	d.conns = max(4, concurrency+1) // a connection per loop, and one for the signals it sends
	// Signals are handled from now on: one that comes while the database
	// opens stops the worker cleanly once it has.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, code := d.open(create, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	log := logAs.logger(stderr)
	log.Info("wf worker started", "db", d.where(), "pid", os.Getpid())
	o := engine.WorkerOptions{Poll: poll, Lease: lease, Concurrency: concurrency, NoBatch: *noBatch, Logger: log}
	if err := e.Work(ctx, o); err != nil {
		return report(stderr, err)
	}
	log.Info("wf worker stopped")
	return exitOK
}
