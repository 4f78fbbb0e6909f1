package engine

// This file defines Engine and its entry points: Start, Signal, Advance.

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// Options configure an Engine. The zero value is usable.
type Options struct {
	Activities []Activity
	// Now is the clock; default time.Now. Tests move it to fire timers.
	Now func() time.Time
	// NewID makes instance ids; default 16 random base32 characters.
	NewID func() string
	// StepTimeout bounds the .wf code run in one step; a step that runs
	// longer fails its instance. Default 30s.
	StepTimeout time.Duration
	// MaxSteps and MaxAlloc are each step's budgets: the instructions
	// (with builtins charged by the work they do) and the bytes the .wf
	// code of one step may use (vm.Options.MaxSteps and MaxAlloc, counted
	// from zero in every step). A step that goes over fails its instance,
	// which keeps its last good state, and the process goes on. Defaults
	// DefaultMaxSteps and DefaultMaxAlloc; a negative value means no
	// limit.
	MaxSteps int64
	MaxAlloc int64
	// MaxValue bounds, in bytes of JSON, a start input, a signal's
	// value, a value Set stores and an activity's result. Start, Signal
	// and Set refuse a larger one with an error wrapping ErrTooLarge,
	// having stored nothing; a larger result fails the activity. Default
	// DefaultMaxValue (1 MiB); negative for no limit.
	MaxValue int
	// MaxOutput bounds what one step may print, in bytes: past it, print
	// fails with a value_error (a step that does not catch it fails its
	// instance). Default DefaultMaxOutput (1 MiB); negative for no limit.
	MaxOutput int
	// MaxSnapshot bounds the state a step may commit, in bytes of
	// snapshot: a step whose state is larger fails its instance, which
	// keeps its last good state, instead of committing a state that
	// could never be restored. Default, and at most, vm.MaxSnapshotSize
	// (64 MiB), the largest snapshot vm.Restore accepts.
	MaxSnapshot int
	// FullSnapshots stores every version's state as a full snapshot. By
	// default a state of 64 KB or more is stored as a delta against an
	// earlier version's full snapshot while the delta stays under a
	// quarter of the state (spec/snapshot.md, "Delta snapshots"); the
	// versions read back the same either way.
	FullSnapshots bool
	// CheckDeltas checks every delta a step writes against the full
	// snapshot of its state (vm.Options.CheckDeltas); a delta that does
	// not give it fails the instance as an internal error instead of
	// being stored. It costs a full snapshot per step: for tests.
	CheckDeltas bool
	// Detached makes Signal only queue the signal, leaving the resume to
	// a worker. By default Start and Signal advance the instance in the
	// caller until it waits, sleeps or finishes.
	Detached bool
	// MaxChain bounds the steps one Advance takes (activities and queued
	// signals chain steps); default 1000.
	MaxChain int
	// Lease is how long Start, Signal and Advance hold an instance whose
	// activity they go on to run; a worker's claims last
	// WorkerOptions.Lease. If the process dies, a worker runs the
	// activity again, with the same key, once the lease has ended; an
	// activity that runs longer than the lease may be called again while
	// it runs. Default 1m.
	Lease time.Duration
	// CancelGrace is how long a cancelled instance's cleanup may run
	// (CancelWith); default 1m.
	CancelGrace time.Duration
	// WarmMachines and WarmBytes bound the machines kept after each step
	// (see warm.go), by count and by approximate bytes (four times their
	// snapshots), so that the next step of the same instance, a burst of
	// signals, need not restore its snapshot. Defaults
	// DefaultWarmMachines and DefaultWarmBytes; a negative WarmMachines
	// keeps none.
	WarmMachines int
	WarmBytes    int64
}

// The default budgets of one step (Options.MaxSteps and MaxAlloc).
//
// A step of a workflow is the code between two waits; 100 million steps
// take 0.2 to 1 s of CPU on the 2-core machine the figures in this
// package come from, long enough for any orchestration a step does, short
// enough that a runaway step fails the same way on every worker, well
// before the 30 s StepTimeout that bounds wall time under load.
//
// 256 MiB is four times the largest state a snapshot may hold
// (vm.MaxSnapshotSize), so a step can build any state the engine can
// commit with room for its garbage; the vm keeps peak memory within
// about twice the budget (a step appending to a list without end peaks
// at 285 MB of RSS, then fails).
const (
	DefaultMaxSteps = 100_000_000
	DefaultMaxAlloc = 256 << 20
)

