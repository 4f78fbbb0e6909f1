package vm_test

// Tests that snapshots are exact: a machine restored from its snapshot, in
// a fresh machine with a freshly compiled program, goes on exactly as the
// original would have, and re-encodes to the same bytes.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// askHost suspends the machine with its argument as the request.
var askHost = &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	if len(args) != 1 {
		return vm.Nil, vm.Errorf(vm.ErrArgs, "ask takes 1 argument")
	}
	return m.Suspend("ask", args[0])
}}

// directAsk answers at once with the reply askHost's caller would deliver.
var directAsk = &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	return reply(args[0]), nil
}}

// reply is the host's answer to a request: deterministic, so a suspended
// run and an uninterrupted one see the same replies.
func reply(req vm.Value) vm.Value {
	return vm.String("re:" + vm.Repr(req))
}

// compile compiles src with the standard library and host names.
func compile(t testing.TB, src string, hosts ...string) *compiler.Program {
	t.Helper()
	p, err := compiler.CompileSource("test.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), hosts...)})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

// suspendingProgram exercises everything a snapshot must capture at once:
// globals, closures sharing a captured variable, a generator driving a
// generator, coroutines with parent links, aliased and self-containing
// lists, a try/finally in progress and a for loop over a map in progress,
// each with a host suspension inside.
const suspendingProgram = `
fn counter() {
    let n = 0
    let inc = fn() { n += 1; return n }
    let get = fn() { return n }
    return [inc, get]
}
let pair = counter()
let inc = pair[0]
let get = pair[1]
inc()
let shared = [1, 2]
let both = {"a": shared, "b": shared}
let self = [0]
self.push(self)

fn inner(k) {
    for i in range(k) {
        let r = ask("inner " + str(i) + " n=" + str(inc()))
        yield r
    }
    return "inner done"
}
fn outer() {
    for x in inner(2) { yield "outer saw " + x }
    let r = yield from inner(1)
    yield r
}
for y in outer() { print(y) }

let main = current()
let co = coroutine(fn(a) {
    let sub = coroutine(fn() {
        print("sub parent is co:", current().parent == co)
        return ask("in sub " + a)
    })
    let got = sub.switch()
    print("co got", got)
    let back = main.switch("co paused")
    return ask("co resumed with " + str(back))
})
print(co.switch("x"))
shared.push(3)
print(co.switch(42))

fn guarded() {
    try {
        print("in try", ask("try body"))
        throw error("boom", "thrown after ask")
    } catch e {
        print("caught", e.kind, ask("in catch"))
    } finally {
        print("finally", ask("in finally"))
    }
}
guarded()

let ages = {"ann": 31, "bob": 42, "cy": 7}
let seen = []
for k, v in ages {
    seen.push(k + "=" + str(v) + ":" + ask("map " + k))
}
print(seen)
print(both, both["a"] == both["b"], get(), len(self), self[1][1][0])
both["a"].push(4)
print(both["b"], shared)
`

// hostRun drives a machine through its suspensions, answering each with
// reply. Before each answer, when restart is set, the machine is
// snapshotted, dropped and restored into a fresh machine compiled anew.
type hostRun struct {
	src      string
	restart  bool
	out      bytes.Buffer
	requests []string
	snaps    [][]byte
	allowErr bool  // an error may end the run
	err      error // the error that ended it
}

func (h *hostRun) run(t *testing.T) {
	t.Helper()
	opts := vm.Options{Stdout: &h.out, Hosts: []*vm.Builtin{askHost}}
	m, err := vm.New(compile(t, h.src, "ask"), opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Run()
	for i := 0; s != nil && err == nil; i++ {
		if i > 1000 {
			t.Fatal("too many suspensions")
		}
		if s.Host != "ask" {
			t.Fatalf("suspended by %q, want ask", s.Host)
		}
		h.requests = append(h.requests, vm.Repr(s.Request))
		if h.restart {
			m = h.restore(t, m, opts)
		}
		s, err = m.Resume(reply(s.Request))
	}
	h.err = err
	if err != nil && !h.allowErr {
		t.Fatalf("run: %v", err)
	}
}

// restore snapshots m and returns a machine restored from the bytes with
// a freshly compiled program; the original is not used again.
func (h *hostRun) restore(t *testing.T, m *vm.Machine, opts vm.Options) *vm.Machine {
	t.Helper()
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	h.snaps = append(h.snaps, data)
	m2, err := vm.Restore(compile(t, h.src, "ask"), data, opts)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	s, ok := m2.Pending()
	if !ok || s.Host != "ask" {
		t.Fatalf("restored machine is not waiting on ask: %v %v", s, ok)
	}
	again, err := m2.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot of restored machine: %v", err)
	}
	if !bytes.Equal(again, data) {
		t.Fatalf("snapshot of the restored machine differs from the original (%d vs %d bytes)", len(again), len(data))
	}
	return m2
}

// directOutput runs src with an ask that answers at once.
func directOutput(t *testing.T, src string) string {
	t.Helper()
	out, err := directRun(t, src)
	if err != nil {
		t.Fatalf("direct run: %v", err)
	}
	return out
}

// directRun runs src with an ask that answers at once and returns its
// output and final error.
func directRun(t *testing.T, src string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m, err := vm.New(compile(t, src, "ask"), vm.Options{Stdout: &out, Hosts: []*vm.Builtin{directAsk}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Run()
	if s != nil {
		t.Fatalf("direct run suspended: %v", s)
	}
	return out.String(), err
}

func TestHostSuspensionRoundTrip(t *testing.T) {
	want := directOutput(t, suspendingProgram)
	plain := &hostRun{src: suspendingProgram}
	plain.run(t)
	restarted := &hostRun{src: suspendingProgram, restart: true}
	restarted.run(t)
	if diff := cmp.Diff(want, plain.out.String()); diff != "" {
		t.Errorf("suspended run differs from a direct one (-direct +suspended):\n%s", diff)
	}
	if diff := cmp.Diff(want, restarted.out.String()); diff != "" {
		t.Errorf("restored run differs from a direct one (-direct +restored):\n%s", diff)
	}
	wantReqs := []string{
		`"inner 0 n=2"`, `"inner 1 n=3"`, `"inner 0 n=4"`,
		`"in sub x"`, `"co resumed with 42"`,
		`"try body"`, `"in catch"`, `"in finally"`,
		`"map ann"`, `"map bob"`, `"map cy"`,
	}
	if diff := cmp.Diff(wantReqs, restarted.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(plain.requests, restarted.requests); diff != "" {
		t.Errorf("requests differ between plain and restored runs:\n%s", diff)
	}
	t.Logf("output:\n%s", want)
}

func TestRestoreWrongProgram(t *testing.T) {
	h := &hostRun{src: suspendingProgram, restart: true}
	h.run(t)
	data := h.snaps[0]
	other := compile(t, suspendingProgram+"\nprint(1)\n", "ask")
	_, err := vm.Restore(other, data, vm.Options{Hosts: []*vm.Builtin{askHost}})
	if !errors.Is(err, vm.ErrWrongProgram) {
		t.Errorf("restore with another program: got %v, want ErrWrongProgram", err)
	}
	if errors.Is(err, vm.ErrBadSnapshot) {
		t.Errorf("a wrong program is not a bad snapshot: %v", err)
	}
}

func TestRestoreMissingHost(t *testing.T) {
	h := &hostRun{src: suspendingProgram, restart: true}
	h.run(t)
	// A program that does not mention ask itself: the snapshot still waits
	// on it, so Restore must name it.
	p := compile(t, suspendingProgram, "ask")
	_, err := vm.Restore(p, h.snaps[0], vm.Options{Hosts: []*vm.Builtin{{Name: "tell", Fn: directAsk.Fn}}})
	if !errors.Is(err, vm.ErrBadSnapshot) || !strings.Contains(err.Error(), `"ask"`) {
		t.Errorf("restore without the ask host: got %v, want ErrBadSnapshot naming \"ask\"", err)
	}
}

// TestRestoreMissingHeapHost covers host functions the program never
// names: a host hands out another host function as a value, which ends up
// in the heap and as the pending call. Restore without it must name it.
func TestRestoreMissingHeapHost(t *testing.T) {
	secret := &vm.Builtin{Name: "secret", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		return m.Suspend("secret", args[0])
	}}
	getter := &vm.Builtin{Name: "getter", Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.BuiltinValue(secret), nil
	}}
	for _, src := range []string{
		`let f = getter(); print(f("in heap"))`,
		`print(getter()("pending only"))`,
	} {
		p := compile(t, src, "getter")
		m, err := vm.New(p, vm.Options{Hosts: []*vm.Builtin{getter, secret}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.Run()
		if err != nil || s == nil || s.Host != "secret" {
			t.Fatalf("run: %v %v", s, err)
		}
		data, err := m.Snapshot(vm.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = vm.Restore(p, data, vm.Options{Hosts: []*vm.Builtin{getter}})
		if !errors.Is(err, vm.ErrBadSnapshot) || !strings.Contains(err.Error(), `"secret"`) {
			t.Errorf("%s: restore without secret: got %v, want ErrBadSnapshot naming it", src, err)
		}
		var out bytes.Buffer
		m2, err := vm.Restore(p, data, vm.Options{Stdout: &out, Hosts: []*vm.Builtin{getter, secret}})
		if err != nil {
			t.Fatalf("%s: restore: %v", src, err)
		}
		if s, err := m2.Resume(vm.String("ok")); s != nil || err != nil || out.String() != "ok\n" {
			t.Errorf("%s: resume: %v %v, output %q", src, s, err, out.String())
		}
	}
}

func TestEmbeddedProgram(t *testing.T) {
	var out bytes.Buffer
	m := newAskMachine(t, suspendingProgram, &out)
	s, err := m.Run()
	if err != nil || s == nil {
		t.Fatalf("run: %v %v", s, err)
	}
	plain, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := vm.EmbeddedProgram(plain); ok || err != nil {
		t.Errorf("EmbeddedProgram of a plain snapshot: ok=%v err=%v, want false, nil", ok, err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if err != nil {
		t.Fatal(err)
	}
	file, src, ok, err := vm.EmbeddedProgram(data)
	if err != nil || !ok || file != "test.wf" || string(src) != suspendingProgram {
		t.Fatalf("EmbeddedProgram: %q, %d bytes, %v, %v", file, len(src), ok, err)
	}
	p, err := compiler.CompileSource(file, src, compiler.Options{Predeclared: append(vm.Universe(), "ask")})
	if err != nil {
		t.Fatal(err)
	}
	var rest bytes.Buffer
	m2, err := vm.Restore(p, data, vm.Options{Stdout: &rest, Hosts: []*vm.Builtin{directAsk}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m2.Resume(reply(s.Request)); s != nil || err != nil {
		t.Fatalf("resume: %v %v", s, err)
	}
	if diff := cmp.Diff(directOutput(t, suspendingProgram), out.String()+rest.String()); diff != "" {
		t.Errorf("output (-direct +embedded):\n%s", diff)
	}
	// The embedded source is covered by the hash: changing it is caught.
	i := bytes.Index(data, []byte("fn counter()"))
	if i < 0 {
		t.Fatal("source not found in the snapshot")
	}
	bad := bytes.Clone(data)
	bad[i] = 'F'
	if _, _, _, err := vm.EmbeddedProgram(bad); !errors.Is(err, vm.ErrBadSnapshot) {
		t.Errorf("EmbeddedProgram with doctored source: got %v, want ErrBadSnapshot", err)
	}
}

// TestEmbeddedProgramChecksBodyFirst: a snapshot whose body is malformed
// is refused before its embedded program is handed out to be compiled
// (compiling a large embedded source costs seconds and gigabytes; wf
// inspect used to pay that and then refuse the body).
func TestEmbeddedProgramChecksBodyFirst(t *testing.T) {
	p := compile(t, "let x = 1\n")
	m, err := vm.New(p, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(s *snapTree){
		"unknown tag":        func(s *snapTree) { s.heap()[0] = []any{uint64(99)} },
		"fiber of 3 fields":  func(s *snapTree) { s.heap()[0] = []any{uint64(tagFiber), uint64(0), uint64(0)} },
		"object not tagged":  func(s *snapTree) { s.heap()[0] = "x" },
		"root out of range":  func(s *snapTree) { s.body()[1] = ref(1000) },
		"body of 6 fields":   func(s *snapTree) { s.env[5] = s.body()[:6] },
		"heap not an array":  func(s *snapTree) { s.body()[5] = uint64(3) },
		"globals not a list": func(s *snapTree) { s.body()[0] = "g" },
	} {
		tree := decodeTree(t, data, p)
		edit(tree)
		_, src, ok, err := vm.EmbeddedProgram(tree.encode(t))
		if ok || src != nil || !errors.Is(err, vm.ErrBadSnapshot) {
			t.Errorf("%s: got ok=%v, %d source bytes, %v; want ErrBadSnapshot and no source", name, ok, len(src), err)
		}
	}
}

// stepper takes a machine through a program one instruction at a time:
// limited to n steps, it stops with a limit error whose state is then
// snapshotted. Suspensions are answered with reply.
type stepper struct {
	name  string
	prog  *compiler.Program
	hosts []*vm.Builtin
}

// stepResult is what running to a step limit gave: a snapshot at the
// limit, or the end of the program.
type stepResult struct {
	snap    []byte
	out     string
	done    bool
	err     error // the run's final error when done
	refused bool  // the step limit struck where no snapshot can be taken
}

func isLimit(err error) bool {
	var e *vm.Error
	return errors.As(err, &e) && e.Kind == vm.ErrLimit
}

// drive runs m (started or resumed by start) until the step limit, the
// end, or an error other than the limit.
func (st *stepper) drive(t *testing.T, m *vm.Machine, out *bytes.Buffer, start func() (*vm.Suspension, error)) stepResult {
	t.Helper()
	s, err := start()
	for s != nil && err == nil {
		s, err = m.Resume(reply(s.Request))
	}
	if err == nil || !isLimit(err) {
		return stepResult{out: out.String(), done: true, err: err}
	}
	snap, serr := m.Snapshot(vm.SnapshotOptions{})
	if serr != nil {
		// The limit struck inside a builtin's callback (a sort
		// comparator): that state is not data, and Snapshot says so.
		var me *vm.Error
		if !errors.As(serr, &me) || me.Kind != vm.ErrLimit {
			t.Fatalf("%s: snapshot at step %d: %v", st.name, m.Steps(), serr)
		}
		return stepResult{out: out.String(), refused: true}
	}
	again, serr := m.Snapshot(vm.SnapshotOptions{})
	if serr != nil || !bytes.Equal(snap, again) {
		t.Fatalf("%s: two snapshots of one state differ at step %d (%v)", st.name, m.Steps(), serr)
	}
	return stepResult{snap: snap, out: out.String()}
}

// fromStart runs a new machine for n steps.
func (st *stepper) fromStart(t *testing.T, n int64) stepResult {
	var out bytes.Buffer
	m, err := vm.New(st.prog, vm.Options{Stdout: &out, MaxSteps: n, Hosts: st.hosts})
	if err != nil {
		t.Fatal(err)
	}
	return st.drive(t, m, &out, m.Run)
}

// fromSnapshot restores snap and runs it up to step n.
func (st *stepper) fromSnapshot(t *testing.T, snap []byte, n int64) stepResult {
	var out bytes.Buffer
	m, err := vm.Restore(st.prog, snap, vm.Options{Stdout: &out, MaxSteps: n, Hosts: st.hosts})
	if err != nil {
		t.Fatalf("%s: restore before step %d: %v", st.name, n, err)
	}
	again, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil || !bytes.Equal(again, snap) {
		t.Fatalf("%s: snapshot of the restored machine before step %d differs (%v)", st.name, n, err)
	}
	return st.drive(t, m, &out, m.Run)
}

// check compares, for every n, the state a fresh machine reaches after n
// steps with the state a machine restored at step n-1 reaches after one
// more step: the bytes must be identical, and the restored chain's output
// must add up to the fresh run's. Every maxFresh-th step is also compared
// against a fresh run; the rest rely on the chain.
func (st *stepper) check(t *testing.T, maxSteps, freshEvery int64) (int64, error) {
	var chainOut strings.Builder
	var prev stepResult
	refusals := 0
	n := int64(1)
	for ; n <= maxSteps; n++ {
		var next stepResult
		if n == 1 {
			next = st.fromStart(t, 1)
		} else {
			next = st.fromSnapshot(t, prev.snap, n)
		}
		if next.refused {
			// Try again from the same state with one more step.
			refusals++
			continue
		}
		chainOut.WriteString(next.out)
		if n%freshEvery == 0 || next.done {
			if fresh := st.fromStart(t, n); !fresh.refused {
				st.compare(t, n, fresh, next, chainOut.String())
			}
		}
		prev = next
		if prev.done {
			break
		}
	}
	if refusals > 0 {
		t.Logf("%d steps inside builtin callbacks could not be snapshotted", refusals)
	}
	return n, prev.err
}

func (st *stepper) compare(t *testing.T, n int64, fresh, chained stepResult, chainOut string) {
	t.Helper()
	if fresh.done != chained.done {
		t.Fatalf("%s: step %d: fresh run done=%v, restored run done=%v (%v / %v)", st.name, n, fresh.done, chained.done, fresh.err, chained.err)
	}
	if diff := cmp.Diff(fresh.out, chainOut); diff != "" {
		t.Fatalf("%s: step %d: output (-fresh +restored chain):\n%s", st.name, n, diff)
	}
	if fmt.Sprint(fresh.err) != fmt.Sprint(chained.err) {
		t.Fatalf("%s: step %d: errors differ:\nfresh:    %v\nrestored: %v", st.name, n, fresh.err, chained.err)
	}
	if bytes.Equal(fresh.snap, chained.snap) {
		return
	}
	a, aerr := vm.Inspect(st.prog, fresh.snap, vm.InspectOptions{})
	b, berr := vm.Inspect(st.prog, chained.snap, vm.InspectOptions{})
	t.Fatalf("%s: step %d: snapshots differ (%d vs %d bytes); inspect errors %v %v; (-fresh +restored):\n%s\nCBOR (-fresh +restored):\n%s",
		st.name, n, len(fresh.snap), len(chained.snap), aerr, berr, cmp.Diff(a, b), cmp.Diff(diagnose(fresh.snap), diagnose(chained.snap)))
}

// stepPrograms are the programs TestSnapshotEveryStep walks through.
func stepPrograms(t *testing.T) map[string]string {
	progs := map[string]string{"suspending": suspendingProgram}
	files, err := filepath.Glob("../spec/conformance/*.wf")
	nested, _ := filepath.Glob("../spec/conformance/errors/*.wf")
	files = append(files, nested...)
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("../examples/*.wf")
	for _, f := range append(files, examples...) {
		if strings.HasSuffix(f, "persist.wf") {
			continue // touches files
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		progs[filepath.Base(f)] = string(b)
	}
	return progs
}

// TestSnapshotEveryStep snapshots programs after every instruction, via
// the step limit, and checks that restoring and re-encoding gives the same
// bytes, that a restored machine's next step gives the same state as an
// uninterrupted machine's, and that output is unchanged.
func TestSnapshotEveryStep(t *testing.T) {
	progs := stepPrograms(t)
	names := make([]string, 0, len(progs))
	for name := range progs {
		names = append(names, name)
	}
	sort.Strings(names)
	maxSteps, freshEvery := int64(2000), int64(23)
	if testing.Short() {
		maxSteps, freshEvery = 600, 50
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p, err := compiler.CompileSource(name, []byte(progs[name]), compiler.Options{Predeclared: append(vm.Universe(), "ask")})
			if err != nil {
				t.Skipf("does not compile: %v", err)
			}
			st := &stepper{name: name, prog: p, hosts: []*vm.Builtin{askHost}}
			n, err := st.check(t, maxSteps, freshEvery)
			t.Logf("%d steps, ended with %v", n, err)
		})
	}
}

// diagnose renders CBOR in diagnostic notation, one heap object a line,
// for readable diffs.
func diagnose(b []byte) string {
	s, err := cbor.Diagnose(b)
	if err != nil {
		return fmt.Sprintf("undiagnosable: %v", err)
	}
	return strings.ReplaceAll(s, "], [", "],\n[")
}

// sameAfterRestarts checks that src prints the same when every host
// suspension is a snapshot, a dropped machine and a restore.
func sameAfterRestarts(t *testing.T, src string) {
	t.Helper()
	want, wantErr := directRun(t, src)
	h := &hostRun{src: src, restart: true, allowErr: true}
	h.run(t)
	if diff := cmp.Diff(want, h.out.String()); diff != "" {
		t.Errorf("output (-direct +restored):\n%s", diff)
	}
	if diff := cmp.Diff(fmt.Sprint(wantErr), fmt.Sprint(h.err)); diff != "" {
		t.Errorf("final error (-direct +restored):\n%s", diff)
	}
	t.Logf("%d restores; output:\n%s", len(h.snaps), want)
	if wantErr != nil {
		t.Logf("ended with %v", wantErr)
	}
}

// TestRestoreKeepsBuiltinIdentity: a builtin restored from a snapshot is
// the machine's own builtin, equal to a fresh reference to it (restore
// used to make a copy, so p == print turned false and every restored
// reference became a separate heap object).
func TestRestoreKeepsBuiltinIdentity(t *testing.T) {
	sameAfterRestarts(t, `
let p = print
let fs = [len, len]
ask("x")
print(p == print, fs[0] == len, fs[0] == fs[1])
`)
}

// TestRestoreMapIteratorAfterDelete: a for loop over a map from which keys
// were deleted, or whose key set changed before the loop, goes on after a
// restore as it would have (the iterator's position counted tombstones and
// its version check compared against a version the snapshot dropped).
func TestRestoreMapIteratorAfterDelete(t *testing.T) {
	sameAfterRestarts(t, `
let m = {"a": 1, "b": 2, "c": 3}
m.remove("a")
for k in m { print("m", k, ask(k)) }
let m2 = {"x": 1}
m2["y"] = 2
m2.remove("y")
for k, v in m2 { print("m2", k, v, ask(k)) }
let m3 = {"p": 1, "q": 2}
try {
    for k in m3 {
        ask(k)
        m3["new"] = 0
    }
} catch e { print(e.kind, e.message) }
let m4 = {"p": 1, "q": 2}
try {
    for k in m4 {
        m4["new"] = 0
        ask(k)
    }
} catch e { print(e.kind, e.message) }
`)
}

// TestRestoreInvalidUTF8String: wf strings are bytes, and a string that
// is not valid UTF-8 (a slice through a multi-byte character) must
// survive a snapshot (the decoder rejected such text strings).
func TestRestoreInvalidUTF8String(t *testing.T) {
	sameAfterRestarts(t, `
let s = "é"[0:1]
let d = {s: "key"}
ask("x")
print(len(s), s == "é"[0:1], d["é"[0:1]], load(dump(s)) == s)
`)
}

// TestRestoreNaNKeys: NaNs keep their bits through a snapshot, so two map
// keys that are distinct NaNs stay distinct (core deterministic encoding
// turned every NaN into one, and the restore failed on a duplicate key).
func TestRestoreNaNKeys(t *testing.T) {
	sameAfterRestarts(t, `
let nan = float("nan")
let nk = {}
nk[nan] = "nan"
nk[-nan] = "negnan"
ask("x")
print(len(nk), nk[nan], nk[-nan])
`)
}

// TestRestoreRethrowTrace: a throw pending in a finally, or rethrown from
// a catch, after a restore in between keeps its traceback.
func TestRestoreRethrowTrace(t *testing.T) {
	sameAfterRestarts(t, `
fn f() {
    try {
        throw "x"
    } finally {
        ask("in finally")
    }
}
try { f() } catch e { print("caught", e) }
fn g() {
    try {
        throw "y"
    } catch e {
        ask("c")
        throw e
    }
}
g()
`)
}

// runWF runs a program without hosts and returns its output and error.
func runWF(t *testing.T, src string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m, err := vm.New(compile(t, src), vm.Options{Stdout: &out, MaxSteps: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run()
	return out.String(), err
}

// TestDumpLoadSharing checks dump and load from .wf: sharing and cycles
// survive, each load is an independent fork, and loading older bytes
// rewinds.
func TestDumpLoadSharing(t *testing.T) {
	const src = `
let shared = [1]
let pair = [shared, shared]
let b = dump(pair)
let p2 = load(b)
p2[0].push(2)
print("aliased:", p2[1], "original:", pair[0])

let self = [0]
self.push(self)
let s2 = load(dump(self))
s2[1].push("via inner")
print("cycle:", len(s2), s2[2], len(self))

let f1 = load(b)
let f2 = load(b)
f1[0].push("f1")
print("forks:", f1[1], f2[1])

fn counter() {
    let n = 0
    return [fn() { n += 1; return n }, fn() { return n }]
}
let c = counter()
c[0]()
let c2 = load(dump(c))
c2[0]()
c2[0]()
print("closures:", c[1](), c2[1]())

fn gen() {
    let i = 0
    while true { i += 1; yield i }
}
let g = gen()
g.next()
let old = dump(g)
print("ahead:", g.next(), g.next())
print("rewound:", load(old).next(), load(old).next(), g.next())

let m = {"k": pair, "also": pair}
let m2 = load(dump(m))
m2["k"][0].push("m2")
print("map:", m2["also"][0], pair[0])

let main = current()
print("root:", load(dump(main)) == main, load(dump([main]))[0] == main)
let rg
fn running() { yield dump(rg) }
rg = running()
try { rg.next() } catch e { print("running:", e.kind, e.message) }
try { load(bytes("junk")) } catch e { print("junk:", e.kind) }
try { load(dump(1)[:-1]) } catch e { print("cut:", e.kind) }
`
	want := `aliased: [1, 2] original: [1]
cycle: 3 via inner 2
forks: [1, "f1"] [1]
closures: 1 3
ahead: 2 3
rewound: 2 2 4
map: [1, "m2"] [1]
root: true true
running: value_error dump: cannot dump a running generator
junk: value_error
cut: value_error
`
	got, err := runWF(t, src)
	if err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, got)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// hostileProgram, suspended in its ask, has one of everything a hostile
// edit can aim at: a generator suspended inside try and a map loop with a
// captured local, a coroutine with a parent, a closure with a cell, a
// range, and range and map iterators and a handler on the root's stack.
const hostileProgram = `
let m = {"a": 1, "b": 2}
let r = range(0, 10, 2)
let lst = [1, 2]
fn counter() {
    let n = 0
    return fn() { n += 1; return n }
}
let inc = counter()
fn gen() {
    let cap = 0
    let peek = fn() { return cap }
    try {
        for k in m {
            cap = yield k
        }
    } finally { print("f") }
}
let g = gen()
g.next()
let main = current()
let co = coroutine(fn() { main.switch(1); return 2 })
co.switch()
for i in r {
    for k in m {
        try {
            print(ask("q"), inc())
        } catch e {}
    }
}
`

// snapTree is a snapshot decoded to plain CBOR data for editing.
type snapTree struct {
	env  []any
	prog *compiler.Program
}

func decodeTree(t *testing.T, data []byte, p *compiler.Program) *snapTree {
	t.Helper()
	var env []any
	if err := cbor.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	return &snapTree{env: env, prog: p}
}

func (s *snapTree) encode(t *testing.T) []byte {
	t.Helper()
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.Marshal(s.env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *snapTree) body() []any { return s.env[5].([]any) }
func (s *snapTree) heap() []any { return s.body()[5].([]any) }

// Object tags and fiber fields of the format (vm/snapshot.go).
const (
	tagList, tagMap, tagClosure, tagCell, tagBuiltin, tagError, tagRange, tagIter, tagFiber, tagRoot = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9

	fibKind, fibStatus, fibStack, fibFrames, fibHandlers, fibParent, fibFn, fibResult, fibExit = 1, 2, 3, 4, 5, 6, 7, 8, 9
)

func num(x any) int64 {
	switch x := x.(type) {
	case uint64:
		return int64(x)
	case int64:
		return x
	}
	panic(fmt.Sprintf("not an integer: %T", x))
}

// find returns the index of the first heap object with tag for which ok
// holds.
func (s *snapTree) find(t *testing.T, tag int64, ok func(o []any) bool) int {
	t.Helper()
	for i, h := range s.heap() {
		o := h.([]any)
		if num(o[0]) == tag && (ok == nil || ok(o)) {
			return i
		}
	}
	t.Fatalf("no heap object with tag %d matches", tag)
	return -1
}

func (s *snapTree) obj(i int) []any { return s.heap()[i].([]any) }

func ref(i int) []any { return []any{uint64(i)} }

// fiberOf finds a fiber of the kind (1 generator, 2 coroutine, 0 root).
func (s *snapTree) fiberOf(t *testing.T, kind int64) []any {
	return s.obj(s.find(t, tagFiber, func(o []any) bool { return num(o[fibKind]) == kind }))
}

func (s *snapTree) fiberIndex(t *testing.T, kind int64) int {
	return s.find(t, tagFiber, func(o []any) bool { return num(o[fibKind]) == kind })
}

// topFrame returns a fiber's innermost frame [closure, pc, base].
func topFrame(f []any) []any {
	frames := f[fibFrames].([]any)
	return frames[len(frames)-1].([]any)
}

// cellSlot returns the index, in a fiber's stack, of a slot holding a cell.
func (s *snapTree) cellSlot(t *testing.T, f []any) int {
	t.Helper()
	for i, v := range f[fibStack].([]any) {
		if r, ok := v.([]any); ok && num(s.obj(int(num(r[0])))[0]) == tagCell {
			return i
		}
	}
	t.Fatal("no cell on the fiber's stack")
	return -1
}

// unreachablePC returns a pc of fn where no path of the code arrives, or
// -1.
func unreachablePC(t *testing.T, fn *compiler.Function) int {
	fl, err := compiler.Analyze(fn)
	if err != nil {
		t.Fatal(err)
	}
	for pc, d := range fl.Depth {
		if d < 0 {
			return pc
		}
	}
	return -1
}

// hostileCase is one doctored snapshot: edit changes the decoded tree,
// and Restore must fail with want.
type hostileCase struct {
	name string
	edit func(t *testing.T, s *snapTree)
	want error // vm.ErrBadSnapshot unless said otherwise
}

func hostileCases() []hostileCase {
	gen := func(t *testing.T, s *snapTree) []any { return s.fiberOf(t, 1) }
	co := func(t *testing.T, s *snapTree) []any { return s.fiberOf(t, 2) }
	root := func(t *testing.T, s *snapTree) []any { return s.fiberOf(t, 0) }
	list := func(t *testing.T, s *snapTree) int { return s.find(t, tagList, nil) }
	setFiber := func(which func(*testing.T, *snapTree) []any, field int, v any) func(*testing.T, *snapTree) {
		return func(t *testing.T, s *snapTree) { which(t, s)[field] = v }
	}
	addPC := func(which func(*testing.T, *snapTree) []any, d int64) func(*testing.T, *snapTree) {
		return func(t *testing.T, s *snapTree) {
			fr := topFrame(which(t, s))
			fr[1] = num(fr[1]) + d
		}
	}
	return []hostileCase{
		// The envelope.
		{name: "wrong magic", edit: func(t *testing.T, s *snapTree) { s.env[0] = "wf-snapshoT" }},
		{name: "magic not a string", edit: func(t *testing.T, s *snapTree) { s.env[0] = uint64(1) }},
		{name: "wrong version", edit: func(t *testing.T, s *snapTree) { s.env[1] = uint64(2) }},
		{name: "value kind", edit: func(t *testing.T, s *snapTree) { s.env[2] = uint64(1) }},
		{name: "unknown kind", edit: func(t *testing.T, s *snapTree) { s.env[2] = uint64(7) }},
		{name: "hash changed", want: vm.ErrWrongProgram, edit: func(t *testing.T, s *snapTree) { s.env[3].([]byte)[0] ^= 1 }},
		{name: "hash short", edit: func(t *testing.T, s *snapTree) { s.env[3] = s.env[3].([]byte)[:31] }},
		{name: "envelope short", edit: func(t *testing.T, s *snapTree) { s.env = s.env[:5] }},
		{name: "envelope long", edit: func(t *testing.T, s *snapTree) { s.env = append(s.env, nil) }},
		{name: "source not a pair", edit: func(t *testing.T, s *snapTree) { s.env[4] = "src" }},
		// The body.
		{name: "body not an array", edit: func(t *testing.T, s *snapTree) { s.env[5] = "body" }},
		{name: "body short", edit: func(t *testing.T, s *snapTree) { s.env[5] = s.body()[:6] }},
		{name: "globals missing one", edit: func(t *testing.T, s *snapTree) { b := s.body(); b[0] = b[0].([]any)[1:] }},
		{name: "globals extra", edit: func(t *testing.T, s *snapTree) { b := s.body(); b[0] = append(b[0].([]any), nil) }},
		{name: "steps negative", edit: func(t *testing.T, s *snapTree) { s.body()[3] = int64(-1) }},
		{name: "alloc a string", edit: func(t *testing.T, s *snapTree) { s.body()[4] = "x" }},
		{name: "root is a generator", edit: func(t *testing.T, s *snapTree) { s.body()[1] = ref(s.fiberIndex(t, 1)) }},
		{name: "root is a list", edit: func(t *testing.T, s *snapTree) { s.body()[1] = ref(list(t, s)) }},
		{name: "current is suspended", edit: func(t *testing.T, s *snapTree) { s.body()[2] = ref(s.fiberIndex(t, 2)) }},
		{name: "current is a scalar", edit: func(t *testing.T, s *snapTree) { s.body()[2] = uint64(3) }},
		{name: "pending not a pair", edit: func(t *testing.T, s *snapTree) { s.body()[6] = []any{"ask"} }},
		{name: "pending unknown host", edit: func(t *testing.T, s *snapTree) { s.body()[6] = []any{"nope", nil} }},
		{name: "not pending", edit: func(t *testing.T, s *snapTree) { s.body()[6] = nil }},
		{name: "heap not an array", edit: func(t *testing.T, s *snapTree) { s.body()[5] = uint64(0) }},
		// References and objects.
		{name: "reference out of range", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = ref(len(s.heap()) + 3) }},
		{name: "reference at heap end", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = ref(len(s.heap())) }},
		{name: "reference negative", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = []any{int64(-1)} }},
		{name: "reference huge", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = []any{uint64(1 << 63)} }},
		{name: "reference not an int", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = []any{"0"} }},
		{name: "reference of two", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = []any{uint64(0), uint64(0)} }},
		{name: "unknown tag", edit: func(t *testing.T, s *snapTree) { s.obj(list(t, s))[0] = uint64(99) }},
		{name: "negative tag", edit: func(t *testing.T, s *snapTree) { s.obj(list(t, s))[0] = int64(-1) }},
		{name: "root tag in a machine", edit: func(t *testing.T, s *snapTree) { s.obj(list(t, s))[0] = uint64(tagRoot) }},
		{name: "empty object", edit: func(t *testing.T, s *snapTree) { s.heap()[list(t, s)] = []any{} }},
		{name: "object not an array", edit: func(t *testing.T, s *snapTree) { s.heap()[list(t, s)] = "x" }},
		{name: "list with extra field", edit: func(t *testing.T, s *snapTree) { i := list(t, s); s.heap()[i] = append(s.obj(i), nil) }},
		{name: "list elements not an array", edit: func(t *testing.T, s *snapTree) { s.obj(list(t, s))[1] = uint64(1) }},
		{name: "list element a map", edit: func(t *testing.T, s *snapTree) { s.obj(list(t, s))[1] = []any{map[any]any{"a": 1}} }},
		{name: "map odd keys and values", edit: func(t *testing.T, s *snapTree) {
			o := s.obj(s.find(t, tagMap, nil))
			o[1] = append(o[1].([]any), "odd")
		}},
		{name: "map duplicate key", edit: func(t *testing.T, s *snapTree) {
			o := s.obj(s.find(t, tagMap, nil))
			kv := o[1].([]any)
			o[1] = append(kv, kv[0], kv[1])
		}},
		{name: "map unhashable key", edit: func(t *testing.T, s *snapTree) {
			o := s.obj(s.find(t, tagMap, nil))
			o[1].([]any)[0] = ref(list(t, s))
		}},
		{name: "range step zero", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagRange, nil))[3] = uint64(0) }},
		{name: "range field a float", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagRange, nil))[1] = 1.5 }},
		{name: "iterator over the wrong kind", edit: func(t *testing.T, s *snapTree) {
			s.obj(s.find(t, tagIter, func(o []any) bool { return num(o[1]) == 3 }))[2] = ref(list(t, s))
		}},
		{name: "iterator over a scalar", edit: func(t *testing.T, s *snapTree) {
			s.obj(s.find(t, tagIter, nil))[2] = uint64(5)
		}},
		{name: "iterator kind unknown", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagIter, nil))[1] = uint64(9) }},
		{name: "iterator position negative", edit: func(t *testing.T, s *snapTree) {
			s.obj(s.find(t, tagIter, func(o []any) bool { return num(o[1]) == 3 }))[3] = int64(-1)
		}},
		{name: "range iterator step zero", edit: func(t *testing.T, s *snapTree) {
			s.obj(s.find(t, tagIter, func(o []any) bool { return num(o[1]) == 4 }))[5] = uint64(0)
		}},
		{name: "closure function out of range", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagClosure, nil))[1] = uint64(1000) }},
		{name: "closure function negative", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagClosure, nil))[1] = int64(-1) }},
		{name: "closure missing a cell", edit: func(t *testing.T, s *snapTree) {
			o := s.obj(s.find(t, tagClosure, func(o []any) bool { return len(o[2].([]any)) > 0 }))
			o[2] = []any{}
		}},
		{name: "closure cell is a list", edit: func(t *testing.T, s *snapTree) {
			o := s.obj(s.find(t, tagClosure, func(o []any) bool { return len(o[2].([]any)) > 0 }))
			o[2].([]any)[0] = ref(list(t, s))
		}},
		{name: "closure cell is an int", edit: func(t *testing.T, s *snapTree) {
			o := s.obj(s.find(t, tagClosure, func(o []any) bool { return len(o[2].([]any)) > 0 }))
			o[2].([]any)[0] = uint64(0)
		}},
		{name: "cell in a list", edit: func(t *testing.T, s *snapTree) {
			s.obj(list(t, s))[1].([]any)[0] = ref(s.find(t, tagCell, nil))
		}},
		{name: "cell as a global", edit: func(t *testing.T, s *snapTree) { s.body()[0].([]any)[0] = ref(s.find(t, tagCell, nil)) }},
		{name: "builtin unknown", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagBuiltin, nil))[1] = "no_such_builtin" }},
		{name: "builtin name an int", edit: func(t *testing.T, s *snapTree) { s.obj(s.find(t, tagBuiltin, nil))[1] = uint64(1) }},
		// Fibers.
		{name: "generator pc off by one", edit: addPC(gen, 1)},
		{name: "generator pc one back", edit: addPC(gen, -1)},
		{name: "root pc off by one", edit: addPC(root, 1)},
		{name: "root pc one back", edit: addPC(root, -1)},
		{name: "coroutine pc off by one", edit: addPC(co, 1)},
		{name: "pc past the end", edit: addPC(gen, 100000)},
		{name: "pc at the end", edit: func(t *testing.T, s *snapTree) {
			fr := topFrame(gen(t, s))
			fr[1] = uint64(len(s.prog.Funcs[num(s.obj(int(num(fr[0].([]any)[0])))[1])].Code))
		}},
		{name: "pc negative", edit: func(t *testing.T, s *snapTree) { topFrame(gen(t, s))[1] = int64(-1) }},
		{name: "pc huge", edit: func(t *testing.T, s *snapTree) { topFrame(gen(t, s))[1] = uint64(1 << 62) }},
		{name: "pc unreachable", edit: func(t *testing.T, s *snapTree) {
			fr := topFrame(root(t, s))
			pc := unreachablePC(t, s.prog.Funcs[0])
			if pc < 0 {
				t.Skip("main has no unreachable instruction")
			}
			fr[1] = uint64(pc)
		}},
		{name: "frame base wrong", edit: func(t *testing.T, s *snapTree) { fr := topFrame(gen(t, s)); fr[2] = num(fr[2]) + 1 }},
		{name: "root frame base wrong", edit: func(t *testing.T, s *snapTree) { fr := topFrame(root(t, s)); fr[2] = num(fr[2]) + 1 }},
		{name: "frame closure is a list", edit: func(t *testing.T, s *snapTree) { topFrame(gen(t, s))[0] = ref(list(t, s)) }},
		{name: "frame closure is a builtin", edit: func(t *testing.T, s *snapTree) { topFrame(gen(t, s))[0] = ref(s.find(t, tagBuiltin, nil)) }},
		{name: "frame of another function", edit: func(t *testing.T, s *snapTree) {
			topFrame(gen(t, s))[0] = ref(s.find(t, tagClosure, func(o []any) bool { return len(o[2].([]any)) > 0 }))
		}},
		{name: "frame of two fields", edit: func(t *testing.T, s *snapTree) { f := gen(t, s); f[fibFrames].([]any)[0] = topFrame(f)[:2] }},
		{name: "no frames", edit: setFiber(gen, fibFrames, []any{})},
		{name: "root without frames", edit: setFiber(root, fibFrames, []any{})},
		{name: "stack too short", edit: func(t *testing.T, s *snapTree) {
			f := gen(t, s)
			st := f[fibStack].([]any)
			f[fibStack] = st[:len(st)-1]
		}},
		{name: "stack too long", edit: func(t *testing.T, s *snapTree) { f := gen(t, s); f[fibStack] = append(f[fibStack].([]any), nil) }},
		{name: "root stack too long", edit: func(t *testing.T, s *snapTree) { f := root(t, s); f[fibStack] = append(f[fibStack].([]any), nil) }},
		{name: "root stack too short", edit: func(t *testing.T, s *snapTree) {
			f := root(t, s)
			st := f[fibStack].([]any)
			f[fibStack] = st[:len(st)-1]
		}},
		{name: "coroutine stack empty", edit: setFiber(co, fibStack, []any{})},
		{name: "captured slot holds no cell", edit: func(t *testing.T, s *snapTree) { f := gen(t, s); f[fibStack].([]any)[s.cellSlot(t, f)] = uint64(7) }},
		{name: "captured slot holds a list", edit: func(t *testing.T, s *snapTree) {
			f := gen(t, s)
			f[fibStack].([]any)[s.cellSlot(t, f)] = ref(list(t, s))
		}},
		{name: "cell in a plain slot", edit: func(t *testing.T, s *snapTree) {
			f := gen(t, s)
			st := f[fibStack].([]any)
			st[s.cellSlot(t, f)+1] = st[s.cellSlot(t, f)]
		}},
		{name: "cell on the operand stack", edit: func(t *testing.T, s *snapTree) {
			f := gen(t, s)
			st := f[fibStack].([]any)
			st[len(st)-1] = st[s.cellSlot(t, f)]
		}},
		{name: "handler missing", edit: setFiber(gen, fibHandlers, []any{})},
		{name: "root handler missing", edit: setFiber(root, fibHandlers, []any{})},
		{name: "handler extra", edit: func(t *testing.T, s *snapTree) {
			f := gen(t, s)
			h := f[fibHandlers].([]any)
			f[fibHandlers] = append(h, h[0])
		}},
		{name: "handler depth zero", edit: func(t *testing.T, s *snapTree) { gen(t, s)[fibHandlers].([]any)[0].([]any)[0] = uint64(0) }},
		{name: "handler depth too deep", edit: func(t *testing.T, s *snapTree) { gen(t, s)[fibHandlers].([]any)[0].([]any)[0] = uint64(5) }},
		{name: "handler pc off", edit: func(t *testing.T, s *snapTree) { h := gen(t, s)[fibHandlers].([]any)[0].([]any); h[1] = num(h[1]) + 1 }},
		{name: "handler pc past the end", edit: func(t *testing.T, s *snapTree) { gen(t, s)[fibHandlers].([]any)[0].([]any)[1] = uint64(1 << 20) }},
		{name: "handler sp off", edit: func(t *testing.T, s *snapTree) { h := gen(t, s)[fibHandlers].([]any)[0].([]any); h[2] = num(h[2]) + 1 }},
		{name: "handler negative", edit: func(t *testing.T, s *snapTree) { gen(t, s)[fibHandlers].([]any)[0].([]any)[2] = int64(-3) }},
		{name: "handler of two fields", edit: func(t *testing.T, s *snapTree) {
			f := gen(t, s)
			f[fibHandlers].([]any)[0] = []any{uint64(1), uint64(1)}
		}},
		{name: "fiber status unknown", edit: setFiber(gen, fibStatus, uint64(9))},
		{name: "fiber kind unknown", edit: setFiber(gen, fibKind, uint64(7))},
		{name: "generator marked running", edit: setFiber(gen, fibStatus, uint64(2))},
		{name: "generator marked done", edit: setFiber(gen, fibStatus, uint64(3))},
		{name: "generator marked new", edit: setFiber(gen, fibStatus, uint64(0))},
		{name: "coroutine marked running", edit: setFiber(co, fibStatus, uint64(2))},
		{name: "coroutine marked new", edit: setFiber(co, fibStatus, uint64(0))},
		{name: "root marked suspended", edit: setFiber(root, fibStatus, uint64(1))},
		{name: "coroutine turned generator", edit: setFiber(co, fibKind, uint64(1))},
		{name: "generator turned coroutine", edit: setFiber(gen, fibKind, uint64(2))},
		{name: "generator with a resumer", edit: func(t *testing.T, s *snapTree) { gen(t, s)[fibParent] = ref(s.fiberIndex(t, 0)) }},
		{name: "coroutine parent cycle", edit: func(t *testing.T, s *snapTree) { co(t, s)[fibParent] = ref(s.fiberIndex(t, 2)) }},
		{name: "root parent cycle", edit: func(t *testing.T, s *snapTree) {
			root(t, s)[fibParent] = ref(s.fiberIndex(t, 2))
		}},
		{name: "coroutine parent a generator", edit: func(t *testing.T, s *snapTree) { co(t, s)[fibParent] = ref(s.fiberIndex(t, 1)) }},
		{name: "coroutine parent a list", edit: func(t *testing.T, s *snapTree) { co(t, s)[fibParent] = ref(list(t, s)) }},
		{name: "generator loop exit without loop", edit: setFiber(gen, fibExit, uint64(5))},
		{name: "coroutine loop exit", edit: setFiber(co, fibExit, uint64(5))},
		{name: "exit a string", edit: setFiber(gen, fibExit, "5")},
		{name: "second root fiber", edit: func(t *testing.T, s *snapTree) {
			clone := append([]any(nil), root(t, s)...)
			clone[fibStatus] = uint64(1)
			s.body()[5] = append(s.heap(), clone)
			coRef := ref(s.fiberIndex(t, 2))
			for i, g := range s.body()[0].([]any) {
				if r, ok := g.([]any); ok && len(r) == 1 && num(r[0]) == num(coRef[0]) {
					s.body()[0].([]any)[i] = ref(len(s.heap()) - 1)
				}
			}
		}},
		{name: "fiber of nine fields", edit: func(t *testing.T, s *snapTree) {
			i := s.fiberIndex(t, 1)
			s.heap()[i] = s.obj(i)[:9]
		}},
	}
}

