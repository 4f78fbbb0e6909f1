package debug

// Benchmarks of the debugger's costs on a run of about 10 million steps:
// how long a reverse step takes (p50, p99), what recording checkpoints
// and the input log add to a plain run, and how much checkpoint memory
// the run keeps. They report figures; no test asserts a time.

import (
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// longRun takes about 10 million steps, with a call per iteration and a
// list that grows, so snapshots grow too.
const longRun = `fn work(i) {
    let x = i * 2
    return x % 7
}
let total = 0
let marks = []
let i = 0
let limit = 500000
while i < limit {
    total += work(i)
    if i % 1000 == 0 { marks.push(total) }
    i += 1
}
print(total, len(marks))
`

func compileLong(b *testing.B) *compiler.Program {
	p, err := compiler.CompileSource("long.wf", []byte(longRun), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// recorded returns a session that has run longRun to the end.
func recorded(b *testing.B) *Session {
	s, err := New(Config{Program: compileLong(b), Options: vm.Options{Stdout: io.Discard}})
	if err != nil {
		b.Fatal(err)
	}
	if st, err := s.Continue(); err != nil || !st.Ended {
		b.Fatalf("run: %+v, %v", st, err)
	}
	return s
}

// BenchmarkReverseStep: from random points of the run, one rstep each;
// p50 and p99 are the latency of the rstep alone.
func BenchmarkReverseStep(b *testing.B) {
	s := recorded(b)
	end := s.Steps()
	rng := rand.New(rand.NewPCG(1, 2))
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if _, err := s.Goto(1 + rng.Int64N(end-1)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := s.RStep(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(end), "steps")
}

// BenchmarkRecording: a plain run of the program against the same run
// under a session (checkpoints, the input log, the pause at each
// checkpoint). overhead-% is the session's extra time.
func BenchmarkRecording(b *testing.B) {
	p := compileLong(b)
	var plain, debug time.Duration
	for b.Loop() {
		t0 := time.Now()
		m, _ := vm.New(p, vm.Options{Stdout: io.Discard})
		if _, err := m.Run(); err != nil {
			b.Fatal(err)
		}
		plain += time.Since(t0)
		t0 = time.Now()
		recorded(b)
		debug += time.Since(t0)
	}
	b.ReportMetric(float64(plain.Milliseconds())/float64(b.N), "plain-ms/run")
	b.ReportMetric(float64(debug.Milliseconds())/float64(b.N), "debug-ms/run")
	b.ReportMetric(100*(float64(debug)/float64(plain)-1), "overhead-%")
}

// BenchmarkCheckpointMemory reports what the checkpoints of the whole
// run hold.
func BenchmarkCheckpointMemory(b *testing.B) {
	var bytes int64
	var count int
	for b.Loop() {
		bytes, count = recorded(b).CheckpointBytes()
	}
	b.ReportMetric(float64(bytes)/(1<<10), "KiB")
	b.ReportMetric(float64(count), "checkpoints")
}

// BenchmarkWatchLastChange: from the end of the run, rcontinue with a
// watch on a global set once near the start: the search scans the whole
// run backwards.
func BenchmarkWatchLastChange(b *testing.B) {
	s := recorded(b)
	end := s.Steps()
	if err := s.Watch(0, "limit"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		if _, err := s.Goto(end); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := s.RContinue()
		if err != nil || st.Step > 100 {
			b.Fatalf("stopped at step %d (%q), %v", st.Step, st.Reason, err)
		}
	}
	b.ReportMetric(float64(end), "steps")
}
