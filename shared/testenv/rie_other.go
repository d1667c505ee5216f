//go:build !linux

package testenv

import (
	"os/exec"
	"time"
)

// rieProcAttr and signalGroup are never reached off Linux, where
// skipOffLinux stops every caller first; they exist so the harness compiles.
func rieProcAttr(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }

func childCPU(int) time.Duration { return 0 }
