// Package storetest is the conformance suite of engine.Store: Run checks
// every promise of the Store doc against an implementation, so that the
// SQLite and PostgreSQL stores (and any other) are held to one contract.
//
// The suite builds steps by hand, with made-up snapshots: a store never
// reads a snapshot, it keeps the bytes. It needs no engine.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// Open returns a new, empty store for one test; the suite closes it.
type Open func(t *testing.T) engine.Store

// Run runs the suite, each promise as a subtest with a store of its own.
func Run(t *testing.T, open Open) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"Programs", testPrograms},
		{"ProgramMapFilledLater", testProgramMapFilledLater},
		{"CommitMovesProgram", testCommitMovesProgram},
		{"CreateAndRead", testCreateAndRead},
		{"NotFound", testNotFound},
		{"CommitChecksVersion", testCommitChecksVersion},
		{"CommitChecksConsumed", testCommitChecksConsumed},
		{"CommitDelivers", testCommitDelivers},
		{"CommitBatch", testCommitBatch},
		{"CommitBatchSameInstance", testCommitBatchSameInstance},
		{"Prune", testPrune},
		{"Retain", testRetain},
		{"Output", testOutput},
		{"SendAndInbox", testSendAndInbox},
		{"SendToFinal", testSendToFinal},
		{"WakeCommitThenSend", testWakeCommitThenSend},
		{"WakeSendThenCommit", testWakeSendThenCommit},
		{"WakeSnooze", testWakeSnooze},
		{"WakeAnyName", testWakeAnyName},
		{"WakeConcurrent", testWakeConcurrent},
		{"LeaseOnCreateAndCommit", testLeaseOnCreateAndCommit},
		{"ClaimDue", testClaimDue},
		{"ClaimDueConcurrent", testClaimDueConcurrent},
		{"TakeLease", testTakeLease},
		{"CommitFence", testCommitFence},
		{"Snooze", testSnooze},
		{"ExactlyOnceConsumption", testExactlyOnce},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			c.fn(t, newFixture(t, s))
		})
	}
}

// fixture is one store with a program to make instances of.
type fixture struct {
	t    *testing.T
	s    engine.Store
	ctx  context.Context
	t0   time.Time // when the instances are made (the real clock: Snooze reads it)
	prog string
}

func newFixture(t *testing.T, s engine.Store) *fixture {
	f := &fixture{t: t, s: s, ctx: context.Background(), t0: time.Now(), prog: "0123abcd"}
	f.ok(s.PutProgram(f.ctx, engine.Program{Hash: f.prog, File: "t.wf", Source: []byte("wait(\"go\")\n"), Hosts: []string{"a", "b"}}))
	return f
}

// ok fails the test on err.
func (f *fixture) ok(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// later is a time after every wake time a test sets, but leases.
func (f *fixture) later() time.Time { return time.Now().Add(time.Minute) }

// first is the step that creates instance id in status, waiting for
// wait; a running instance is due at once.
func (f *fixture) first(id string, status engine.Status, wait string) engine.Step {
	st := f.next(engine.Head{Instance: engine.Instance{ID: id, Program: f.prog, NextSeq: 1,
		Input: `{"n": 1}`, Created: f.t0}}, status, wait)
	st.Version.Reason = "started"
	return st
}

// next is a step from h to a new version in status, waiting for wait,
// printing nothing and consuming nothing.
func (f *fixture) next(h engine.Head, status engine.Status, wait string) engine.Step {
	in := h.Instance
	n := in.Version + 1
	in.Version, in.Status, in.WaitingFor, in.Updated = n, status, wait, f.t0
	var wake time.Time
	if status == engine.Running {
		wake = f.t0
	}
	v := engine.Version{Number: n, Program: in.Program, Reason: fmt.Sprintf("step to %d", n), Status: status, WaitingFor: wait,
		SnapVersion: n, Snapshot: fmt.Appendf(nil, "snapshot %d", n), OutputFrom: n - 1, Created: f.t0}
	if status.Final() {
		v.Snapshot = nil
	}
	return engine.Step{Instance: in, From: n - 1, Version: v, Wake: wake}
}

// create makes instance id in status, waiting for wait.
func (f *fixture) create(id string, status engine.Status, wait string) engine.Head {
	f.t.Helper()
	f.ok(f.s.Create(f.ctx, f.first(id, status, wait)))
	return f.state(id)
}

// commit commits a step from id's head to status, waiting for wait.
func (f *fixture) commit(id string, status engine.Status, wait string, consumed ...int64) (engine.Head, bool) {
	f.t.Helper()
	st := f.next(f.state(id), status, wait)
	st.Consumed = consumed
	due, err := f.s.Commit(f.ctx, st)
	f.ok(err)
	return f.state(id), due
}

func (f *fixture) state(id string) engine.Head {
	f.t.Helper()
	h, err := f.s.State(f.ctx, id)
	f.ok(err)
	return h
}

func (f *fixture) send(id, name, value string) engine.Message {
	f.t.Helper()
	m, err := f.s.Send(f.ctx, id, name, value, f.t0)
	f.ok(err)
	return m
}

// claimed returns the ids ClaimDue gives a new owner now.
func (f *fixture) claimed(owner string, limit int) []string {
	f.t.Helper()
	ids, err := f.s.ClaimDue(f.ctx, owner, f.later(), time.Hour, limit)
	f.ok(err)
	return ids
}

// due reports whether id is due: a new owner's claim takes it. The claim
// is held for an hour afterwards.
func (f *fixture) due(id string) bool {
	f.t.Helper()
	for _, got := range f.claimed("due-check-"+id, 1000) {
		if got == id {
			return true
		}
	}
	return false
}

// wantErr fails unless err wraps want.
func (f *fixture) wantErr(what string, err, want error) {
	f.t.Helper()
	if !errors.Is(err, want) {
		f.t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
