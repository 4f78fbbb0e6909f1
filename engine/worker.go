package engine

// This file defines the worker loop: claim due instances, advance them.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// WorkerOptions configure Work.
type WorkerOptions struct {
	Owner string        // lease owner name, to which Work adds a unique suffix; default host:pid
	Poll  time.Duration // pause when nothing is due; default 100ms
	Lease time.Duration // how long a claim lasts; default 1m
	Batch int           // instances claimed at once; default 16
	// NoBatch commits each instance's step in a transaction of its own.
	// By default the steps of the instances of one claim are prepared,
	// then committed together (Store.CommitBatch): one flush to disk
	// for the lot. Their activities then run before any of them commits.
	NoBatch bool
	// Concurrency is how many claim loops run at once, each with an
	// owner name of its own, so that up to Concurrency instances advance
	// in parallel (their workflow code and activities; on SQLite their
	// commits still take turns). Default 1.
	Concurrency int
	// Logf, if set, reports steps that failed to commit and store
	// errors Work retries. When it is nil and Logger is set, they go to
	// Logger as warnings.
	Logf func(format string, args ...any)
	// Logger, if set, gets a record for each step the worker commits
	// (see LogStep): its instance, version, reason, resulting status,
	// duration and, when the step failed its instance, the error.
	Logger *slog.Logger
	// Retention, when its Policy.KeepLast is set, is applied every
	// Retention.Every by a goroutine of Work's own (see Engine.Retain);
	// with several workers each applies it, which costs reads only.
	Retention RetentionSchedule

	onIdle   func()              // tests: called each time the worker finds nothing due
	onRetain func(Pruned, error) // tests: called after each retention run
}

// Work fires due timers and advances instances that have work, until ctx
// is cancelled; it then returns nil. A store error does not stop it:
// ErrBusy (another process keeps the database locked), ErrUnavailable (a
// database server restarting, a network failure) and any other failure
// to claim work are logged (o.Logf, or o.Logger) and retried after a
// pause that starts at o.Poll and doubles with each failure in a row, up
// to MaxRetryPause (or o.Poll if longer), each pause drawn at random
// between half and all of that so that many workers do not retry in step.
// A step that fails to commit is logged and its instance is tried again
// a minute later. A step in flight when ctx is cancelled is abandoned
// without committing (the instance runs again from its last version when
// a worker next claims it, once the lease ends). When nothing is due it
// waits o.Poll, or less when the store is a Waker and hints that work
// may have come. With o.Concurrency above 1 it runs that many loops.
// With o.Retention set it also applies that retention periodically; a
// policy Retain would refuse is refused at once.
func (e *Engine) Work(ctx context.Context, o WorkerOptions) error {
	o = o.withDefaults()
	if o.Retention.Policy.KeepLast != 0 {
		if err := o.Retention.Policy.check(); err != nil {
			return err
		}
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	loops := fanOut(ctx, e.store, o.Concurrency)
	errs := make(chan error, len(loops)+1)
	for _, hints := range loops {
		go func() { errs <- e.workLoop(ctx, o, hints) }()
	}
	n := len(loops)
	if o.Retention.Policy.KeepLast != 0 {
		n++
		go func() { e.retainLoop(ctx, o); errs <- nil }()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// fanOut returns a channel of wake hints for each of n loops: every hint
// from the store, if it is a Waker, goes to each loop (coalesced per
// loop); one listener serves them all. Without hints the channels are
// nil, which never receive.
func fanOut(ctx context.Context, s Store, n int) []chan struct{} {
	loops := make([]chan struct{}, n)
	w, ok := s.(Waker)
	if !ok {
		return loops
	}
	for i := range loops {
		loops[i] = make(chan struct{}, 1)
	}
	in := w.Wakeups(ctx)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-in:
				for _, ch := range loops {
					wake(ch)
				}
			}
		}
	}()
	return loops
}

