package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	// axePath is axe-core's browser bundle relative to the repository root,
	// installed from infra/browser/package-lock.json by `make test-deps`.
	axePath = "infra/browser/node_modules/axe-core/axe.min.js"
	// tabTimeout bounds everything one test does in its tab, so a page that
	// never loads fails that test instead of the whole run's deadline.
	tabTimeout = 2 * time.Minute
	// screenshotHeight is the least height of a screenshot; a longer page
	// is taken whole.
	screenshotHeight = 800
	// screenshotDir is where Tab.Screenshot writes, relative to the
	// repository root; .local is git-ignored and `make clean` removes it.
	screenshotDir = ".local/screenshots"
)

// chromeFlags are what Chromium needs in a container without a display or a
// network: no sandbox (tests may run as root), no GPU, and none of the
// background traffic (updates, sync, QUIC probes) that only hammers a closed
// network. Some repeat chromedp's defaults, so they hold whatever those
// become; chromedp adds a fresh user data dir per browser.
var chromeFlags = []chromedp.ExecAllocatorOption{
	chromedp.Headless,
	chromedp.NoFirstRun,
	chromedp.NoSandbox,
	chromedp.DisableGPU,
	chromedp.Flag("disable-quic", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-background-networking", true),
}

var sharedChrome struct {
	mu     sync.Mutex
	ctx    context.Context // the browser; nil until the first NewTab
	cancel context.CancelFunc
	err    error
	// idle are tabs a finished test gave back, for the next one.
	idle []browserTab
}

// browserTab is an open tab and what closes it.
type browserTab struct {
	ctx   context.Context
	close context.CancelFunc
}

// NewTab gives t a tab in the headless Chromium shared by the tests of this
// test binary, starting the browser on first use. The tab goes back to the
// browser when t ends, for a later test to reuse: a new tab starts a new
// renderer process, which has to compile axe-core afresh, and that was
// half of a page check's time. Tabs share one profile: the pages set no
// cookies and keep no storage, so tests cannot see each other's.
//
// A package that uses it calls CloseBrowser from its TestMain, so that the
// browser and its temporary profile go when the tests are done.
func NewTab(t testing.TB) *Tab {
	t.Helper()
	bt := takeTab(t)
	ctx, cancel := context.WithTimeout(bt.ctx, tabTimeout)
	t.Cleanup(func() {
		cancel()
		// The next test gets the viewport a new tab has; a tab that cannot
		// give it (crashed, hung) is closed instead.
		if err := chromedp.Do(bt.ctx, chromedp.ResetViewport()); err != nil {
			bt.close()
			return
		}
		sharedChrome.mu.Lock()
		defer sharedChrome.mu.Unlock()
		sharedChrome.idle = append(sharedChrome.idle, bt)
	})
	return &Tab{t: t, ctx: ctx}
}

// takeTab returns an idle tab or opens one.
func takeTab(t testing.TB) browserTab {
	t.Helper()
	browser := startChrome(t)
	sharedChrome.mu.Lock()
	if n := len(sharedChrome.idle); n > 0 {
		bt := sharedChrome.idle[n-1]
		sharedChrome.idle = sharedChrome.idle[:n-1]
		sharedChrome.mu.Unlock()
		return bt
	}
	sharedChrome.mu.Unlock()
	ctx, closeTab := chromedp.NewContext(browser)
	// The first action creates the tab, under a context without a
	// deadline: the tab lives as long as that first context.
	if err := chromedp.Do(ctx); err != nil {
		closeTab()
		t.Fatalf("testenv: opening a Chromium tab: %v", err)
	}
	return browserTab{ctx: ctx, close: closeTab}
}

// CloseBrowser stops the shared browser, if one was started, and removes
// its profile.
func CloseBrowser() {
	sharedChrome.mu.Lock()
	defer sharedChrome.mu.Unlock()
	for _, bt := range sharedChrome.idle {
		bt.close()
	}
	sharedChrome.idle = nil
	if sharedChrome.cancel != nil {
		sharedChrome.cancel()
		sharedChrome.ctx, sharedChrome.cancel = nil, nil
	}
}

func startChrome(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath(t)
	sharedChrome.mu.Lock()
	defer sharedChrome.mu.Unlock()
	if sharedChrome.ctx == nil && sharedChrome.err == nil {
		opts := slices.Concat(chromedp.DefaultExecAllocatorOptions[:], chromeFlags, []chromedp.ExecAllocatorOption{chromedp.ExecPath(path)})
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		browser, cancelBrowser := chromedp.NewContext(alloc)
		// Running nothing starts the browser and its first, blank tab, which
		// keeps the browser alive while test tabs come and go.
		if err := chromedp.Do(browser); err != nil {
			cancelBrowser()
			cancelAlloc()
			sharedChrome.err = err
		} else {
			sharedChrome.ctx = browser
			sharedChrome.cancel = func() { cancelBrowser(); cancelAlloc() }
		}
	}
	if sharedChrome.err != nil {
		t.Fatalf("testenv: starting %s: %v", path, sharedChrome.err)
	}
	return sharedChrome.ctx
}

// chromiumPath returns the Chromium binary on PATH. Missing, it fails the
// test on Linux, where `make test-deps` installs Debian's chromium, because
// a skipped browser test looks like a passing one; elsewhere it skips.
func chromiumPath(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if runtime.GOOS != "linux" {
		t.Skipf("the browser tests need Chromium on PATH as chromium (%v)", err)
	}
	t.Fatalf("testenv: %v; `make test-deps` installs Debian's chromium", err)
	return ""
}

// Tab is one browser tab of a test. Its methods fail the test on any error.
type Tab struct {
	t   testing.TB
	ctx context.Context
}

// For is the same tab reporting to t, for a subtest that goes on where its
// parent's tab stands (a login kept in the tab's session storage, say).
func (tab *Tab) For(t testing.TB) *Tab { return &Tab{t: t, ctx: tab.ctx} }

// Context is the tab's chromedp context, for actions the helpers here do
// not cover.
func (tab *Tab) Context() context.Context { return tab.ctx }

// Open loads url and returns the HTTP status of its document.
func (tab *Tab) Open(url string) int64 {
	tab.t.Helper()
	resp, err := chromedp.Run(tab.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		tab.t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// Follow runs the steps, typically a click on a link or a submit button,
// waits until the page they lead to has loaded (after any redirects) and
// returns the HTTP response of its document.
func (tab *Tab) Follow(steps ...chromedp.Action[chromedp.Void]) *network.Response {
	tab.t.Helper()
	resp, err := chromedp.RunResponse(tab.ctx, steps...)
	if err != nil {
		tab.t.Fatalf("following to the next page: %v", err)
	}
	return resp
}

// Do runs actions that return nothing, such as filling in a field.
func (tab *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, steps...); err != nil {
		tab.t.Fatal(err)
	}
}

// Text is the rendered text of the first element matching the CSS
// selector; it waits until there is one.
func (tab *Tab) Text(selector string) string {
	tab.t.Helper()
	s, err := chromedp.Run(tab.ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		tab.t.Fatalf("text of %s: %v", selector, err)
	}
	return s
}

// Screenshot saves the whole page as name-<width>.png under screenshotDir,
// once for each viewport width, and leaves the viewport at the last width.
// The viewport is made as tall as the page instead of capturing beyond it,
// which shifts right-to-left pages sideways out of the picture.
func (tab *Tab) Screenshot(name string, widths ...int64) {
	tab.t.Helper()
	root, err := repoRoot()
	if err != nil {
		tab.t.Fatal(err)
	}
	dir := filepath.Join(root, filepath.FromSlash(screenshotDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tab.t.Fatal(err)
	}
	for _, w := range widths {
		if err := chromedp.Do(tab.ctx, chromedp.EmulateViewport(w, screenshotHeight)); err != nil {
			tab.t.Fatalf("viewport %d px: %v", w, err)
		}
		h, err := chromedp.Run(tab.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
		if err != nil {
			tab.t.Fatalf("page height at %d px: %v", w, err)
		}
		if err := chromedp.Do(tab.ctx, chromedp.EmulateViewport(w, max(h, screenshotHeight))); err != nil {
			tab.t.Fatalf("viewport %d×%d px: %v", w, h, err)
		}
		png, err := chromedp.Run(tab.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			tab.t.Fatalf("screenshot at %d px: %v", w, err)
		}
		file := filepath.Join(dir, name+"-"+strconv.FormatInt(w, 10)+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tab.t.Fatal(err)
		}
	}
}

// axeTags are the rule sets a page must pass: WCAG 2.1 A and AA, which
// BITV 2.0 requires of German public bodies.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// AxeViolation is one rule axe-core found broken, with the elements that
// break it.
type AxeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	// Target is the element's CSS selector path.
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s: %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
	}
	return b.String()
}

// axeSource is axe-core's bundle, read once per test binary.
var axeSource = sync.OnceValues(func() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(axePath)))
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%s is missing; `make test-deps` installs it (npm ci in infra/browser)", axePath)
	}
	return string(b), err
})

// axeRun runs the loaded axe on the whole document and keeps of its result
// what a failure message needs.
var axeRun = func() string {
	tags, _ := json.Marshal(axeTags)
	return `axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `}, resultTypes: ['violations']})
	.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
		nodes: v.nodes.map(n => ({target: n.target.flat().join(' '), html: n.html, summary: n.failureSummary || ''}))})))`
}()

// Axe runs axe-core's WCAG 2.1 A and AA rules on the page the tab shows and
// returns what they find. The pages' Content-Security-Policy allows no
// script, so axe is not added as a script element but evaluated through
// the DevTools protocol, which the policy does not govern.
func (tab *Tab) Axe() []AxeViolation {
	tab.t.Helper()
	src, err := axeSource()
	if err != nil {
		tab.t.Fatalf("testenv: %v", err)
	}
	if err := chromedp.Do(tab.ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
		tab.t.Fatalf("loading axe-core: %v", err)
	}
	found, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]AxeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.t.Fatalf("running axe-core: %v", err)
	}
	return found
}
