// Package testenv provides test fixtures shared by many packages' tests.
//
// SES emulation uses the npm package aws-ses-v2-local, pinned in
// infra/ses-local and installed there by `make test` (npm ci). It keeps
// sent mail in memory and shows it at GET /store. The emulator never sends
// mail anywhere: the one setting that would make it relay (SMTP_TRANSPORT)
// is removed from its environment.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"golang.org/x/net/idna"
)

const (
	// sesReadyTimeout bounds the wait for a fresh node process to listen;
	// start-up takes well under a second normally but CI machines can be
	// slow on a cold file cache.
	sesReadyTimeout = 20 * time.Second
	// sesReadyInterval is the readiness probe's polling interval.
	sesReadyInterval = 25 * time.Millisecond
	// sesStartAttempts covers the small race between picking a free port and
	// node binding it.
	sesStartAttempts = 3
	// sesOutputLimit caps how much emulator output is kept for error messages.
	sesOutputLimit = 16 << 10
	// sesCLIPath is the emulator's entry point relative to the repository root.
	sesCLIPath = "infra/ses-local/node_modules/aws-ses-v2-local/dist/cli.js"
)

// SESEmulator is a running (or stopped) aws-ses-v2-local process on a
// fixed 127.0.0.1 port.
type SESEmulator struct {
	port   int
	shared bool

	mu   sync.Mutex
	proc *sesProcess // nil while stopped
}

var sharedSES struct {
	once sync.Once
	emu  *SESEmulator
	err  error
}

// SES returns the emulator shared by all tests of this test binary,
// starting it on first use. It lives until the test binary exits. Tests
// sharing it must not clear its store; they tell their mail apart by
// sending to a UniqueAddress. Use NewSESEmulator to stop or restart one.
func SES(t testing.TB) *SESEmulator {
	t.Helper()
	// Start outside t: a t.Fatal inside once.Do would mark the once done
	// without a result, and every later test would get a nil emulator.
	sharedSES.once.Do(func() {
		sharedSES.emu = &SESEmulator{shared: true}
		sharedSES.err = sharedSES.emu.startFresh()
	})
	if sharedSES.err != nil {
		t.Fatalf("testenv: starting the shared SES emulator: %v", sharedSES.err)
	}
	return sharedSES.emu
}

// NewSESEmulator starts an emulator process owned by t, on its own port
// and with its own empty store, and kills it when t ends. Use it for tests
// that Stop and Start the emulator or that need an empty store.
func NewSESEmulator(t testing.TB) *SESEmulator {
	t.Helper()
	e := &SESEmulator{}
	if err := e.startFresh(); err != nil {
		t.Fatalf("testenv: starting an SES emulator: %v", err)
	}
	t.Cleanup(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.proc != nil {
			e.proc.kill()
			e.proc = nil
		}
	})
	return e
}

// Endpoint is the emulator's base URL, also while it is stopped.
func (e *SESEmulator) Endpoint() string {
	return "http://127.0.0.1:" + strconv.Itoa(e.port)
}

// Client returns a real SES v2 client pointed at the emulator. It does not
// retry, so a test of an unreachable endpoint fails at once instead of
// sleeping through backoff; code under test that wants retries brings its
// own.
func (e *SESEmulator) Client(t testing.TB) *sesv2.Client {
	t.Helper()
	return sesv2.New(sesv2.Options{
		Region:       "eu-central-1",
		BaseEndpoint: aws.String(e.Endpoint()),
		// The emulator only checks that a SigV4 header is present.
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:     aws.NopRetryer{},
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
	})
}

