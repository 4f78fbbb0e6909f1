package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the wf command inside scripts.
func TestMain(m *testing.M) {
	// Tests must not fill the user's compile cache; TestRunCache turns
	// it on in a directory of its own.
	os.Setenv("WF_NO_CACHE", "1")
	testscript.Main(m, map[string]func(){
		"wf":                 func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"wf-chaos":           chaosMain,          // the chaos test's processes (chaos_helper_test.go)
		"wf-activity-worker": activityWorkerMain, // the crash test's worker with activities
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script. A
// script may test [root]: root ignores file permissions.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Condition: func(cond string) (bool, error) {
		if cond == "root" {
			return os.Geteuid() == 0, nil
		}
		return false, fmt.Errorf("unknown condition %q", cond)
	}})
}
