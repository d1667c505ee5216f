// The Lambda harness runs only on Linux on purpose: it relies on process
// groups and Pdeathsig so that no emulator outlives the test binary, and the
// Lambda runtime it imitates is Linux too. Elsewhere the code compiles and
// every test that needs the emulator skips, saying why.

package testenv

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// rieModule and rieVersion pin the emulator; RIEPath refuses any other
	// build so that a stale binary in PATH cannot change test behaviour.
	rieModule  = "github.com/aws/aws-lambda-runtime-interface-emulator"
	rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"
	rieInstall = "go install " + rieModule + "/cmd/aws-lambda-rie@" + rieVersion

	// rieInvokePath is the only route the emulator serves.
	rieInvokePath = "/2015-03-31/functions/function/invocations"

	// rieReadyTimeout bounds how long StartLambda waits for the emulator to
	// listen; it only has to bind two sockets, so this is generous.
	rieReadyTimeout = 15 * time.Second
	rieReadyPoll    = 10 * time.Millisecond

	// rieStopGrace is how long the emulator gets after SIGTERM to reset the
	// sandbox (it kills the bootstrap with a 2 s deadline) before SIGKILL.
	rieStopGrace = 5 * time.Second

	// rieDefaultFunctionTimeout mirrors the emulator's own default for
	// AWS_LAMBDA_FUNCTION_TIMEOUT, in seconds.
	rieDefaultFunctionTimeout = 300
)

// Lambda is a bootstrap binary running under aws-lambda-rie on loopback.
type Lambda struct {
	// URL is the emulator's invoke endpoint.
	URL string
	// RuntimeAPI is the host:port the bootstrap polls (AWS_LAMBDA_RUNTIME_API).
	RuntimeAPI string

	cmd     *exec.Cmd
	out     *Output       // the emulator's stdout and stderr, with the bootstrap's
	done    chan struct{} // closed once the emulator has been reaped
	waitErr error         // valid after done is closed
	client  *http.Client

	invokeMu sync.Mutex
}

// Output returns everything the emulator and the function printed so far:
// the emulator's own log lines, the START/END/REPORT lines per invocation
// and the function's stdout and stderr.
func (l *Lambda) Output() string { return l.out.String() }

// lambdaBuild is one cached build; once makes concurrent callers for the
// same directory wait for a single go build.
type lambdaBuild struct {
	once sync.Once
	bin  []byte
	err  error
}

var lambdaBuilds struct {
	sync.Mutex
	m map[string]*lambdaBuild
}

// BuildFunction compiles the Lambda main package in dir (relative to the
// repository root, e.g. "functions/partners") the way it is deployed, and
// returns the path of a bootstrap binary in a fresh directory owned by t.
//
// The build runs once per test binary and directory; every caller gets its
// own copy so that files it puts beside the bootstrap (network.json) cannot
// leak into another test, and the copy is removed with t's temp dir.
func BuildFunction(t testing.TB, dir string) string {
	t.Helper()
	skipOffLinux(t)
	key := filepath.ToSlash(filepath.Clean(dir))
	if !filepath.IsLocal(key) {
		t.Fatalf("BuildFunction(%q): dir must be relative to the repository root", dir)
	}

	lambdaBuilds.Lock()
	if lambdaBuilds.m == nil {
		lambdaBuilds.m = map[string]*lambdaBuild{}
	}
	b, ok := lambdaBuilds.m[key]
	if !ok {
		b = &lambdaBuild{}
		lambdaBuilds.m[key] = b
	}
	lambdaBuilds.Unlock()

	var took time.Duration
	b.once.Do(func() {
		start := time.Now()
		b.bin, b.err = buildLambda(key)
		took = time.Since(start)
	})
	if took > 0 {
		// A cold build cache makes this take a minute, which otherwise
		// looks like a hang.
		t.Logf("BuildFunction(%q): go build took %v", dir, took.Round(time.Millisecond))
	}
	if b.err != nil {
		t.Fatalf("BuildFunction(%q): %v", dir, b.err)
	}

	path := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(path, b.bin, 0o755); err != nil {
		t.Fatalf("BuildFunction(%q): %v", dir, err)
	}
	return path
}

