package bench

// This file defines the interleaved comparison: calibration, rounds,
// checks, medians and verdicts.

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// Config controls a comparison.
type Config struct {
	Rounds  int           // samples per engine and workload, taken round-robin
	MinTime time.Duration // each sample repeats the operation at least this long
	Only    []string      // workload names to run; empty for all
	Engines []string      // engine names to run; empty for all
	Tiny    bool          // run at the tiny sizes of the agreement test
	// CPU measures the process's CPU time (all threads) instead of wall
	// time. On a busy machine it is less disturbed by other processes,
	// though not by their effect on caches; wall time is the default and
	// the figure to publish from a quiet machine.
	CPU bool
	Log func(format string, args ...any)
}

// Cell is one engine on one workload.
type Cell struct {
	Engine  string    `json:"engine"`
	NA      bool      `json:"na,omitempty"`
	Result  int64     `json:"result,omitempty"`
	Iters   int       `json:"iters,omitempty"`   // operations per sample
	Samples []float64 `json:"samples,omitempty"` // ns per operation, one per round
	Median  float64   `json:"median_ns,omitempty"`

	run Runner
}

// Row is one workload across the engines, with wf's ratios and verdict.
type Row struct {
	Workload  string   `json:"workload"`
	Doc       string   `json:"doc"`
	N         int      `json:"n,omitempty"`
	Cells     []*Cell  `json:"cells"`
	BestPeer  string   `json:"best_peer,omitempty"`
	VsPeer    float64  `json:"wf_over_best_peer,omitempty"`
	VsNative  float64  `json:"wf_over_go,omitempty"`
	PerItem   float64  `json:"wf_ns_per_item,omitempty"`
	Bar       string   `json:"bar"`
	Shortfall []string `json:"shortfalls"`

	w *Workload
	n int
}

// Report is the outcome of a comparison.
type Report struct {
	Machine Machine `json:"machine"`
	Rounds  int     `json:"rounds"`
	Clock   string  `json:"clock"` // "wall" or "cpu"
	Rows    []*Row  `json:"rows"`
}

