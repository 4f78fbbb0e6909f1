package bench

// This file defines the workloads, their sizes, answers and bars, and how
// an engine is prepared for one.

import (
	"fmt"
	"io"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"

	"github.com/wf-lang/wf/bench/workloads"
)

// Kind says how a workload is run.
type Kind int

const (
	Hot     Kind = iota // compiled once, run in a fresh VM per operation
	Startup             // compiled from source and run per operation
	Dump                // wf only: dump the suspended approval generator
	Load                // wf only: load the dumped approval generator
)

// Bar is what the issue asks of wf on a workload, besides beating every
// peer (wf/best-peer below 1.0), which every workload asks.
type Bar struct {
	VsNative float64 // wf/native at most this; 0 for no target
	PerItem  float64 // ns per item (N items) at most this; 0 for none
	PerOp    float64 // ns per operation at most this; 0 for none
}

// Text describes b for the table; peers says whether any peer runs the
// workload.
func (b Bar) Text(peers bool) string {
	var s string
	if peers {
		s = "<1× best peer"
	}
	if b.VsNative > 0 {
		s += fmt.Sprintf(", ≤%g× go", b.VsNative)
	}
	if b.PerItem > 0 {
		s += fmt.Sprintf(", <%gns/item", b.PerItem)
	}
	if b.PerOp > 0 {
		s += fmt.Sprintf(", <%s", fmtNs(b.PerOp))
	}
	return strings.TrimPrefix(s, ", ")
}

// Workload is one program every engine runs.
type Workload struct {
	Name  string
	Doc   string
	Kind  Kind
	N     int // size for measurement
	TinyN int // size for the agreement test
	// Native computes the answer at size n in Go; nil for workloads that
	// native Go has no version of.
	Native func(n int) int64
	Bar    Bar
}

// Workloads lists the workloads in table order.
var Workloads = []*Workload{
	{Name: "fib", Doc: "fib(27), recursive", N: 27, TinyN: 12,
		Native: workloads.Fib, Bar: Bar{VsNative: 20}},
	{Name: "sumsq", Doc: "sum of i*i % 7, i < 3,000,000", N: 3_000_000, TinyN: 1000,
		Native: workloads.SumSquares},
	{Name: "branchy", Doc: "k wraps at 100, summed, 3,000,000 times", N: 3_000_000, TinyN: 1000,
		Native: workloads.Branchy, Bar: Bar{VsNative: 30}},
	{Name: "loopadd", Doc: "s += i or 1 on i % 3, 3,000,000 times, at the top level", N: 3_000_000, TinyN: 1000,
		Native: workloads.LoopAdd, Bar: Bar{VsNative: 30}},
	{Name: "loopaddfn", Doc: "the same loop inside a function", N: 3_000_000, TinyN: 1000,
		Native: workloads.LoopAdd, Bar: Bar{VsNative: 30}},
	{Name: "strings", Doc: "join str(i), i < 200,000", N: 200_000, TinyN: 500,
		Native: workloads.Strings, Bar: Bar{VsNative: 2}},
	{Name: "words", Doc: "count 200,000 words in a map", N: 200_000, TinyN: 500,
		Native: workloads.Words, Bar: Bar{VsNative: 2}},
	{Name: "generator", Doc: "sum a generator of 0..999,999", N: 1_000_000, TinyN: 100,
		Native: workloads.Generator, Bar: Bar{PerItem: 60}},
	{Name: "startup", Doc: "compile and run one line, fresh VM", Kind: Startup,
		Native: func(int) int64 { return 42 }, Bar: Bar{PerOp: 5000}},
	{Name: "dump", Doc: "dump the suspended approval generator", Kind: Dump},
	{Name: "load", Doc: "load it again", Kind: Load},
}

// WorkloadNamed returns the workload called name, or nil.
func WorkloadNamed(name string) *Workload {
	for _, w := range Workloads {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// Want returns the answer at size n and whether it is known in advance.
// The answers of dump (the snapshot size) and load are checked for being
// the same on every operation instead.
func (w *Workload) Want(n int) (int64, bool) {
	switch {
	case w.Kind == Load:
		return 1, true
	case w.Native == nil:
		return 0, false
	}
	return w.Native(n), true
}

// Prepare returns a runner for w on e at size n, or ErrNA.
func Prepare(e *Engine, w *Workload, n int) (Runner, error) {
	if e.Native() {
		if w.Native == nil || w.Kind == Startup {
			return nil, ErrNA
		}
		return func() (int64, error) { return w.Native(n), nil }, nil
	}
	switch w.Kind {
	case Startup:
		src, err := scriptSource(e, w.Name, 0)
		if err != nil {
			return nil, err
		}
		return e.cold(src)
	case Dump, Load:
		if e.Name != "wf" {
			return nil, ErrNA
		}
		return prepareSnapshot(w.Kind)
	}
	src, err := scriptSource(e, w.Name, n)
	if err != nil {
		return nil, err
	}
	return e.hot(src)
}

// suspendedApproval runs workloads/approval.wf until hold(g) suspends it,
// and returns the machine, waiting for its reply, and the generator.
func suspendedApproval() (*vm.Machine, vm.Value, *int64, error) {
	src, _ := workloads.Source("approval", "wf")
	p, err := compiler.CompileSource("approval.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), "result", "hold")})
	if err != nil {
		return nil, vm.Nil, nil, err
	}
	var g vm.Value
	out := new(int64)
	hosts := []*vm.Builtin{wfResult(out), {Name: "hold", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		g = args[0]
		return m.Suspend("hold", vm.Nil)
	}}}
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: hosts})
	if err != nil {
		return nil, vm.Nil, nil, err
	}
	s, err := m.Run()
	if err != nil {
		return nil, vm.Nil, nil, err
	}
	if s == nil || s.Host != "hold" || g.Kind() != vm.KindGenerator {
		return nil, vm.Nil, nil, fmt.Errorf("approval.wf did not suspend in hold with a generator")
	}
	return m, g, out, nil
}

// prepareSnapshot returns a runner that dumps the suspended approval
// generator (reporting the snapshot size) or loads it (reporting 1).
// First it proves the round trip: a loaded copy, handed back to the
// script, must take the approved branch.
func prepareSnapshot(k Kind) (Runner, error) {
	m, g, out, err := suspendedApproval()
	if err != nil {
		return nil, err
	}
	data, err := m.Dump(g)
	if err != nil {
		return nil, err
	}
	loaded, err := m.Load(data)
	if err != nil {
		return nil, err
	}
	if _, err := m.Resume(loaded); err != nil {
		return nil, err
	}
	if *out != 1 {
		return nil, fmt.Errorf("approval.wf: the loaded generator did not take the approved branch")
	}
	if k == Dump {
		return func() (int64, error) {
			b, err := m.Dump(g)
			return int64(len(b)), err
		}, nil
	}
	return func() (int64, error) {
		v, err := m.Load(data)
		if err != nil {
			return 0, err
		}
		if v.Kind() != vm.KindGenerator {
			return 0, fmt.Errorf("load gave a %s", v.TypeName())
		}
		return 1, nil
	}, nil
}