// wake sends on ch unless a wakeup is pending already.
func wake(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// workLoop is one claim loop of Work, with an owner of its own.
func (e *Engine) workLoop(ctx context.Context, o WorkerOptions, hints <-chan struct{}) error {
	who := e.newHolder(o.Owner, o.Lease)
	who.logger = o.Logger
	fails := 0 // store errors in a row
	for ctx.Err() == nil {
		ids, err := e.store.ClaimDue(ctx, who.owner, e.opts.Now(), o.Lease, o.Batch)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			fails++
			pause := retryPause(o.Poll, fails)
			o.Logf("wf worker: %v (%d in a row); retrying in %v", err, fails, pause.Round(time.Millisecond))
			sleepCtx(ctx, pause)
			continue
		}
		fails = 0
		e.advanceClaim(ctx, ids, who, o)
		if len(ids) == 0 {
			if o.onIdle != nil {
				o.onIdle()
			}
			idle(ctx, o.Poll, hints)
		}
	}
	return nil
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Logf == nil && o.Logger != nil {
		l := o.Logger
		o.Logf = func(format string, args ...any) { l.Warn(fmt.Sprintf(format, args...)) }
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// MaxRetryPause is the longest Work waits before it retries a store that
// keeps failing (unless WorkerOptions.Poll is longer).
const MaxRetryPause = 30 * time.Second

// retryPause is the pause before the retry that follows the n-th store
// error in a row: base doubled n-1 times, capped at MaxRetryPause (or
// base if longer), then drawn at random from its upper half.
func retryPause(base time.Duration, n int) time.Duration {
	limit := max(MaxRetryPause, base)
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + rand.N(d/2+1)
}

// advanceClaim advances the instances of one claim: together (workBatch)
// unless o.NoBatch or there is only one.
func (e *Engine) advanceClaim(ctx context.Context, ids []string, who holder, o WorkerOptions) {
	if len(ids) > 1 && !o.NoBatch {
		e.workBatch(ctx, ids, who, o.Logf)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		e.work(ctx, id, who, o.Logf)
	}
}

// workBatch advances the claimed ids together: each one's next step is
// prepared, and the steps are committed in one transaction. A step that
// conflicted (another process moved its instance, or took its lease) is
// retried alone from the instance's new head, as is every step of a
// batch that failed whole; an instance left due goes on alone.
func (e *Engine) workBatch(ctx context.Context, ids []string, who holder, logf func(string, ...any)) {
	var steps []Step
	var begun []time.Time // when each step began
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		t := time.Now()
		if st, ok := e.prepareClaimed(ctx, id, who, logf); ok {
			steps, begun = append(steps, st), append(begun, t)
		}
	}
	if len(steps) == 0 {
		return
	}
	outs, err := e.store.CommitBatch(ctx, steps)
	for i, st := range steps {
		if err == nil && outs[i].Err == nil {
			who.committed(st, begun[i])
		}
	}
	if err != nil && ctx.Err() == nil {
		logf("wf worker: a batch of %d steps: %v; each is retried alone", len(steps), err)
	}
	for i, st := range steps {
		if ctx.Err() != nil {
			return
		}
		id := st.Instance.ID
		switch {
		case err != nil || outs[i].Err != nil:
			e.work(ctx, id, who, logf)
		case outs[i].Due:
			e.report(ctx, id, who, logf, e.stepWhileDue(ctx, id, who, true))
		}
	}
}

// prepareClaimed prepares the next step of id, claimed by who, and
// reports whether there is one to commit; an instance with nothing to do
// is snoozed, as work does.
func (e *Engine) prepareClaimed(ctx context.Context, id string, who holder, logf func(string, ...any)) (st Step, ok bool) {
	var err error
	func() {
		defer recoverInternal(&err)
		var p prepared
		p, err = e.prepare(ctx, id, who)
		st, ok = p.st, p.ready
		if err == nil && !p.ready && !p.moved {
			err = e.snooze(ctx, id, who, 0)
		}
	}()
	e.report(ctx, id, who, logf, err)
	return st, ok && err == nil
}

// work advances one instance claimed by who.
func (e *Engine) work(ctx context.Context, id string, who holder, logf func(string, ...any)) {
	e.report(ctx, id, who, logf, e.workOn(ctx, id, who))
}

// report logs err, the failure to advance id, unless it is a conflict
// (another process moved the instance) or the worker is stopping; the
// instance's wake time is then reset so it is not claimed in a loop.
func (e *Engine) report(ctx context.Context, id string, who holder, logf func(string, ...any), err error) {
	if err == nil || errors.Is(err, ErrConflict) || ctx.Err() != nil {
		return
	}
	logf("wf worker: %s: %v", id, err)
	e.snooze(ctx, id, who, time.Minute)
}

// workOn advances id while it has work now; a panic is an error, so the
// worker goes on with other instances.
func (e *Engine) workOn(ctx context.Context, id string, who holder) (err error) {
	defer recoverInternal(&err)
	moved, due, err := e.step(ctx, id, who)
	if err == nil && !moved {
		err = e.snooze(ctx, id, who, 0)
	}
	if err != nil {
		return err
	}
	return e.stepWhileDue(ctx, id, who, due)
}

// stepWhileDue steps id while a commit leaves it due.
func (e *Engine) stepWhileDue(ctx context.Context, id string, who holder, due bool) (err error) {
	defer recoverInternal(&err)
	for due && err == nil {
		_, due, err = e.step(ctx, id, who)
	}
	return err
}

// snooze sets the wake time of an instance that did not move and that who
// still holds: its own due time, or after a pause when it failed to load.
func (e *Engine) snooze(ctx context.Context, id string, who holder, pause time.Duration) error {
	h, err := e.store.State(ctx, id)
	if err != nil {
		return err
	}
	now := e.opts.Now()
	wake := now.Add(pause)
	if pause <= 0 {
		wake = e.idleWake(ctx, h, now)
	}
	return e.store.Snooze(ctx, id, h.Version, who.owner, wake)
}

// idle pauses for d, or until a hint comes or ctx ends.
func idle(ctx context.Context, d time.Duration, hints <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-hints:
	}
}

// sleepCtx pauses for d, and reports false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
