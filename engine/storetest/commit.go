package storetest

// This file checks reading and writing: programs, Create and the reads,
// Commit's checks, the inbox, and output reconstruction.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/engine"
)

// testPrograms: a program is stored once under its hash and read back
// whole; storing it again changes nothing.
func testPrograms(t *testing.T, f *fixture) {
	p := engine.Program{Hash: "ffee", File: "name\x00with nul and \xff.wf", Source: []byte("print(1)\n\x00\xff"), Hosts: []string{"charge", "mail"},
		Map: []byte(`{"format": 1}`)}
	f.ok(f.s.PutProgram(f.ctx, p))
	f.ok(f.s.PutProgram(f.ctx, engine.Program{Hash: "ffee", File: "other.wf", Source: []byte("other")}))
	got, err := f.s.Program(f.ctx, "ffee")
	f.ok(err)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Program (-stored +read):\n%s", diff)
	}
}

// testCreateAndRead: Create stores the head and version 1 as given, and
// every read returns them, times to the nanosecond and bytes that are
// not UTF-8 included.
func testCreateAndRead(t *testing.T, f *fixture) {
	st := f.first("i1", engine.Waiting, "go\x00\xfe")
	st.Instance.Due = f.t0.Add(72*time.Hour + 7)
	st.Instance.Input = "{\"s\": \"\xff\"}"
	st.Version.Printed = "hello \x00\xff\n"
	st.Version.Due, st.Version.Detail = st.Instance.Due, `{"d": 1}`
	f.ok(f.s.Create(f.ctx, st))
	h, err := f.s.Head(f.ctx, "i1")
	f.ok(err)
	want := st.Instance
	if diff := cmp.Diff(want, h.Instance, cmpTimes); diff != "" {
		t.Errorf("Head (-created +read):\n%s", diff)
	}
	if h.Output != st.Version.Printed || string(h.Snapshot) != "snapshot 1" || h.SnapVersion != 1 {
		t.Errorf("Head output %q, snapshot %q of %d", h.Output, h.Snapshot, h.SnapVersion)
	}
	v, err := f.s.Version(f.ctx, "i1", 1)
	f.ok(err)
	wantV := st.Version
	wantV.Output = st.Version.Printed
	if diff := cmp.Diff(wantV, v, cmpTimes); diff != "" {
		t.Errorf("Version (-created +read):\n%s", diff)
	}
	hist, err := f.s.History(f.ctx, "i1")
	f.ok(err)
	wantV.Snapshot = nil
	if diff := cmp.Diff([]engine.Version{wantV}, hist, cmpTimes); diff != "" {
		t.Errorf("History (-created +read):\n%s", diff)
	}
	checkList(t, f)
}