// restoreGuarded restores data, turning a panic or a hang into a test
// failure naming the case.
func restoreGuarded(t *testing.T, name string, p *compiler.Program, data []byte, opts vm.Options) (m *vm.Machine, err error) {
	t.Helper()
	type result struct {
		m     *vm.Machine
		err   error
		panic any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			r.panic = recover()
			done <- r
		}()
		r.m, r.err = vm.Restore(p, data, opts)
	}()
	select {
	case r := <-done:
		if r.panic != nil {
			t.Fatalf("%s: Restore panicked: %v", name, r.panic)
		}
		return r.m, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Restore hangs", name)
	}
	return nil, nil
}

// runGuarded runs a restored machine under a small budget; it may fail
// with any error but must not panic or hang.
func runGuarded(t *testing.T, name string, m *vm.Machine) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		s, err := m.Resume(vm.String("reply"))
		if errors.Is(err, vm.ErrNotSuspended) {
			s, err = m.Run()
		}
		for i := 0; i < 5 && s != nil && err == nil; i++ {
			s, err = m.Resume(vm.String("reply"))
		}
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s: restored machine panicked: %v", name, p)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: restored machine hangs", name)
	}
}

// hostileBase returns the hostile program compiled and a snapshot of it
// waiting in ask.
func hostileBase(t *testing.T) (*compiler.Program, []byte) {
	t.Helper()
	return askSnapshot(t, hostileProgram)
}