// Stop kills the emulator so that a test can observe SES being down. Its
// store is lost. The shared emulator cannot be stopped.
func (e *SESEmulator) Stop(t testing.TB) {
	t.Helper()
	if e.shared {
		t.Fatal("testenv: the shared SES emulator cannot be stopped; use NewSESEmulator")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc == nil {
		t.Fatal("testenv: SES emulator is already stopped")
	}
	e.proc.kill()
	e.proc = nil
}

// Start restarts a stopped emulator on the same port and endpoint, with an
// empty store.
func (e *SESEmulator) Start(t testing.TB) {
	t.Helper()
	if e.shared {
		t.Fatal("testenv: the shared SES emulator cannot be restarted; use NewSESEmulator")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc != nil {
		t.Fatal("testenv: SES emulator is already running")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	p, err := startSESProcess(root, e.port)
	if err != nil {
		t.Fatalf("testenv: restarting the SES emulator on port %d: %v", e.port, err)
	}
	e.proc = p
}

// StoredEmail mirrors one entry of the emulator's GET /store response.
//
// For raw messages (what package mail's senders produce) the emulator
// parses the MIME with mailparser and fills the fields from the headers,
// not from the API's Destination: From, ReplyTo and Destination entries are
// mailparser's display text of the header, e.g. `Anna Petrova
// <anna@example.org>`, and one entry can hold a whole comma separated list.
// ReplyTo has at most one entry, the whole Reply-To header. Bcc is always
// empty. Text and HTML are decoded; HTML is empty when there is none.
type StoredEmail struct {
	MessageID   string             `json:"messageId"`
	From        string             `json:"from"`
	ReplyTo     []string           `json:"replyTo"`
	Destination StoredDestination  `json:"destination"`
	Subject     string             `json:"subject"`
	Body        StoredBody         `json:"body"`
	Attachments []StoredAttachment `json:"attachments"`
	// Headers holds custom headers of Simple and Template sends only.
	Headers []StoredHeader `json:"headers"`
	// At is the Unix time in seconds the emulator received the message.
	At int64 `json:"at"`
}

// StoredDestination lists the recipients as the emulator recorded them.
type StoredDestination struct {
	To  []string `json:"to"`
	Cc  []string `json:"cc"`
	Bcc []string `json:"bcc"`
}

// StoredBody holds the decoded text and HTML bodies.
type StoredBody struct {
	Text string `json:"text"`
	HTML string `json:"html"`
}

// StoredAttachment is an attachment with its decoded content. For raw
// messages ContentType is the bare media type, without parameters such as
// method=PUBLISH.
type StoredAttachment struct {
	Filename           string `json:"filename"`
	ContentType        string `json:"contentType"`
	ContentDisposition string `json:"contentDisposition"`
	// Content is base64 in the JSON; encoding/json decodes it.
	Content []byte `json:"content"`
	Size    int    `json:"size"`
}

// StoredHeader is a custom header given to a Simple or Template send.
type StoredHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Messages returns the stored emails, oldest first, whose To recipients
// include the address to (compared case-insensitively, IDN domains in
// either form).
func (e *SESEmulator) Messages(t testing.TB, to string) []StoredEmail {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(e.Endpoint() + "/store")
	if err != nil {
		t.Fatalf("testenv: reading the SES emulator store: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("testenv: reading the SES emulator store: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testenv: SES emulator store: status %s: %s", resp.Status, body)
	}
	var store struct {
		Emails []StoredEmail `json:"emails"`
	}
	if err := json.Unmarshal(body, &store); err != nil {
		t.Fatalf("testenv: decoding the SES emulator store: %v", err)
	}
	var found []StoredEmail
	for _, m := range store.Emails {
		if sesContainsAddress(m.Destination.To, to) {
			found = append(found, m)
		}
	}
	return found
}

// sesContainsAddress reports whether any entry, each a single address or a
// header-style address list, contains addr. Addresses are compared without
// regard to case and with IDN domains in punycode, because mailparser shows
// an xn-- domain from the raw header in Unicode.
func sesContainsAddress(entries []string, addr string) bool {
	want := sesNormalizeAddress(addr)
	for _, entry := range entries {
		if sesNormalizeAddress(strings.TrimSpace(entry)) == want {
			return true
		}
		list, err := netmail.ParseAddressList(entry)
		if err != nil {
			continue
		}
		for _, a := range list {
			if sesNormalizeAddress(a.Address) == want {
				return true
			}
		}
	}
	return false
}

func sesNormalizeAddress(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		if domain, err := idna.Lookup.ToASCII(addr[at+1:]); err == nil {
			addr = addr[:at+1] + domain
		}
	}
	return strings.ToLower(addr)
}

// UniqueAddress returns a fresh recipient address, so that a test can find
// its own mail in a store shared with other tests.
func UniqueAddress(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return "x-" + hex.EncodeToString(b[:]) + "@example.org"
}

// startFresh picks a free port and starts the emulator there, trying a new
// port if another process grabbed the first between probe and bind.
func (e *SESEmulator) startFresh() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	var errs []error
	for range sesStartAttempts {
		port, err := sesFreePort()
		if err != nil {
			return err
		}
		p, err := startSESProcess(root, port)
		if err == nil {
			e.mu.Lock()
			e.port, e.proc = port, p
			e.mu.Unlock()
			return nil
		}
		errs = append(errs, err)
		if errors.Is(err, errSESSetup) {
			break
		}
	}
	return errors.Join(errs...)
}

// errSESSetup marks failures that another port will not fix.
var errSESSetup = errors.New("test setup incomplete")

func sesFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// sesProcess is one running emulator.
type sesProcess struct {
	cmd     *exec.Cmd
	output  *Output
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
}

// startSESProcess starts the emulator installed under the repository root
// on port and waits until it answers.
func startSESProcess(root string, port int) (*sesProcess, error) {
	cli := filepath.Join(root, filepath.FromSlash(sesCLIPath))
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("%w: %s is missing; run `make test` (it runs `npm ci` in infra/ses-local) first", errSESSetup, cli)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: node (Node.js 20) is not on PATH: %v", errSESSetup, err)
	}

	cmd := exec.Command(node, cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Dir = filepath.Dir(cli)
	cmd.Env = sesEnv()
	out := &Output{Limit: sesOutputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	sesParentDeathSignal(cmd)

	p := &sesProcess{cmd: cmd, output: out, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// On Linux the parent-death signal fires when the OS thread that
		// started the child exits, not when the process does, and Go ends
		// threads whose goroutine exits while locked to them. Pinning this
		// goroutine to its thread for the child's whole life makes the
		// signal mean "the test binary is gone".
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting node: %w", err)
	}
	if err := p.waitReady("http://127.0.0.1:" + strconv.Itoa(port)); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// waitReady polls the health check until it answers, the process dies or
// sesReadyTimeout passes.
func (p *sesProcess) waitReady(endpoint string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(sesReadyTimeout)
	for {
		resp, err := client.Get(endpoint + "/health-check")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("emulator not ready at %s after %v; output:\n%s", endpoint, sesReadyTimeout, p.output)
		}
		select {
		case <-p.done:
			return fmt.Errorf("emulator exited (%v); output:\n%s", p.waitErr, p.output)
		case <-time.After(sesReadyInterval):
		}
	}
}

// kill stops the process and waits until it is gone, so that its port is
// free when kill returns.
func (p *sesProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// sesEnv is the test's environment without SMTP_TRANSPORT, which would
// make the emulator relay every stored mail to an SMTP server.
func sesEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SMTP_TRANSPORT=") {
			env = append(env, kv)
		}
	}
	return env
}
