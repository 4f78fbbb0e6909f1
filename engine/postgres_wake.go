package engine

// This file defines the PostgreSQL store's wake hints: after a write
// that leaves an instance due with nobody holding it (a signal queued
// for a waiting instance, a rewind), the store sends NOTIFY on a channel
// that idle workers LISTEN on, so they claim it at once rather than at
// their next poll.
//
// A hint is only a hint. It is sent after the transaction commits, from
// a goroutine of its own, never inside the transaction: NOTIFY takes a
// database-wide lock at commit, which would serialize every writer
// (DBOS dropped its per-row NOTIFY triggers for that reason). Hints that
// arrive while one is being sent coalesce into one more. A lost hint (a
// listener reconnecting, the server restarting) costs a worker one poll
// interval, nothing else: workers still poll.

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// wakeChannel is the notification channel; the payload is the schema,
// so that wf schemas sharing one database wake only their own workers.
const wakeChannel = "wf_wake"

// Waker is a Store that can tell an idle worker that work may have
// become due, sooner than its next poll. Work uses it when the store
// has it (the PostgreSQL store does).
type Waker interface {
	// Wakeups returns a channel that receives a value, coalesced, when
	// work may have become due, until ctx ends. A worker must still
	// poll: a hint may be lost.
	Wakeups(ctx context.Context) <-chan struct{}
}

var _ Waker = (*Postgres)(nil)

// startNotifier starts the goroutine that sends the store's hints.
func (s *Postgres) startNotifier() {
	s.hints, s.done, s.stopped = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go s.notifyLoop()
}

// hint asks for a wake hint; it never blocks, and hints asked for while
// one is pending are one.
func (s *Postgres) hint() {
	select {
	case s.hints <- struct{}{}:
	default:
	}
}

// notifyLoop sends a NOTIFY for each pending hint until the store
// closes. A failed NOTIFY is dropped: workers poll.
func (s *Postgres) notifyLoop() {
	defer close(s.stopped)
	for {
		select {
		case <-s.done:
			return
		case <-s.hints:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, wakeChannel, s.schema)
		cancel()
	}
}

// stopNotifier stops the notifier; hints pending are dropped.
func (s *Postgres) stopNotifier() {
	if s.done != nil {
		close(s.done)
		<-s.stopped
	}
}

// listenRetry is the pause before a lost listening connection is opened
// again.
const listenRetry = time.Second

// Wakeups listens on a connection of its own (outside the pool) for
// hints of this store's schema until ctx ends, reconnecting after a
// pause when the connection is lost. Each (re)connection sends one
// wakeup, since hints may have been missed meanwhile.
func (s *Postgres) Wakeups(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	go func() {
		for ctx.Err() == nil {
			s.listen(ctx, ch)
			sleepCtx(ctx, listenRetry)
		}
	}()
	return ch
}

// listen forwards hints to ch until the connection fails or ctx ends.
func (s *Postgres) listen(ctx context.Context, ch chan<- struct{}) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+wakeChannel); err != nil {
		return
	}
	wake(ch)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		if n.Payload == s.schema {
			wake(ch)
		}
	}
}
