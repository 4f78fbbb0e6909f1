package main

// This file defines wf inspect: a snapshot file shown readably.

import (
	"fmt"
	"io"
	"os"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// cmdInspect prints a snapshot (from dump or Machine.Snapshot) readably.
func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", "wf inspect [--json] [--program FILE.wf] SNAPSHOT", stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	progPath := fs.String("program", "", "the program the snapshot was made by (not needed when the snapshot embeds it)")
	var lim sourceFlags
	lim.register(fs, embeddedMaxSource, "embedded program")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	data, err := readSnapshot(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return exitUsage
	}
	prog, code := snapshotProgram(data, *progPath, lim, stderr)
	if prog == nil {
		return code
	}
	ins, err := vm.Inspect(prog, data, vm.InspectOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "wf: %s: %v\n", fs.Arg(0), err)
		return exitRuntime
	}
	if *asJSON {
		return printJSON(stdout, ins)
	}
	printInspection(stdout, ins)
	return exitOK
}

// readSnapshot reads a snapshot file, reading no further than one byte
// past the largest snapshot there can be.
func readSnapshot(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, vm.MaxSnapshotSize+1))
	if err == nil && len(data) > vm.MaxSnapshotSize {
		err = fmt.Errorf("%s: larger than the %d-byte limit of snapshots", path, vm.MaxSnapshotSize)
	}
	return data, err
}

// embeddedMaxSource is the default --max-source of wf inspect, lower than
// that of the commands that compile a file given by name, since an
// embedded program comes with a snapshot, which may come from anywhere:
// 256 KiB, a program of some 8,000 lines, compiles in well under a
// second (at most 65,536 tokens; see lang.Options).
const embeddedMaxSource = 256 << 10

// snapshotProgram compiles the program a snapshot needs: the one named by
// --program, or the one embedded in the snapshot, once the snapshot's
// structure is known to be sound and within lim.
func snapshotProgram(data []byte, path string, lim sourceFlags, stderr io.Writer) (*compiler.Program, int) {
	if path != "" {
		return compileFile(path, lim, stderr)
	}
	file, src, ok, err := vm.EmbeddedProgram(data)
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return nil, exitRuntime
	}
	if !ok {
		fmt.Fprintln(stderr, "wf: the snapshot does not embed its program; name it with --program FILE.wf")
		return nil, exitUsage
	}
	if len(src) > lim.maxSource {
		fmt.Fprintf(stderr, "wf: the embedded program is %d bytes, over the --max-source limit of %d; name it with --program FILE.wf or raise the limit\n", len(src), lim.maxSource)
		return nil, exitRuntime
	}
	f, err := lang.ParseWith(file, src, lim.options())
	if err == nil {
		var prog *compiler.Program
		if prog, err = compiler.Compile(f, compiler.Options{Predeclared: predeclared()}); err == nil {
			return prog, exitOK
		}
	}
	fmt.Fprintf(stderr, "wf: embedded program: %v\n", err)
	return nil, exitRuntime
}

// printInspection prints a snapshot's view as text: the globals, then
// each fiber with its frames and their live locals, a line per variable.
// A value shown in more than one of those places, and every fiber, gets
// its object id: "items = [1, 2, 3]  #4" where it first appears, "#4"
// where it appears again, so shared state prints once.
func printInspection(w io.Writer, ins *vm.Inspection) {
	fmt.Fprintf(w, "%s snapshot of %s (program %s)\n", ins.Kind, ins.Program, ins.Hash[:16])
	if ins.Steps > 0 {
		fmt.Fprintf(w, "steps: %d\n", ins.Steps)
	}
	if ins.Waiting != "" {
		fmt.Fprintf(w, "waiting on host function: %s\n", ins.Waiting)
	}
	p := placePrinter{marked: markShared(ins), shown: map[int]bool{}}
	if ins.Value != nil {
		fmt.Fprintf(w, "value: %s\n", p.text(*ins.Value))
	}
	if len(ins.Globals) > 0 {
		fmt.Fprintln(w, "globals:")
		for _, g := range ins.Globals {
			fmt.Fprintf(w, "  %s = %s\n", g.Name, p.text(g.Value))
		}
	}
	for _, id := range ins.Fibers {
		p.fiber(w, id, ins.Object(id))
	}
	if ins.Truncated {
		fmt.Fprintln(w, "(some values are cut short by the view's limits; --json marks where)")
	}
}

// placePrinter prints the values of globals and locals, giving the ids of
// the marked objects.
type placePrinter struct {
	marked map[int]bool // objects shown with their id
	shown  map[int]bool // marked objects printed once already
}

func (p *placePrinter) text(v vm.ValueView) string {
	switch {
	case !p.marked[v.Ref]:
		return v.Repr
	case p.shown[v.Ref]:
		return fmt.Sprintf("#%d", v.Ref)
	}
	p.shown[v.Ref] = true
	return fmt.Sprintf("%s  #%d", v.Repr, v.Ref)
}

func (p *placePrinter) fiber(w io.Writer, id int, f *vm.ObjectView) {
	kind, more := f.Kind, ""
	if f.Main {
		kind = "main"
	}
	if f.Parent != 0 {
		more = fmt.Sprintf(", parent #%d", f.Parent)
	}
	if f.Truncated {
		more += " (frames cut short)"
	}
	fmt.Fprintf(w, "fiber #%d: %s %s, %s%s\n", id, kind, f.Function, f.Status, more)
	for _, fr := range f.Frames {
		point := ""
		if fr.Point != "" {
			point = ", " + fr.Point
		}
		fmt.Fprintf(w, "  in %s at %s%s\n", fr.Function, fr.Position, point)
		for _, l := range fr.Locals {
			fmt.Fprintf(w, "    %s = %s\n", l.Name, p.text(l.Value))
		}
	}
}

// markShared returns the objects to show with their ids: every fiber, and
// every object that is the value of more than one global or local.
func markShared(ins *vm.Inspection) map[int]bool {
	seen, marked := map[int]bool{}, map[int]bool{}
	note := func(v vm.ValueView) {
		if v.Ref != 0 {
			marked[v.Ref] = marked[v.Ref] || seen[v.Ref]
			seen[v.Ref] = true
		}
	}
	if ins.Value != nil {
		note(*ins.Value)
	}
	for _, g := range ins.Globals {
		note(g.Value)
	}
	for _, id := range ins.Fibers {
		marked[id] = true
		for _, fr := range ins.Object(id).Frames {
			for _, l := range fr.Locals {
				note(l.Value)
			}
		}
	}
	return marked
}
