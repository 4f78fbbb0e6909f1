package engine

// This file defines Store, the engine's only door to durable state, and the
// plain records that cross it.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Status is the life-cycle state of an instance.
type Status string

// The statuses. Running means the engine has work to do now (a fresh start
// or an activity to call); waiting and sleeping wait for a signal or a
// timer; cancelling runs the cleanup of a cancelled instance (its
// activities, until the grace period ends at its due time); the last
// three are final.
const (
	Running    Status = "running"
	Cancelling Status = "cancelling"
	Waiting    Status = "waiting"
	Sleeping   Status = "sleeping"
	Completed  Status = "completed"
	Failed     Status = "failed"
	Cancelled  Status = "cancelled"
)

// Final reports whether nothing more can happen to an instance in s.
func (s Status) Final() bool { return s == Completed || s == Failed || s == Cancelled }

// Statuses lists every status, in the order of an instance's life.
var Statuses = []Status{Running, Waiting, Sleeping, Cancelling, Completed, Failed, Cancelled}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Errors a Store returns; the engine passes them on, wrapped.
var (
	// ErrNotFound: no instance, version or program with that key.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the instance moved on since the step was loaded (another
	// process committed first); the step is discarded, nothing is written.
	ErrConflict = errors.New("instance changed concurrently")
	// ErrFinal: the instance is completed, failed or cancelled.
	ErrFinal = errors.New("instance has finished")
	// ErrReadOnly: the store was opened read-only, or its file may not be
	// written by this process; nothing was written.
	ErrReadOnly = errors.New("database is read-only")
	// ErrBusy: another process kept the database locked past the store's
	// waits and retries; nothing was written, and the call may be made
	// again later.
	ErrBusy = errors.New("database busy")
	// ErrUnavailable: the store could not reach its database server (it
	// is restarting, or the network failed). A call that failed so before
	// its transaction's commit was sent wrote nothing; one that lost its
	// connection during the commit may have written, so a caller retries
	// what is idempotent or reads first. A worker waits it out.
	ErrUnavailable = errors.New("database unavailable")
)

// Program is a workflow's source, stored once under its SHA-256 (hex).
type Program struct {
	Hash   string
	File   string
	Source []byte
	Hosts  []string // activity names it was compiled with
	// Map is the upgrade map (compiler.Map, JSON) made by the wf that
	// stored the program: what a later wf, whose code generator may
	// differ, needs to read its instances' frames. Nil for programs
	// stored before wf kept maps.
	Map []byte
}

// Instance is the head row of a workflow instance: where it stands now.
type Instance struct {
	ID          string    `json:"id"`
	Program     string    `json:"program"` // program hash
	Status      Status    `json:"status"`
	WaitingFor  string    `json:"waiting_for,omitempty"`  // signal name while waiting; several, one a line, for wait_any
	Due         time.Time `json:"due,omitzero"`           // timer or wait timeout; zero for none
	Version     int64     `json:"version"`                // the head version
	ActivitySeq int64     `json:"activity_seq,omitempty"` // sequence number of the activity call in flight; 0 for none
	NextSeq     int64     `json:"next_seq"`               // the next activity call's sequence number
	Input       string    `json:"input"`                  // the start input, JSON
	Error       string    `json:"error,omitempty"`        // why it failed
	Parent      string    `json:"parent,omitempty"`       // the instance it was forked from
	Created     time.Time `json:"created,omitzero"`
	Updated     time.Time `json:"updated,omitzero"`
}

