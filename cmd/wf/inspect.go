package main

// This file defines wf inspect: a snapshot file shown readably.

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// cmdInspect prints a snapshot (from dump or Machine.Snapshot) readably.
func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", "wf inspect [--json] [--program FILE.wf] SNAPSHOT", stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	progPath := fs.String("program", "", "the program the snapshot was made by (not needed when the snapshot embeds it)")
	var lim embedLimits
	lim.register(fs)
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
	ins, err := vm.Inspect(prog, data)
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

// readSnapshot reads a snapshot file, refusing one larger than any
// snapshot can be before reading it.
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

// embedLimits bound what compiling a snapshot's embedded program costs:
// about 3 µs and 1 KB allocated per source byte (a 1.2 MB source: 3.8 s,
// 1.4 GB), so the default of 256 KiB (a program of some 8,000 lines)
// compiles in about a second.
type embedLimits struct {
	maxSource int
	nesting   int
}

func (l *embedLimits) register(fs *flag.FlagSet) {
	fs.IntVar(&l.maxSource, "max-source", 256<<10, "the largest embedded program to compile, in bytes")
	fs.IntVar(&l.nesting, "max-nesting", lang.DefaultMaxNesting, "maximum syntactic nesting depth of the embedded program")
}

// snapshotProgram compiles the program a snapshot needs: the one named by
// --program, or the one embedded in the snapshot, once the snapshot's
// structure is known to be sound and within lim.
func snapshotProgram(data []byte, path string, lim embedLimits, stderr io.Writer) (*compiler.Program, int) {
	if path != "" {
		return compileFile(path, limitFlags{nesting: lim.nesting}, stderr)
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
	f, err := lang.ParseWith(file, src, lang.Options{MaxNesting: lim.nesting})
	if err == nil {
		var prog *compiler.Program
		if prog, err = compiler.Compile(f, compiler.Options{Predeclared: predeclared()}); err == nil {
			return prog, exitOK
		}
	}
	fmt.Fprintf(stderr, "wf: embedded program: %v\n", err)
	return nil, exitRuntime
}

func printInspection(w io.Writer, ins *vm.Inspection) {
	fmt.Fprintf(w, "%s snapshot of %s (program %s)\n", ins.Kind, ins.Program, ins.Hash[:16])
	if ins.Steps > 0 {
		fmt.Fprintf(w, "steps: %d\n", ins.Steps)
	}
	if ins.Waiting != "" {
		fmt.Fprintf(w, "waiting on host function: %s\n", ins.Waiting)
	}
	if ins.Value != "" {
		fmt.Fprintf(w, "value: %s\n", ins.Value)
	}
	if len(ins.Globals) > 0 {
		fmt.Fprintln(w, "globals:")
		for _, g := range ins.Globals {
			fmt.Fprintf(w, "  %s = %s\n", g.Name, g.Value)
		}
	}
	for _, f := range ins.Fibers {
		parent := ""
		if f.Parent != 0 {
			parent = fmt.Sprintf(", parent #%d", f.Parent)
		}
		fmt.Fprintf(w, "fiber #%d: %s %s, %s%s\n", f.ID, f.Kind, f.Func, f.Status, parent)
		for _, fr := range f.Frames {
			fmt.Fprintf(w, "  in %s at %s\n", fr.Func, fr.Pos)
			for _, l := range fr.Locals {
				fmt.Fprintf(w, "    %s = %s\n", l.Name, strings.ReplaceAll(l.Value, "\n", "\\n"))
			}
		}
	}
}