// askSnapshot returns src compiled and a snapshot of it waiting in its
// first ask.
func askSnapshot(t *testing.T, src string) (*compiler.Program, []byte) {
	t.Helper()
	p := compile(t, src, "ask")
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); s == nil || err != nil {
		t.Fatalf("run: %v %v", s, err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

func budget() vm.Options {
	return vm.Options{Stdout: io.Discard, MaxSteps: 10_000, MaxAlloc: 1 << 20, MaxCallDepth: 50, Hosts: []*vm.Builtin{askHost}}
}

func TestHostileSnapshots(t *testing.T) {
	p, data := hostileBase(t)
	if again := decodeTree(t, data, p).encode(t); !bytes.Equal(again, data) {
		t.Fatal("decoding and re-encoding an untouched snapshot changes it; the edits below would test the wrong thing")
	}
	m, err := vm.Restore(p, data, budget())
	if err != nil {
		t.Fatalf("untouched snapshot: %v", err)
	}
	runGuarded(t, "untouched", m)
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			s := decodeTree(t, data, p)
			c.edit(t, s)
			bad := s.encode(t)
			want := c.want
			if want == nil {
				want = vm.ErrBadSnapshot
			}
			m, err := restoreGuarded(t, c.name, p, bad, budget())
			if !errors.Is(err, want) {
				if err == nil {
					runGuarded(t, c.name, m)
				}
				t.Fatalf("got %v, want an error wrapping %q", err, want)
			}
			if _, err := vm.Inspect(p, bad, vm.InspectOptions{}); !errors.Is(err, want) {
				t.Errorf("Inspect: got %v, want an error wrapping %q", err, want)
			}
		})
	}
}

