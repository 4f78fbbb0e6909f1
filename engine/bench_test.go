package engine

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// Benchmarks of the engine on SQLite. Figures on the 2-core dev machine
// are in the commit that added them; reproduce with
//
//	go test ./engine -run '^$' -bench . -benchtime 2000x

const benchApproval = `let req = input()
let answer = wait("approval")
if answer["ok"] {
    print("approved " + req["what"])
}
`

func benchEngine(b *testing.B, sync string) *Engine {
	b.Helper()
	e, err := Open(filepath.Join(b.TempDir(), "wf.db"), Options{}, SQLiteOptions{Synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// BenchmarkCycle measures complete start → wait → signal → finish cycles:
// two write transactions (create; signal stored and applied) per cycle.
func BenchmarkCycle(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run(sync, func(b *testing.B) {
			e := benchEngine(b, sync)
			ctx := context.Background()
			src, in := []byte(benchApproval), []byte(`{"what": "a laptop"}`)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id, err := e.Start(ctx, "approval.wf", src, in)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Signal(ctx, id, "approval", []byte(`{"ok": true}`)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
		})
	}
}

// BenchmarkBytesPerWaitingInstance reports the database bytes one waiting
// approval instance takes (file size after a checkpoint, divided by the
// instances), and its snapshot alone.
func BenchmarkBytesPerWaitingInstance(b *testing.B) {
	e := benchEngine(b, "NORMAL")
	ctx := context.Background()
	db := e.Store().(*SQLite).DB()
	before := dbBytes(b, db)
	for i := 0; i < b.N; i++ {
		if _, err := e.Start(ctx, "approval.wf", []byte(benchApproval), []byte(`{"what": "a laptop"}`)); err != nil {
			b.Fatal(err)
		}
	}
	var snap float64
	db.QueryRow(`SELECT avg(length(snapshot)) FROM versions`).Scan(&snap)
	b.ReportMetric(float64(dbBytes(b, db)-before)/float64(b.N), "bytes/instance")
	b.ReportMetric(snap, "snapshot-bytes")
}

func dbBytes(b testing.TB, db *sql.DB) int64 {
	var pages, size int64
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		b.Fatal(err)
	}
	db.QueryRow(`PRAGMA page_size`).Scan(&size)
	return pages * size
}

// BenchmarkSignalLatency100k measures Signal (ack, resume, commit) for one
// instance among 100,000 waiting ones.
func BenchmarkSignalLatency100k(b *testing.B) {
	e := benchEngine(b, "NORMAL")
	ctx := context.Background()
	id, err := e.Start(ctx, "ping.wf", []byte("while true {\n    wait(\"ping\")\n}\n"), nil)
	if err != nil {
		b.Fatal(err)
	}
	seed(b, e.Store().(*SQLite).DB(), id, 100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Signal(ctx, id, "ping", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/signal")
}

// seed copies instance id (and its first version) n times in one
// transaction.
func seed(b *testing.B, db *sql.DB, id string, n int) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	start := time.Now()
	for i := 0; i < n; i++ {
		cp := fmt.Sprintf("seed%06d", i)
		if _, err := tx.Exec(`INSERT INTO instances SELECT ?, program, status, waiting_for, due_at, wake_at,
			version, activity_seq, next_seq, input, error, parent, lease_owner, lease_until, created_at,
			updated_at FROM instances WHERE id = ?`, cp, id); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO versions (instance, version, reason, status, waiting_for, due_at,
			activity_seq, snap_version, snapshot, printed, output_from, output_len, detail, error, created_at)
			SELECT ?, version, reason, status, waiting_for, due_at, activity_seq, snap_version, snapshot,
			printed, output_from, output_len, detail, error, created_at
			FROM versions WHERE instance = ?`, cp, id); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d instances in %v", n, time.Since(start))
}

// BenchmarkOutputStorage reports the database bytes an instance takes
// whose 300 steps each print 2 KiB.
func BenchmarkOutputStorage(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e := benchEngine(b, "NORMAL")
		db := e.Store().(*SQLite).DB()
		before := dbBytes(b, db)
		runPrinter(b, e, 300, 2048)
		b.ReportMetric(float64(dbBytes(b, db)-before), "db-bytes")
	}
}

// benchApprovalV2 changes the code after the wait, so every instance of
// benchApproval can move to it.
const benchApprovalV2 = `let req = input()
let answer = wait("approval")
if answer["ok"] {
    print("approved " + req["what"] + ", by the new code")
}
`

// BenchmarkUpgradeDryRun10k measures wf upgrade --dry-run over 10,000
// stored instances waiting for their approval (one op is the whole dry
// run); the bar is 10 s. The instances are copies of one started
// instance, made with the store's Create.
func BenchmarkUpgradeDryRun10k(b *testing.B) {
	e := benchEngine(b, "NORMAL")
	ctx := context.Background()
	fillInstances(b, e, 10000)
	src := []byte(benchApprovalV2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Upgrade(ctx, "approval.wf", src, UpgradeOptions{All: true, DryRun: true})
		if err != nil || len(res) != 10000 || !res[0].Moved() {
			b.Fatalf("%d results, %v", len(res), err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/10k")
}

// fillInstances stores n waiting instances of benchApproval.
func fillInstances(b *testing.B, e *Engine, n int) {
	b.Helper()
	ctx := context.Background()
	id, err := e.Start(ctx, "approval.wf", []byte(benchApproval), []byte(`{"what": "a laptop"}`))
	if err != nil {
		b.Fatal(err)
	}
	h, err := e.Store().Head(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	v, err := e.Store().Version(ctx, id, 1)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i < n; i++ {
		in := h.Instance
		in.ID = fmt.Sprintf("%s-%d", id, i)
		v.Printed = v.Output
		if err := e.Store().Create(ctx, Step{Instance: in, Version: v}); err != nil {
			b.Fatal(err)
		}
	}
}
