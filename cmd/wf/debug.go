package main

// This file wires wf debug: a debug.Console on a debug.Session.

import (
	"bufio"
	"flag"
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

// debugFlags are the flags of wf debug, which wf dap's launch takes too.
type debugFlags struct {
	lim limitFlags
	acc accessFlags
	wfl workflowFlags
}

func (d *debugFlags) register(fs *flag.FlagSet) {
	d.lim.register(fs)
	d.acc.register(fs)
	d.wfl.register(fs)
}

// session compiles path and starts a debug session on it that prints to
// stdout. Its error messages go to stderr; on failure it returns nil and
// the exit code. Call the returned close when the session is done.
func (d *debugFlags) session(path string, stdout, stderr io.Writer) (*debug.Session, []byte, func(), int) {
	if code := d.wfl.check(stderr); code != exitOK {
		return nil, nil, nil, code
	}
	fl, err := d.acc.open()
	if err != nil {
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		return nil, nil, nil, exitUsage
	}
	prog, code := compileFile(path, d.lim.source, stderr)
	if prog == nil {
		fl.close()
		return nil, nil, nil, code
	}
	src, _ := readSource(path, d.lim.source.maxSource) // it was just read to compile
	lim := d.lim
	s, err := debug.New(debug.Config{
		Program: prog,
		Options: vm.Options{Stdout: stdout, MaxSteps: lim.maxSteps, MaxCallDepth: lim.maxDepth, MaxAlloc: lim.maxAlloc,
			Hosts: append(fl.hosts(), d.wfl.hosts()...)},
		Reply: func(susp *vm.Suspension) (vm.Value, error) {
			// stdin holds commands (or the protocol): nothing to ask, and the questions go nowhere
			return d.wfl.answer(susp, bufio.NewReader(strings.NewReader("")), io.Discard)
		},
	})
	if err != nil {
		fl.close()
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		return nil, nil, nil, exitRuntime
	}
	return s, src, fl.close, exitOK
}

func cmdDebug(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("debug", debugSynopsis, stderr)
	var d debugFlags
	d.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 || d.lim.every != 0 {
		fs.Usage()
		return exitUsage
	}
	s, src, closeFn, code := d.session(fs.Arg(0), stdout, stderr)
	if s == nil {
		return code
	}
	defer closeFn()
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
