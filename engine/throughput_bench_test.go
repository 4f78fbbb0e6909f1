package engine_test

// This file defines BenchmarkThroughput, the comparison behind the
// PostgreSQL store's throughput bars, run interleaved.

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/internal/pgtest"
)

// BenchmarkThroughput runs, for each worker count (1, 2, 4) and batch
// mode, the raw pgx loop (BenchmarkRawPostgres), the same loop with each
// transaction in one round trip as wf's store sends it (raw-pipelined),
// wf's workers on PostgreSQL and wf's workers on SQLite
// (BenchmarkWorkers) one right after the other, so that a machine whose load changes (a shared one)
// weighs on all three alike; $WF_BENCH_ROUNDS repeats the whole
// sequence (default 1), which interleaves the repetitions that -count
// would run back to back. Compare each wf figure with the raw one of
// its round:
//
//	eval "$(.ci/postgres start)"
//	WF_BENCH_ROUNDS=3 go test ./engine -run '^$' -bench Throughput -benchtime 1000x
func BenchmarkThroughput(b *testing.B) {
	rounds := 1
	if n, err := strconv.Atoi(os.Getenv("WF_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	for round := 1; round <= rounds; round++ {
		for _, workers := range []int{1, 2, 4} {
			for _, batch := range []string{"on", "off"} {
				name := fmt.Sprintf("round=%d/workers=%d/batch=%s/", round, workers, batch)
				o := engine.WorkerOptions{NoBatch: batch == "off"}
				b.Run(name+"raw", func(b *testing.B) { runRaw(b, pgtest.DSN(b), workers, batch == "on", false) })
				b.Run(name+"raw-pipelined", func(b *testing.B) { runRaw(b, pgtest.DSN(b), workers, batch == "on", true) })
				b.Run(name+"postgres", func(b *testing.B) { runWorkers(b, newBenchDB(b, "postgres"), workers, o) })
				b.Run(name+"sqlite", func(b *testing.B) { runWorkers(b, newBenchDB(b, "sqlite"), workers, o) })
			}
		}
	}
}
