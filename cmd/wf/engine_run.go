package main

// This file defines what wf run does when a script calls the workflow
// builtins: it asks on the terminal for each signal's value (or takes
// --signal NAME=JSON), and skips sleeps with a note.

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// workflowFlags are wf run's flags for workflow scripts.
type workflowFlags struct {
	input   string
	signals signalFlags
}

func (w *workflowFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&w.input, "input", "", "the workflow's input(), as JSON")
	fs.Var(&w.signals, "signal", "NAME=JSON: the value of the next wait(NAME), instead of asking (repeatable)")
}

// check validates the JSON in the flags before anything runs.
func (w *workflowFlags) check(stderr io.Writer) int {
	if w.input != "" {
		if _, err := engine.FromJSON([]byte(w.input)); err != nil {
			fmt.Fprintf(stderr, "wf: --input: %v\n", err)
			return exitUsage
		}
	}
	if w.signals.err != nil {
		fmt.Fprintf(stderr, "wf: --signal: %v\n", w.signals.err)
		return exitUsage
	}
	return exitOK
}

func (w *workflowFlags) hosts() []*vm.Builtin {
	return engine.Builtins(engine.Env{ID: "local", Input: w.input}, nil)
}

// signalFlags collects --signal NAME=JSON values in order, per name.
type signalFlags struct {
	queued map[string][]vm.Value
	err    error
}

func (s *signalFlags) String() string { return "" }

func (s *signalFlags) Set(arg string) error {
	name, js, ok := strings.Cut(arg, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=JSON, got %q", arg)
	}
	v, err := engine.FromJSON([]byte(js))
	if err != nil {
		return err
	}
	if s.queued == nil {
		s.queued = map[string][]vm.Value{}
	}
	s.queued[name] = append(s.queued[name], v)
	return nil
}

func (s *signalFlags) next(name string) (vm.Value, bool) {
	q := s.queued[name]
	if len(q) == 0 {
		return vm.Nil, false
	}
	s.queued[name] = q[1:]
	return q[0], true
}

// runWorkflow runs m, answering its workflow builtins from the flags or
// the terminal.
func runWorkflow(m *vm.Machine, w *workflowFlags, stdin io.Reader, stderr io.Writer) error {
	in := bufio.NewReader(stdin)
	susp, err := m.Run()
	for err == nil && susp != nil {
		var reply vm.Value
		if reply, err = w.answer(susp, in, stderr); err != nil {
			return err
		}
		susp, err = m.Resume(reply)
	}
	return err
}

func (w *workflowFlags) answer(susp *vm.Suspension, in *bufio.Reader, stderr io.Writer) (vm.Value, error) {
	call, err := engine.ParseCall(susp)
	if err != nil {
		return vm.Nil, err
	}
	switch call.Kind {
	case engine.CallSleep:
		fmt.Fprintf(stderr, "wf run: sleep(%s) skipped (wf start and wf worker keep real timers)\n", call.Sleep)
		return vm.Nil, nil
	case engine.CallWait:
		if v, ok := w.signals.next(call.Name); ok {
			return v, nil
		}
		return ask(call, in, stderr)
	}
	return vm.Nil, fmt.Errorf("activity %s is not available in wf run", call.Name)
}

// ask reads a signal's value from the terminal, one JSON document per
// line; an empty line means null. At the end of input a wait with a
// timeout times out (nil); one without fails.
func ask(call engine.Call, in *bufio.Reader, stderr io.Writer) (vm.Value, error) {
	for {
		fmt.Fprintf(stderr, "wait(%q): type the signal's value as JSON (empty line: null): ", call.Name)
		line, err := in.ReadString('\n')
		line = strings.TrimSpace(line)
		if err == io.EOF && line == "" {
			fmt.Fprintln(stderr)
			if call.Timeout >= 0 {
				fmt.Fprintf(stderr, "wf run: no more input: wait(%q) timed out\n", call.Name)
				return vm.Nil, nil
			}
			return vm.Nil, fmt.Errorf("no value for signal %q: input ended (pass --signal %s=JSON)", call.Name, call.Name)
		}
		if line == "" {
			return vm.Nil, nil
		}
		v, jerr := engine.FromJSON([]byte(line))
		if jerr == nil {
			return v, nil
		}
		fmt.Fprintf(stderr, "wf run: %v\n", jerr)
		if err != nil {
			return vm.Nil, jerr
		}
	}
}
