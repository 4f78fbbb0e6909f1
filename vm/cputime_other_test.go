//go:build !unix

// This file defines cpuTime where the process's CPU time is not read.

package vm_test

import "time"

// cpuTime reports no CPU time on this system.
func cpuTime() (time.Duration, bool) { return 0, false }
