package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/internal/pgtest"
	"github.com/wf-lang/wf/vm"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	e     *Engine
	clock *clock
	path  string
}

// fixtureOnPostgres makes newFixture open a PostgreSQL schema of the
// test's own instead of a SQLite file (TestEngineOnPostgres).
var fixtureOnPostgres bool

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	f.path = filepath.Join(t.TempDir(), "wf.db")
	opts.Now = f.clock.Now
	opts.CheckDeltas = true // every delta a test's steps write is checked
	n := 0
	opts.NewID = func() string { n++; return fmt.Sprintf("i%d", n) }
	var e *Engine
	var err error
	if fixtureOnPostgres {
		e, err = OpenPostgresEngine(context.Background(), pgtest.DSN(t), opts, PostgresOptions{})
	} else {
		e, err = Open(f.path, opts, SQLiteOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	f.e = e
	return f
}

func (f *fixture) start(src, input string) string {
	f.t.Helper()
	var in []byte
	if input != "" {
		in = []byte(input)
	}
	id, err := f.e.Start(context.Background(), "test.wf", []byte(src), in)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) signal(id, name, value string) {
	f.t.Helper()
	if _, err := f.e.Signal(context.Background(), id, name, []byte(value)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) head(id string) Head {
	f.t.Helper()
	h, err := f.e.Store().Head(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// reasons lists the history as "reason → status".
func (f *fixture) reasons(id string) []string {
	f.t.Helper()
	vs, err := f.e.History(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		s := fmt.Sprintf("%s → %s", v.Reason, v.Status)
		if v.WaitingFor != "" {
			s += " " + v.WaitingFor
		}
		out = append(out, s)
	}
	return out
}

// work runs what a worker would find due now.
func (f *fixture) work() {
	f.t.Helper()
	ctx := context.Background()
	who := holder{owner: "test", d: time.Minute}
	ids, err := f.e.Store().ClaimDue(ctx, who.owner, f.clock.Now(), who.d, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, id := range ids {
		f.e.work(ctx, id, who, f.t.Logf)
	}
}

const approval = `let req = input()
print("asking for " + req["what"])
let answer = wait("approval")
print("answer: " + str(answer))
`

func TestApproval(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(approval, `{"what": "a laptop"}`)
	h := f.head(id)
	if h.Status != Waiting || h.WaitingFor != "approval" || h.Output != "asking for a laptop\n" {
		t.Fatalf("after start: %+v", h.Instance)
	}
	f.signal(id, "approval", `{"ok": true}`)
	h = f.head(id)
	if diff := cmp.Diff("asking for a laptop\nanswer: {\"ok\": true}\n", h.Output); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	want := []string{"started → waiting approval", "signal approval received → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestSignalsQueueInOrder(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`print("first " + str(wait("a")))
for i in range(2) {
    print("b " + str(wait("b")))
}
`, "")
	f.signal(id, "b", "1")
	f.signal(id, "b", "2")
	f.signal(id, "c", `"nobody waits"`)
	if h := f.head(id); h.Status != Waiting || h.WaitingFor != "a" {
		t.Fatalf("b and c must queue while the workflow waits for a: %+v", h.Instance)
	}
	f.signal(id, "a", "0")
	h := f.head(id)
	if diff := cmp.Diff("first 0\nb 1\nb 2\n", h.Output); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	rep, err := f.e.Show(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Queued) != 1 || rep.Queued[0].Name != "c" {
		t.Errorf("queued = %+v, want the c signal", rep.Queued)
	}
}

// TestSignalToWaitingInstanceIsOneStep checks the fast path: a signal for
// an instance already waiting for it is stored consumed by the version
// that applies it, and a signal that another of its name precedes still
// waits its turn.
func TestSignalToWaitingInstanceIsOneStep(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`print(wait("a"))
print(wait("a"))
`, "")
	msg, err := f.e.Signal(context.Background(), id, "a", []byte(`1`))
	if err != nil {
		t.Fatal(err)
	}
	if msg.ID == 0 || msg.ConsumedBy != 2 {
		t.Errorf("signal %+v: want stored and consumed by version 2", msg)
	}
	inbox, err := f.e.Store().Inbox(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 1 || inbox[0].ConsumedBy != 2 || inbox[0].Value != "1" {
		t.Errorf("inbox = %+v, want the one signal consumed by version 2", inbox)
	}
	f.signal(id, "a", "2")
	if h := f.head(id); h.Status != Completed || h.Output != "1\n2\n" {
		t.Errorf("after two signals: %+v output %q", h.Instance, h.Output)
	}
}

func TestSleepAndWaitTimeout(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`sleep("1h30m")
print("woke")
print(wait("x", 60))
`, "")
	if h := f.head(id); h.Status != Sleeping || !h.Due.Equal(f.clock.Now().Add(90*time.Minute)) {
		t.Fatalf("after start: %+v", h.Instance)
	}
	f.clock.Add(89 * time.Minute)
	f.work()
	if h := f.head(id); h.Status != Sleeping {
		t.Fatalf("woke early: %+v", h.Instance)
	}
	f.clock.Add(time.Minute)
	f.work()
	if h := f.head(id); h.Status != Waiting {
		t.Fatalf("after the timer: %+v", h.Instance)
	}
	f.clock.Add(time.Minute)
	f.work()
	want := []string{"started → sleeping", "timer fired → waiting x", "wait for x timed out → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if got := f.head(id).Output; got != "woke\nnil\n" {
		t.Errorf("output = %q", got)
	}
}

// flakyStore fails the first commit whose reason starts with prefix, as a
// crash between an activity and its commit would.
type flakyStore struct {
	Store
	prefix string
	failed bool
}

func (s *flakyStore) Commit(ctx context.Context, st Step) (bool, error) {
	if !s.failed && strings.HasPrefix(st.Version.Reason, s.prefix) {
		s.failed = true
		return false, errors.New("simulated crash")
	}
	return s.Store.Commit(ctx, st)
}

func TestActivityRerunsWithSameKey(t *testing.T) {
	var keys []string
	charge := Activity{Name: "charge", Fn: func(ctx context.Context, key string, args []vm.Value) (vm.Value, error) {
		keys = append(keys, key)
		return vm.String(fmt.Sprintf("receipt for %d", args[0].AsInt())), nil
	}}
	f := newFixture(t, Options{Activities: []Activity{charge}})
	f.e.store = &flakyStore{Store: f.e.store, prefix: "activity charge done"}
	_, err := f.e.Start(context.Background(), "t.wf", []byte(`print(charge(42))
print(charge(7))
`), nil)
	if err == nil || !strings.Contains(err.Error(), "simulated crash") {
		t.Fatalf("Start: %v, want the simulated crash", err)
	}
	f.work()
	if diff := cmp.Diff([]string{"i1:1"}, keys); diff != "" {
		t.Errorf("keys while the crashed caller's lease lasts (-want +got):\n%s", diff)
	}
	f.clock.Add(time.Minute + time.Second)
	f.work()
	if diff := cmp.Diff([]string{"i1:1", "i1:1", "i1:2"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	want := []string{"started → running", "activity charge done (seq 1) → running", "activity charge done (seq 2) → completed"}
	if diff := cmp.Diff(want, f.reasons("i1")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if got := f.head("i1").Output; got != "receipt for 42\nreceipt for 7\n" {
		t.Errorf("output = %q", got)
	}
}

func TestActivityErrorFailsInstance(t *testing.T) {
	boom := Activity{Name: "boom", Fn: func(context.Context, string, []vm.Value) (vm.Value, error) {
		return vm.Nil, errors.New("card declined")
	}}
	f := newFixture(t, Options{Activities: []Activity{boom}})
	id := f.start(`boom()`, "")
	h := f.head(id)
	if h.Status != Failed || !strings.Contains(h.Error, "card declined") || h.Snapshot == nil {
		t.Errorf("head = %+v, want failed with the last good state", h.Instance)
	}
}

func TestConcurrentCommitConflicts(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(approval, `{"what": "x"}`)
	h := f.head(id)
	st := f.e.successor(h, "one")
	if _, err := f.e.Store().Commit(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	st.Version.Reason = "two"
	if _, err := f.e.Store().Commit(context.Background(), st); !errors.Is(err, ErrConflict) {
		t.Fatalf("second commit from the same version: %v, want ErrConflict", err)
	}
}

func TestRewindForkSetCancel(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(approval, `{"what": "a desk"}`)
	f.signal(id, "approval", "false")
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Set(ctx, id, "req", []byte(`{"what": "a chair"}`), false); err != nil {
		t.Fatal(err)
	}
	fork, err := f.e.Fork(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.signal(id, "approval", "true")
	if err := f.e.Cancel(ctx, fork); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"started → waiting approval",
		"signal approval received → completed",
		"rewound to version 1 → waiting approval",
		`variable req set to {"what": "a chair"} → waiting approval`,
		"signal approval received → completed",
	}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if got := f.head(id).Output; got != "asking for a desk\nanswer: true\n" {
		t.Errorf("output = %q", got)
	}
	if h := f.head(fork); h.Status != Cancelled || h.Parent != id {
		t.Errorf("fork = %+v", h.Instance)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(approval, `{"what": "x"}`)
	checks := []struct {
		name string
		err  error
		want error
	}{
		{"unknown id", signalErr(f.e, "nope", "approval", "1"), ErrNotFound},
		{"invalid JSON", signalErr(f.e, id, "approval", "{"), ErrInvalid},
		{"unknown variable", f.e.Set(ctx, id, "nope", []byte("1"), false), vm.ErrNoVariable},
		{"wrong kind", f.e.Set(ctx, id, "req", []byte("1"), false), ErrWrongKind},
		{"rewind to nothing", rewindErr(f.e, id, 9), ErrNotFound},
	}
	for _, c := range checks {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	db := f.e.Store().(*SQLite).DB()
	if _, err := db.Exec(`UPDATE versions SET snapshot = x'a1' WHERE instance = ?`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Signal(ctx, id, "approval", []byte("1")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("signal to a corrupted instance: %v, want ErrCorrupt", err)
	}
	if _, err := f.e.Show(ctx, id, 0); !errors.Is(err, ErrCorrupt) {
		t.Errorf("show of a corrupted instance: %v, want ErrCorrupt", err)
	}
	if diff := cmp.Diff([]string{"started → waiting approval"}, f.reasons(id)); diff != "" {
		t.Errorf("history changed (-want +got):\n%s", diff)
	}
}

// olderBuild stands in an older wf for instance id: it gives the stored
// program, its versions and snapshots another hash, as a bytecode
// version change does, and drops the stored upgrade map unless keepMap.
// It returns an engine on the changed database.
func olderBuild(t *testing.T, f *fixture, id string, keepMap bool) *Engine {
	t.Helper()
	db := f.e.Store().(*SQLite).DB()
	cur := vm.ProgramHash([]byte(approval))
	old := bytes.Repeat([]byte{0xab}, len(cur))
	var snap []byte
	if err := db.QueryRow(`SELECT snapshot FROM versions WHERE instance = ?`, id).Scan(&snap); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(snap, cur[:]) {
		t.Fatal("the snapshot does not carry its program hash")
	}
	snap = bytes.ReplaceAll(snap, cur[:], old)
	oldHex := fmt.Sprintf("%x", old)
	queries := []struct {
		sql  string
		args []any
	}{
		{`PRAGMA foreign_keys = OFF`, nil},
		{`UPDATE programs SET hash = ?`, []any{oldHex}},
		{`UPDATE instances SET program = ?`, []any{oldHex}},
		{`UPDATE versions SET snapshot = ?, program = ? WHERE instance = ?`, []any{snap, oldHex, id}},
	}
	if !keepMap {
		queries = append(queries, struct {
			sql  string
			args []any
		}{`UPDATE programs SET map = NULL`, nil})
	}
	for _, q := range queries {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	reopened, err := Open(f.path, Options{Now: f.clock.Now}, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reopened.Close() })
	return reopened
}

// An instance stored by a wf with another instruction set, whose program
// has no upgrade map (stored before wf kept them), keeps its state and
// its signals, and says why it cannot resume.
func TestOtherBytecodeWithoutMapIsExplained(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(approval, `{"what": "x"}`)
	reopened := olderBuild(t, f, id, false)
	_, err := reopened.Signal(ctx, id, "approval", []byte("1"))
	if !errors.Is(err, ErrOtherBytecode) || !errors.Is(err, ErrCorrupt) {
		t.Errorf("signal: %v, want ErrOtherBytecode and ErrCorrupt", err)
	}
	if _, err := reopened.Show(ctx, id, 0); !errors.Is(err, ErrOtherBytecode) {
		t.Errorf("show: %v, want ErrOtherBytecode", err)
	}
	if err := reopened.Set(ctx, id, "req", []byte("{}"), false); !errors.Is(err, ErrOtherBytecode) {
		t.Errorf("set: %v, want ErrOtherBytecode", err)
	}
	h, err := reopened.Store().Head(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != Waiting || h.Version != 1 {
		t.Errorf("head: %s version %d, want waiting version 1", h.Status, h.Version)
	}
}

// An instance stored by a wf with another instruction set, with the
// upgrade map that wf stored, moves onto this wf's code on its own when
// it is next stepped: a version of its own, which a rewind undoes.
func TestOtherBytecodeMovesOnItsOwn(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(approval, `{"what": "x"}`)
	reopened := olderBuild(t, f, id, true)
	if _, err := reopened.Signal(ctx, id, "approval", []byte("1")); err != nil {
		t.Fatal(err)
	}
	h, err := reopened.Store().Head(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	cur := fmt.Sprintf("%x", vm.ProgramHash([]byte(approval)))
	if h.Status != Completed || h.Output != "asking for x\nanswer: 1\n" || h.Program != cur {
		t.Fatalf("head: %s %q on %s", h.Status, h.Output, h.Program)
	}
	hist, err := reopened.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || !strings.HasPrefix(hist[1].Reason, "upgraded abababababab → ") || hist[1].Program != cur || hist[0].Program == cur {
		t.Fatalf("history: %+v", hist)
	}
	if _, err := reopened.Rewind(ctx, id, 1, false); err != nil {
		t.Fatal(err)
	}
	hist, err = reopened.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The rewind went back to the old program; stepping it moved it on
	// again, as a version of its own.
	if len(hist) != 5 || hist[3].Program == cur || !strings.HasPrefix(hist[4].Reason, "upgraded ") || hist[4].Status != Waiting {
		t.Fatalf("history after the rewind: %+v", hist)
	}
}

func signalErr(e *Engine, id, name, value string) error {
	_, err := e.Signal(context.Background(), id, name, []byte(value))
	return err
}

func rewindErr(e *Engine, id string, to int64) error {
	_, err := e.Rewind(context.Background(), id, to, false)
	return err
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	s, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.DB().Exec(`PRAGMA application_id = 42`)
	s.Close()
	if _, err := OpenSQLite(path, SQLiteOptions{}); !errors.Is(err, ErrNotOurs) {
		t.Errorf("open: %v, want ErrNotOurs", err)
	}
}

func TestSynchronousFull(t *testing.T) {
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "wf.db"), SQLiteOptions{Synchronous: "full"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	journal, sync, err := s.Pragmas()
	if err != nil || journal != "wal" || sync != 2 {
		t.Errorf("pragmas = %q %d %v, want wal 2", journal, sync, err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, in := range []string{`null`, `true`, `-3`, `2.5`, `1.0`, `"a\"b"`, `[1,[2,{}]]`, `{"z":1,"a":[null]}`} {
		v, err := FromJSON([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := ToJSON(v)
		if err != nil || string(out) != in {
			t.Errorf("ToJSON(FromJSON(%s)) = %s, %v", in, out, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	cases := map[string]time.Duration{"90s": 90 * time.Second, "3d": 72 * time.Hour, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "250ms": 250 * time.Millisecond}
	for in, want := range cases {
		if got, err := ParseDuration(vm.String(in)); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "5", "h", "3x", "-1s"} {
		if _, err := ParseDuration(vm.String(bad)); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

// lateSignal is a workflow whose first wait has a 60-second timeout and
// whose second waits for the same name without one.
const lateSignal = `print(wait("x", 60))
print(wait("x"))
`

// TestLateSignalTimesOutTheWait: a signal sent after a wait's due time
// does not answer it, whether the signal or a worker gets there first;
// the wait returns nil and the signal answers the next wait for its
// name. Signal's fast path used to take a late signal as the answer when
// no worker had fired the timeout yet.
func TestLateSignalTimesOutTheWait(t *testing.T) {
	want := []string{"started → waiting x", "wait for x timed out → waiting x", "signal x received → completed"}
	for _, order := range []string{"signal first", "worker first", "detached signal first"} {
		t.Run(order, func(t *testing.T) {
			f := newFixture(t, Options{Detached: order == "detached signal first"})
			id := f.start(lateSignal, "")
			f.clock.Add(61 * time.Second)
			if order == "worker first" {
				f.work()
			}
			f.signal(id, "x", "1")
			f.work()
			if got := f.head(id).Output; got != "nil\n1\n" {
				t.Errorf("output = %q, want the first wait timed out and the second answered", got)
			}
			if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSignalAtTheDueTimeIsLate: the due time itself is too late, as it is
// for the timer; a signal sent before it answers the wait even if the
// worker runs after it.
func TestSignalAtTheDueTimeIsLate(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.start(`print(wait("x", 60))`, "")
	f.clock.Add(60 * time.Second)
	f.signal(id, "x", "1")
	if h := f.head(id); h.Output != "nil\n" || h.Status != Completed {
		t.Errorf("signal at the due time: %s output %q, want completed with nil", h.Status, h.Output)
	}
	rep, err := f.e.Show(context.Background(), id, 0)
	if err != nil || len(rep.Queued) != 1 || rep.Queued[0].Value != "1" {
		t.Errorf("queued = %+v, %v; want the late signal kept", rep.Queued, err)
	}

	f = newFixture(t, Options{Detached: true})
	id = f.start(`print(wait("x", 60))`, "")
	f.clock.Add(59 * time.Second)
	f.signal(id, "x", "1")
	f.clock.Add(time.Hour)
	f.work()
	if h := f.head(id); h.Output != "1\n" {
		t.Errorf("signal in time, worker late: output %q, want the signal's value", h.Output)
	}
}

// TestCancelIsForGood: a cancelled instance takes no signal and is not
// rewound without force; a forced rewind revives it, saying so in its
// history. Rewind used to revive a cancelled instance silently, though
// cancel was documented as for good.
func TestCancelIsForGood(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	id := f.start(approval, `{"what": "a desk"}`)
	if err := f.e.Cancel(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Signal(ctx, id, "approval", []byte("true")); !errors.Is(err, ErrFinal) {
		t.Errorf("Signal: %v, want ErrFinal", err)
	}
	_, err := f.e.Rewind(ctx, id, 1, false)
	if !errors.Is(err, ErrFinal) || !strings.Contains(err.Error(), "was cancelled, which is for good (force the rewind to revive it)") {
		t.Errorf("Rewind without force: %v, want ErrFinal saying why", err)
	}
	if h := f.head(id); h.Status != Cancelled || h.Version != 2 {
		t.Errorf("after the refused rewind: %s version %d, want cancelled at version 2", h.Status, h.Version)
	}
	if _, err := f.e.Rewind(ctx, id, 1, true); err != nil {
		t.Fatal(err)
	}
	f.signal(id, "approval", "true")
	want := []string{"started → waiting approval", "cancelled → cancelled",
		"rewound to version 1 (reviving a cancelled instance) → waiting approval", "signal approval received → completed"}
	if diff := cmp.Diff(want, f.reasons(id)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if _, err := f.e.Rewind(ctx, id, 1, false); err != nil {
		t.Errorf("rewinding a completed instance: %v, want no force needed", err)
	}
}