// Version is one committed state in an instance's history. Versions are
// never changed or deleted, but by Retain (retention, see
// RetentionPolicy); rewinding adds a version that refers to an older snapshot.
//
// A version's output is the output of version OutputFrom followed by
// Printed: a step's version follows the version it started from, a
// rewind's the version it went back to, and stores no text of its own.
// A store keeps only Printed and the reference, so an instance takes
// room in proportion to what it printed, however many versions it has;
// Version, History and Head give Output, everything printed so far.
type Version struct {
	Number      int64     `json:"number"`
	Program     string    `json:"program"` // the program hash of its snapshot: the instance's as of this version
	Reason      string    `json:"reason"`  // what led here: "started", "signal approval received", ...
	Status      Status    `json:"status"`
	WaitingFor  string    `json:"waiting_for,omitempty"`
	Due         time.Time `json:"due,omitzero"`
	ActivitySeq int64     `json:"activity_seq,omitempty"`
	SnapVersion int64     `json:"snap_version"`     // the version whose snapshot this one uses (itself when new, or once Prune copied it)
	Snapshot    []byte    `json:"-"`                // the machine; nil in history listings and when SnapVersion refers back
	Output      string    `json:"output"`           // everything printed so far (as read; a commit stores Printed)
	Printed     string    `json:"-"`                // what this version's step printed
	OutputFrom  int64     `json:"-"`                // the version whose output Printed follows (0: none)
	Detail      string    `json:"detail,omitempty"` // the signal value or activity result, JSON; parallel()'s calls that ended (parallelEnd); then futures' attempts (futureEnd) and now()'s values
	Error       string    `json:"error,omitempty"`
	Created     time.Time `json:"created,omitzero"`
}

// Message is a signal in an instance's inbox.
type Message struct {
	ID         int64     `json:"id"`
	Instance   string    `json:"instance"`
	Name       string    `json:"name"`
	Value      string    `json:"value"` // JSON
	Sent       time.Time `json:"sent,omitzero"`
	ConsumedBy int64     `json:"consumed_by"` // the version that consumed it; 0 while queued
}

// Head is an instance with its head version's output and snapshot.
type Head struct {
	Instance
	Output      string
	SnapVersion int64 // the version whose snapshot Snapshot is
	Snapshot    []byte
	Lease       Lease // who holds the instance now; zero for nobody
	// NextRead is set by a store that read, in the same query as the
	// rest, the oldest message queued for WaitingFor of a waiting
	// instance: Next, or nil for none (PostgreSQL's State does, to save
	// a round trip). Otherwise NextMessage tells.
	NextRead bool
	Next     *Message
	// Stored, when the state is kept as a delta, is its base and delta
	// (Snapshot is then the state they give); nil for a full snapshot.
	Stored *Stored
}

// Lease is a claim on an instance: only its owner runs the instance's
// activities until it ends, so that an activity is called once per key
// unless its caller dies (then another takes the lease once it ends and
// calls it again with the same key).
type Lease struct {
	Owner string
	Until time.Time
	// Token counts the grants of the instance's lease: every grant (by
	// Create, Commit, ClaimDue or TakeLease) adds one, even to the same
	// owner, so a holder tells its claim from a later one, which it
	// must not act on: a fencing token.
	Token int64
}

// Held reports whether l is owner's and still runs at now.
func (l Lease) Held(owner string, now time.Time) bool {
	return l.Owner == owner && now.Before(l.Until)
}

// Step is one transition of an instance, committed atomically: the new
// head columns, the new version, the inbox messages it consumed.
type Step struct {
	Instance Instance // the new head; Instance.Version is the new version's number
	From     int64    // the version the step started from (the optimistic check)
	Version  Version
	Consumed []int64 // message ids; each must still be queued
	Wake     time.Time
	// Deliver, when set, is a signal stored by this very step, already
	// consumed by its version: a signal for an instance that waited for it
	// is acknowledged and applied in one transaction. Commit sets its ID.
	Deliver *Message
	// Lease, when its Owner is set, goes to the committer if the step
	// leaves the instance due at once, so that the committer, not a
	// worker, goes on to run what is due (an activity).
	Lease Lease
	// Fence, when not 0, is the lease token the step ran under: Commit
	// fails with ErrConflict unless the instance's lease token is still
	// Fence, that is, unless nobody was granted the lease since. A runner
	// paused past its lease (a GC pause, a partition) then cannot commit
	// once another has claimed the instance, even before that one
	// commits. 0 (a signal's fast path, an operator's edit) checks the
	// version alone.
	Fence int64
}

