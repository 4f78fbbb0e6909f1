package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1 // a runtime error or an uncaught throw
	exitUsage   = 2 // bad usage or a compile error
)

const version = "wf 0.1.0"

const usage = `wf runs .wf programs: a small language whose running coroutines are data.

Usage:
  wf run [flags] FILE      compile and run a program
  wf check FILE...         compile only; report every error
  wf fmt [flags] FILE...   lay out source in the canonical form (-l, -d, -w)
  wf test [flags] [FILE]   run the test_* functions of *_test.wf files (-run, -v)
  wf repl [--no-edit]      a prompt; :dump and :load save and restore the session
  wf lsp                   a language server for editors, over stdin and stdout
  wf disasm FILE           print the bytecode with source lines
  wf inspect SNAPSHOT      print a snapshot's fibers, frames and locals
  wf debug FILE | ID       step through a run or a stored instance, forwards and backwards
  wf dap                   a Debug Adapter Protocol server for editors
  wf version               print the version
  wf help                  print this help

Run "wf COMMAND -h" for the flags of a command.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stderr = visible{stderr}
	if len(args) == 0 || args[0] != "run" && args[0] != "fmt" && args[0] != "repl" && args[0] != "lsp" && args[0] != "dap" {
		stdout = visible{stdout}
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stdin, stdout, stderr)
	case "check":
		return cmdCheck(rest, stdout, stderr)
	case "fmt":
		return cmdFmt(rest, stdin, stdout, stderr)
	case "test":
		return cmdTest(rest, stdout, stderr)
	case "repl":
		return cmdRepl(rest, stdin, stdout, stderr)
	case "lsp":
		return cmdLsp(rest, stdin, stdout, stderr)
	case "disasm":
		return cmdDisasm(rest, stdout, stderr)
	case "inspect":
		return cmdInspect(rest, stdout, stderr)
	case "debug":
		return cmdDebug(rest, stdin, stdout, stderr)
	case "dap":
		return cmdDap(rest, stdin, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage+engineUsage)
		return exitOK
	}
	if c, ok := engineCommands[cmd]; ok {
		return c(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "wf: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// newFlags returns a flag set that prints its usage to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a command's flags. It reports false, with the exit
// code to use, when the command should not run: after -h (exit 0) or a
// bad flag (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		return exitUsage, false
	}
	return exitOK, true
}

// predeclared lists the names a program may use without declaring them.
func predeclared() []string {
	names := append(vm.Universe(), engine.BuiltinNames()...)
	return append(names, fileNames...)
}

// runSynopsis is wf run's usage, above its flags.
const runSynopsis = `wf run [flags] FILE

A script gets no file access unless it is granted: read_file and
file_exists need --allow-read, write_file and remove_file --allow-write,
alone for every path or as --allow-read=PATH,PATH for those files and
those directories with all under them (after resolving "..", symbolic
links and the working directory). A call without access throws a
permission_denied error; read_file also stops at the --max-alloc budget.
What the script prints goes to stdout as it is; what wf says about the
script (errors, tracebacks, prompts) goes to stderr with control
characters shown as escapes.

Flags:`

func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("run", runSynopsis, stderr)
	var lim limitFlags
	lim.register(fs)
	var acc accessFlags
	acc.register(fs)
	var wfl workflowFlags
	wfl.register(fs)
	noCache := fs.Bool("no-cache", false, "neither read nor write the compile cache (as WF_NO_CACHE=1 does)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code := wfl.check(stderr); code != exitOK {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	fl, err := acc.open()
	if err != nil {
		fmt.Fprintf(stderr, "wf run: %v\n", err)
		return exitUsage
	}
	defer fl.close()
	prog, code := compileCached(fs.Arg(0), lim.source, wfl.activities.names(), *noCache, stderr)
	if prog == nil {
		return code
	}
	return runProgram(prog, lim, append(fl.hosts(), wfl.hosts()...), &wfl, stdin, stdout, stderr)
}

// runProgram runs prog within lim, with hosts, answering its workflow
// builtins as wfl says.
func runProgram(prog *compiler.Program, lim limitFlags, hosts []*vm.Builtin, wfl *workflowFlags,
	stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, err := vm.New(prog, vm.Options{
		Stdout:        stdout,
		Context:       ctx,
		MaxSteps:      lim.maxSteps,
		MaxCallDepth:  lim.maxDepth,
		MaxAlloc:      lim.maxAlloc,
		SnapshotEvery: lim.every,
		Hosts:         hosts,
	})
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return exitRuntime
	}
	if err := runWorkflow(m, wfl, stdin, stderr); err != nil {
		reportRuntime(stderr, err, prog.Src)
		return exitRuntime
	}
	return exitOK
}

// reportRuntime shows a runtime error in src as compile errors are shown:
// with the source line, a caret and notes (vm.RuntimeError.Render).
func reportRuntime(stderr io.Writer, err error, src []byte) {
	var re *vm.RuntimeError
	if errors.As(err, &re) {
		fmt.Fprintf(stderr, "%s\n", re.Render(src))
		return
	}
	fmt.Fprintf(stderr, "wf: %v\n", err)
}

// compileFile reads, parses and compiles one file within lim, reporting
// errors with source lines. It returns the program or the exit code to
// use.
func compileFile(path string, lim sourceFlags, stderr io.Writer) (*compiler.Program, int) {
	return compileFileWith(path, lim, nil, stderr)
}

// compileFileWith is compileFile with more predeclared names (the
// activities wf run stands in for).
func compileFileWith(path string, lim sourceFlags, extra []string, stderr io.Writer) (*compiler.Program, int) {
	src, err := readSource(path, lim.maxSource)
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return nil, exitUsage
	}
	return compileSource(path, src, lim, append(predeclared(), extra...), stderr)
}

// compileSource parses and compiles src, read from path, with the
// predeclared names, reporting errors with source lines.
func compileSource(path string, src []byte, lim sourceFlags, names []string, stderr io.Writer) (*compiler.Program, int) {
	f, err := lang.ParseWith(path, src, lim.options())
	if err == nil {
		var prog *compiler.Program
		prog, err = compiler.Compile(f, compiler.Options{Predeclared: names})
		if err == nil {
			return prog, exitOK
		}
	}
	fmt.Fprint(stderr, lang.Render(err, src))
	return nil, exitUsage
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "wf check [flags] FILE...", stderr)
	var lim sourceFlags
	lim.register(fs, lang.DefaultMaxSource, "program")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	code := exitOK
	for _, path := range fs.Args() {
		if prog, c := compileFile(path, lim, stderr); prog == nil {
			code = c
		}
	}
	return code
}

func cmdDisasm(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("disasm", "wf disasm [flags] FILE", stderr)
	var lim sourceFlags
	lim.register(fs, lang.DefaultMaxSource, "program")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	prog, code := compileFile(fs.Arg(0), lim, stderr)
	if prog == nil {
		return code
	}
	fmt.Fprint(stdout, compiler.Disassemble(prog))
	return exitOK
}
