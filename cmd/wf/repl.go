package main

import (
	"io"

	"github.com/wf-lang/wf/repl"
)

const replSynopsis = `wf repl [--no-edit] [--max-steps N]

An interactive prompt: statements run, expressions print their value,
and :dump FILE / :load FILE save and restore the whole session as a
snapshot. Line editing and history (~/.wf_history) unless --no-edit,
which reads plain lines from stdin and prints no prompts. See package repl.

Flags:`

func cmdRepl(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("repl", replSynopsis, stderr)
	noEdit := fs.Bool("no-edit", false, "read plain lines from stdin, without prompts or line editing")
	maxSteps := fs.Int64("max-steps", 1_000_000_000, "instructions each input may run (0: no limit)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	return repl.Run(repl.Options{In: stdin, Out: stdout, NoEdit: *noEdit, MaxSteps: *maxSteps})
}
