package main

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestMain stops the browser the tests shared once they are done.
func TestMain(m *testing.M) {
	defer testenv.CloseBrowser()
	m.Run()
}

// screenshotLocales are the languages pages are photographed in: the
// default, and one written right to left.
var screenshotLocales = []string{"de", "ar"}

// screenshotWidths are a small phone and a desktop, in CSS pixels.
var screenshotWidths = []int64{320, 1280}

// pageCheck is one page people see, reached as they would reach it.
type pageCheck struct {
	name string
	// open shows the page in locale and returns the HTTP status it came with.
	open func(t *testing.T, tab *testenv.Tab, s *site, locale string) int64
	// want is the status the page comes with; 0 means 200 OK.
	want int64
	// locales the page exists in; nil means every language.
	locales []string
	// wide pages may scroll sideways on a small phone.
	wide bool
}

// pageChecks lists every page of the API and the local server. A new page
// is a new row, checked and photographed like the others: `visit` for one
// reached by its address, a func for one reached by a form or a mail.
var pageChecks = []pageCheck{
	{name: "form-partner", open: visit("/forms/partner?lang=%s")},
	{name: "form-contact", open: visit("/forms/contact?lang=%s")},
	{name: "form-events", open: visit("/forms/events?lang=%s")},
	{name: "form-event", open: func(t *testing.T, tab *testenv.Tab, s *site, locale string) int64 {
		return tab.Open(s.url + "/forms/events/" + s.event + "?lang=" + locale)
	}},
	{name: "form-event-unknown", open: visit("/forms/events/kein-termin?lang=%s"), want: http.StatusNotFound},
	{name: "problem", open: postBadApplication, want: http.StatusUnprocessableEntity},
	{name: "thanks-partner-application", open: visit("/thanks/partner-application?locale=%s")},
	{name: "thanks-partner-confirmed", open: visit("/thanks/partner-confirmed?locale=%s")},
	{name: "thanks-event-received", open: visit("/thanks/event-received?locale=%s")},
	{name: "thanks-event-cancelled", open: visit("/thanks/event-cancelled?locale=%s")},
	{name: "thanks-contact-received", open: visit("/thanks/contact-received?locale=%s&reference=K-7F3A-92QX")},
	{name: "link-unknown", open: visit("/partners/confirm?token=kein-token&locale=%s"), want: http.StatusNotFound},
	{name: "confirm", open: followMailLink("partner", "/partners/confirm")},
	{name: "cancel", open: followMailLink("signup", "/registrations/cancel")},
	{name: "mail-confirm", open: viewMail("partner")},
	{name: "mail-signup", open: viewMail("signup")},
	// The mail viewer is a developer's tool and speaks German only.
	// It lists file names in a table, and may scroll sideways for them.
	{name: "mail-viewer", open: visit("/_dev/mail"), locales: []string{"de"}, wide: true},
}