// Engine runs workflow instances against a Store.
//
// An Engine is safe for concurrent use by any number of goroutines: Start,
// Signal, Work and the other methods may run at once, on one instance or
// on many. Two engines (in one process or two) may share a store, since
// every commit is checked against the version it started from; of two
// steps from one version, one commits and the other is discarded, which
// Advance, Start and Signal do not report as an error. Activities run
// only under the instance's lease (see Options.Lease), so each key is
// called once unless a process dies.
//
// Over SQLite (Open), an engine opens one writer connection and up to
// readerConns reader connections (4, or GOMAXPROCS if more), and no
// workflow code or activity runs inside a write transaction. Under load
// in one process, calls therefore wait their turn for the writer rather
// than fail. A call fails for contention only when another process keeps
// the database locked past the busy timeout and the store's retries:
// ErrBusy, with nothing written, which a caller may retry later.
//
// Over PostgreSQL (OpenPostgresEngine), calls run on a pool of
// connections (PostgresOptions.MaxConns) and wait for a free one;
// engines on any number of hosts share one database through row locks.
// A deadlock or serialization failure the server reports is ErrBusy.
type Engine struct {
	store    Store
	opts     Options
	acts     map[string]Activity
	actNames []string

	warm  *warmCache // machines kept for the next step (warm.go)
	mu    sync.Mutex
	progs map[string]*compiler.Program
	maps  map[string]*compiler.Map // upgrade maps by program hash (see programMap)

	host string       // host:pid, the default lease owner
	tag  string       // tells this engine's leases from another's in one process
	seq  atomic.Int64 // numbers lease owners
}

// New returns an engine over store.
func New(store Store, opts Options) (*Engine, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = newID
	}
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = 30 * time.Second
	}
	opts.MaxSteps = budget(opts.MaxSteps, DefaultMaxSteps)
	opts.MaxAlloc = budget(opts.MaxAlloc, DefaultMaxAlloc)
	opts.MaxValue = limit(opts.MaxValue, DefaultMaxValue)
	opts.MaxOutput = limit(opts.MaxOutput, DefaultMaxOutput)
	opts.MaxSnapshot = snapshotLimit(opts.MaxSnapshot)
	if opts.MaxChain <= 0 {
		opts.MaxChain = 1000
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.CancelGrace <= 0 {
		opts.CancelGrace = time.Minute
	}
	host, _ := os.Hostname()
	e := &Engine{store: store, opts: opts, warm: newWarmCache(opts.WarmMachines, opts.WarmBytes), acts: map[string]Activity{}, progs: map[string]*compiler.Program{}, maps: map[string]*compiler.Map{},
		host: fmt.Sprintf("%s:%d", host, os.Getpid()), tag: newID()[:6]}
	reserved := map[string]bool{}
	for _, n := range append(vm.Universe(), builtinNames...) {
		reserved[n] = true
	}
	for _, a := range opts.Activities {
		if reserved[a.Name] || e.acts[a.Name].Fn != nil || a.Fn == nil || a.Name == "" {
			return nil, fmt.Errorf("activity %q: name empty, taken or registered twice, or no Fn", a.Name)
		}
		e.acts[a.Name] = a
		e.actNames = append(e.actNames, a.Name)
	}
	sort.Strings(e.actNames)
	return e, nil
}

