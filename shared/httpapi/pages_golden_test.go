package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// pageCase is one page, rendered in every language.
type pageCase struct {
	name string // the golden files' folder
	// config changes the deployment's configuration for this case.
	config func(*network.Config)
	// render draws the page for loc into w; r is a GET of a page with a
	// query unless render makes its own request.
	render func(a *API, w http.ResponseWriter, loc string)
}

// hostileConfig puts markup into every configured text a page shows and a
// javascript: URL where the configuration holds links.
func hostileConfig(c *network.Config) {
	for _, l := range i18n.Locales() {
		c.Name[l] = c.Name[l] + ` <i>"&'+</i> ` + "\u202e"
	}
	c.Phone = "+49 3695 <615803> & 'x'"
	c.Privacy.URL = "javascript:alert(document.cookie)"
	c.Privacy.Consent = network.Text{"de": "Ich stimme zu <a href=x>&</a> " + testenv.HostileQuote, "ar": testenv.HostileBidi}
	c.WebsiteURL = " JavaScript:alert('site')"
	c.OrganisationTypes[0].Label = network.Text{"de": testenv.HostileTag, "en": testenv.HostileQuote}
	c.OrganisationTypes[1].ID = `id" onclick="x`
	c.Topics[0].Label = network.Text{"de": testenv.HostileBidi}
}

func getRequest(loc string) *http.Request {
	return httptest.NewRequest(http.MethodGet, "/forms/partner?lang="+loc+"&x=%3Cb%3E%22%27%2B&locale=zz", nil)
}

func postRequest(loc string) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/partners?locale="+loc, nil)
}