// cmpTimes compares times as instants, so a store may read back another
// location.
var cmpTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// checkList: List is newest first (then by id), filtered, paged after a
// cursor, limited.
func checkList(t *testing.T, f *fixture) {
	f.t0 = f.t0.Add(time.Second)
	f.create("i2", engine.Running, "")
	f.t0 = f.t0.Add(time.Second)
	f.create("i3", engine.Waiting, "x")
	f.create("i4", engine.Waiting, "x") // created with i3: listed after it, by id
	ids := func(fl engine.Filter) []string {
		list, err := f.s.List(f.ctx, fl)
		f.ok(err)
		var out []string
		for _, in := range list {
			out = append(out, in.ID)
		}
		return out
	}
	at := func(id string) engine.Cursor { return engine.CursorOf(f.state(id).Instance) }
	for _, c := range []struct {
		f    engine.Filter
		want []string
	}{
		{engine.Filter{}, []string{"i3", "i4", "i2", "i1"}},
		{engine.Filter{Status: engine.Waiting}, []string{"i3", "i4", "i1"}},
		{engine.Filter{Limit: 2}, []string{"i3", "i4"}},
		{engine.Filter{Status: engine.Completed}, nil},
		{engine.Filter{WaitingFor: "x"}, []string{"i3", "i4"}},
		{engine.Filter{WaitingFor: "go\x00\xfe"}, []string{"i1"}},
		{engine.Filter{IDPrefix: "i2"}, []string{"i2"}},
		{engine.Filter{ID: "i"}, nil},
		{engine.Filter{ID: "i4"}, []string{"i4"}},
		{engine.Filter{IDPrefix: "i"}, []string{"i3", "i4", "i2", "i1"}},
		{engine.Filter{Program: f.prog[:3]}, []string{"i3", "i4", "i2", "i1"}},
		{engine.Filter{Program: "not" + f.prog}, nil},
		{engine.Filter{Program: "é"}, nil},
		{engine.Filter{IDPrefix: "é"}, nil},
		// Keyset paging: after i3 comes i4 (same time, next id), then older.
		{engine.Filter{After: at("i3"), Limit: 2}, []string{"i4", "i2"}},
		{engine.Filter{After: at("i4")}, []string{"i2", "i1"}},
		{engine.Filter{After: at("i1")}, nil},
		{engine.Filter{After: at("i4"), Status: engine.Waiting}, []string{"i1"}},
	} {
		if got := ids(c.f); !slices.Equal(got, c.want) {
			t.Errorf("List(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
}

// testNotFound: every read and write of a missing instance, version or
// program is ErrNotFound, and Send to one stores nothing.
func testNotFound(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "go")
	_, err := f.s.Program(f.ctx, "nope")
	f.wantErr("Program", err, engine.ErrNotFound)
	_, err = f.s.Head(f.ctx, "nope")
	f.wantErr("Head", err, engine.ErrNotFound)
	_, err = f.s.State(f.ctx, "nope")
	f.wantErr("State", err, engine.ErrNotFound)
	_, err = f.s.Version(f.ctx, "i1", 2)
	f.wantErr("Version 2", err, engine.ErrNotFound)
	_, err = f.s.Version(f.ctx, "nope", 1)
	f.wantErr("Version of nope", err, engine.ErrNotFound)
	_, err = f.s.History(f.ctx, "nope")
	f.wantErr("History", err, engine.ErrNotFound)
	_, err = f.s.Send(f.ctx, "nope", "go", "1", f.t0)
	f.wantErr("Send", err, engine.ErrNotFound)
	if _, ok, err := f.s.NextMessage(f.ctx, "i1", "go"); ok || err != nil {
		t.Errorf("NextMessage with nothing queued: %v, %v", ok, err)
	}
}

// testCommitChecksVersion: of two steps from one version, the first
// commits and the second fails with ErrConflict, writing nothing.
func testCommitChecksVersion(t *testing.T, f *fixture) {
	h := f.create("i1", engine.Waiting, "go")
	a, b := f.next(h, engine.Waiting, "a"), f.next(h, engine.Completed, "")
	_, err := f.s.Commit(f.ctx, a)
	f.ok(err)
	_, err = f.s.Commit(f.ctx, b)
	f.wantErr("second commit from version 1", err, engine.ErrConflict)
	got := f.state("i1")
	if got.Version != 2 || got.Status != engine.Waiting || got.WaitingFor != "a" {
		t.Errorf("head after the conflict: version %d %s for %q, want 2 waiting for a", got.Version, got.Status, got.WaitingFor)
	}
	if hist, err := f.s.History(f.ctx, "i1"); err != nil || len(hist) != 2 {
		t.Errorf("history after the conflict: %d versions, %v; want 2", len(hist), err)
	}
}

// testCommitChecksConsumed: a step whose consumed message is consumed
// already, or belongs to another instance, fails with ErrConflict and
// writes nothing: no version, no head change, no other message consumed.
func testCommitChecksConsumed(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "go")
	f.create("i2", engine.Waiting, "go")
	m1, m2 := f.send("i1", "go", "1"), f.send("i1", "go", "2")
	other := f.send("i2", "go", "3")
	h, _ := f.commit("i1", engine.Waiting, "go", m1.ID)
	for _, consumed := range [][]int64{{m2.ID, m1.ID}, {other.ID}, {m2.ID, 1 << 40}} {
		st := f.next(h, engine.Completed, "")
		st.Consumed = consumed
		_, err := f.s.Commit(f.ctx, st)
		f.wantErr("commit consuming "+fmt.Sprint(consumed), err, engine.ErrConflict)
	}
	if got := f.state("i1"); got.Version != 2 || got.Status != engine.Waiting {
		t.Errorf("head after the refused commits: version %d %s, want 2 waiting", got.Version, got.Status)
	}
	inbox, err := f.s.Inbox(f.ctx, "i1")
	f.ok(err)
	if len(inbox) != 2 || inbox[0].ConsumedBy != 2 || inbox[1].ConsumedBy != 0 {
		t.Errorf("inbox after the refused commits: %+v; want m1 consumed by 2, m2 queued", inbox)
	}
	if _, err := f.s.Version(f.ctx, "i1", 3); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("version 3 of a refused commit: %v, want ErrNotFound", err)
	}
}

