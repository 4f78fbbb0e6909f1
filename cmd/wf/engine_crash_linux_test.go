package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill a worker whose test process died
// (a test timeout, say), so no worker outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
