package main

// This file defines wf query: read a global of a stored instance, or call
// one of its functions, without changing the instance; and waitNames.

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// cmdQuery is wf query [--db FILE|URL] ID NAME [ARG_JSON...].
func cmdQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("query", "wf query [--db FILE|URL] ID NAME [ARG_JSON...]", stderr)
	var d dbFlags
	d.register(fs)
	pos, ok := parse(fs, args, -1)
	if !ok {
		return exitUsage
	}
	if len(pos) < 2 {
		fs.Usage()
		return exitUsage
	}
	var callArgs []vm.Value
	for _, js := range pos[2:] {
		v, err := engine.FromJSON([]byte(js))
		if err != nil {
			fmt.Fprintf(stderr, "wf query: argument %s: %v\n", js, err)
			return exitUsage
		}
		callArgs = append(callArgs, v)
	}
	e, code := d.open(readOnly, engine.Options{}, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	v, err := e.Query(context.Background(), pos[0], pos[1], callArgs)
	if err != nil {
		return report(stderr, err)
	}
	if js, err := engine.ToJSON(v); err == nil {
		fmt.Fprintln(stdout, string(js))
	} else {
		fmt.Fprintln(stdout, vm.Repr(v)) // a value JSON cannot hold: a function, an error
	}
	return exitOK
}

// waitNames shows what an instance waits for: a wait_any's names are
// stored one a line; a wait_any that lists only futures stores none.
func waitNames(waitingFor string) string {
	if waitingFor == "" {
		return "futures"
	}
	return strings.ReplaceAll(waitingFor, "\n", " or ")
}
