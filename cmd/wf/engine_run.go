package main

// This file defines what wf run does when a script calls the workflow
// builtins: it asks on the terminal for each signal's value (or takes
// --signal NAME=JSON), skips sleeps with a note, and stands in for the
// activities named with --activity, with the results given there or
// typed on the terminal. At the end it names the signals given that
// nothing waited for.

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// workflowFlags are wf run's flags for workflow scripts.
type workflowFlags struct {
	input      string
	signals    signalFlags
	activities signalFlags // by activity name: the results of its calls, in order
}

func (w *workflowFlags) register(fs *flag.FlagSet) {
	w.activities.bare = true
	fs.StringVar(&w.input, "input", "", "the workflow's input(), as JSON")
	fs.Var(&w.signals, "signal", "NAME=JSON: the value of the next wait(NAME), instead of asking (repeatable)")
	fs.Var(&w.activities, "activity", "NAME or NAME=JSON: stand in for activity NAME, its next call returning JSON, or asking (repeatable)")
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
	if w.activities.err != nil {
		fmt.Fprintf(stderr, "wf: --activity: %v\n", w.activities.err)
		return exitUsage
	}
	return exitOK
}

func (w *workflowFlags) hosts() []*vm.Builtin {
	return engine.Builtins(engine.Env{ID: "local", Input: w.input}, w.activities.names())
}

// signalFlags collects --signal NAME=JSON values in order, per name.
type signalFlags struct {
	queued map[string][]vm.Value
	bare   bool // a NAME without =JSON is allowed (activities)
	err    error
}

func (s *signalFlags) String() string { return "" }

func (s *signalFlags) Set(arg string) error {
	name, js, ok := strings.Cut(arg, "=")
	if name == "" || !ok && !s.bare {
		return fmt.Errorf("want NAME=JSON, got %q", arg)
	}
	if s.queued == nil {
		s.queued = map[string][]vm.Value{}
	}
	if !ok { // an activity named, its results typed on the terminal
		s.queued[name] = append(s.queued[name], []vm.Value(nil)...)
		return nil
	}
	v, err := engine.FromJSON([]byte(js))
	if err != nil {
		return err
	}
	s.queued[name] = append(s.queued[name], v)
	return nil
}

// names returns the names given, sorted.
func (s *signalFlags) names() []string {
	names := make([]string, 0, len(s.queued))
	for name := range s.queued {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// unused describes the values given that nothing took.
func (s *signalFlags) unused() []string {
	var out []string
	for _, name := range s.names() {
		if n := len(s.queued[name]); n > 0 {
			out = append(out, fmt.Sprintf("%s (%d)", name, n))
		}
	}
	return out
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
	if unused := w.signals.unused(); len(unused) > 0 {
		fmt.Fprintf(stderr, "wf run: signals given that nothing waited for: %s\n", strings.Join(unused, ", "))
	}
	return err
}

func (w *workflowFlags) answer(susp *vm.Suspension, in *bufio.Reader, stderr io.Writer) (vm.Value, error) {
	call, err := engine.ParseCall(susp)
	if err != nil {
		return vm.Nil, err
	}
	if v, ok, err := engine.AnswerFutures(call, localAnswers{w, in, stderr}); ok || err != nil {
		return v, err
	}
	switch call.Kind {
	case engine.CallSleep:
		fmt.Fprintf(stderr, "wf run: sleep(%s) skipped (wf start and wf worker keep real timers)\n", call.Sleep)
		return vm.Nil, nil
	case engine.CallWait:
		if call.Any {
			return w.answerAny(call, in, stderr)
		}
		if v, ok := w.signals.next(call.Name); ok {
			return v, nil
		}
		return ask(call, in, stderr)
	}
	if call.Kind == engine.CallParallel {
		return w.answerParallel(call, in, stderr)
	}
	if v, ok := w.activities.next(call.Name); ok {
		return v, nil
	}
	return askActivity(call, in, stderr)
}

// localAnswers stand in for the signals and activities of futures.
type localAnswers struct {
	w      *workflowFlags
	in     *bufio.Reader
	stderr io.Writer
}

func (l localAnswers) Signal(name string) (vm.Value, bool) { return l.w.signals.next(name) }

func (l localAnswers) Result(call engine.Call) (vm.Value, error) {
	if v, ok := l.w.activities.next(call.Name); ok {
		return v, nil
	}
	return askActivity(call, l.in, l.stderr)
}

// answerParallel answers each call of a parallel(), in order, as it
// answers an activity's call.
func (w *workflowFlags) answerParallel(call engine.Call, in *bufio.Reader, stderr io.Writer) (vm.Value, error) {
	out := make([]vm.Value, len(call.Calls))
	for i, args := range call.Calls {
		one := call
		one.Args = args.AsList().Elems
		v, ok := w.activities.next(call.Name)
		var err error
		if !ok {
			v, err = askActivity(one, in, stderr)
		}
		if err != nil {
			return vm.Nil, err
		}
		out[i] = v
	}
	return vm.NewList(out), nil
}

// answerAny answers wait_any with the first of its names given with
// --signal, or else asks for the first name's value.
func (w *workflowFlags) answerAny(call engine.Call, in *bufio.Reader, stderr io.Writer) (vm.Value, error) {
	for _, name := range call.Names {
		if v, ok := w.signals.next(name); ok {
			return engine.WaitAnyReply(vm.String(name), v), nil
		}
	}
	v, err := ask(call, in, stderr)
	if err != nil || v.IsNil() && call.Timeout >= 0 {
		return engine.WaitAnyReply(vm.Nil, vm.Nil), err
	}
	return engine.WaitAnyReply(vm.String(call.Name), v), nil
}

// askActivity reads an activity's result from the terminal, as ask reads
// a signal's value; at the end of input the call fails.
func askActivity(call engine.Call, in *bufio.Reader, stderr io.Writer) (vm.Value, error) {
	for {
		fmt.Fprintf(stderr, "%s(%s): type the activity's result as JSON: ", call.Name, argsText(call.Args))
		line, err := in.ReadString('\n')
		line = strings.TrimSpace(line)
		if line != "" {
			v, jerr := engine.FromJSON([]byte(line))
			if jerr == nil {
				return v, nil
			}
			fmt.Fprintf(stderr, "wf run: %v\n", jerr)
		}
		if err != nil {
			fmt.Fprintln(stderr)
			return vm.Nil, fmt.Errorf("no result for activity %s: input ended (pass --activity %s=JSON)", call.Name, call.Name)
		}
	}
}

func argsText(args []vm.Value) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = vm.Repr(a)
	}
	return strings.Join(parts, ", ")
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
