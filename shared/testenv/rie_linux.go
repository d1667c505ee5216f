package testenv

import (
	"os/exec"
	"syscall"
)

func rieProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group, so cleanup reaches whatever it spawned.
		Setpgid: true,
		// If the test binary dies without running cleanups (timeout panic,
		// SIGKILL), the kernel kills the emulator. The bootstrap, which the
		// emulator put in a group of its own, then exits by itself once it
		// finds the Runtime API gone: at once when idle, else after the
		// invocation in progress.
		Pdeathsig: syscall.SIGKILL,
	}
}

// signalGroup sends SIGTERM, or SIGKILL if kill, to the emulator's process
// group.
func signalGroup(cmd *exec.Cmd, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
