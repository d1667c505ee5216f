package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// childCPU is the CPU time used so far by the threads of the processes
// whose parent is pid (the emulator's bootstrap), from
// /proc/<pid>/task/<tid>/schedstat, whose first field is the nanoseconds a
// thread has run: exact, where /proc/<pid>/stat counts 10 ms ticks, too
// coarse for an init of a few milliseconds. 0 if nothing can be read.
func childCPU(pid int) time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || parentOf(child) != pid {
			continue
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", child))
		if err != nil {
			continue
		}
		for _, task := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", child, task.Name()))
			if err != nil {
				continue
			}
			f := strings.Fields(string(b))
			if len(f) == 0 {
				continue
			}
			if ns, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				total += time.Duration(ns)
			}
		}
	}
	return total
}

// parentOf reads the parent pid from /proc/<pid>/stat, whose second field
// (the command, in parentheses) may itself hold spaces and parentheses.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return -1
	}
	return ppid
}