// budget is a step budget as vm.Options takes it (0 for none) from one
// as Options take it (0 for the default, negative for none).
func budget(n, def int64) int64 {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

// Open opens (or creates) a SQLite database and returns an engine over it;
// Close closes both.
func Open(path string, opts Options, sq SQLiteOptions) (*Engine, error) {
	s, err := OpenSQLite(path, sq)
	if err != nil {
		return nil, err
	}
	return owning(s, opts)
}

// owning returns an engine over s that closes it, or closes s.
func owning(s Store, opts Options) (*Engine, error) {
	e, err := New(s, opts)
	if err != nil {
		s.Close()
		return nil, err
	}
	return e, nil
}

// OpenPostgresEngine opens the wf schema of a PostgreSQL database (see
// OpenPostgres) and returns an engine over it; Close closes both.
func OpenPostgresEngine(ctx context.Context, dsn string, opts Options, pg PostgresOptions) (*Engine, error) {
	s, err := OpenPostgres(ctx, dsn, pg)
	if err != nil {
		return nil, err
	}
	return owning(s, opts)
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Close closes the store.
func (e *Engine) Close() error { return e.store.Close() }

// holder is who runs a chain of steps (a Start, Signal or Advance call, a
// worker), as the owner of the leases it takes, and how long they last.
type holder struct {
	owner  string
	d      time.Duration
	logger *slog.Logger // a worker's: logs each step committed (LogStep)
}

// lease is the lease holder takes at now.
func (who holder) lease(now time.Time) Lease { return Lease{Owner: who.owner, Until: now.Add(who.d)} }

// newHolder returns a holder with an owner name of its own: prefix (the
// engine's host:pid when empty), the engine's tag and a number. Two
// chains never share an owner, so neither runs an activity the other
// holds, even in one engine.
func (e *Engine) newHolder(prefix string, d time.Duration) holder {
	if prefix == "" {
		prefix = e.host
	}
	return holder{owner: fmt.Sprintf("%s/%s.%d", prefix, e.tag, e.seq.Add(1)), d: d}
}

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
}

// predeclared is every name a workflow may call without declaring it.
func (e *Engine) predeclared(hosts []string) []string {
	names := append(vm.Universe(), builtinNames...)
	return append(append(names, e.actNames...), hosts...)
}

// Compile compiles a workflow and stores its source under its hash. A
// compile error is a lang.ErrorList, printable with lang.Render.
func (e *Engine) Compile(ctx context.Context, file string, src []byte) (*compiler.Program, error) {
	hash := fmt.Sprintf("%x", vm.ProgramHash(src))
	e.mu.Lock()
	prog := e.progs[hash]
	e.mu.Unlock()
	if prog != nil && prog.File == file {
		return prog, nil // compiled and stored by this engine already
	}
	prog, err := compiler.CompileSource(file, src, compiler.Options{Predeclared: e.predeclared(nil)})
	if err != nil {
		return nil, err
	}
	if err := e.store.PutProgram(ctx, Program{Hash: hash, File: file, Source: src, Hosts: e.actNames, Map: prog.Map().Encode()}); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.progs[hash] = prog
	e.mu.Unlock()
	return prog, nil
}

// program returns the compiled program with a stored hash, compiling it
// once per engine.
func (e *Engine) program(ctx context.Context, hash string) (*compiler.Program, error) {
	e.mu.Lock()
	prog := e.progs[hash]
	e.mu.Unlock()
	if prog != nil {
		return prog, nil
	}
	p, err := e.store.Program(ctx, hash)
	if err != nil {
		return nil, err
	}
	prog, err = compiler.CompileSource(p.File, p.Source, compiler.Options{Predeclared: e.predeclared(p.Hosts)})
	if err != nil {
		return nil, fmt.Errorf("stored program %s no longer compiles: %w", p.File, err)
	}
	e.mu.Lock()
	e.progs[hash] = prog
	e.mu.Unlock()
	return prog, nil
}

// Start compiles a workflow, runs a new instance of it with input (JSON;
// nil means no input) until it first waits, sleeps or finishes, commits
// that state as version 1 and returns the instance id. An activity called
// on the way is committed as pending and run, as a worker would.
func (e *Engine) Start(ctx context.Context, file string, src, input []byte) (_ string, err error) {
	defer recoverInternal(&err)
	if err := checkSize("input", input, e.opts.MaxValue); err != nil {
		return "", err
	}
	if err := validJSON(input); err != nil {
		return "", fmt.Errorf("input: %w", err)
	}
	prog, err := e.Compile(ctx, file, src)
	if err != nil {
		return "", err
	}
	now := e.opts.Now()
	in := Instance{ID: e.opts.NewID(), Program: fmt.Sprintf("%x", prog.Hash), Input: string(input),
		NextSeq: 1, Created: now}
	r, err := e.startRun(ctx, prog, in)
	if err != nil {
		return "", err
	}
	defer r.cancel()
	susp, runErr := r.m.Run()
	st, err := e.settle(ctx, r, Head{Instance: in}, event{reason: "started"}, susp, runErr)
	if err != nil {
		return "", err
	}
	return e.create(ctx, st)
}

// create stores st, the first version of a new instance, with the lease
// of this process, and runs it on if it has work now (an activity to
// call). A new instance has no signals queued.
func (e *Engine) create(ctx context.Context, st Step) (string, error) {
	who := e.newHolder("", e.opts.Lease)
	st.Lease = who.lease(st.Instance.Updated)
	if err := e.store.Create(ctx, st); err != nil {
		return "", err
	}
	if st.Instance.Status != Running && !(mayCarryFutures(st.Version.Snapshot) && dueAt(st.Wake, st.Instance.Updated)) {
		return st.Instance.ID, nil // nothing to do now: no activity, no future's attempt
	}
	return st.Instance.ID, e.advance(ctx, st.Instance.ID, who)
}

func validJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := FromJSON(b)
	return err
}

