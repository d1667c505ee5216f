package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/auth/jwtauth"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// germanTab is a tab whose requests ask for German, as the coordinators'
// browsers do; the tab forgets it when the test ends.
func germanTab(t *testing.T) *testenv.Tab {
	tab := testenv.NewTab(t)
	german := func(on bool) chromedp.Action[chromedp.Void] {
		headers := network.Headers{}
		if on {
			headers["Accept-Language"] = "de-DE,de;q=0.9"
		}
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers})
			return err
		})
	}
	tab.Do(german(true))
	t.Cleanup(func() { _ = chromedp.Do(tab.Context(), german(false)) })
	return tab
}

// console drives the coordinators' console in a tab.
type console struct {
	t   *testing.T
	l   *local
	tab *testenv.Tab
}

// status is what the console said about the last action.
func (c *console) status() string {
	c.t.Helper()
	s, err := chromedp.Run(c.tab.Context(), chromedp.Evaluate[string](`document.getElementById("status").textContent`))
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// act clicks selector and waits until the console says something.
func (c *console) act(selector string) string {
	c.t.Helper()
	c.tab.Do(chromedp.Evaluate[chromedp.Void](`document.getElementById("status").textContent = ""`),
		chromedp.Click(chromedp.CSS(selector)), chromedp.WaitVisible(chromedp.CSS("#status")))
	return c.status()
}

// open goes to a console page by its address, as a link in a mail does.
func (c *console) open(path string) {
	c.t.Helper()
	c.tab.Open(c.l.url + path)
	c.tab.Do(chromedp.WaitVisible(chromedp.CSS("#view h1")))
	for _, v := range c.tab.Axe() {
		c.t.Errorf("axe on %s: %v", path, v)
	}
}

// admin reads the admin API as the test's own coordinator.
func (c *console) admin(path string, into any) {
	c.t.Helper()
	resp, body := c.l.request(c.t, "GET", path, "", "", "Authorization", "Bearer "+c.l.DemoToken)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if into != nil {
		if err := json.Unmarshal([]byte(body), into); err != nil {
			c.t.Fatal(err)
		}
	}
}

// mailTo is the newest mail to addr in the mail dir.
func (c *console) mailTo(addr string) parsedMail {
	c.t.Helper()
	c.l.Wait()
	mails := c.l.mails(c.t)
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].header.Get("To") == "<"+addr+">" {
			return mails[i]
		}
	}
	c.t.Fatalf("no mail to %s", addr)
	return parsedMail{}
}