// testCommitDelivers: a step's Deliver is stored consumed by its version,
// and Commit sets its id.
func testCommitDelivers(t *testing.T, f *fixture) {
	h := f.create("i1", engine.Waiting, "go")
	queued := f.send("i1", "other", "0")
	st := f.next(h, engine.Completed, "")
	st.Deliver = &engine.Message{Instance: "i1", Name: "go", Value: `"yes"`, Sent: f.t0.Add(3)}
	_, err := f.s.Commit(f.ctx, st)
	f.ok(err)
	if st.Deliver.ID == 0 || st.Deliver.ID == queued.ID || st.Deliver.ConsumedBy != 2 {
		t.Errorf("Deliver after Commit: %+v", st.Deliver)
	}
	inbox, err := f.s.Inbox(f.ctx, "i1")
	f.ok(err)
	want := []engine.Message{queued, *st.Deliver}
	if diff := cmp.Diff(want, inbox, cmpTimes); diff != "" {
		t.Errorf("Inbox (-want +got):\n%s", diff)
	}
}

// testOutput: a version's Output is its OutputFrom version's followed by
// its Printed, through steps that print nothing and a rewind.
func testOutput(t *testing.T, f *fixture) {
	h := f.create("i1", engine.Waiting, "go")
	printed := []struct {
		from    int64 // 0: the version before
		printed string
		want    string
	}{
		{0, "a", "a"}, {0, "", "a"}, {0, "b\x00", "ab\x00"}, {2, "c", "ac"}, {0, "", "ac"}, {1, "d", "d"},
	}
	want := map[int64]string{1: ""}
	for _, p := range printed {
		st := f.next(h, engine.Waiting, "go")
		st.Version.Printed = p.printed
		if p.from > 0 {
			st.Version.OutputFrom = p.from
		}
		_, err := f.s.Commit(f.ctx, st)
		f.ok(err)
		h = f.state("i1")
		want[h.Version] = p.want
	}
	checkOutputs(t, f, "i1", want)
}

// checkOutputs checks every version's output by Version, History and
// (for the last) Head.
func checkOutputs(t *testing.T, f *fixture, id string, want map[int64]string) {
	hist, err := f.s.History(f.ctx, id)
	f.ok(err)
	if len(hist) != len(want) {
		t.Fatalf("History: %d versions, want %d", len(hist), len(want))
	}
	for _, v := range hist {
		got, err := f.s.Version(f.ctx, id, v.Number)
		f.ok(err)
		if v.Output != want[v.Number] || got.Output != want[v.Number] {
			t.Errorf("version %d: History output %q, Version output %q; want %q", v.Number, v.Output, got.Output, want[v.Number])
		}
	}
	h, err := f.s.Head(f.ctx, id)
	f.ok(err)
	if h.Output != want[h.Version] {
		t.Errorf("Head output %q, want %q", h.Output, want[h.Version])
	}
}

