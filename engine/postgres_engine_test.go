package engine

// Tests of the engine on PostgreSQL that need its internals (package
// engine); the store's own are in postgres_test.go.

import (
	"context"
	"testing"
	"time"

	"github.com/wf-lang/wf/internal/pgtest"
)

// TestWakeHintWakesIdleWorker: a worker that polls once an hour runs an
// instance signalled through another engine at once: the Send's NOTIFY
// wakes it. It waits until the worker has gone idle for good (its first
// poll, and the one the listener's connection causes) before signalling,
// so nothing but the hint can wake it.
func TestWakeHintWakesIdleWorker(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	open := func(opts Options) *Engine {
		e, err := OpenPostgresEngine(ctx, dsn, opts, PostgresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	front, worker := open(Options{Detached: true}), open(Options{})
	idle := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() {
		done <- worker.Work(ctx, WorkerOptions{Poll: time.Hour, onIdle: func() { idle <- struct{}{} }})
	}()
	<-idle
	<-idle
	id, err := front.Start(ctx, "a.wf", []byte(`print(wait("go"))`), nil)
	if err == nil {
		_, err = front.Signal(ctx, id, "go", []byte(`"went"`))
	}
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // a hang, not a speed check
	for h, _ := front.store.Head(ctx, id); h.Status != Completed; h, _ = front.store.Head(ctx, id) {
		if time.Now().After(deadline) {
			t.Fatalf("instance %s after a minute, with the worker polling hourly: the hint did not wake it", h.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestEngineOnPostgres runs the engine's tests that use no SQLite
// internals again, with their fixture on PostgreSQL: signals, timers,
// activities, rewind, fork, set and cancel, budgets and limits, output,
// fencing, worker loops and upgrades behave alike on both stores.
func TestEngineOnPostgres(t *testing.T) {
	pgtest.ServerDSN(t)
	fixtureOnPostgres = true
	defer func() { fixtureOnPostgres = false }()
	for name, test := range map[string]func(*testing.T){
		"Approval": TestApproval, "SignalsQueueInOrder": TestSignalsQueueInOrder,
		"SignalToWaitingInstanceIsOneStep": TestSignalToWaitingInstanceIsOneStep,
		"SleepAndWaitTimeout":              TestSleepAndWaitTimeout, "ActivityRerunsWithSameKey": TestActivityRerunsWithSameKey,
		"ActivityFailureIsCaught": TestActivityFailureIsCaught, "ActivityRetries": TestActivityRetries,
		"ActivityOptionsPerCall":     TestActivityOptionsPerCall,
		"ActivityErrorFailsInstance": TestActivityErrorFailsInstance, "ConcurrentCommitConflicts": TestConcurrentCommitConflicts,
		"RewindForkSetCancel": TestRewindForkSetCancel, "LateSignalTimesOutTheWait": TestLateSignalTimesOutTheWait,
		"SignalAtTheDueTimeIsLate": TestSignalAtTheDueTimeIsLate, "CancelIsForGood": TestCancelIsForGood,
		"StateOverSnapshotLimitFailsStep": TestStateOverSnapshotLimitFailsStep,
		"StateLimitKeepsLastGoodState":    TestStateLimitKeepsLastGoodState, "ValuesOverLimitAreRefused": TestValuesOverLimitAreRefused,
		"OutputPerStepIsBounded": TestOutputPerStepIsBounded, "ErrorTextIsBounded": TestErrorTextIsBounded,
		"StepOverBudgetFailsInstance": TestStepOverBudgetFailsInstance, "BudgetsArePerStep": TestBudgetsArePerStep,
		"OutputAtEveryVersion": TestOutputAtEveryVersion, "AbsurdDurationsAreRefused": TestAbsurdDurationsAreRefused,
		"PanicInStepFailsInstance": TestPanicInStepFailsInstance, "PausedPastLeaseCannotCommit": TestPausedPastLeaseCannotCommit,
		"WorkConcurrency": TestWorkConcurrency, "WorkWaitsOutUnavailable": TestWorkWaitsOutUnavailable,
		"WarmBurstRestoresNothing": TestWarmBurstRestoresNothing, "WarmConcurrentSignals": TestWarmConcurrentSignals,
		"UpgradeStory": TestUpgradeStory, "UpgradeIsUndoneByRewind": TestUpgradeIsUndoneByRewind,
		"UpgradeRetriesAfterConcurrentSignal": TestUpgradeRetriesAfterConcurrentSignal, "CheckHistory": TestCheckHistory,
		"CheckHistoryPruned": TestCheckHistoryPruned,
		"DeltaStorage":       TestDeltaStorage, "RetainLiveDeltas": TestRetainLiveDeltas,
		"RetainGapStopsCheckHistory": TestRetainGapStopsCheckHistory, "RetainWhileSignalled": TestRetainWhileSignalled,
		"CheckHistoryActivityFailures": TestCheckHistoryActivityFailures, "CheckHistoryParallel": TestCheckHistoryParallel,
		"CheckHistoryCancel": TestCheckHistoryCancel, "CheckHistoryStopsAtUnknown": TestCheckHistoryStopsAtUnknown,
		"FutureWins": TestFutureWins, "FutureSignalWins": TestFutureSignalWins,
		"FutureTimeoutWins": TestFutureTimeoutWins, "FutureCancelAndEnd": TestFutureCancelAndEnd,
		"WorkflowConformance": TestWorkflowConformance,
		"WarmCompaction":      TestWarmCompaction, "WarmWithDeltas": TestWarmWithDeltas,
		"CheckHistoryFutures": TestCheckHistoryFutures, "CheckHistoryFuturesDiverge": TestCheckHistoryFuturesDiverge,
		"CheckHistoryFuturesEdited": TestCheckHistoryFuturesEdited,
	} {
		t.Run(name, test)
	}
}
