package main

// This file defines wf upgrade: moving running instances onto a new
// version of their workflow (engine.Upgrade), or first seeing which can.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/lang"
)

const upgradeSynopsis = "wf upgrade [--db FILE] [--dry-run] [--json] NEW.wf (ID... | --all | --program HASH)"

func cmdUpgrade(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("upgrade", upgradeSynopsis, stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	var o engine.UpgradeOptions
	fs.BoolVar(&o.DryRun, "dry-run", false, "only report which instances can move, and why not")
	fs.BoolVar(&o.All, "all", false, "every unfinished instance")
	fs.StringVar(&o.Program, "program", "", "every unfinished instance of the program with this hash (or prefix)")
	pos, ok := parse(fs, args, -1)
	if !ok {
		return exitUsage
	}
	if len(pos) == 0 || (len(pos) == 1) == (!o.All && o.Program == "") || len(pos) > 1 && (o.All || o.Program != "") {
		fs.Usage()
		return exitUsage
	}
	o.IDs = pos[1:]
	src, err := readSource(pos[0], lang.DefaultMaxSource)
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return exitUsage
	}
	e, code := d.open(readWrite, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	res, err := e.Upgrade(context.Background(), pos[0], src, o)
	var el lang.ErrorList
	if errors.As(err, &el) {
		fmt.Fprint(stderr, lang.Render(err, src))
		return exitUsage
	}
	if err != nil {
		return report(stderr, err)
	}
	return printUpgrade(stdout, res, d.asJSON)
}

// printUpgrade prints one line per instance and returns exitRuntime when
// any instance did not (or, in a dry run, could not) move.
func printUpgrade(stdout io.Writer, res []engine.UpgradeResult, asJSON bool) int {
	code := exitOK
	for _, r := range res {
		if !r.Moved() {
			code = exitRuntime
		}
	}
	if asJSON {
		printJSON(stdout, res)
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, r := range res {
		line := r.Verdict
		if r.Reason != "" && !r.Moved() {
			line += ": " + r.Reason
		}
		if r.Version > 0 {
			line += fmt.Sprintf(" (version %d)", r.Version)
		}
		fmt.Fprintf(tw, "%s\t%s\n", r.ID, line)
	}
	tw.Flush()
	return code
}