// testSendAndInbox: Send acknowledges with an id; NextMessage gives the
// oldest queued message of a name; Inbox lists all, oldest first.
func testSendAndInbox(t *testing.T, f *fixture) {
	f.create("i1", engine.Waiting, "x")
	a, b, c := f.send("i1", "go", "1"), f.send("i1", "stop", "2"), f.send("i1", "go", "\"\xff\"")
	if !(a.ID > 0 && a.ID < b.ID && b.ID < c.ID) {
		t.Errorf("message ids %d, %d, %d: want increasing", a.ID, b.ID, c.ID)
	}
	m, ok, err := f.s.NextMessage(f.ctx, "i1", "go")
	f.ok(err)
	if !ok || m.ID != a.ID || m.Value != "1" || !m.Sent.Equal(f.t0) {
		t.Errorf("NextMessage(go) = %+v, %v; want message %d", m, ok, a.ID)
	}
	f.commit("i1", engine.Waiting, "x", a.ID)
	m, ok, err = f.s.NextMessage(f.ctx, "i1", "go")
	f.ok(err)
	if !ok || m.ID != c.ID || m.Value != c.Value {
		t.Errorf("NextMessage(go) after consuming the first = %+v, %v; want message %d", m, ok, c.ID)
	}
	inbox, err := f.s.Inbox(f.ctx, "i1")
	f.ok(err)
	a.ConsumedBy = 2
	if diff := cmp.Diff([]engine.Message{a, b, c}, inbox, cmpTimes); diff != "" {
		t.Errorf("Inbox (-want +got):\n%s", diff)
	}
}

// testSendToFinal: Send to a finished instance is ErrFinal and queues
// nothing.
func testSendToFinal(t *testing.T, f *fixture) {
	for _, status := range []engine.Status{engine.Completed, engine.Failed, engine.Cancelled} {
		id := string(status)
		f.create(id, engine.Waiting, "go")
		f.commit(id, status, "")
		_, err := f.s.Send(f.ctx, id, "go", "1", f.t0)
		f.wantErr("Send to a "+id+" instance", err, engine.ErrFinal)
		if inbox, err := f.s.Inbox(f.ctx, id); err != nil || len(inbox) != 0 {
			t.Errorf("inbox of a %s instance after Send: %v, %v", id, inbox, err)
		}
	}
}

// testProgramMapFilledLater: a program stored without an upgrade map (by
// a wf from before maps) gets one when stored again with it, and keeps
// it when stored again without.
func testProgramMapFilledLater(t *testing.T, f *fixture) {
	f.ok(f.s.PutProgram(f.ctx, engine.Program{Hash: "aa11", File: "a.wf", Source: []byte("1")}))
	if p, err := f.s.Program(f.ctx, "aa11"); err != nil || p.Map != nil {
		t.Fatalf("a program stored without a map: %q %v", p.Map, err)
	}
	f.ok(f.s.PutProgram(f.ctx, engine.Program{Hash: "aa11", File: "a.wf", Source: []byte("1"), Map: []byte("map")}))
	f.ok(f.s.PutProgram(f.ctx, engine.Program{Hash: "aa11", File: "a.wf", Source: []byte("1")}))
	if p, err := f.s.Program(f.ctx, "aa11"); err != nil || string(p.Map) != "map" {
		t.Fatalf("after storing it with a map: %q %v", p.Map, err)
	}
}

// testCommitMovesProgram: a step may move an instance to another program
// (an upgrade); each version keeps the program it was made with.
func testCommitMovesProgram(t *testing.T, f *fixture) {
	f.ok(f.s.PutProgram(f.ctx, engine.Program{Hash: "bb22", File: "b.wf", Source: []byte("2")}))
	h := f.create("i1", engine.Waiting, "go")
	st := f.next(h, engine.Waiting, "go")
	st.Instance.Program, st.Version.Program = "bb22", "bb22"
	_, err := f.s.Commit(f.ctx, st)
	f.ok(err)
	if h := f.state("i1"); h.Program != "bb22" {
		t.Fatalf("head program %q, want bb22", h.Program)
	}
	hist, err := f.s.History(f.ctx, "i1")
	f.ok(err)
	if len(hist) != 2 || hist[0].Program != f.prog || hist[1].Program != "bb22" {
		t.Fatalf("history programs: %+v", hist)
	}
	if v, err := f.s.Version(f.ctx, "i1", 1); err != nil || v.Program != f.prog {
		t.Fatalf("version 1 program %q, %v", v.Program, err)
	}
}
