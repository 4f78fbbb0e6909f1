package main

// This file wires wf debug: a debug.Console on a debug.Session.

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"

	"github.com/wf-lang/wf/debug"
	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

const debugSynopsis = `wf debug [flags] FILE | ID

Runs FILE under a debugger that steps forwards and backwards: commands
are read from stdin, one a line ("help" lists them). wait() takes its
value from --signal; without one the machine waits and only reverse
commands move. File access is granted as for wf run.

With the ID of a stored workflow instance (an argument that is not a
.wf file), the run starts from its version --at (the latest by default)
in the database --db, opened read-only: the debugger runs its own copy,
and nothing is written back. Its waits get what the instance's history
says they got, and now() the times its steps recorded, up to the
latest version; "goto vN" goes to version N, and "fork" makes a new
instance from the state at the cursor.

Flags:`

// debugFlags are the flags of wf debug, which wf dap's launch takes too.
type debugFlags struct {
	lim limitFlags
	acc accessFlags
	wfl workflowFlags
	db  string // wf debug ID: the database
	at  int64  // wf debug ID: the version, 0 the latest

	// fork, set by a session on a stored instance, forks it from a
	// state of the session (the console's fork command).
	fork func(snapshot []byte, step int64) (string, error)
}

func (d *debugFlags) register(fs *flag.FlagSet) {
	d.lim.register(fs)
	d.acc.register(fs)
	d.wfl.register(fs)
	d.db = os.Getenv("WF_DB")
	if d.db == "" {
		d.db = "wf.db"
	}
	fs.StringVar(&d.db, "db", d.db, "wf debug ID: the database, a SQLite file or a postgres:// URL ($WF_DB)")
	intFlag(fs, &d.at, "at", 0, 0, math.MaxInt64, "wf debug ID: start from `VERSION` (0: the latest)")
}

