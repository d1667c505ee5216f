package testenv

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// initReport is the emulator's measure of a cold start, from starting the
// bootstrap to its first request for work, as Lambda's own Init Duration.
// (The REPORT line's "Init Duration" is no use: this emulator starts init
// asynchronously and times only the start.)
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// ColdInit starts bootstrap under the emulator, invokes it once with an
// empty object and returns the init duration the emulator reports. What the
// handler makes of the empty object does not matter, only that init
// finished: a bootstrap that exits during init fails t. The emulator is
// stopped before ColdInit returns, so runs in a loop do not pile up.
func ColdInit(t testing.TB, bootstrap string, env map[string]string) time.Duration {
	t.Helper()
	return ColdStartOf(t, bootstrap, env).Init
}

// ColdStart is one cold start as the emulator and the kernel saw it.
type ColdStart struct {
	// Init is the emulator's INIT REPORT duration: wall time on this
	// machine's full cores.
	Init time.Duration
	// CPU is the CPU time the bootstrap's threads used from their start to
	// the answer of the first invocation (init and one empty request),
	// read from the kernel's scheduler statistics; 0 where they cannot be
	// read. Lambda gives a function a CPU share in proportion to its
	// memory, so this, not Init, is what stretches at small memory sizes.
	CPU time.Duration
}

// ColdStartOf is ColdInit with the bootstrap's CPU time besides.
func ColdStartOf(t testing.TB, bootstrap string, env map[string]string) ColdStart {
	t.Helper()
	l := StartLambda(t, bootstrap, env)
	defer l.stop()
	_, fnErr, err := l.invoke([]byte(`{}`))
	if err != nil {
		t.Fatalf("ColdInit %s: %v", bootstrap, err)
	}
	if fnErr != nil && fnErr.Type == "Runtime.ExitError" {
		t.Fatalf("ColdInit %s: init failed: %v\n%s", bootstrap, fnErr, l.Output())
	}
	// The emulator logs the report before it answers, but its output
	// reaches us through a pipe that a goroutine copies, a moment later.
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; time.Sleep(rieReadyPoll) {
		m = initReport.FindStringSubmatch(l.Output())
		if m == nil && time.Now().After(deadline) {
			t.Fatalf("ColdInit %s: no INIT REPORT in the emulator's output:\n%s", bootstrap, l.Output())
		}
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("ColdInit %s: %v", bootstrap, err)
	}
	// The bootstrap idles now, waiting for the next request, so its
	// threads' CPU time is that of init and the one invocation.
	return ColdStart{
		Init: time.Duration(ms * float64(time.Millisecond)),
		CPU:  childCPU(l.cmd.Process.Pid),
	}
}