// TestConsoleInBrowser is a coordinator's day in the console: without a
// login it shows the login and no data; with the development login it
// approves an application, creates an event, sees a person who signed up
// through the public form in the attendee list, downloads the list, calls
// the event off and erases the person; every step checked in the mail dir
// and through the admin API, every page with axe.
func TestConsoleInBrowser(t *testing.T) {
	l := startLocal(t, func(o *options) { o.rateLimit = 0 })
	c := &console{t: t, l: l, tab: germanTab(t)}
	// A coordinator's laptop set to another zone still reads and writes
	// the events' times as the county's clocks show them.
	c.tab.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"})
		return err
	}))

	// An application waiting for review.
	apply := url.Values{"organisation": {"Konsolenverein e. V."}, "organisationType": {"association"}, "contactName": {"Erika Beispiel"},
		"email": {"konsole@example.org"}, "workingGroups": {"language"}, "consent": {"on"}}
	if resp, body := l.request(t, "POST", "/partners", "application/x-www-form-urlencoded", apply.Encode()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d %s", resp.StatusCode, body)
	}
	token := regexp.MustCompile(`/partners/confirm\?token=([A-Za-z0-9_.-]+)`).FindStringSubmatch(c.mailTo("konsole@example.org").text)
	if token == nil {
		t.Fatal("no confirm link in the mail")
	}
	if resp, body := l.request(t, "POST", "/partners/confirm", "application/x-www-form-urlencoded", "token="+token[1]); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}

	ok := true
	tab := c.tab
	step := func(name string, fn func(t *testing.T)) {
		// A step builds on the ones before it: after a failure the rest
		// would only wait for what never comes. Each reports through its
		// own t, in the tab the steps share.
		ok = ok && t.Run(name, func(t *testing.T) {
			c.t, c.tab = t, tab.For(t)
			fn(t)
		})
	}
	step("without a login, the login and no data", func(t *testing.T) {
		c.open("/console/partners")
		html, err := chromedp.Run(c.tab.Context(), chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html, "Konsolenverein") || !strings.Contains(html, "Entwicklungs-Anmeldung") {
			t.Errorf("before the login the console shows:\n%s", html)
		}
	})

	step("log in and approve the application", func(t *testing.T) {
		c.tab.Do(chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#view table")))
		// The coordinators' mail about the application leads to it.
		var link string
		c.l.Wait()
		for _, m := range c.l.mails(t) {
			if strings.Contains(m.text, "Konsolenverein") {
				link = regexp.MustCompile(`http://\S+/console/partners/\S+`).FindString(m.text)
			}
		}
		if link == "" {
			t.Fatal("no console link in the coordinators' mail")
		}
		c.tab.Open(link)
		c.tab.Do(chromedp.WaitVisible(chromedp.CSS("#reason")))
		if got := c.tab.Text("#view h1"); got != "Konsolenverein e. V." {
			t.Errorf("the mail's link opens %q", got)
		}
		for _, v := range c.tab.Axe() {
			t.Errorf("axe on the application: %v", v)
		}
		// The login runs out while the coordinator types: the console asks
		// to log in again, and the note is still there afterwards.
		c.tab.Do(chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("nw.expires", "0")`),
			chromedp.SendKeys(chromedp.CSS("#reason"), "Willkommen!"), chromedp.Click(chromedp.CSS(".actions button:not(.danger)")),
			chromedp.WaitVisible(chromedp.CSS("#login")))
		if got := c.status(); !strings.Contains(got, "abgelaufen") {
			t.Errorf("with the login run out, the console says %q", got)
		}
		c.tab.Do(chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#reason")))
		kept, err := chromedp.Run(c.tab.Context(), chromedp.Evaluate[string](`document.getElementById("reason").value`))
		if err != nil || kept != "Willkommen!" {
			t.Fatalf("after logging in again the note is %q (%v)", kept, err)
		}
		if got := c.act(".actions button:not(.danger)"); got != "Angenommen – E-Mail an die antragstellende Person verschickt." {
			t.Errorf("the console says %q", got)
		}
		var list struct {
			Partners []struct{ Organisation, Status string } `json:"partners"`
		}
		c.admin("/admin/partners?status=approved", &list)
		if !slices.ContainsFunc(list.Partners, func(p struct{ Organisation, Status string }) bool { return p.Organisation == "Konsolenverein e. V." }) {
			t.Errorf("approved applications: %+v", list.Partners)
		}
		if m := c.mailTo("konsole@example.org"); !strings.Contains(m.text, "Willkommen!") {
			t.Errorf("the decision mail lacks the note:\n%s", m.text)
		}
	})

	var eventID string
	step("create an event", func(t *testing.T) {
		c.open("/console/events")
		c.tab.Do(chromedp.SendKeys(chromedp.CSS("#ev-title"), "AG Wohnen im Dezember"),
			chromedp.SetValue(chromedp.CSS("#ev-starts"), "2026-12-20T18:00"), chromedp.SetValue(chromedp.CSS("#ev-ends"), "2026-12-20T20:00"),
			chromedp.SendKeys(chromedp.CSS("#ev-place"), "Landratsamt"), chromedp.SendKeys(chromedp.CSS("#ev-capacity"), "12"),
			chromedp.Click(chromedp.CSS("#ev-published")))
		if got := c.act(`form button[type=submit]`); got != "Die Veranstaltung ist angelegt." {
			t.Fatalf("the console says %q", got)
		}
		loc, err := chromedp.Run(c.tab.Context(), chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		eventID = loc[strings.LastIndex(loc, "/")+1:]
		var e struct {
			Capacity  int    `json:"capacity"`
			Published bool   `json:"published"`
			StartsAt  string `json:"startsAt"`
			TimeZone  string `json:"timeZone"`
		}
		c.admin("/admin/events/"+eventID, &e)
		// 18:00 in Bad Salzungen in December is 17:00 UTC, whatever zone
		// the browser is in.
		if e.Capacity != 12 || !e.Published || e.StartsAt != "2026-12-20T17:00:00Z" || e.TimeZone != "Europe/Berlin" {
			t.Errorf("the event as stored: %+v", e)
		}
		shown, err := chromedp.Run(c.tab.Context(), chromedp.Evaluate[[]string](
			`[document.querySelector("#view p").textContent, document.querySelector("#ev-starts").value]`))
		if err != nil {
			t.Fatal(err)
		}
		if len(shown) != 2 || !strings.Contains(shown[0], "20.12.2026, 18:00") || shown[1] != "2026-12-20T18:00" {
			t.Errorf("the event page shows %q, want 20.12.2026, 18:00 and the form 2026-12-20T18:00", shown)
		}
	})

	step("someone signs up through the public form and shows in the list", func(t *testing.T) {
		public := testenv.NewTab(t)
		public.Open(l.url + "/forms/events/" + eventID + "?lang=de")
		public.Do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Amal Beispiel"), chromedp.SendKeys(chromedp.CSS("#f-email"), "amal@example.org"),
			chromedp.SendKeys(chromedp.CSS("#f-needs"), "Dolmetschen Arabisch"), chromedp.Click(chromedp.CSS("#f-consent")))
		if resp := public.Follow(chromedp.Click(chromedp.CSS("button[type=submit]"))); resp.Status != http.StatusOK {
			t.Fatalf("sign-up: %d", resp.Status)
		}
		c.mailTo("amal@example.org")
		c.open("/console/events/" + eventID)
		row, err := chromedp.Run(c.tab.Context(), chromedp.Text(chromedp.CSS("#view tbody tr")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(row, "Amal Beispiel") || !strings.Contains(row, "Dolmetschen Arabisch") {
			t.Errorf("the attendee list shows %q", row)
		}
	})

	step("download the attendee list", func(t *testing.T) {
		dir := t.TempDir()
		events := true
		err := chromedp.Do(c.tab.Context(), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events}); err != nil {
				return err
			}
			// Subscribed before the click, so the download's end cannot
			// pass unseen.
			progress := cdp.Events(ctx, tg, browser.DownloadProgress)
			if _, err := chromedp.Click(chromedp.CSS("#csv"))(ctx, tg); err != nil {
				return err
			}
			for p, err := range progress {
				if err != nil || p.State == browser.DownloadProgressStateCompleted {
					return err
				}
			}
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		csv, err := os.ReadFile(filepath.Join(dir, "teilnehmende-"+eventID+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(csv), "Amal Beispiel") || !strings.HasPrefix(string(csv), "\ufeff") {
			t.Errorf("the downloaded list:\n%s", csv)
		}
	})

	step("move the event to another place", func(t *testing.T) {
		c.open("/console/events/" + eventID)
		c.tab.Do(chromedp.Evaluate[chromedp.Void](`document.getElementById("ev-place").value = ""`), chromedp.SendKeys(chromedp.CSS("#ev-place"), "Bürgerhaus Bad Salzungen"))
		if got := c.act("#ev-submit"); !strings.HasPrefix(got, "Gespeichert. Alle Angemeldeten erhalten eine aktualisierte Einladung") {
			t.Errorf("the console says %q", got)
		}
		var e struct {
			Location struct{ Name string } `json:"location"`
			Capacity int                   `json:"capacity"`
		}
		c.admin("/admin/events/"+eventID, &e)
		if e.Location.Name != "Bürgerhaus Bad Salzungen" || e.Capacity != 12 {
			t.Errorf("the event as stored: %+v", e)
		}
		if m := c.mailTo("amal@example.org"); !strings.Contains(m.text, "Bürgerhaus Bad Salzungen") {
			t.Errorf("the attendee's last mail does not name the new place:\n%s", m.text)
		}
	})

	step("call the event off", func(t *testing.T) {
		c.tab.Do(chromedp.Click(chromedp.CSS("#cancel-event")), chromedp.WaitVisible(chromedp.CSS("#cancel-yes")))
		if got := c.act("#cancel-yes"); got != "Abgesagt – alle Angemeldeten erhalten eine E-Mail." {
			t.Errorf("the console says %q", got)
		}
		var e struct {
			Cancelled bool `json:"cancelled"`
		}
		c.admin("/admin/events/"+eventID, &e)
		if !e.Cancelled {
			t.Error("the event is not cancelled")
		}
		if m := c.mailTo("amal@example.org"); !strings.Contains(strings.ToLower(m.header.Get("Subject")), "abgesagt") {
			t.Errorf("the last mail to the attendee: %q", m.header.Get("Subject"))
		}
	})

	step("mark a message done", func(t *testing.T) {
		msg := url.Values{"name": {"Frage Steller"}, "email": {"frage@example.org"}, "topic": {"language-courses"},
			"message": {"Gibt es Abendkurse?"}, "consent": {"on"}}
		if resp, body := l.request(t, "POST", "/contact", "application/x-www-form-urlencoded", msg.Encode()); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("contact: %d %s", resp.StatusCode, body)
		}
		c.open("/console/messages?topic=language-courses")
		row, err := chromedp.Run(c.tab.Context(), chromedp.Text(chromedp.CSS("#view tbody tr")))
		if err != nil || !strings.Contains(row, "Sprachkurse") || !strings.Contains(row, "Gibt es Abendkurse?") {
			t.Fatalf("the messages about language courses: %q (%v)", row, err)
		}
		if got := c.act("#view tbody button"); got != "Als erledigt markiert." {
			t.Errorf("the console says %q", got)
		}
		var done struct {
			Messages []struct{ Message, DoneBy string } `json:"messages"`
		}
		c.admin("/admin/messages?status=done", &done)
		if len(done.Messages) != 1 || done.Messages[0].DoneBy != demoCoordinator {
			t.Errorf("done messages: %+v", done.Messages)
		}
	})

	step("every view", func(t *testing.T) {
		for _, view := range []string{"/console", "/console/partners?status=approved", "/console/messages", "/console/mail", "/console/audit"} {
			c.open(view)
		}
		c.open("/console")
		c.tab.Do(chromedp.WaitVisible(chromedp.CSS("#signups")))
		overview, err := chromedp.Run(c.tab.Context(), chromedp.Evaluate[string](`document.getElementById("view").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(overview, "Anträge zur Prüfung") || !strings.Contains(overview, "Anmeldungen der letzten 14 Tage") {
			t.Errorf("the overview:\n%s", overview)
		}
	})

	step("erase the person", func(t *testing.T) {
		c.open("/console/people")
		c.tab.Do(chromedp.SendKeys(chromedp.CSS("#person"), "amal@example.org"))
		if got := c.act("#export"); !strings.HasPrefix(got, "Auskunft zu amal@example.org: ") || !strings.Contains(got, "registrations 1") {
			t.Errorf("the export says %q", got)
		}
		c.tab.Do(chromedp.Click(chromedp.CSS("#erase")),
			chromedp.WaitVisible(chromedp.CSS("#erase-yes")))
		if got := c.act("#erase-yes"); !strings.HasPrefix(got, "Gelöscht: ") || !strings.Contains(got, "registrations 1") {
			t.Errorf("the console says %q", got)
		}
		resp, body := l.request(t, "POST", "/admin/people/export", "application/json", `{"email":"amal@example.org"}`,
			"Authorization", "Bearer "+l.DemoToken)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "Amal") {
			t.Errorf("after erasing, the export: %d %s", resp.StatusCode, body)
		}
	})
}

