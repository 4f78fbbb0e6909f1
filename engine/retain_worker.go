package engine

// This file defines periodic retention: Work applies a RetentionSchedule
// in a goroutine of its own, next to its claim loops.

import (
	"context"
	"time"
)

// RetentionSchedule is a retention policy that Work applies every Every
// (WorkerOptions.Retention), with its times taken afresh at each run
// from the ages below.
type RetentionSchedule struct {
	// Policy says what to keep; its KeepSince and FinishedBefore are
	// set from KeepFor and FinishedFor at each run. A zero KeepLast
	// turns the schedule off.
	Policy RetentionPolicy
	// KeepFor keeps the versions made within it (0: none by age).
	KeepFor time.Duration
	// FinishedFor selects the finished instances that finished at least
	// that long ago (0: every finished one).
	FinishedFor time.Duration
	// Every is the pause between runs, the first after it; default 1h.
	Every time.Duration
}

// policyAt is s's policy as of now.
func (s RetentionSchedule) policyAt(now time.Time) RetentionPolicy {
	p := s.Policy
	p.KeepSince, p.FinishedBefore = time.Time{}, time.Time{}
	if s.KeepFor > 0 {
		p.KeepSince = now.Add(-s.KeepFor)
	}
	if s.FinishedFor > 0 {
		p.FinishedBefore = now.Add(-s.FinishedFor)
	}
	return p
}

// retainLoop applies o.Retention every o.Retention.Every until ctx ends.
// A failed run is logged (o.Logf) and the next one runs as planned: the
// policy deletes nothing a later run cannot delete.
func (e *Engine) retainLoop(ctx context.Context, o WorkerOptions) {
	every := o.Retention.Every
	if every <= 0 {
		every = time.Hour
	}
	for sleepCtx(ctx, every) {
		got, err := e.Retain(ctx, o.Retention.policyAt(e.opts.Now()))
		switch {
		case err != nil && ctx.Err() == nil:
			o.Logf("wf worker: retention: %v", err)
		case got.Versions > 0 && o.Logger != nil:
			o.Logger.Info("retention", "instances", got.Instances, "versions", got.Versions, "compacted", got.Compacted)
		}
		if o.onRetain != nil {
			o.onRetain(got, err)
		}
	}
}