// pageCases covers every page and each branch of it.
func pageCases() []pageCase {
	fieldErrors := []apperr.FieldError{
		{Field: "organisation", Code: "required", Message: "Bitte " + testenv.HostileTag},
		{Field: "email", Code: "invalid", Message: testenv.HostileQuote},
		{Field: "consent", Code: "required", Message: testenv.HostileBidi},
		{Field: "unknown<field>", Code: "duplicate", Message: "zweimal & mehr"},
	}
	problemPage := func(p problem, post bool, here string) func(a *API, w http.ResponseWriter, loc string) {
		return func(a *API, w http.ResponseWriter, loc string) {
			r := getRequest(loc)
			if post {
				r = postRequest(loc)
			}
			title := i18n.T(loc, "page.error.title")
			if len(p.Errors) > 0 {
				title = i18n.T(loc, "page.problems.title")
			}
			a.page(w, r, p.Status, problemBody, pageData{Locale: loc, Title: title, Problem: &p, Here: here})
		}
	}
	thanks := func(name, reference string) func(a *API, w http.ResponseWriter, loc string) {
		return func(a *API, w http.ResponseWriter, loc string) {
			a.page(w, getRequest(loc), http.StatusOK, thanksBody, pageData{
				Locale: loc, Title: i18n.T(loc, "page.thanks."+name+".title"),
				Text: i18n.T(loc, "page.thanks."+name+".text"), Reference: reference,
			})
		}
	}
	confirm := func(key, action string, done bool) func(a *API, w http.ResponseWriter, loc string) {
		return func(a *API, w http.ResponseWriter, loc string) {
			a.page(w, getRequest(loc), http.StatusOK, confirmBody, pageData{
				Locale: loc,
				Title:  i18n.T(loc, key+".title"),
				Text:   i18n.T(loc, key+".text", i18n.Isolate(loc, testenv.HostileQuote+" "+testenv.HostileTag), i18n.Isolate(loc, testenv.HostileBidi)),
				Token:  `tok"en'<&>+` + testenv.HostileBidi,
				Action: action,
				Button: i18n.T(loc, key+".button"),
				Done:   doneText(done, loc, key+".done"),
			})
		}
	}
	hostileValues := url.Values{
		"organisation":     {testenv.HostileQuote + " " + testenv.HostileTag},
		"organisationType": {"association"},
		"contactName":      {testenv.HostileBidi},
		"name":             {testenv.HostileBidi + `"><script>x</script>`},
		"email":            {`o'brien+netz@example.org"><b>`},
		"phone":            {"+49 3695 615803"},
		"website":          {"javascript:alert(1)"},
		"workingGroups":    {"language", "nonexistent"},
		"topic":            {"language-courses"},
		"network":          {"eisenach"},
		"message":          {"</textarea><script>alert(1)</script>" + testenv.HostileLines + testenv.HostileLong},
		"needs":            {testenv.HostileLines},
		"consent":          {"on"},
	}
	form := func(kind formKind, values url.Values, errs []apperr.FieldError, redirect string, ev *eventCard, closed bool) func(a *API, w http.ResponseWriter, loc string) {
		return func(a *API, w http.ResponseWriter, loc string) {
			fields, problems := a.fill(kind, loc, values, errs)
			fv := &formView{Fields: fields, Problems: problems, Redirect: redirect}
			d := pageData{Locale: loc, Form: fv}
			switch kind {
			case partnerForm:
				d.Title, d.Here = i18n.T(loc, "form.partner.title"), "../forms/partner"
				fv.Intro = i18n.T(loc, "form.partner.intro")
				fv.Action, fv.Thanks, fv.Submit = "../partners", "../thanks/partner-application", i18n.T(loc, "form.partner.submit")
			case contactForm:
				d.Title, d.Here = i18n.T(loc, "form.contact.title"), "../forms/contact"
				fv.Intro = i18n.T(loc, "form.contact.intro")
				fv.Action, fv.Thanks, fv.Submit = "../contact", "../thanks/contact-received", i18n.T(loc, "form.contact.submit")
				fv.Reference = true
			case eventForm:
				card := *ev
				d.Event, d.Title = &card, card.Title
				d.Here, d.AllEvents = card.Link, "../forms/events?lang="+loc
				fv.Action, fv.Thanks, fv.Submit = "../events/"+url.PathEscape(card.ID)+"/registrations", "../thanks/event-received", i18n.T(loc, "form.event.submit")
				if closed {
					d.Form = nil
				}
			}
			if redirect != "" {
				fv.Thanks = redirect
			}
			fv.Heading = d.Title
			if len(problems) > 0 {
				d.Title = i18n.T(loc, "form.error.title", d.Title)
			}
			r := getRequest(loc)
			if len(errs) > 0 {
				r = postRequest(loc)
			}
			a.page(w, r, http.StatusOK, formBody, d)
		}
	}
	fullEvent := &eventCard{
		ID: "01jn8a<0000>&0000000000009a", Title: testenv.HostileQuote + " " + testenv.HostileTag, Description: testenv.HostileLines + testenv.HostileBidi + testenv.HostileLong,
		When: "Sa., 21. März 2026, 10:00 <MEZ>", Deadline: "Anmeldung bis 20. März & später",
		Place: "Bürgerhaus \"Alte Schule\" & Café", Address: testenv.HostileBidi + "\nMarkt 1, 99817 Eisenach", Online: "javascript:alert(1)",
		Seats: "3 Plätze frei <!>", Open: true, Link: "../forms/events/01jn8a%3C0000%3E&0000000000009a",
	}
	bareEvent := &eventCard{
		ID: "01jn8a000000000000000000ev", Title: "Sprachcafé", When: "Mo., 23. März 2026, 18:00",
		Seats: "Warteliste", Open: true, Link: "../forms/events/01jn8a000000000000000000ev",
	}
	closedEvent := &eventCard{
		ID: "01jn8a000000000000000000cl", Title: testenv.HostileBidi, When: "Di., 24. März 2026, 09:00", Online: "https://meet.example.org/x",
		Seats: "Anmeldung geschlossen", Link: "../forms/events/01jn8a000000000000000000cl",
	}
	events := func(cards ...eventCard) func(a *API, w http.ResponseWriter, loc string) {
		return func(a *API, w http.ResponseWriter, loc string) {
			a.page(w, getRequest(loc), http.StatusOK, eventsBody, pageData{
				Locale: loc, Title: i18n.T(loc, "form.events.title"), Here: "../forms/events",
				Feed: "../events.ics?locale=" + loc + "&x=<'\"+>", Events: cards,
			})
		}
	}
	console := func(login Login, path string) func(a *API, w http.ResponseWriter, loc string) {
		return func(a *API, w http.ResponseWriter, loc string) {
			a.Login = login
			r := httptest.NewRequest(http.MethodGet, path+"?lang="+loc, nil)
			if strings.Count(path, "/") > 1 {
				r.SetPathValue("view", strings.Split(path, "/")[2])
			}
			a.console(w, r)
		}
	}
	return []pageCase{
		{name: "problem-fields", render: problemPage(problem{Status: 422, Title: "x", Errors: fieldErrors}, false, "")},
		{name: "problem-fields-hostile-config", config: hostileConfig, render: problemPage(problem{Status: 422, Errors: fieldErrors}, true, "../forms/partner")},
		{name: "problem-detail", render: problemPage(problem{Status: 404, Detail: testenv.HostileQuote + " " + testenv.HostileTag + testenv.HostileLines}, false, "")},
		{name: "problem-detail-post", render: problemPage(problem{Status: 503, Detail: "Bitte später <noch einmal>"}, true, "")},
		{name: "thanks-partner-application", render: thanks("partner-application", "")},
		{name: "thanks-partner-confirmed", render: thanks("partner-confirmed", "")},
		{name: "thanks-event-received", render: thanks("event-received", "")},
		{name: "thanks-event-cancelled", render: thanks("event-cancelled", "")},
		{name: "thanks-contact-received", render: thanks("contact-received", "K-7QX4-2MPD")},
		{name: "thanks-contact-hostile-config", config: hostileConfig, render: thanks("contact-received", `K-<b>"'&+`)},
		{name: "thanks-no-website-no-phone", config: func(c *network.Config) { c.WebsiteURL, c.Phone = "", "" }, render: thanks("partner-confirmed", "")},
		{name: "confirm-partner-button", render: confirm("page.partner.confirm", "confirm", false)},
		{name: "confirm-partner-done", render: confirm("page.partner.confirm", "confirm", true)},
		{name: "cancel-event-button", config: hostileConfig, render: confirm("page.event.cancel", "cancel", false)},
		{name: "cancel-event-done", render: confirm("page.event.cancel", "cancel", true)},
		{name: "form-partner", render: form(partnerForm, url.Values{}, nil, "", nil, false)},
		{name: "form-partner-problems", config: hostileConfig, render: form(partnerForm, hostileValues, fieldErrors, `https://www.wartburgkreis.de/danke?a=1&b=<x>"'+`, nil, false)},
		{name: "form-partner-kept", render: form(partnerForm, hostileValues, nil, "https://www.wartburgkreis.de/danke", nil, false)},
		{name: "form-contact", render: form(contactForm, url.Values{"topic": {"language-courses"}, "network": {"eisenach"}}, nil, "", nil, false)},
		{name: "form-contact-problems", config: hostileConfig, render: form(contactForm, hostileValues, fieldErrors, "", nil, false)},
		{name: "form-event", render: form(eventForm, url.Values{}, nil, "", fullEvent, false)},
		{name: "form-event-problems", config: hostileConfig, render: form(eventForm, hostileValues, fieldErrors, "https://www.wartburgkreis.de/x", fullEvent, false)},
		{name: "form-event-bare", render: form(eventForm, url.Values{}, nil, "", bareEvent, false)},
		{name: "form-event-closed", render: form(eventForm, url.Values{}, nil, "", closedEvent, true)},
		{name: "events-empty", render: events()},
		{name: "events-list", config: hostileConfig, render: events(*fullEvent, *bareEvent, *closedEvent)},
		{name: "console", render: console(Login{}, "/console")},
		{name: "console-dev", config: hostileConfig, render: console(Login{Dev: "/dev/login?x=<'\"&+>"}, "/console/partners")},
		{name: "console-domain", render: console(Login{Domain: "https://netz.auth.eu-central-1.amazoncognito.com", ClientID: `client"<&>'+`}, "/console/events")},
	}
}

