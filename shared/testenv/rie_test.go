package testenv

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const lambdaEchoDir = "shared/testenv/testdata/echo"

// lambdaEchoReply is what testdata/echo answers.
type lambdaEchoReply struct {
	Input    json.RawMessage `json:"input"`
	Echo     string          `json:"echo"`
	Region   string          `json:"region"`
	Function string          `json:"function"`
	ARN      string          `json:"arn"`
	Dir      string          `json:"dir"`
	Beside   string          `json:"beside"`
}

func TestRIEPath(t *testing.T) {
	info, err := os.Stat(RIEPath(t))
	if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		t.Fatalf("RIEPath is not an executable file: %v", err)
	}
}

// TestLambdaEcho runs two emulators at once, which only works if each gets
// its own pair of ports, and checks that payload, env, cwd and files beside
// the bootstrap reach the function.
func TestLambdaEcho(t *testing.T) {
	for _, name := range []string{"alpha", "beta"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bin := BuildFunction(t, lambdaEchoDir)
			if err := os.WriteFile(filepath.Join(filepath.Dir(bin), "beside.txt"), []byte(name), 0o644); err != nil {
				t.Fatal(err)
			}

			start := time.Now()
			l := StartLambda(t, bin, map[string]string{
				"ECHO_VALUE":               "value-" + name,
				"AWS_LAMBDA_FUNCTION_NAME": "echo-" + name,
			})
			started := time.Since(start)
			in := map[string]any{"name": name, "n": 1}
			var got lambdaEchoReply
			l.InvokeJSON(t, in, &got)
			t.Logf("start %v, first invoke %v", started.Round(time.Millisecond), (time.Since(start) - started).Round(time.Millisecond))

			want, _ := json.Marshal(in)
			if !bytes.Equal(got.Input, want) {
				t.Errorf("input = %s, want %s", got.Input, want)
			}
			if got.Echo != "value-"+name {
				t.Errorf("ECHO_VALUE = %q, want %q", got.Echo, "value-"+name)
			}
			if got.Region != "eu-central-1" {
				t.Errorf("AWS_REGION = %q, want eu-central-1", got.Region)
			}
			if got.Function != "echo-"+name || !strings.HasSuffix(got.ARN, ":function:echo-"+name) {
				t.Errorf("function name %q, ARN %q: want echo-%s", got.Function, got.ARN, name)
			}
			wantDir, _ := filepath.EvalSymlinks(filepath.Dir(bin))
			if gotDir, _ := filepath.EvalSymlinks(got.Dir); gotDir != wantDir {
				t.Errorf("cwd = %q, want the bootstrap's directory %q", got.Dir, wantDir)
			}
			if got.Beside != name {
				t.Errorf("beside.txt = %q, want %q", got.Beside, name)
			}

			// A warm second invocation must reach the same process.
			var again lambdaEchoReply
			l.InvokeJSON(t, "second", &again)
			if string(again.Input) != `"second"` {
				t.Errorf("second input = %s", again.Input)
			}
		})
	}
}

// TestLambdaErrors pins how the emulator reports failures, since Invoke
// depends on it: a function error arrives as HTTP 200. (Timeouts do too;
// they are not tested here because a one-second limit flakes on a loaded
// machine.)
func TestLambdaErrors(t *testing.T) {
	l := StartLambda(t, BuildFunction(t, lambdaEchoDir), nil)

	fnErr := l.InvokeError(t, []byte(`{"fail":"boom"}`))
	if fnErr.Status != 200 || fnErr.Type != "errorString" || fnErr.Message != "boom" {
		t.Errorf("function error = %+v, want 200 errorString boom", fnErr)
	}

	exitErr := l.InvokeError(t, []byte(`{"exit":3}`))
	if exitErr.Status != 502 || exitErr.Type != "Runtime.ExitError" {
		t.Errorf("crash = %+v, want 502 Runtime.ExitError", exitErr)
	}

	// The emulator starts a fresh bootstrap after a crash.
	var got lambdaEchoReply
	l.InvokeJSON(t, "after", &got)
	if string(got.Input) != `"after"` {
		t.Errorf("input after recovery = %s", got.Input)
	}
}

// TestStartRIEPortTaken: a port another process holds makes the emulator
// fail with the message StartLambda retries on, and on nothing else.
func TestStartRIEPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bin, err := filepath.Abs(BuildFunction(t, lambdaEchoDir))
	if err != nil {
		t.Fatal(err)
	}
	l, err := startRIE(RIEPath(t), bin, []string{"PATH=" + os.Getenv("PATH")}, 3,
		ln.Addr().(*net.TCPAddr).Port, FreePort(t))
	if l != nil {
		defer l.stop()
	}
	if err == nil || l == nil || !strings.Contains(l.Output(), "address already in use") {
		t.Fatalf("err %v, output %q; want the emulator to report the taken port", err, l.Output())
	}
}
