package engine

// This file runs the workflow conformance cases, spec/conformance/
// workflow/*.wf: scripts that use the workflow builtins, so they run on
// the engine, with a fake clock and a few activities, rather than on the
// bare vm as the rest of the suite does (spec/spec_test.go).

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// caseActivities are the activities a workflow case may call: echo(x)
// gives x; fail(kind) fails with kind, not to be retried; busy(x) fails
// with kind "busy" on its first attempt, then gives x.
func caseActivities() []Activity {
	return []Activity{
		{Name: "echo", Fn: func(_ context.Context, _ string, args []vm.Value) (vm.Value, error) { return args[0], nil }},
		{Name: "fail", Fn: func(_ context.Context, _ string, args []vm.Value) (vm.Value, error) {
			return vm.Nil, &ActivityError{Kind: vm.Str(args[0]), Message: "failed as asked", NonRetryable: true}
		}},
		{Name: "busy", Fn: func(ctx context.Context, _ string, args []vm.Value) (vm.Value, error) {
			if info, _ := ActivityInfoFrom(ctx); info.Attempt == 1 {
				return vm.Nil, &ActivityError{Kind: "busy", Message: "try again"}
			}
			return args[0], nil
		}},
	}
}

var caseDirective = regexp.MustCompile(`//\s*(expect|then):(.*)$`)

// TestWorkflowConformance runs each case: it starts the script, then does
// what its "then:" lines say, in order ("signal NAME JSON", "advance
// DURATION", each followed by a worker's pass), and compares the
// instance's output with its "expect:" lines; the instance must end
// completed.
func TestWorkflowConformance(t *testing.T) {
	files, err := filepath.Glob("../spec/conformance/workflow/*.wf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow cases: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want, then []string
			for _, line := range strings.Split(string(src), "\n") {
				if m := caseDirective.FindStringSubmatch(line); m != nil {
					if m[1] == "expect" {
						want = append(want, strings.TrimPrefix(m[2], " "))
					} else {
						then = append(then, strings.TrimSpace(m[2]))
					}
				}
			}
			f := newFixture(t, Options{Activities: caseActivities()})
			id := f.start(string(src), "")
			for _, step := range then {
				verb, arg, _ := strings.Cut(step, " ")
				switch verb {
				case "signal":
					name, value, _ := strings.Cut(arg, " ")
					f.signal(id, name, value)
				case "advance":
					d, err := time.ParseDuration(arg)
					if err != nil {
						t.Fatal(err)
					}
					f.clock.Add(d)
				default:
					t.Fatalf("then: %q: want signal or advance", step)
				}
				f.work()
			}
			h := f.head(id)
			got := strings.Split(strings.TrimSuffix(h.Output, "\n"), "\n")
			if diff := cmp.Diff(want, got); diff != "" || h.Status != Completed {
				t.Errorf("%s %s; output (-want +got):\n%s\nhistory:\n%s", h.Status, h.Error, diff, strings.Join(f.reasons(id), "\n"))
			}
		})
	}
}
