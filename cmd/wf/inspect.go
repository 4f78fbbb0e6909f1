package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// cmdInspect prints a snapshot (from dump or Machine.Snapshot) readably.
func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", "wf inspect [--json] [--program FILE.wf] SNAPSHOT", stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	progPath := fs.String("program", "", "the program the snapshot was made by (not needed when the snapshot embeds it)")
	var lim limitFlags
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	data, err := os.ReadFile(fs.Arg(0))
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
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(ins)
		return exitOK
	}
	printInspection(stdout, ins)
	return exitOK
}

// snapshotProgram compiles the program a snapshot needs: the one named by
// --program, or the one embedded in the snapshot.
func snapshotProgram(data []byte, path string, lim limitFlags, stderr io.Writer) (*compiler.Program, int) {
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
	prog, err := compiler.CompileSource(file, src, compiler.Options{Predeclared: predeclared()})
	if err != nil {
		fmt.Fprintf(stderr, "wf: embedded program: %v\n", err)
		return nil, exitRuntime
	}
	return prog, exitOK
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