// Signal queues a signal called name with value (JSON; nil means null)
// for instance id. When it returns without error the signal is
// acknowledged: it is stored and will be delivered exactly once, in
// order, when the workflow waits for name (now, if it already does).
// A signal sent at or after the due time of a wait(name, timeout) does
// not answer that wait, even if no worker has fired its timeout yet: the
// wait returns nil, and the signal stays queued for the next wait for
// name. Unless Options.Detached, Signal then advances the instance; a
// failure there is reported wrapped in *ResumeError, with the signal
// still stored.
func (e *Engine) Signal(ctx context.Context, id, name string, value []byte) (Message, error) {
	if err := checkName(name); err != nil {
		return Message{}, err
	}
	if len(value) == 0 {
		value = []byte("null")
	}
	if err := checkSize("signal value", value, e.opts.MaxValue); err != nil {
		return Message{}, err
	}
	if err := validJSON(value); err != nil {
		return Message{}, err
	}
	who := e.newHolder("", e.opts.Lease)
	if !e.opts.Detached {
		if d, ok := e.deliverNow(ctx, id, name, string(value), who); ok {
			if d.due {
				if err := e.advance(ctx, id, who); err != nil {
					return d.Message, &ResumeError{ID: id, Err: err}
				}
			}
			return d.Message, nil
		}
	}
	msg, err := e.store.Send(ctx, id, name, string(value), e.opts.Now())
	if err != nil || e.opts.Detached {
		return msg, err
	}
	if err := e.advance(ctx, id, who); err != nil {
		return msg, &ResumeError{ID: id, Err: err}
	}
	return msg, nil
}

// ResumeError reports that a signal was stored but the engine could not
// resume the instance; a worker will try again.
type ResumeError struct {
	ID  string
	Err error
}

func (e *ResumeError) Error() string {
	return fmt.Sprintf("signal stored, but resuming %s failed: %v", e.ID, e.Err)
}

func (e *ResumeError) Unwrap() error { return e.Err }

// Advance runs instance id while it has work to do now: a queued signal
// it waits for, a due timer, an activity to call. Losing a race to
// another process (ErrConflict) is not an error: the winner advances it;
// nor is an activity leased to another caller or a worker, who runs it.
func (e *Engine) Advance(ctx context.Context, id string) error {
	return e.advance(ctx, id, e.newHolder("", e.opts.Lease))
}

func (e *Engine) advance(ctx context.Context, id string, who holder) error {
	for i := 0; i < e.opts.MaxChain; i++ {
		_, due, err := e.step(ctx, id, who)
		if errors.Is(err, ErrConflict) {
			return nil
		}
		if err != nil || !due {
			return err
		}
	}
	return nil
}