// buildLambda runs the deployment build and keeps the binary in memory, so
// nothing outlives the test binary without a TestMain to clean it up.
func buildLambda(dir string) ([]byte, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "testenv-lambda-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	out := filepath.Join(tmp, "bootstrap")
	cmd := exec.Command("go", "build",
		"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w",
		"-o", out, "./"+dir)
	cmd.Dir = root
	// The host's GOOS/GOARCH, because the emulator runs the binary here
	// rather than on Lambda's arm64 or amd64 hosts.
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build ./%s: %v\n%s", dir, err, stderr.Bytes())
	}
	return os.ReadFile(out)
}

// skipOffLinux skips t where the harness cannot run, so that the packages
// using it still compile and test elsewhere.
func skipOffLinux(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("needs aws-lambda-rie, which this harness runs only on Linux (process groups, Pdeathsig; Lambda itself is Linux), not on %s", runtime.GOOS)
	}
}

// RIEPath returns the pinned aws-lambda-rie binary from PATH, GOBIN or
// GOPATH/bin. A missing or different emulator fails the test instead of
// skipping it, because a skipped deployment test looks like a passing one.
func RIEPath(t testing.TB) string {
	t.Helper()
	skipOffLinux(t)
	path, err := findRIE()
	if err != nil {
		t.Fatalf("%v; `make test` installs it at the pinned version (%s)", err, rieInstall)
	}
	return path
}

var findRIE = sync.OnceValues(func() (string, error) {
	var candidates []string
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		candidates = append(candidates, p)
	}
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			if gobin := strings.TrimSpace(lines[0]); gobin != "" {
				candidates = append(candidates, filepath.Join(gobin, "aws-lambda-rie"))
			}
			for _, gp := range filepath.SplitList(strings.TrimSpace(lines[1])) {
				candidates = append(candidates, filepath.Join(gp, "bin", "aws-lambda-rie"))
			}
		}
	}
	var found []string
	for _, p := range candidates {
		info, err := buildinfo.ReadFile(p)
		if err != nil {
			continue
		}
		if info.Main.Path == rieModule && info.Main.Version == rieVersion {
			return p, nil
		}
		found = append(found, p+" is "+info.Main.Version)
	}
	if len(found) > 0 {
		return "", fmt.Errorf("aws-lambda-rie %s not found (%s)", rieVersion, strings.Join(found, ", "))
	}
	return "", errors.New("aws-lambda-rie not found in PATH, GOBIN or GOPATH/bin")
})

// lambdaPorts remembers every port FreePort handed out, because the kernel
// may offer a just-closed port again and two Lambdas in one test binary
// would then race for it.
var lambdaPorts struct {
	sync.Mutex
	used map[int]bool
}

// FreePort returns a loopback TCP port that was free a moment ago and has
// not been returned before by this test binary. Bind it right away: another
// process can still take it in between.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("FreePort: %v", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()

		lambdaPorts.Lock()
		if lambdaPorts.used == nil {
			lambdaPorts.used = map[int]bool{}
		}
		fresh := !lambdaPorts.used[port]
		lambdaPorts.used[port] = true
		lambdaPorts.Unlock()
		if fresh {
			return port
		}
	}
	t.Fatal("FreePort: the kernel kept offering ports already handed out")
	return 0
}

