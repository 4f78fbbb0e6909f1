package main

// This file defines wf prune: retention, which deletes the old versions
// of instances a policy does not keep.

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/wf-lang/wf/engine"
)

// maxAge bounds the durations wf prune takes.
const maxAge = 100 * 365 * 24 * time.Hour

// cmdPrune applies a retention policy (engine.RetentionPolicy) built
// from its flags; --keep alone is what it has always done.
func cmdPrune(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("prune", "wf prune [--db FILE|URL] [--json] --keep N [--keep-every K] [--older-than DURATION] [--finished-before DURATION] [--running]", stderr)
	var d dbFlags
	d.register(fs)
	var keep int
	var p engine.RetentionPolicy
	var finished, older time.Duration
	intFlag(fs, &keep, "keep", 0, 1, math.MaxInt, "keep the last `N` versions of each instance (at least 1)")
	intFlag(fs, &keep, "keep-last", 0, 1, math.MaxInt, "the same as --keep `N`")
	intFlag(fs, &p.KeepEvery, "keep-every", 0, 1, math.MaxInt64, "also keep every version whose number is a multiple of `K`")
	durationFlag(fs, &older, "older-than", 0, 0, maxAge, "also keep every version made less than `DURATION` ago (e.g. 720h)")
	durationFlag(fs, &finished, "finished-before", 0, 0, maxAge,
		"only instances finished more than `DURATION` ago (e.g. 720h; 0: every finished instance)")
	fs.BoolVar(&p.Live, "running", false, "also instances not finished (running, waiting, sleeping, cancelling); each keeps what its head needs")
	if _, ok := parse(fs, args, 0); !ok {
		return exitUsage
	}
	if keep == 0 {
		fmt.Fprintln(stderr, "wf prune: --keep N is required (the versions each instance keeps, at least 1)")
		return exitUsage
	}
	e, code := d.open(readWrite, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	p.KeepLast = keep
	now := time.Now()
	if finished > 0 {
		p.FinishedBefore = now.Add(-finished)
	}
	if older > 0 {
		p.KeepSince = now.Add(-older)
	}
	got, err := e.Retain(context.Background(), p)
	if err != nil {
		return report(stderr, err)
	}
	if d.asJSON {
		return printJSON(stdout, got)
	}
	printPruned(stdout, got, p.Live)
	return exitOK
}

// printPruned says what wf prune did.
func printPruned(w io.Writer, got engine.Pruned, live bool) {
	which := "finished instances"
	if live {
		which = "instances"
	}
	fmt.Fprintf(w, "pruned %d versions of %d %s\n", got.Versions, got.Instances, which)
	if got.Compacted > 0 {
		fmt.Fprintf(w, "stored %d kept versions in full: the base of their delta was deleted\n", got.Compacted)
	}
}
