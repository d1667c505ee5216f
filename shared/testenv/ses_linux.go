package testenv

import (
	"os/exec"
	"syscall"
)

// sesParentDeathSignal makes the kernel kill the emulator when the test
// binary dies, however it dies (panic, timeout, SIGKILL), so no emulator
// outlives its tests and keeps a port.
func sesParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