// TestPagesInBrowser opens every page in every language in Chromium and
// requires axe-core to find no WCAG 2.1 A or AA violation, the level BITV
// 2.0 asks of German public bodies. It saves screenshots for a person to
// look at: tests cannot see whether a right-to-left page reads well.
func TestPagesInBrowser(t *testing.T) {
	s := newSite(t)
	for _, pc := range pageChecks {
		locales := pc.locales
		if locales == nil {
			locales = i18n.Locales()
		}
		for _, loc := range locales {
			t.Run(pc.name+"/"+loc, func(t *testing.T) {
				t.Parallel()
				tab := testenv.NewTab(t)
				want := cmp.Or(pc.want, http.StatusOK)
				if status := pc.open(t, tab, s, loc); status != want {
					t.Fatalf("status %d, want %d", status, want)
				}
				lang, err := chromedp.Run(tab.Context(), chromedp.Evaluate[[2]string](`[document.documentElement.lang, document.documentElement.dir]`))
				if err != nil {
					t.Fatal(err)
				}
				if want := [2]string{loc, i18n.Dir(loc)}; lang != want {
					t.Errorf("lang and dir %q, want %q", lang, want)
				}
				for _, v := range tab.Axe() {
					t.Errorf("axe: %v", v)
				}
				// WCAG 1.4.10: at 320 CSS pixels (a small phone, or 1280
				// at 400 % zoom) the page reads without scrolling sideways.
				tab.Do(chromedp.EmulateViewport(320, 640))
				reflows, err := chromedp.Run(tab.Context(),
					chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= document.documentElement.clientWidth`))
				if err != nil {
					t.Fatal(err)
				}
				if !reflows && !pc.wide {
					t.Error("at 320 px the page scrolls sideways")
				}
				if slices.Contains(screenshotLocales, loc) {
					tab.Screenshot(pc.name+"-"+loc, screenshotWidths...)
				}
			})
		}
	}
}

// TestPartnerClickThrough applies as a person does on the county's site,
// then confirms from the mail viewer: the form, the thank-you page, the
// mail, its link, the button, the confirmed page.
func TestPartnerClickThrough(t *testing.T) {
	l := startLocal(t, nil)
	county := newCounty(t)
	tab := testenv.NewTab(t)

	tab.Open(county.form(l.url+"/partners", url.Values{
		"organisation": {"Beispielverein e. V."}, "organisationType": {"association"}, "contactName": {"Erika Beispiel"},
		"email": {"klick@example.org"}, "workingGroups": {"language"}, "locale": {"de"},
	}))
	// The form leaves consent to the person, as a real one must.
	tab.Do(chromedp.Click(chromedp.CSS("#consent")))
	if resp := tab.Follow(chromedp.Click(chromedp.CSS("button"))); resp.Status != http.StatusOK {
		t.Fatalf("after submitting: status %d at %s", resp.Status, resp.URL)
	}
	if got, want := tab.Text("h1"), i18n.T("de", "page.thanks.partner-application.title"); got != want {
		t.Errorf("thank-you page says %q, want %q", got, want)
	}
	l.Wait()
	if mails := l.mails(t); len(mails) != 1 || mails[0].header.Get("To") != "<klick@example.org>" {
		t.Fatalf("%d mails in the mail dir, want the confirm mail to klick@example.org", len(mails))
	}

	tab.Open(l.url + "/_dev/mail")
	tab.Follow(chromedp.Click(chromedp.CSS(`td a[href$=".eml"]`)))
	if resp := tab.Follow(chromedp.Click(chromedp.CSS(`a[href*="/partners/confirm?"]`))); resp.Status != http.StatusOK {
		t.Fatalf("the mail's link: status %d", resp.Status)
	}
	if got, want := tab.Text("button"), i18n.T("de", "page.partner.confirm.button"); got != want {
		t.Errorf("confirm page button %q, want %q", got, want)
	}
	if resp := tab.Follow(chromedp.Click(chromedp.CSS("button"))); resp.Status != http.StatusOK {
		t.Fatalf("after pressing the button: status %d at %s", resp.Status, resp.URL)
	}
	if got, want := tab.Text("h1"), i18n.T("de", "page.thanks.partner-confirmed.title"); got != want {
		t.Errorf("confirmed page says %q, want %q", got, want)
	}
	l.Wait()
	if n := len(l.mails(t)); n != 2 {
		t.Errorf("%d mails after confirming, want 2 (the coordinators' review mail besides)", n)
	}
}

// site is the local server with, in every language, an application and a
// sign-up already made, whose mails the pages' checks open.
type site struct {
	*local
	county *county
	// event is the demo event with the most seats.
	event string
	// mails maps "partner-de", "signup-ar"… to the mail's file name.
	mails map[string]string
}

// newSite makes every mail the page checks need before any of them runs:
// the checks run in parallel, and waiting for deliveries while another
// check still starts one is not allowed.
func newSite(t *testing.T) *site {
	t.Helper()
	l := startLocal(t, func(o *options) { o.rateLimit = 0 })
	events, err := l.Events.Upcoming(context.Background())
	if err != nil || len(events) == 0 {
		t.Fatalf("demo events: %v %v", events, err)
	}
	// Room for a sign-up in every language, so every mail is the same kind.
	roomiest := slices.MaxFunc(events, func(a, b event.Event) int { return a.Capacity - b.Capacity })
	for _, loc := range i18n.Locales() {
		posts := []struct{ path, body string }{
			{"/partners", url.Values{"organisation": {"Beispielverein e. V."}, "organisationType": {"association"},
				"contactName": {"Erika Beispiel"}, "email": {"partner-" + loc + "@example.org"}, "workingGroups": {"language"},
				"consent": {"on"}, "locale": {loc}}.Encode()},
			{"/events/" + roomiest.ID + "/registrations", url.Values{"name": {"Erika Beispiel"},
				"email": {"signup-" + loc + "@example.org"}, "consent": {"on"}, "locale": {loc}}.Encode()},
		}
		for _, p := range posts {
			if resp, body := l.request(t, "POST", p.path, "application/x-www-form-urlencoded", p.body); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s: %d %.300s", p.path, resp.StatusCode, body)
			}
		}
	}
	l.Wait()
	s := &site{local: l, county: newCounty(t), event: roomiest.ID, mails: map[string]string{}}
	entries, err := os.ReadDir(l.mailDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(l.mailDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m := parseMail(t, f)
		f.Close()
		to, _, _ := strings.Cut(strings.Trim(m.header.Get("To"), "<>"), "@")
		s.mails[to] = e.Name()
	}
	return s
}

// mailLink finds the link to path in the text part of the mail kind-locale.
func (s *site) mailLink(t *testing.T, kind, locale, path string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(s.mailDir, s.mails[kind+"-"+locale]))
	if err != nil {
		t.Fatalf("no %s mail in %s: %v", kind, locale, err)
	}
	defer f.Close()
	link := regexp.MustCompile(`http://\S+` + regexp.QuoteMeta(path) + `\?\S+`).FindString(parseMail(t, f).text)
	if link == "" {
		t.Fatalf("the %s mail in %s has no link to %s", kind, locale, path)
	}
	return link
}

// visit opens the page at format, a path in which %s stands for the locale.
func visit(format string) func(*testing.T, *testenv.Tab, *site, string) int64 {
	return func(t *testing.T, tab *testenv.Tab, s *site, locale string) int64 {
		return tab.Open(s.url + strings.ReplaceAll(format, "%s", locale))
	}
}

// followMailLink opens the link to path in the kind of mail sent in the
// locale, as a person clicking it in their mail program does.
func followMailLink(kind, path string) func(*testing.T, *testenv.Tab, *site, string) int64 {
	return func(t *testing.T, tab *testenv.Tab, s *site, locale string) int64 {
		return tab.Open(s.mailLink(t, kind, locale, path))
	}
}

// viewMail opens the kind of mail sent in the locale in the mail viewer.
func viewMail(kind string) func(*testing.T, *testenv.Tab, *site, string) int64 {
	return func(t *testing.T, tab *testenv.Tab, s *site, locale string) int64 {
		return tab.Open(s.url + "/_dev/mail/" + s.mails[kind+"-"+locale])
	}
}

// postBadApplication submits, from a plain form on the county's site, an
// application without organisation, with a malformed address and without
// consent: the API answers with its page listing the problems.
func postBadApplication(_ *testing.T, tab *testenv.Tab, s *site, locale string) int64 {
	tab.Open(s.county.form(s.url+"/partners", url.Values{
		"organisation": {""}, "organisationType": {"association"}, "contactName": {"Erika Beispiel"},
		"email": {"kein-at-zeichen"}, "workingGroups": {"language"}, "locale": {locale},
	}))
	return tab.Follow(chromedp.Click(chromedp.CSS("button"))).Status
}

// county stands for a county's own website, on another origin than the
// API, with a plain HTML form posting to it, as a CMS editor would paste.
type county struct{ url string }

var countyForm = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Formular</title></head><body><main>
<form method="post" action="{{.Action}}">
{{range $name, $values := .Fields}}{{range $values}}<label>{{$name}} <input name="{{$name}}" value="{{.}}"></label>
{{end}}{{end}}<label><input type="checkbox" id="consent" name="consent"> Einwilligung</label>
<button type="submit">Absenden</button>
</form></main></body></html>
`))

func newCounty(t *testing.T) *county {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		action := q.Get("action")
		q.Del("action")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := countyForm.Execute(w, map[string]any{"Action": action, "Fields": q}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return &county{url: srv.URL}
}

// form is the address of a page holding a form that posts fields to action.
func (c *county) form(action string, fields url.Values) string {
	q := url.Values{"action": {action}}
	for k, v := range fields {
		q[k] = v
	}
	return c.url + "/?" + q.Encode()
}
