package main

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// local is the local server as `make run` builds it, listening on a free
// loopback port, with an injected clock and no background sweeps: tests
// sweep explicitly.
type local struct {
	*server
	url     string
	mailDir string
	clock   *testenv.Clock
}

func startLocal(t testing.TB, edit func(*options)) *local {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	clk := testenv.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	o := options{
		addr:       ln.Addr().String(),
		mailDir:    t.TempDir(),
		configPath: "../config/wartburgkreis.json",
		table:      "netzwerk",
		demo:       true,
		now:        clk.Now,
	}
	if edit != nil {
		edit(&o)
	}
	srv, err := newServer(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &local{server: srv, url: hs.URL, mailDir: o.mailDir, clock: clk}
}

var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (l *local) request(t *testing.T, method, path, contentType, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, l.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// parsedMail is one .eml file, decoded.
type parsedMail struct {
	header      mail.Header
	text        string
	html        string
	attachments []string // media types
}

func (l *local) mails(t *testing.T) []parsedMail {
	t.Helper()
	entries, err := os.ReadDir(l.mailDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []parsedMail
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		f, err := os.Open(filepath.Join(l.mailDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseMail(t, f))
		f.Close()
	}
	return out
}

func parseMail(t *testing.T, r io.Reader) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(r)
	if err != nil {
		t.Fatal(err)
	}
	pm := parsedMail{header: m.Header}
	readPart(t, &pm, m.Header.Get("Content-Type"), m.Body)
	return pm
}

// readPart walks a MIME tree (mixed around alternative) and keeps the text,
// the HTML and any attachments.
func readPart(t *testing.T, pm *parsedMail, contentType string, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(body) // quoted-printable is decoded by the multipart reader
		if err != nil {
			t.Fatal(err)
		}
		switch mt {
		case "text/plain":
			pm.text = string(b)
		case "text/html":
			pm.html = string(b)
		default:
			pm.attachments = append(pm.attachments, mt)
		}
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		readPart(t, pm, p.Header.Get("Content-Type"), p)
	}
}

func decodeHeader(t *testing.T, h mail.Header, key string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var tokenLink = regexp.MustCompile(`/partners/confirm\?token=([A-Za-z0-9_.-]+)&locale=(\w+)`)

func TestPartnerFlowEndToEnd(t *testing.T) {
	l := startLocal(t, nil)
	form := url.Values{
		"organisation":     {`Verein <script>alert("x")</script> e. V.`},
		"organisationType": {"association"},
		"contactName":      {"Анна Петрова"},
		"email":            {"verein@example.org"},
		"workingGroups":    {"language", "housing"},
		"regionalNetworks": {"eisenach", "wutha-farnroda"},
		"message":          {"Wir bieten Sprachcafés an.\n<b>Bitte</b> melden Sie sich."},
		"consent":          {"on"},
		"locale":           {"en"},
	}
	resp, _ := l.request(t, "POST", "/partners", "application/x-www-form-urlencoded", form.Encode())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: status %d, want 303", resp.StatusCode)
	}
	// A browser follows the relative Location to the thank-you page.
	thanks, err := url.Parse(l.url + "/partners")
	if err != nil {
		t.Fatal(err)
	}
	thanks = thanks.ResolveReference(&url.URL{Path: "thanks/partner-application", RawQuery: "locale=en"})
	if _, body := l.request(t, "GET", thanks.RequestURI(), "", "", "Accept", "text/html"); !strings.Contains(body, "Thank you for your application") {
		t.Errorf("thank-you page at %s: %.200s", thanks, body)
	}
	l.Wait()

	mails := l.mails(t)
	if len(mails) != 1 {
		t.Fatalf("%d mails after registering, want 1", len(mails))
	}
	confirm := mails[0]
	t.Run("confirm mail carries nothing the applicant typed", func(t *testing.T) {
		if got := confirm.header.Get("To"); got != "<verein@example.org>" {
			t.Errorf("To %q", got)
		}
		if subject := decodeHeader(t, confirm.header, "Subject"); !strings.Contains(subject, "Please confirm") {
			t.Errorf("subject %q, want English", subject)
		}
		for _, typed := range []string{"Verein", "Анна", "Sprachcafé", "script"} {
			if strings.Contains(confirm.text, typed) || strings.Contains(confirm.html, typed) {
				t.Errorf("confirm mail contains %q", typed)
			}
		}
	})
	m := tokenLink.FindStringSubmatch(confirm.text)
	if m == nil || m[2] != "en" {
		t.Fatalf("no confirm link in %q", confirm.text)
	}
	token := m[1]

	t.Run("the link's page changes nothing", func(t *testing.T) {
		for range 3 { // mail scanners fetch links, sometimes repeatedly
			resp, body := l.request(t, "GET", "/partners/confirm?token="+token+"&locale=en", "", "", "Accept", "text/html")
			if resp.StatusCode != 200 || !strings.Contains(body, `<form method="post"`) || !strings.Contains(body, "Confirm now") {
				t.Fatalf("confirm page %d: %.300s", resp.StatusCode, body)
			}
			if strings.Contains(body, "<script>") {
				t.Error("confirm page shows the organisation unescaped")
			}
		}
		_, body := l.request(t, "GET", "/partners/confirm?token="+token, "", "")
		if !strings.Contains(body, `"pending_confirmation"`) {
			t.Errorf("status after GETs: %s", body)
		}
		l.Wait()
		if n := len(l.mails(t)); n != 1 {
			t.Errorf("%d mails after GETs, want 1", n)
		}
	})

	t.Run("the button confirms and tells the coordinators", func(t *testing.T) {
		resp, _ := l.request(t, "POST", "/partners/confirm", "application/x-www-form-urlencoded", url.Values{"token": {token}, "locale": {"en"}}.Encode())
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "../thanks/partner-confirmed?locale=en" {
			t.Fatalf("confirm: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		l.Wait()
		mails := l.mails(t)
		if len(mails) != 2 {
			t.Fatalf("%d mails, want 2", len(mails))
		}
		review := mails[1]
		if mails[0].header.Get("Message-Id") == review.header.Get("Message-Id") {
			review = mails[0]
		}
		if got := review.header.Get("To"); got != "<integration@example.org>" {
			t.Errorf("To %q, want the network's inbox", got)
		}
		cc, err := review.header.AddressList("Cc")
		if err != nil {
			t.Fatal(err)
		}
		var ccs []string
		for _, a := range cc {
			ccs = append(ccs, a.Address)
		}
		slices.Sort(ccs)
		if want := []string{"netzwerk-eisenach@example.org", "netzwerk-wutha-farnroda@example.org"}; !slices.Equal(ccs, want) {
			t.Errorf("Cc %v, want %v", ccs, want)
		}
		replyTo, err := review.header.AddressList("Reply-To")
		if err != nil || len(replyTo) != 1 || replyTo[0].Name != "Анна Петрова" || replyTo[0].Address != "verein@example.org" {
			t.Errorf("Reply-To %v (%v), want the applicant with her Cyrillic name", replyTo, err)
		}
		if subject := decodeHeader(t, review.header, "Subject"); !strings.HasPrefix(subject, "Neuer Partnerantrag: Verein") {
			t.Errorf("subject %q", subject)
		}
		if !strings.Contains(review.html, "Verein &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; e. V.") ||
			!strings.Contains(review.html, "&lt;b&gt;Bitte&lt;/b&gt;") || strings.Contains(review.html, "<script>") {
			t.Errorf("HTML part does not escape what the applicant typed: %s", review.html)
		}
		for _, want := range []string{"AG Sprache, AG Wohnen und Projekte", "Sprachcafés", "Datenschutzerklärung Fassung 2026-02-27", "Sprache: en"} {
			if !strings.Contains(review.text, want) {
				t.Errorf("text part lacks %q:\n%s", want, review.text)
			}
		}
	})

	t.Run("confirming again is harmless", func(t *testing.T) {
		resp, body := l.request(t, "POST", "/partners/confirm", "application/json", `{"token":"`+token+`"}`)
		if resp.StatusCode != 200 || !strings.Contains(body, `"pending_review"`) {
			t.Errorf("second confirm: %d %s", resp.StatusCode, body)
		}
		l.Wait()
		if n := len(l.mails(t)); n != 2 {
			t.Errorf("%d mails, want still 2", n)
		}
	})

	t.Run("the link expires", func(t *testing.T) {
		l.clock.Advance(8 * 24 * time.Hour)
		resp, _ := l.request(t, "GET", "/partners/confirm?token="+token, "", "")
		if resp.StatusCode != http.StatusGone {
			t.Errorf("expired link: status %d, want 410", resp.StatusCode)
		}
	})
}

func TestDemoPartners(t *testing.T) {
	l := startLocal(t, nil)
	resp, body := l.request(t, "GET", "/partners", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"Jobcenter Wartburgkreis", "Staatliches Schulamt Westthüringen", "Denk bunt im Wartburgkreis"} {
		if !strings.Contains(body, want) {
			t.Errorf("partners lack %q", want)
		}
	}
	if strings.Contains(body, "@example.org") {
		t.Error("the public list shows an email address")
	}
}

// TestMailSurvivesSESOutage: with SES down the application is stored and
// acknowledged, its mail waits, and it goes out once SES is back — once.
func TestMailSurvivesSESOutage(t *testing.T) {
	ses := testenv.NewSESEmulator(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "eu-central-1")
	l := startLocal(t, func(o *options) { o.sesEndpoint = ses.Endpoint() })
	to := testenv.UniqueAddress(t)

	ses.Stop(t)
	resp, body := l.request(t, "POST", "/partners", "application/json",
		`{"organisation":"Ausfall e. V.","organisationType":"other","contactName":"Test","email":"`+to+`","workingGroups":["work"],"consent":true}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("register with SES down: %d %s", resp.StatusCode, body)
	}
	l.Wait() // the immediate attempt failed and was rescheduled

	l.clock.Advance(30 * time.Second)
	counts, err := l.Deliverer.Sweep(context.Background(), 10)
	if err != nil || counts["delivered"] != 0 {
		t.Fatalf("sweep before the mail is due: %v %v", counts, err)
	}

	ses.Start(t)
	l.clock.Advance(2 * time.Minute)
	counts, err = l.Deliverer.Sweep(context.Background(), 10)
	if err != nil || counts["delivered"] != 1 {
		t.Fatalf("sweep after SES is back: %v %v, want 1 delivered", counts, err)
	}
	l.clock.Advance(time.Hour)
	if counts, _ := l.Deliverer.Sweep(context.Background(), 10); len(counts) != 0 {
		t.Errorf("a later sweep still found mail: %v", counts)
	}
	got := ses.Messages(t, to)
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Bitte bestätigen") {
		t.Fatalf("SES received %d mails for %s, want exactly the confirm mail: %+v", len(got), to, got)
	}
}

// TestReminders: a confirmed registrant is reminded once when the event is
// within the lead time, however often the sweeper runs; nobody else is.
func TestReminders(t *testing.T) {
	l := startLocal(t, nil)
	events, err := l.Events.Upcoming(context.Background())
	if err != nil || len(events) == 0 {
		t.Fatalf("demo events: %v %v", events, err)
	}
	e := events[0]
	for _, who := range []string{"erinnerung-a@example.org", "erinnerung-b@example.org"} {
		resp, body := l.request(t, "POST", "/events/"+e.ID+"/registrations", "application/json",
			`{"name":"Test","email":"`+who+`","consent":true,"locale":"de"}`)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("sign-up: %d %s", resp.StatusCode, body)
		}
	}
	// The second one cancels: no reminder for them.
	l.Wait()
	var cancelToken string
	for _, m := range l.mails(t) {
		if strings.Contains(m.header.Get("To"), "erinnerung-b@") {
			cancelToken = regexp.MustCompile(`cancel\?token=([A-Za-z0-9_.-]+)`).FindStringSubmatch(m.text)[1]
		}
	}
	if resp, _ := l.request(t, "POST", "/registrations/cancel", "application/json", `{"token":"`+cancelToken+`"}`); resp.StatusCode != 200 {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}

	tests := []struct {
		name  string
		at    time.Time
		queue int
	}{
		{"three days before: too early", e.StartsAt.Add(-72 * time.Hour), 0},
		{"a day before: reminded", e.StartsAt.Add(-24 * time.Hour), 1},
		{"again an hour later: nothing new", e.StartsAt.Add(-23 * time.Hour), 0},
		{"after the start: nothing", e.StartsAt.Add(time.Hour), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l.clock.Set(tt.at)
			n, err := l.Events.QueueReminders(context.Background())
			if err != nil || n != tt.queue {
				t.Errorf("queued %d (%v), want %d", n, err, tt.queue)
			}
		})
	}
	l.Wait()
	var reminders []parsedMail
	for _, m := range l.mails(t) {
		if strings.HasPrefix(decodeHeader(t, m.header, "Subject"), "Erinnerung:") {
			reminders = append(reminders, m)
		}
	}
	if len(reminders) != 1 || reminders[0].header.Get("To") != "<erinnerung-a@example.org>" {
		t.Fatalf("%d reminders, want exactly one to erinnerung-a", len(reminders))
	}
	link := regexp.MustCompile(`cancel\?token=([A-Za-z0-9_.-]+)`).FindStringSubmatch(reminders[0].text)
	if link == nil {
		t.Fatal("the reminder has no cancel link")
	}
	l.clock.Set(e.StartsAt.Add(-20 * time.Hour))
	if resp, body := l.request(t, "GET", "/registrations/cancel?token="+link[1], "", ""); resp.StatusCode != 200 || !strings.Contains(body, `"confirmed"`) {
		t.Errorf("the reminder's cancel link: %d %s", resp.StatusCode, body)
	}
}

// TestSuppressedAddressIsNotMailed: after a hard bounce SES reported, mail
// to that address is parked with the reason instead of being sent again.
func TestSuppressedAddressIsNotMailed(t *testing.T) {
	l := startLocal(t, nil)
	if err := l.Store.Suppress(context.Background(), "bounced@example.org", "bounce:General", l.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body := l.request(t, "POST", "/partners", "application/json",
		`{"organisation":"Abgeprallt e. V.","organisationType":"other","contactName":"Test","email":"Bounced@example.org","workingGroups":["work"],"consent":true}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	l.Wait()
	if n := len(l.mails(t)); n != 0 {
		t.Errorf("%d mails written, want none to a suppressed address", n)
	}
	l.clock.Advance(48 * time.Hour)
	if counts, err := l.Deliverer.Sweep(context.Background(), 10); err != nil || len(counts) != 0 {
		t.Errorf("later sweep: %v %v, want nothing due (parked)", counts, err)
	}
}