// StartLambda runs bootstrap under the emulator on two fresh loopback ports
// and returns once the emulator accepts invocations. The bootstrap itself
// starts lazily on the first Invoke, as on Lambda, so init errors surface
// there.
//
// The environment is minimal: PATH, HOME, AWS_REGION=eu-central-1, TZ=:UTC
// and dummy credentials, overridden by env. The emulator forwards all of it
// to the function, adding AWS_LAMBDA_FUNCTION_NAME=test_function and
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE=3008 unless set; the invoked function ARN
// always names us-east-1 and account 012345678912. Setting
// AWS_LAMBDA_MAX_CONCURRENCY switches the emulator into its
// managed-instances mode, which this harness does not cover.
//
// The working directory is the bootstrap's directory, so files written
// beside it are found with relative paths. The emulator is stopped in
// t.Cleanup; its output is logged if t failed.
func StartLambda(t testing.TB, bootstrap string, env map[string]string) *Lambda {
	t.Helper()
	skipOffLinux(t)
	rie := RIEPath(t)
	bootstrap, err := filepath.Abs(bootstrap)
	if err != nil {
		t.Fatalf("StartLambda: %v", err)
	}
	if info, err := os.Stat(bootstrap); err != nil || info.IsDir() {
		t.Fatalf("StartLambda: bootstrap %s is not a file (%v)", bootstrap, err)
	}

	vars := map[string]string{
		"AWS_REGION":            "eu-central-1",
		"AWS_ACCESS_KEY_ID":     "testenv",
		"AWS_SECRET_ACCESS_KEY": "testenv",
		// Lambda runs functions in UTC; the host's zone would otherwise leak
		// into time formatting.
		"TZ": ":UTC",
	}
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	maps.Copy(vars, env)
	fnTimeout := rieDefaultFunctionTimeout
	if v, ok := vars["AWS_LAMBDA_FUNCTION_TIMEOUT"]; ok {
		// The emulator panics on a non-integer timeout at the first invoke;
		// failing here points at the real cause.
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("StartLambda: AWS_LAMBDA_FUNCTION_TIMEOUT=%q is not a positive number of seconds", v)
		}
		fnTimeout = n
	}
	environ := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		environ = append(environ, k+"="+vars[k])
	}

	// Ports are picked right before the start to keep the window in which
	// another process could take them small. Packages test in parallel
	// processes, so one may still win a port between our check and the
	// emulator's bind: only that race ("address already in use") is tried
	// again, on fresh ports; any other failure is reported as it is.
	for attempt := 1; ; attempt++ {
		l, err := startRIE(rie, bootstrap, environ, fnTimeout, FreePort(t), FreePort(t))
		if err == nil {
			t.Cleanup(func() {
				l.stop()
				if t.Failed() {
					t.Logf("aws-lambda-rie on %s running %s, output:\n%s", l.URL, bootstrap, l.Output())
				}
			})
			return l
		}
		if l != nil {
			l.stop()
		}
		if attempt == 3 || l == nil || !strings.Contains(l.Output(), "address already in use") {
			out := ""
			if l != nil {
				out = l.Output()
			}
			t.Fatalf("StartLambda: %v\n%s", err, out)
		}
	}
}

// startRIE starts the emulator on two ports and waits until it is ready.
// On failure it returns the Lambda as far as it got, for its output.
func startRIE(rie, bootstrap string, environ []string, fnTimeout, port, runtimePort int) (*Lambda, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	runtimeAPI := net.JoinHostPort("127.0.0.1", strconv.Itoa(runtimePort))

	out := &Output{}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		// The default 127.0.0.1:9001 would collide between parallel tests.
		"--runtime-api-address", runtimeAPI,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = environ
	cmd.Stdout = out
	cmd.Stderr = out
	rieProcAttr(cmd)
	// The bootstrap inherits the emulator's stdout; without a bound, Wait
	// would block as long as a straggling bootstrap keeps that pipe open.
	cmd.WaitDelay = time.Second

	l := &Lambda{
		URL:        "http://" + addr + rieInvokePath,
		RuntimeAPI: runtimeAPI,
		cmd:        cmd,
		out:        out,
		done:       make(chan struct{}),
		client: &http.Client{
			// Generous on top of the function timeout: the first invoke
			// also runs init, and the emulator answers a timed-out invoke
			// itself.
			Timeout: time.Duration(fnTimeout)*time.Second + 30*time.Second,
		},
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", rie, err)
	}
	go func() {
		l.waitErr = cmd.Wait()
		close(l.done)
	}()
	return l, l.awaitReady()
}

