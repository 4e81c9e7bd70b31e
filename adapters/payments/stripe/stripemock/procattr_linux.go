package stripemock

import (
	"os/exec"
	"syscall"
)

// setParentDeath makes the kernel kill the server when the thread that
// started it (locked for the server's lifetime) dies with this process.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
