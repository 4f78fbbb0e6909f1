//go:build unix

// This file defines cpuTime for benchmarks on Unix systems.

package vm_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) this process has used,
// every thread counted: a benchmark figure that other processes on a busy
// machine disturb less than wall time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