// Compare runs every selected engine on every selected workload, one
// sample of each engine in turn per round (A B C A B C, the starting
// engine rotating each round), checking every result, and returns the
// medians. It fails on the first wrong result.
func Compare(cfg Config) (*Report, error) {
	if cfg.Rounds <= 0 {
		cfg.Rounds = 5
	}
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	if cfg.CPU {
		if _, err := cpuTime(); err != nil {
			return nil, err
		}
	}
	rows, err := prepareRows(cfg)
	if err != nil {
		return nil, err
	}
	for round := range cfg.Rounds {
		cfg.Log("round %d/%d", round+1, cfg.Rounds)
		for _, r := range rows {
			live := liveCells(r)
			for i := range live {
				c := live[(i+round)%len(live)]
				if err := sample(r, c, cfg.CPU); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, r := range rows {
		finish(r)
	}
	clock := "wall"
	if cfg.CPU {
		clock = "cpu"
	}
	return &Report{Machine: ThisMachine(), Rounds: cfg.Rounds, Clock: clock, Rows: rows}, nil
}

// prepareRows prepares and calibrates every cell: one checked run to
// warm up, then enough operations per sample to last cfg.MinTime.
func prepareRows(cfg Config) ([]*Row, error) {
	for _, name := range cfg.Only {
		if WorkloadNamed(name) == nil {
			return nil, fmt.Errorf("no workload %q", name)
		}
	}
	for _, name := range cfg.Engines {
		if EngineNamed(name) == nil {
			return nil, fmt.Errorf("no engine %q", name)
		}
	}
	var rows []*Row
	for _, w := range Workloads {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, w.Name) {
			continue
		}
		n := w.N
		if cfg.Tiny {
			n = w.TinyN
		}
		r := &Row{Workload: w.Name, Doc: w.Doc, N: n, w: w, n: n}
		for _, e := range Engines {
			if len(cfg.Engines) > 0 && !slices.Contains(cfg.Engines, e.Name) {
				continue
			}
			c, err := prepareCell(cfg, r, e)
			if err != nil {
				return nil, err
			}
			r.Cells = append(r.Cells, c)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no workload selected")
	}
	return rows, nil
}

func prepareCell(cfg Config, r *Row, e *Engine) (*Cell, error) {
	c := &Cell{Engine: e.Name}
	run, err := Prepare(e, r.w, r.n)
	if errors.Is(err, ErrNA) {
		c.NA = true
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", e.Name, r.Workload, err)
	}
	c.run = run
	start := time.Now()
	got, err := run()
	d := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", e.Name, r.Workload, err)
	}
	if err := check(r, c, got); err != nil {
		return nil, err
	}
	c.Result = got
	c.Iters = max(1, int(cfg.MinTime/max(d, time.Nanosecond)))
	cfg.Log("%-9s %-10s %10s/op  x%d per sample", r.Workload, e.Name, fmtNs(float64(d)), c.Iters)
	return c, nil
}

// check compares got with the workload's answer, or with the cell's first
// result where the answer is not known in advance.
func check(r *Row, c *Cell, got int64) error {
	want, ok := r.w.Want(r.n)
	if !ok {
		if c.Result == 0 {
			return nil
		}
		want = c.Result
	}
	if got != want {
		return fmt.Errorf("%s on %s: got %d, want %d", c.Engine, r.Workload, got, want)
	}
	return nil
}

func liveCells(r *Row) []*Cell {
	var live []*Cell
	for _, c := range r.Cells {
		if !c.NA {
			live = append(live, c)
		}
	}
	return live
}

// sample times c.Iters operations after a collection, so that one
// engine's garbage is not charged to the next, and checks each result.
func sample(r *Row, c *Cell, cpu bool) error {
	runtime.GC()
	start, cpuStart := time.Now(), mustCPUTime(cpu)
	for range c.Iters {
		got, err := c.run()
		if err != nil {
			return fmt.Errorf("%s on %s: %w", c.Engine, r.Workload, err)
		}
		if got != c.Result {
			return check(r, c, got)
		}
	}
	d := time.Since(start)
	if cpu {
		d = mustCPUTime(cpu) - cpuStart
	}
	c.Samples = append(c.Samples, float64(d)/float64(c.Iters))
	return nil
}

// mustCPUTime returns the process CPU time if cpu is set, else 0. Compare
// checked at its start that the clock works.
func mustCPUTime(cpu bool) time.Duration {
	if !cpu {
		return 0
	}
	d, _ := cpuTime()
	return d
}

// finish computes medians, ratios and shortfalls.
func finish(r *Row) {
	var wf, native *Cell
	best := 0.0
	for _, c := range r.Cells {
		if c.NA {
			continue
		}
		c.Median = median(c.Samples)
		switch c.Engine {
		case "wf":
			wf = c
		case "go":
			native = c
		default:
			if best == 0 || c.Median < best {
				best, r.BestPeer = c.Median, c.Engine
			}
		}
	}
	r.Bar = r.w.Bar.Text(best > 0)
	r.Shortfall = []string{}
	if wf == nil {
		return
	}
	b := r.w.Bar
	if best > 0 {
		r.VsPeer = wf.Median / best
		if r.VsPeer >= 1 {
			r.Shortfall = append(r.Shortfall, fmt.Sprintf("%.2f× %s", r.VsPeer, r.BestPeer))
		}
	}
	if native != nil {
		r.VsNative = wf.Median / native.Median
		if b.VsNative > 0 && r.VsNative > b.VsNative {
			r.Shortfall = append(r.Shortfall, fmt.Sprintf("%.1f× go > %g×", r.VsNative, b.VsNative))
		}
	}
	if b.PerItem > 0 {
		r.PerItem = wf.Median / float64(r.n)
		if r.PerItem > b.PerItem {
			r.Shortfall = append(r.Shortfall, fmt.Sprintf("%.0fns/item > %gns", r.PerItem, b.PerItem))
		}
	}
	if b.PerOp > 0 && wf.Median > b.PerOp {
		r.Shortfall = append(r.Shortfall, fmt.Sprintf("%s > %s", fmtNs(wf.Median), fmtNs(b.PerOp)))
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