// managedLogin stands in for Cognito's managed login: the authorization
// code flow with PKCE for one public client, and its logout. It issues the
// tokens the local server verifies.
type managedLogin struct {
	*httptest.Server
	client string
	issue  func() (string, error)

	mu        sync.Mutex
	pending   map[string][2]string // code → challenge, redirect URI
	exchanged int
}

func newManagedLogin(t *testing.T, client string) *managedLogin {
	m := &managedLogin{client: client, pending: map[string][2]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != m.client || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := rand.Text()
		m.mu.Lock()
		m.pending[code] = [2]string{q.Get("code_challenge"), q.Get("redirect_uri")}
		m.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		// Cognito's token endpoint answers browsers on any origin.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		m.mu.Lock()
		p, ok := m.pending[r.FormValue("code")]
		delete(m.pending, r.FormValue("code"))
		m.mu.Unlock()
		sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
		if !ok || r.FormValue("grant_type") != "authorization_code" || r.FormValue("client_id") != m.client ||
			r.FormValue("redirect_uri") != p[1] || base64.RawURLEncoding.EncodeToString(sum[:]) != p[0] {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		token, err := m.issue()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m.mu.Lock()
		m.exchanged++
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "id_token": token, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("client_id") != m.client {
			http.Error(w, "bad logout request", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, r.URL.Query().Get("logout_uri"), http.StatusFound)
	})
	m.Server = httptest.NewServer(mux)
	t.Cleanup(m.Close)
	return m
}

// TestConsoleManagedLogin logs in as in AWS: the console sends the browser
// to the managed login with a PKCE challenge, exchanges the code it brings
// back for a token with the verifier, shows the data, and logs out through
// the managed login, forgetting the token.
func TestConsoleManagedLogin(t *testing.T) {
	const secret = "managed-login-test"
	ml := newManagedLogin(t, "console-client")
	l := startLocal(t, func(o *options) { o.jwtSecret = secret; o.loginDomain = ml.URL; o.loginClient = "console-client" })
	v := &jwtauth.Verifier{Secret: []byte(secret), Now: l.clock.Now}
	ml.issue = func() (string, error) { return v.Issue(demoCoordinator, auth.Group) }

	tab := germanTab(t)
	tab.Open(l.url + "/console")
	if got := tab.Text("#login"); got != "Anmelden" {
		t.Fatalf("the login button says %q", got)
	}
	tab.Do(chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#view .cards")))
	ml.mu.Lock()
	exchanged := ml.exchanged
	ml.mu.Unlock()
	if exchanged != 1 {
		t.Errorf("%d codes exchanged with a matching verifier, want 1", exchanged)
	}
	loc, err := chromedp.Run(tab.Context(), chromedp.Location())
	if err != nil || strings.Contains(loc, "code=") {
		t.Errorf("after the login the address is %q (%v): the code must not stay in it", loc, err)
	}
	tab.Do(chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login")))
	kept, err := chromedp.Run(tab.Context(), chromedp.Evaluate[int](`sessionStorage.length`))
	if err != nil || kept != 0 {
		t.Errorf("after logging out %d items stay in session storage (%v)", kept, err)
	}
}