// TestPagesGolden holds every page, in every language, to the bytes in
// testdata/golden/pages/<case>/<locale>.html, and its Content-Security-
// Policy to csp.txt: the pages' writers must write what the templates
// wrote, entities, isolation marks and line breaks included, and the
// inline style and scripts must keep the hashes the policy allows.
// go test ./shared/httpapi -run PagesGolden -update rewrites them.
func TestPagesGolden(t *testing.T) {
	for _, c := range pageCases() {
		t.Run(c.name, func(t *testing.T) {
			var csp string
			for _, loc := range i18n.Locales() {
				cfg := testenv.Config(t)
				if c.config != nil {
					c.config(cfg)
				}
				a := &API{Config: cfg, Now: func() time.Time { return time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC) }}
				w := httptest.NewRecorder()
				c.render(a, w, loc)
				if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Fatalf("%s: Content-Type %q, body %.300s", loc, ct, w.Body.String())
				}
				policy := w.Header().Get("Content-Security-Policy")
				if csp != "" && policy != csp {
					t.Errorf("%s: policy %q differs from the other languages' %q", loc, policy, csp)
				}
				csp = policy
				body := w.Body.String()
				checkHashes(t, loc, body, policy)
				// The scripts are files of their own: the golden files name
				// them where they stand, written as they are.
				body = strings.Replace(body, "<script>"+formScript+"</script>", "<script>/* pages/form.js */</script>", 1)
				body = strings.Replace(body, "<script>"+consoleScript+"</script>", "<script>/* pages/console.js */</script>", 1)
				testenv.Golden(t, filepath.Join("testdata", "golden", "pages", c.name, loc+".html"), []byte(body))
			}
			testenv.Golden(t, filepath.Join("testdata", "golden", "pages", c.name, "csp.txt"), []byte(csp+"\n"))
		})
	}
}

// checkHashes: the policy allows the page's inline style sheet and script
// by their hashes, so what stands between the tags must hash to them.
func checkHashes(t *testing.T, loc, body, policy string) {
	t.Helper()
	for _, tag := range []string{"style", "script"} {
		_, inline, ok := strings.Cut(body, "<"+tag+">")
		if !ok {
			continue
		}
		inline, _, _ = strings.Cut(inline, "</"+tag+">")
		if h := cspHash(inline); !strings.Contains(policy, tag+"-src "+h) {
			t.Errorf("%s: the policy %q does not allow the inline %s (%s)", loc, policy, tag, h)
		}
	}
}
