package main

// This file wires wf debug: a debug.Console on a debug.Session.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wf-lang/wf/debug"
	"github.com/wf-lang/wf/vm"
)

const debugSynopsis = `wf debug [flags] FILE

Runs FILE under a debugger that steps forwards and backwards: commands
are read from stdin, one a line ("help" lists them). wait() takes its
value from --signal; without one the machine waits and only reverse
commands move. File access is granted as for wf run.

Flags:`

func cmdDebug(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("debug", debugSynopsis, stderr)
	var lim limitFlags
	lim.register(fs)
	var acc accessFlags
	acc.register(fs)
	var wfl workflowFlags
	wfl.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code := wfl.check(stderr); code != exitOK {
		return code
	}
	if fs.NArg() != 1 || lim.every != 0 {
		fs.Usage()
		return exitUsage
	}
	fl, err := acc.open()
	if err != nil {
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		return exitUsage
	}
	defer fl.close()
	prog, code := compileFile(fs.Arg(0), lim.source, stderr)
	if prog == nil {
		return code
	}
	src, _ := readSource(fs.Arg(0), lim.source.maxSource) // it was just read to compile
	s, err := debug.New(debug.Config{
		Program: prog,
		Options: vm.Options{Stdout: stdout, MaxSteps: lim.maxSteps, MaxCallDepth: lim.maxDepth, MaxAlloc: lim.maxAlloc,
			Hosts: append(fl.hosts(), wfl.hosts()...)},
		Reply: func(susp *vm.Suspension) (vm.Value, error) {
			// stdin holds commands: nothing to ask, and the questions go nowhere
			return wfl.answer(susp, bufio.NewReader(strings.NewReader("")), io.Discard)
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		return exitRuntime
	}
	c := &debug.Console{S: s, Source: src, Out: stdout, Echo: !isTerminal(stdin)}
	if err := c.Run(stdin); err != nil {
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// isTerminal reports whether r is a terminal, where what is typed shows
// by itself.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