// run is one machine brought back for one step.
type run struct {
	m      *vm.Machine
	out    output
	ctx    context.Context
	cancel context.CancelFunc
	clock  *Clock // now(): its values go into the step's version
	// futures records the futures start() makes in this step; carried
	// are the outstanding ones the machine's pending request held when
	// the step began (see futureEnvelope).
	futures *Futures
	carried []*future
	base    int64 // the version whose full snapshot the step's delta is against; 0: store a full snapshot

	// warmSnap is the state the step stored (a full snapshot or a
	// stored delta), warmSize the full snapshot's size or an estimate,
	// and warmBase the base the machine's deltas are against, if the
	// next step's restore would take the same (else -1); see keepWarm.
	warmSnap []byte
	warmSize int
	warmBase int64
}

// keepAs records that r's step, version n, stored snap (size bytes in
// full), as a delta against r.base or as a full snapshot, for keeping
// its machine warm; deltas tells whether the engine stores any. A
// machine that tracks its changes took a full snapshot it wrote as its
// base (vm.Options.Deltas), as a restore of it would if it is large
// enough to be kept by delta; one that does not is restored for that.
func (r *run) keepAs(snap []byte, size int, isDelta bool, n int64, deltas bool) {
	r.warmSnap, r.warmSize = snap, size
	switch {
	case isDelta:
		r.warmBase = r.base
	case !deltas || len(snap) < deltaMinState:
		r.warmBase = 0
	case r.m.BaseSize() > 0:
		r.warmBase = n
	default:
		r.warmBase = -1
	}
}

func (e *Engine) newRun(ctx context.Context, prog *compiler.Program, in Instance) (*run, error) {
	return e.machine(ctx, prog, in, nil)
}

// startRun is newRun for a new instance: unless versions are all stored
// in full, its machine tracks its changes from its first snapshot on, so
// that a large first state is kept warm and its next step writes a delta
// against it instead of restoring it.
func (e *Engine) startRun(ctx context.Context, prog *compiler.Program, in Instance) (*run, error) {
	r := e.newRunFor(ctx, in)
	opts := r.opts(e, in)
	opts.Deltas = !e.opts.FullSnapshots
	var err error
	r.m, err = vm.New(prog, opts)
	return r.done(prog, in, err)
}

// machine makes a run: a new machine for prog, or one restored from snap.
func (e *Engine) machine(ctx context.Context, prog *compiler.Program, in Instance, snap []byte) (*run, error) {
	r := e.newRunFor(ctx, in)
	opts := r.opts(e, in)
	var err error
	if snap == nil {
		r.m, err = vm.New(prog, opts)
	} else {
		r.m, err = vm.Restore(prog, snap, opts)
	}
	return r.done(prog, in, err)
}

// newRunFor starts a run of instance in: its output and its deadline.
func (e *Engine) newRunFor(ctx context.Context, in Instance) *run {
	r := &run{out: output{max: e.opts.MaxOutput}, clock: NewClock(e.opts.Now, nil), futures: NewFutures(in.NextSeq)}
	r.ctx, r.cancel = context.WithTimeout(ctx, e.opts.StepTimeout)
	return r
}

// opts are the machine options of run r of instance in.
func (r *run) opts(e *Engine, in Instance) vm.Options {
	return vm.Options{
		Stdout:       &r.out,
		Context:      r.ctx,
		MaxSteps:     e.opts.MaxSteps,
		MaxAlloc:     e.opts.MaxAlloc,
		FreshBudgets: true, // the budgets are per step, not per life
		CheckDeltas:  e.opts.CheckDeltas,
		Hosts:        Builtins(Env{ID: in.ID, Input: in.Input, Clock: r.clock, Futures: r.futures}, e.actNames),
	}
}

// restored makes a run of head h's state, restored as restoreHead does.
func (e *Engine) restored(ctx context.Context, prog *compiler.Program, h Head) (*run, error) {
	r := e.newRunFor(ctx, h.Instance)
	var err error
	r.m, r.base, err = restoreHead(prog, h, r.opts(e, h.Instance), !e.opts.FullSnapshots)
	return r.done(prog, h.Instance, err)
}

// done finishes making a run: on err it is cancelled and explained.
func (r *run) done(prog *compiler.Program, in Instance, err error) (*run, error) {
	if err != nil {
		r.cancel()
		return nil, explain(prog, in.Program, err)
	}
	return r, nil
}
