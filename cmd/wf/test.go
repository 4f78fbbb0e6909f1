package main

import (
	"fmt"
	"io"
	"regexp"

	"github.com/wf-lang/wf/wftest"
)

const testSynopsis = `wf test [-run REGEX] [-v] [FILE|DIR]...

Runs the test_* functions of *_test.wf files (default: those under the
current directory), each with the program NAME.wf beside NAME_test.wf.
Test files may call assert(cond[, msg]) and assert_eq(got, want[, msg]).
Exit 0 when every test passed, 1 when one failed, 2 for a file that does
not compile. See package wftest.

Flags:`

func cmdTest(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("test", testSynopsis, stderr)
	run := fs.String("run", "", "run only the tests whose names match this regular expression")
	verbose := fs.Bool("v", false, "print every test, what it printed and its time")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	opts := wftest.Options{Verbose: *verbose, Stdout: stdout}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			fmt.Fprintf(stderr, "wf test: -run: %v\n", err)
			return exitUsage
		}
		opts.Run = re
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	return wftest.Run(paths, opts)
}
