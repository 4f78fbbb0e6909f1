package main

// This file defines wf diff: what changed in a durable instance from one
// of its versions to another.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/statediff"
	"github.com/wf-lang/wf/vm"
)

const diffSynopsis = "wf diff [--db FILE|URL] [--json] [--from A] [--to B] ID"

// versionState is what wf diff compares of a version: where the instance
// stands and its machine (vm.Inspection: globals, fibers, frames, locals,
// objects), as wf show --json prints them.
type versionState struct {
	Status     engine.Status  `json:"status"`
	WaitingFor string         `json:"waiting_for,omitempty"`
	Error      string         `json:"error,omitempty"`
	Machine    *vm.Inspection `json:"machine,omitempty"`
}

// diffReport is wf diff's JSON: the changes in path order (package
// statediff), and what the instance printed between the two versions
// when B's output follows A's.
type diffReport struct {
	ID      string             `json:"id"`
	From    int64              `json:"from"`
	To      int64              `json:"to"`
	Changes []statediff.Change `json:"changes"`
	Printed *string            `json:"printed,omitempty"`
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	var from, to int64
	flags := func(fs *flag.FlagSet, _ *dbFlags) {
		intFlag(fs, &from, "from", 0, 0, math.MaxInt64, "compare from `VERSION` A (0: the version before B)")
		intFlag(fs, &to, "to", 0, 0, math.MaxInt64, "compare to `VERSION` B (0: the latest)")
	}
	return instanceCmd("diff", diffSynopsis, 1, readOnly, args, stderr, flags,
		func(e *engine.Engine, d dbFlags, pos []string) int {
			rep, err := diffVersions(context.Background(), e, pos[0], from, to)
			if err != nil {
				return report(stderr, err)
			}
			if d.asJSON {
				return printJSON(stdout, rep)
			}
			printDiff(stdout, rep)
			return exitOK
		})
}

// diffVersions compares versions from and to of instance id.
func diffVersions(ctx context.Context, e *engine.Engine, id string, from, to int64) (*diffReport, error) {
	b, err := e.Show(ctx, id, to)
	if err != nil {
		return nil, err
	}
	if from == 0 {
		from = max(b.Version.Number-1, 1)
	}
	a, err := e.Show(ctx, id, from)
	if err != nil {
		return nil, err
	}
	changes, err := statediff.Diff(stateOf(a), stateOf(b))
	if err != nil {
		return nil, err
	}
	rep := &diffReport{ID: id, From: a.Version.Number, To: b.Version.Number, Changes: changes}
	if rep.Changes == nil {
		rep.Changes = []statediff.Change{}
	}
	if printed, ok := strings.CutPrefix(b.Version.Output, a.Version.Output); ok && from <= b.Version.Number {
		rep.Printed = &printed
	}
	return rep, nil
}

func stateOf(r *engine.Report) versionState {
	v := r.Version
	return versionState{Status: v.Status, WaitingFor: v.WaitingFor, Error: v.Error, Machine: r.Machine}
}

// maxDiffShown bounds the changes wf diff prints as text (--json has
// them all).
const maxDiffShown = 200

func printDiff(w io.Writer, rep *diffReport) {
	fmt.Fprintf(w, "instance %s, version %d -> %d\n", rep.ID, rep.From, rep.To)
	if len(rep.Changes) == 0 {
		fmt.Fprintln(w, "no changes")
	}
	for i, c := range rep.Changes {
		if i == maxDiffShown {
			fmt.Fprintf(w, "... %d more (--json lists them all)\n", len(rep.Changes)-i)
			break
		}
		fmt.Fprintln(w, c)
	}
	if rep.Printed != nil && *rep.Printed != "" {
		fmt.Fprintln(w, "printed in between:")
		for _, line := range splitLines(*rep.Printed) {
			fmt.Fprintf(w, "  | %s\n", line)
		}
	}
}
