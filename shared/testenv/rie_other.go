//go:build !linux

package testenv

import "os/exec"

// rieProcAttr and signalGroup are never reached off Linux, where
// skipOffLinux stops every caller first; they exist so the harness compiles.
func rieProcAttr(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
