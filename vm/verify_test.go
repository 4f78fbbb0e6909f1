package vm_test

// Tests and benchmarks that snapshot verification costs time in
// proportion to the snapshot: long coroutine parent chains, many fibers.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// chainProgram has one plain function for crafted coroutines to run.
const chainProgram = `
fn body() { return 1 }
print(body())
`

// chainSnapshot returns chainProgram and a snapshot of it, not yet
// started, whose heap also holds n new coroutines running body, each the
// parent of the one before it; with cycle, the last one's parent is the
// first, closing the chain into a ring.
func chainSnapshot(tb testing.TB, n int, cycle bool) (*compiler.Program, []byte) {
	tb.Helper()
	p := compile(tb, chainProgram)
	m, err := vm.New(p, vm.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var env []any
	if err := cbor.Unmarshal(data, &env); err != nil {
		tb.Fatal(err)
	}
	body := env[5].([]any)
	heap := body[5].([]any)
	cl := len(heap)
	heap = append(heap, []any{uint64(tagClosure), uint64(1), []any{}})
	first := len(heap)
	for i := range n {
		parent := any(nil)
		if i < n-1 {
			parent = ref(first + i + 1)
		} else if cycle {
			parent = ref(first)
		}
		heap = append(heap, []any{uint64(tagFiber), uint64(2), uint64(0), []any{}, []any{}, []any{}, parent, ref(cl), nil, uint64(0)})
	}
	body[5] = heap
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := em.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	return p, out
}

// BenchmarkRestoreChain restores snapshots holding a chain of 1k, 10k and
// 100k coroutines: decoding and verifying them.
func BenchmarkRestoreChain(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("fibers=%d", n), func(b *testing.B) {
			p, data := chainSnapshot(b, n, false)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vm.Restore(p, data, vm.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// generatorsSnapshot returns a program that suspends n generators, each
// at its yield, and a snapshot of it waiting in ask: the shape of a store
// of many waiting workflows.
func generatorsSnapshot(tb testing.TB, n int) (*compiler.Program, []byte) {
	tb.Helper()
	p := compile(tb, fmt.Sprintf(`
fn g(i) { let x = [i]; yield x }
let gs = []
for i in range(%d) { let x = g(i); x.next(); gs.push(x) }
ask("wait")
`, n), "ask")
	m, err := vm.New(p, vm.Options{Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		tb.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return p, data
}

// BenchmarkRestoreGenerators restores machines holding 1k, 10k and 100k
// suspended generators.
func BenchmarkRestoreGenerators(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("fibers=%d", n), func(b *testing.B) {
			p, data := generatorsSnapshot(b, n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			opts := vm.Options{Hosts: []*vm.Builtin{askHost}}
			for b.Loop() {
				if _, err := vm.Restore(p, data, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// pollCounter is a context that counts how often it is polled. Restore
// polls once per vm.PollInterval units of work (values decoded, frames,
// stack slots and links checked), so polls × PollInterval bounds the work
// a restore did: a deterministic measure, unlike time.
type pollCounter struct {
	context.Context
	polls int
}

func (c *pollCounter) Err() error {
	c.polls++
	return c.Context.Err()
}

// TestRestoreWorkIsLinear restores a chain of 80,000 coroutines, and the
// same chain closed into a ring: the first is valid, the second refused.
// Each must cost work in proportion to the snapshot's size. Following each
// coroutine's parent chain to its end cost 3.2 billion steps here (64 s);
// each link is now followed once.
func TestRestoreWorkIsLinear(t *testing.T) {
	for _, cycle := range []bool{false, true} {
		p, data := chainSnapshot(t, 80_000, cycle)
		ctx := &pollCounter{Context: context.Background()}
		_, err := vm.Restore(p, data, vm.Options{Context: ctx})
		switch {
		case !cycle && err != nil:
			t.Fatalf("chain refused: %v", err)
		case cycle && !(errors.Is(err, vm.ErrBadSnapshot) && strings.Contains(fmt.Sprint(err), "cycle")):
			t.Fatalf("ring: got %v, want a bad snapshot with a cycle", err)
		}
		work := ctx.polls * vm.PollInterval
		if ctx.polls == 0 || work > 4*len(data) {
			t.Errorf("cycle=%v: %d polls, about %d units of work for %d bytes; want some, and at most 4 per byte", cycle, ctx.polls, work, len(data))
		}
	}
}

// TestRestoreCancelled: a restore under a cancelled context stops with
// the context's error instead of working through the whole snapshot.
func TestRestoreCancelled(t *testing.T) {
	p, data := chainSnapshot(t, 80_000, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err := vm.Restore(p, data, vm.Options{Context: ctx})
	if m != nil || !errors.Is(err, context.Canceled) || errors.Is(err, vm.ErrBadSnapshot) {
		t.Fatalf("got %v, %v; want no machine and an error wrapping context.Canceled (not a bad snapshot)", m, err)
	}
}

// TestLoadCancelled: load() that is cancelled while decoding stops the
// machine with a cancellation error no try/catch intercepts, not with a
// catchable value_error about the snapshot.
func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := &vm.Builtin{Name: "stop", Fn: func(*vm.Machine, []vm.Value) (vm.Value, error) {
		cancel()
		return vm.Nil, nil
	}}
	p := compile(t, `
let b = dump(list(range(100000)))
stop()
try { load(b) } catch e { print("caught", e.kind) }
`, "stop")
	var out bytes.Buffer
	m, err := vm.New(p, vm.Options{Context: ctx, Stdout: &out, Hosts: []*vm.Builtin{stop}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run()
	var e *vm.Error
	if !errors.As(err, &e) || e.Kind != vm.ErrCancelled || out.Len() > 0 {
		t.Fatalf("got %v, output %q; want an uncaught cancellation", err, out.String())
	}
}

// TestRestoreResumerCycle: verify finds the running chain by following
// resumers from the current fiber and detects a cycle by counting (a
// walk longer than the fibers marked running revisits one). A snapshot
// taken inside a generator whose resumer is made the generator itself
// must be refused, not followed forever.
func TestRestoreResumerCycle(t *testing.T) {
	p, data := askSnapshot(t, `fn gen() { yield ask("q") }
let g = gen()
print(g.next())`)
	if _, err := vm.Restore(p, data, budget()); err != nil {
		t.Fatalf("untouched snapshot: %v", err)
	}
	s := decodeTree(t, data, p)
	i := s.fiberIndex(t, 1)
	if num(s.obj(i)[fibStatus]) != 2 {
		t.Fatal("the generator is not running in the snapshot")
	}
	s.obj(i)[fibParent] = ref(i)
	if _, err := restoreGuarded(t, "resumer cycle", p, s.encode(t), budget()); !errors.Is(err, vm.ErrBadSnapshot) {
		t.Fatalf("got %v, want an error wrapping %q", err, vm.ErrBadSnapshot)
	}
}
