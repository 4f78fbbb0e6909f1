// Command compare runs every engine on every workload, interleaved, checks
// every result, and prints the medians, the ratios wf/best-peer and wf/go,
// and wf's shortfalls against the bar of issue 5.
//
//	cd bench && go run ./cmd/compare [-rounds 5] [-mintime 200ms] [-only fib,words] [-engines wf,goja] [-cpu] [-json] [-in report.json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/wf-lang/wf/bench"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rounds := fs.Int("rounds", 7, "samples per engine and workload, taken round-robin")
	minTime := fs.Duration("mintime", 200*time.Millisecond, "each sample repeats the operation at least this long")
	only := fs.String("only", "", "comma-separated workloads to run (default all)")
	engines := fs.String("engines", "", "comma-separated engines to run (default all)")
	tiny := fs.Bool("tiny", false, "run at the agreement test's tiny sizes (checks the harness quickly)")
	cpu := fs.Bool("cpu", false, "measure process CPU time instead of wall time (steadier on a busy machine)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("q", false, "no progress on stderr")
	in := fs.String("in", "", "print the table of a report saved with -json instead of running")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := bench.Config{Rounds: *rounds, MinTime: *minTime, Only: split(*only), Engines: split(*engines), Tiny: *tiny, CPU: *cpu}
	if !*quiet {
		cfg.Log = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	var rep *bench.Report
	var err error
	if *in != "" {
		rep, err = readReport(*in)
	} else {
		rep, err = bench.Compare(cfg)
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	return 0
}

func readReport(name string) (*bench.Report, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var rep bench.Report
	return &rep, json.Unmarshal(b, &rep)
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
