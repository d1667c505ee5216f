//go:build !linux

package testenv

import "os/exec"

// sesParentDeathSignal has no equivalent outside Linux: there the shared
// emulator outlives the test binary until killed by hand. CI and the
// project's machines run Linux.
func sesParentDeathSignal(*exec.Cmd) {}