// TestSnapshotFinishedMachine: a machine that has finished can be
// snapshotted (the encoder sliced the root's stack at -1 and panicked)
// and restores to a finished machine.
func TestSnapshotFinishedMachine(t *testing.T) {
	p := compile(t, `print("hi")`)
	m, err := vm.New(p, vm.Options{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); s != nil || err != nil {
		t.Fatalf("run: %v %v", s, err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	m2, err := vm.Restore(p, data, vm.Options{Stdout: io.Discard})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if _, err := m2.Run(); !errors.Is(err, vm.ErrFinished) {
		t.Errorf("run of a restored finished machine: %v, want ErrFinished", err)
	}
	if again, err := m2.Snapshot(vm.SnapshotOptions{}); err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-snapshot differs (%v)", err)
	}
}

// TestSnapshotNewMachine: a machine that has not run yet restores to one
// that runs the whole program.
func TestSnapshotNewMachine(t *testing.T) {
	const src = `let x = 1
print("hi", x)`
	p := compile(t, src)
	m, err := vm.New(p, vm.Options{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var out bytes.Buffer
	m2, err := vm.Restore(p, data, vm.Options{Stdout: &out})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if s, err := m2.Run(); s != nil || err != nil || out.String() != "hi 1\n" {
		t.Errorf("run of a restored new machine: %v %v %q", s, err, out.String())
	}
}

// TestTruncatedSnapshots cuts a snapshot at every byte offset: each
// prefix must be refused as a bad snapshot.
func TestTruncatedSnapshots(t *testing.T) {
	p, data := hostileBase(t)
	for n := 0; n < len(data); n++ {
		_, err := restoreGuarded(t, fmt.Sprintf("cut at %d", n), p, data[:n], budget())
		if !errors.Is(err, vm.ErrBadSnapshot) {
			t.Fatalf("cut at %d of %d: got %v, want ErrBadSnapshot", n, len(data), err)
		}
	}
	if _, err := restoreGuarded(t, "trailing byte", p, append(bytes.Clone(data), 0), budget()); !errors.Is(err, vm.ErrBadSnapshot) {
		t.Errorf("trailing byte: got %v, want ErrBadSnapshot", err)
	}
}

// TestBitFlippedSnapshots flips each bit of a small snapshot: restore
// must fail cleanly, or give a machine that runs under a budget without
// panicking.
func TestBitFlippedSnapshots(t *testing.T) {
	const src = `
fn gen(n) {
    let c = 0
    let f = fn() { return c }
    for i in range(n) { c = yield [i, f] }
}
let g = gen(3)
g.next()
print(ask({"k": g}))
`
	p := compile(t, src, "ask")
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); s == nil || err != nil {
		t.Fatalf("run: %v %v", s, err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for bit := 0; bit < 8*len(data); bit++ {
		bad := bytes.Clone(data)
		bad[bit/8] ^= 1 << (bit % 8)
		name := fmt.Sprintf("bit %d", bit)
		m, err := restoreGuarded(t, name, p, bad, budget())
		if err != nil {
			if !errors.Is(err, vm.ErrBadSnapshot) && !errors.Is(err, vm.ErrWrongProgram) {
				t.Fatalf("%s: error wraps neither ErrBadSnapshot nor ErrWrongProgram: %v", name, err)
			}
			continue
		}
		accepted++
		runGuarded(t, name, m)
	}
	t.Logf("%d bytes, %d of %d flips restored", len(data), accepted, 8*len(data))
}

// TestHugeLengthHeaders: short inputs that claim enormous arrays, byte
// strings or nesting fail fast, without allocating what they claim.
func TestHugeLengthHeaders(t *testing.T) {
	p, data := hostileBase(t)
	s := decodeTree(t, data, p)
	hash := s.env[3].([]byte)
	prefix := func() []byte {
		// [magic, 1, 0, hash, null, <body>
		b := []byte{0x86, 0x6b}
		b = append(b, "wf-snapshot"...)
		b = append(b, 0x01, 0x00, 0x58, 0x20)
		b = append(b, hash...)
		return append(b, 0xf6)
	}
	deep := prefix()
	for range 100000 {
		deep = append(deep, 0x81)
	}
	cases := map[string][]byte{
		"array of 2^31":         append(prefix(), 0x9a, 0x80, 0x00, 0x00, 0x00),
		"array of 2^63":         append(prefix(), 0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"array of 60M":          append(prefix(), 0x9a, 0x03, 0x93, 0x87, 0x00),
		"heap of 60M":           append(prefix(), 0x87, 0x80, 0x81, 0x00, 0x81, 0x00, 0x00, 0x00, 0x9a, 0x03, 0x93, 0x87, 0x00),
		"bytes of 2^31":         append(prefix(), 0x5a, 0x80, 0x00, 0x00, 0x00),
		"string of 2^63":        append(prefix(), 0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"map of 2^31":           append(prefix(), 0xba, 0x80, 0x00, 0x00, 0x00),
		"envelope of 2^31":      {0x9a, 0x80, 0x00, 0x00, 0x00, 0x6b},
		"indefinite array":      append(prefix(), 0x9f, 0xff),
		"tagged body":           append(prefix(), 0xc1, 0x00),
		"deep nesting":          deep,
		"100k nested in a list": append(append(prefix(), 0x87, 0x80, 0x81, 0x00, 0x81, 0x00, 0x00, 0x00, 0x81), deep[len(prefix()):]...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := restoreGuarded(t, name, p, b, budget())
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, vm.ErrBadSnapshot) {
				t.Errorf("got %v, want ErrBadSnapshot", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("a %d-byte input allocated %d bytes", len(b), grew)
			}
			if elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
		})
	}
}

// TestAllocationAmplification measures how many bytes restoring a large
// but well-formed heap of tiny objects allocates per input byte. The
// input is under the size limit, so only the ratio bounds the damage.
func TestAllocationAmplification(t *testing.T) {
	p, data := hostileBase(t)
	s := decodeTree(t, data, p)
	const n = 50_000
	heap := s.heap()
	for range n {
		heap = append(heap, []any{uint64(tagList), []any{}})
	}
	s.body()[5] = heap
	b := s.encode(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := restoreGuarded(t, "big heap", p, b, budget())
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	runtime.KeepAlive(m)
	ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(b))
	t.Logf("%d-byte input with %d objects allocated %.0f bytes per input byte", len(b), n, ratio)
	if ratio > 200 {
		t.Errorf("allocation amplification %.0fx", ratio)
	}
}

// TestReprSharedNesting pins a hang FuzzSnapshotMutation found: Repr
// followed shared lists without bound, so a list holding itself twice
// printed 2^64 elements. Repr now prints a container inside itself as
// [...] and caps its output.
func TestReprSharedNesting(t *testing.T) {
	p := compile(t, `
let l = []
l.push(l)
l.push(l)
print(len(str(l)))
`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Context: ctx, MaxSteps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		m.Run()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("str of a list holding itself twice does not return")
	}
}
