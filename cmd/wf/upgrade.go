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

const upgradeSynopsis = "wf upgrade [--db FILE] [--dry-run | --check-history] [--json] NEW.wf (ID... | --all | --program HASH)"

func cmdUpgrade(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("upgrade", upgradeSynopsis, stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	var o engine.UpgradeOptions
	fs.BoolVar(&o.DryRun, "dry-run", false, "only report which instances can move, and why not")
	fs.BoolVar(&o.All, "all", false, "every unfinished instance")
	fs.StringVar(&o.Program, "program", "", "every unfinished instance of the program with this hash (or prefix)")
	history := fs.Bool("check-history", false, "replay each instance's history on NEW.wf and report where it would differ; changes nothing")
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
	if *history {
		return checkHistories(e, pos[0], src, o.IDs, d.asJSON, stdout, stderr)
	}
	res, err := e.Upgrade(context.Background(), pos[0], src, o)
	if err != nil {
		return reportSource(stderr, err, src)
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

// checkHistories replays each instance's history on the new program and
// prints where it first differs; it returns exitRuntime if any does.
func checkHistories(e *engine.Engine, file string, src []byte, ids []string, asJSON bool, stdout, stderr io.Writer) int {
	if len(ids) == 0 {
		fmt.Fprintln(stderr, "wf upgrade: --check-history takes instance ids")
		return exitUsage
	}
	code := exitOK
	var all []*engine.HistoryCheck
	for _, id := range ids {
		hc, err := e.CheckHistory(context.Background(), id, file, src)
		if err != nil {
			return reportSource(stderr, err, src)
		}
		if hc.Diverged {
			code = exitRuntime
		}
		all = append(all, hc)
	}
	if asJSON {
		printJSON(stdout, all)
		return code
	}
	for _, hc := range all {
		fmt.Fprintln(stdout, describeCheck(hc))
	}
	return code
}

func describeCheck(hc *engine.HistoryCheck) string {
	switch {
	case hc.Diverged:
		return fmt.Sprintf("%s  diverges at version %d (%s): recorded %q, new code %q", hc.ID, hc.Version, hc.What, clip(hc.Want), clip(hc.Got))
	case hc.Pruned > 0:
		return fmt.Sprintf("%s  cannot be checked: %s", hc.ID, hc.Stopped)
	case hc.Stopped != "":
		return fmt.Sprintf("%s  reproduces %d versions, then stops at %s", hc.ID, hc.Checked, hc.Stopped)
	}
	return fmt.Sprintf("%s  reproduces all %d versions", hc.ID, hc.Checked)
}

// clip keeps the end of a long text, where a divergence shows.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	return "…" + s[len(s)-200:]
}

// reportSource is report for an error that may be src's compile errors,
// shown with their source lines.
func reportSource(stderr io.Writer, err error, src []byte) int {
	var el lang.ErrorList
	if errors.As(err, &el) {
		fmt.Fprint(stderr, lang.Render(err, src))
		return exitUsage
	}
	return report(stderr, err)
}