// start starts a session on a file or a stored instance, as arg names.
func (d *debugFlags) start(arg string, stdout, stderr io.Writer) (*debug.Session, []byte, func(), int) {
	if isInstance(arg) {
		return d.instanceSession(arg, stdout, stderr)
	}
	if d.at != 0 {
		fmt.Fprintf(stderr, "wf debug: --at is for a stored instance, not the file %s\n", arg)
		return nil, nil, nil, exitUsage
	}
	return d.session(arg, stdout, stderr)
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
	s, src, closeFn, code := d.start(fs.Arg(0), stdout, stderr)
	if s == nil {
		return code
	}
	defer closeFn()
	c := &debug.Console{S: s, Source: src, Out: stdout, Echo: !isTerminal(stdin), Fork: d.fork}
	if isTerminal(stdin) {
		read, closeRL, err := lineEditor(stdin, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "wf debug: %v\n", err)
			return exitRuntime
		}
		defer closeRL()
		c.ReadLine = read
	}
	if err := c.Run(stdin); err != nil {
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// isInstance reports whether wf debug's argument names a stored instance:
// it is not a .wf file and no file of that name exists.
func isInstance(arg string) bool {
	if strings.HasSuffix(arg, ".wf") {
		return false
	}
	_, err := os.Stat(arg)
	return err != nil
}

// instanceSession starts a debug session from a stored instance's
// version, with the engine's host functions.
func (d *debugFlags) instanceSession(id string, stdout, stderr io.Writer) (*debug.Session, []byte, func(), int) {
	if code := d.wfl.check(stderr); code != exitOK {
		return nil, nil, nil, code
	}
	db := dbFlags{path: d.db, sync: "NORMAL"}
	e, code := db.open(readOnly, engine.Options{}, stderr)
	if e == nil {
		return nil, nil, nil, code
	}
	defer e.Close()
	p, err := e.DebugPoint(context.Background(), id, d.at)
	if err != nil {
		fmt.Fprintf(stderr, "wf debug: %v\n", err)
		if engine.IsNotFound(err) {
			return nil, nil, nil, exitUsage
		}
		return nil, nil, nil, exitRuntime
	}
	lim := d.lim
	var s *debug.Session
	s, err = debug.New(debug.Config{
		Program:  p.Program,
		Snapshot: p.Snapshot,
		Version:  p.Version.Number,
		Options:  vm.Options{Stdout: stdout, MaxSteps: lim.maxSteps, MaxCallDepth: lim.maxDepth, MaxAlloc: lim.maxAlloc, Hosts: p.Hosts},
		Edits:    debugEdits(p.Edits),
		Reply: func(susp *vm.Suspension) (vm.Value, error) {
			if i := s.RepliesBefore(); i < len(p.Replies) { // what the instance got there, as recorded
				return recordedReply(s, p.Replies[i])
			}
			return d.wfl.answer(susp, bufio.NewReader(strings.NewReader("")), io.Discard)
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "wf debug: instance %s version %d: %v\n", id, p.Version.Number, err)
		return nil, nil, nil, exitRuntime
	}
	fmt.Fprintf(stdout, "instance %s version %d (%s), %s\n", id, p.Version.Number, p.Version.Status, p.Program.File)
	if last := lastRecorded(p); last > 0 {
		fmt.Fprintf(stdout, "replaying what it got up to version %d; later waits are answered by --signal\n", last)
	}
	d.fork = func(snap []byte, step int64) (string, error) {
		e, code := db.open(readWrite, engine.Options{}, io.Discard)
		if e == nil {
			return "", fmt.Errorf("cannot open %s to write (exit %d)", db.where(), code)
		}
		defer e.Close()
		return e.ForkFrom(context.Background(), id, snap, fmt.Sprintf("wf debug from version %d, step %d", p.Version.Number, step))
	}
	return s, p.Source, func() {}, exitOK
}

// recordedReply is the reply r the instance got, for the session s
// waiting where it got it: a value, an error to throw, or the answer
// read from where s's machine waits (a future's, see engine.Reply).
func recordedReply(s *debug.Session, r engine.Reply) (vm.Value, error) {
	v, thrown, err := r.For(s.Machine())
	if thrown != nil {
		return vm.Nil, &debug.Thrown{Err: thrown}
	}
	return v, err
}

// debugEdits gives the debugger a stored instance's recorded edits.
func debugEdits(edits map[int][]engine.Edit) map[int][]debug.Edit {
	out := map[int][]debug.Edit{}
	for i, es := range edits {
		for _, e := range es {
			out[i] = append(out[i], debug.Edit{Name: e.Name, Value: e.Value, Apply: e.Apply})
		}
	}
	return out
}

// lastRecorded is the last version a replay of p follows: its last reply
// or edit; 0 for none.
func lastRecorded(p *engine.DebugPoint) int64 {
	var last int64
	if n := len(p.Replies); n > 0 {
		last = p.Replies[n-1].Version
	}
	for _, es := range p.Edits {
		for _, e := range es {
			last = max(last, e.Version)
		}
	}
	return last
}

// lineEditor reads command lines at a terminal with line editing and a
// history kept in ~/.wf_debug_history, as gdb and pdb do.
func lineEditor(stdin io.Reader, stdout io.Writer) (func(string) (string, error), func(), error) {
	history := ""
	if dir, err := os.UserHomeDir(); err == nil {
		history = filepath.Join(dir, ".wf_debug_history")
	}
	rl, err := readline.NewEx(&readline.Config{Prompt: "(wf) ", HistoryFile: history, Stdin: io.NopCloser(stdin), Stdout: stdout})
	if err != nil {
		return nil, nil, err
	}
	read := func(prompt string) (string, error) {
		rl.SetPrompt(prompt)
		for {
			line, err := rl.Readline()
			if errors.Is(err, readline.ErrInterrupt) {
				continue // Ctrl-C drops the line being typed
			}
			return line, err
		}
	}
	return read, func() { rl.Close() }, nil
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