// olderRefs are the versions other than its own and st.From that st's
// version refers to (a rewind's, or the base of a delta): Commit checks,
// under the head's lock, that Prune has not deleted them since the step
// read them.
func olderRefs(st Step) []int64 {
	var refs []int64
	base, _, _ := parseStoredDelta(st.Version.Snapshot)
	for _, n := range []int64{st.Version.SnapVersion, st.Version.OutputFrom, base} {
		if n > 0 && n != st.From && n != st.Version.Number && !slices.Contains(refs, n) {
			refs = append(refs, n)
		}
	}
	return refs
}

// errPruned is the conflict of a step referring to a pruned version.
func errPruned(id string, n int64) error {
	return fmt.Errorf("instance %s version %d was pruned meanwhile: %w", id, n, ErrConflict)
}

// Committed is the outcome of one step of CommitBatch.
type Committed struct {
	Due bool  // as Commit reports it
	Err error // nil when committed; wraps ErrConflict when left out
}

// checkBatch refuses a batch with two steps of one instance: the second
// would be checked against a head the first has not yet moved, so the
// caller has made a mistake.
func checkBatch(steps []Step) error {
	seen := make(map[string]bool, len(steps))
	for _, st := range steps {
		if seen[st.Instance.ID] {
			return fmt.Errorf("commit batch: instance %s has two steps in one batch", st.Instance.ID)
		}
		seen[st.Instance.ID] = true
	}
	return nil
}

