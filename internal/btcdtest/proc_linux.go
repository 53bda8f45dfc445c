package btcdtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the node when the test process dies
// without cleaning up (a go test timeout, a kill), so no btcd outlives its
// test. Go keeps the thread that started the child alive for the process's
// lifetime (no LockOSThread here), so the signal comes only when the test
// process ends.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