// awaitReady polls until the emulator serves HTTP and the Runtime API
// accepts connections. Both listeners are opened at startup, and a failing
// bind makes the emulator exit, which is checked on every round.
func (l *Lambda) awaitReady() error {
	probe := &http.Client{Timeout: time.Second}
	defer probe.CloseIdleConnections()
	root := strings.TrimSuffix(l.URL, rieInvokePath) + "/"
	deadline := time.Now().Add(rieReadyTimeout)
	for {
		select {
		case <-l.done:
			return fmt.Errorf("aws-lambda-rie exited before it was ready: %v", l.waitErr)
		default:
		}
		// Any HTTP answer (the emulator sends 404 for "/") proves its server
		// runs; the invoke route itself would start the bootstrap.
		if resp, err := probe.Get(root); err == nil {
			resp.Body.Close()
			if c, err := net.DialTimeout("tcp", l.RuntimeAPI, time.Second); err == nil {
				c.Close()
				select {
				case <-l.done:
					return fmt.Errorf("aws-lambda-rie exited before it was ready: %v", l.waitErr)
				default:
					return nil
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("aws-lambda-rie not listening on %s and %s after %v",
				strings.TrimPrefix(root, "http://"), l.RuntimeAPI, rieReadyTimeout)
		}
		time.Sleep(rieReadyPoll)
	}
}

// stop asks the emulator to shut down so that it resets the sandbox and
// kills the bootstrap (which runs in a process group of its own), and
// kills the emulator's group if that does not finish in time.
func (l *Lambda) stop() {
	select {
	case <-l.done:
		return
	default:
	}
	signalGroup(l.cmd, false)
	select {
	case <-l.done:
		return
	case <-time.After(rieStopGrace):
	}
	signalGroup(l.cmd, true)
	<-l.done
}

// LambdaError is a failed invocation as the emulator reports it: the
// function's error (HTTP 200, like Lambda's X-Amz-Function-Error answers,
// but the emulator drops that header) or a crashed runtime (HTTP 502,
// errorType "Runtime.ExitError").
type LambdaError struct {
	Status     int             `json:"-"`
	Type       string          `json:"errorType"`
	Message    string          `json:"errorMessage"`
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

func (e *LambdaError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Type, e.Message, e.Status)
}

// Invoke sends payload as a synchronous invocation and returns the
// function's response. It fails t on anything but a successful run: a
// non-200 answer, a function error and the emulator's timeout message,
// the last two of which arrive with status 200.
func (l *Lambda) Invoke(t testing.TB, payload []byte) []byte {
	t.Helper()
	body, fnErr, err := l.invoke(payload)
	if err != nil {
		t.Fatalf("Invoke %s: %v", l.URL, err)
	}
	if fnErr != nil {
		t.Fatalf("Invoke %s: function failed: %v", l.URL, fnErr)
	}
	return body
}

// InvokeJSON marshals in as the payload and unmarshals the response into
// out, which may be nil to discard it.
func (l *Lambda) InvokeJSON(t testing.TB, in, out any) {
	t.Helper()
	payload, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("InvokeJSON: marshal %T: %v", in, err)
	}
	body := l.Invoke(t, payload)
	if out == nil {
		return
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("InvokeJSON: unmarshal into %T: %v\nbody: %s", out, err, body)
	}
}

// InvokeError sends payload and returns the error the function failed
// with; it fails t if the invocation succeeded or the emulator itself
// failed (timeout, bad request).
func (l *Lambda) InvokeError(t testing.TB, payload []byte) *LambdaError {
	t.Helper()
	body, fnErr, err := l.invoke(payload)
	if err != nil {
		t.Fatalf("InvokeError %s: %v", l.URL, err)
	}
	if fnErr == nil {
		t.Fatalf("InvokeError %s: want a function error, got success: %s", l.URL, body)
	}
	return fnErr
}

// invoke returns the successful response body, or the function's error,
// or an error for everything else.
func (l *Lambda) invoke(payload []byte) ([]byte, *LambdaError, error) {
	// One execution environment runs one invocation at a time; the emulator
	// answers a concurrent one with 400 instead of queueing it.
	l.invokeMu.Lock()
	defer l.invokeMu.Unlock()

	req, err := http.NewRequest(http.MethodPost, l.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, nil, l.withExit(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, l.withExit(err)
	}
	switch {
	case resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, []byte("Task timed out after ")):
		return nil, nil, fmt.Errorf("function timed out: %s", body)
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusBadGateway:
		if fnErr := parseLambdaError(body); fnErr != nil {
			fnErr.Status = resp.StatusCode
			return nil, fnErr, nil
		}
		if resp.StatusCode == http.StatusOK {
			return body, nil, nil
		}
	}
	return nil, nil, fmt.Errorf("status %s: %s", resp.Status, body)
}

// parseLambdaError recognises the error document the Go runtime and the
// emulator send, which is the only way to tell a function error from a
// result here: an object with errorType, errorMessage and at most a
// stackTrace besides.
func parseLambdaError(body []byte) *LambdaError {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil
	}
	if _, ok := fields["errorType"]; !ok {
		return nil
	}
	if _, ok := fields["errorMessage"]; !ok {
		return nil
	}
	for k := range fields {
		if k != "errorType" && k != "errorMessage" && k != "stackTrace" {
			return nil
		}
	}
	var e LambdaError
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	return &e
}

// withExit adds the emulator's exit to a transport error, since a dead
// emulator is the usual reason for one.
func (l *Lambda) withExit(err error) error {
	select {
	case <-l.done:
		return fmt.Errorf("%w (aws-lambda-rie exited: %v)", err, l.waitErr)
	default:
		return err
	}
}