// commitEach is the loop of CommitBatch: it commits steps one by one
// with commit (each in a savepoint of its own) and collects their
// outcomes; an error other than a conflict stops it, and fails the batch.
func commitEach(steps []Step, commit func(Step) (bool, error)) ([]Committed, error) {
	out := make([]Committed, len(steps))
	for i, st := range steps {
		due, err := commit(st)
		out[i] = Committed{Due: due}
		if errors.Is(err, ErrConflict) {
			out[i] = Committed{Err: err}
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Filter selects instances for List. Empty fields select all.
type Filter struct {
	Status     Status // one of the statuses
	WaitingFor string // the signal name waited for
	Program    string // a prefix of the program hash
	ID         string // exactly this id
	IDPrefix   string // a prefix of the id
	After      Cursor // only the instances after this one in List's order (keyset paging)
	Limit      int    // 0: no limit
}

// Store keeps programs, instances, their histories and inboxes. Every
// method is one transaction. Implementations must guarantee:
//
//   - Commit writes everything in a Step or nothing, and fails with
//     ErrConflict unless the instance's head version is Step.From, every
//     consumed message is still queued, every version the new one refers
//     to still exists (Prune may have deleted it), and, when Step.Fence
//     is set, the instance's lease token is Step.Fence.
//   - A version's Output, as Version, History and Head return it, is
//     Output of its OutputFrom version followed by its Printed, exactly
//     as committed; stored parts that do not add up are ErrCorrupt.
//   - Create and Commit give the instance's lease to Step.Lease.Owner,
//     until Step.Lease.Until, when the instance is due at once after the
//     step (its wake time is not after Instance.Updated, or a queued
//     signal wakes it) and an owner is given; otherwise they clear it.
//   - An instance whose head waits for a signal name that has a queued
//     message is due (wake time now) after Commit, Send or Snooze, whatever
//     the order in which they ran: a signal is never left unnoticed. A
//     head's WaitingFor may hold several names, one a line (wait_any);
//     a queued message of any of them makes it due.
//   - An instance is leased to one owner at a time: ClaimDue and TakeLease
//     skip an instance whose lease has not ended; only Create, Commit,
//     TakeLease, ClaimDue and Snooze change a lease.
//   - Every method is safe for concurrent use. One that fails for
//     contention it could not wait out returns an error wrapping ErrBusy,
//     one on a read-only store ErrReadOnly, having written nothing; one
//     whose database server is out of reach ErrUnavailable.
//
// The SQLite store (OpenSQLite) serializes writers; the PostgreSQL store
// (OpenPostgres) keeps the same promises with many workers by row locks:
// SELECT ... FOR UPDATE SKIP LOCKED in ClaimDue, a locked head row in
// Send, Commit, TakeLease and Snooze. Package storetest checks an
// implementation against this contract.
type Store interface {
	PutProgram(ctx context.Context, p Program) error
	Program(ctx context.Context, hash string) (Program, error)

	// Create adds an instance with its first version.
	Create(ctx context.Context, first Step) error
	// Head returns an instance's row with its head version's whole
	// output and snapshot, and its lease.
	Head(ctx context.Context, id string) (Head, error)
	// State is Head without the output (Head.Output is empty), in time
	// that does not grow with the output: what a step reads.
	State(ctx context.Context, id string) (Head, error)
	// Version returns version n with its snapshot resolved.
	Version(ctx context.Context, id string, n int64) (Version, error)
	History(ctx context.Context, id string) ([]Version, error)
	List(ctx context.Context, f Filter) ([]Instance, error)
	// Commit applies a step and reports whether the instance is due at
	// once (it has more work now, such as a queued signal it waits for).
	Commit(ctx context.Context, s Step) (due bool, err error)
	// CommitBatch commits steps of distinct instances in one transaction,
	// each checked and applied as Commit would, in a savepoint of its own:
	// a step that fails Commit's checks is left out (its Committed.Err
	// wraps ErrConflict) while the others are committed. Any other error
	// fails the whole batch, which then writes nothing. One transaction
	// waits for one flush to disk where Commit would wait for one each.
	CommitBatch(ctx context.Context, steps []Step) ([]Committed, error)

	// Send queues a signal and returns it with its id: once Send returns,
	// the signal is acknowledged. It fails with ErrNotFound or ErrFinal.
	Send(ctx context.Context, id, name, value string, now time.Time) (Message, error)
	// NextMessage returns the oldest queued message named name.
	NextMessage(ctx context.Context, id, name string) (Message, bool, error)
	Inbox(ctx context.Context, id string) ([]Message, error)

	// ClaimDue leases up to limit instances whose wake time has come, and
	// whose lease has ended, to owner until now+lease, and returns their
	// ids, oldest wake first.
	ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]string, error)
	// TakeLease leases instance id, if it is still at version, to owner
	// until until, unless another owner's lease has not ended at now; it
	// returns the new lease token, or 0 when owner does not hold the
	// lease.
	TakeLease(ctx context.Context, id string, version int64, owner string, now, until time.Time) (token int64, err error)
	// Snooze sets the wake time of an instance still at version and leased
	// to owner, and releases the lease, when the owner had nothing to do;
	// otherwise it changes nothing.
	Snooze(ctx context.Context, id string, version int64, owner string, wake time.Time) error

	// Retain deletes the versions of the instances p selects that p
	// does not keep (RetentionPolicy): the one exception to "versions
	// are never deleted". A kept version whose output or snapshot lived
	// in a deleted one is given a copy first, and one stored as a delta
	// whose base goes is stored in full, so Version, History and Head
	// return exactly what they did for every kept version. A live
	// instance keeps its head and what the head's state needs. Each
	// instance is retained in a transaction of its own, its head row
	// locked.
	Retain(ctx context.Context, p RetentionPolicy) (Pruned, error)

	Close() error
}

// dueClaim is an instance ClaimDue leased, and its wake time.
type dueClaim struct {
	id   string
	wake int64
}

type dueClaims []dueClaim

// claimRows is what dueClaims.read needs of a query's rows: both
// database/sql's and pgx's have it.
type claimRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// read appends the claims in rows, (id, wake) each, to c.
func (c dueClaims) read(rows claimRows) (dueClaims, error) {
	for rows.Next() {
		var d dueClaim
		if err := rows.Scan(&d.id, &d.wake); err != nil {
			return c, err
		}
		c = append(c, d)
	}
	return c, rows.Err()
}

// ids are the claimed ids, oldest wake first: the order ClaimDue
// promises, which an UPDATE's RETURNING does not keep.
func (cs dueClaims) ids() []string {
	slices.SortStableFunc(cs, func(a, b dueClaim) int { return cmp.Compare(a.wake, b.wake) })
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	return ids
}
