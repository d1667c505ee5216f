package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
)

// doc is a parsed page with the lookups the form tests need.
type doc struct {
	root *xhtml.Node
	byID map[string]*xhtml.Node
}

func parsePage(t *testing.T, body []byte) doc {
	t.Helper()
	root, err := xhtml.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	d := doc{root: root, byID: map[string]*xhtml.Node{}}
	for _, n := range d.all(func(*xhtml.Node) bool { return true }) {
		if id := attr(n, "id"); id != "" {
			if d.byID[id] != nil {
				t.Errorf("id %q twice", id)
			}
			d.byID[id] = n
		}
	}
	return d
}

func (d doc) all(keep func(*xhtml.Node) bool) []*xhtml.Node {
	var out []*xhtml.Node
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && keep(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

func (d doc) tags(name string) []*xhtml.Node {
	return d.all(func(n *xhtml.Node) bool { return n.Data == name })
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *xhtml.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func text(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// input is the form control named name (the one with value, for a group).
func (d doc) input(name, value string) *xhtml.Node {
	for _, n := range d.all(func(n *xhtml.Node) bool { return attr(n, "name") == name }) {
		if n.Data == "select" && value != "" {
			for _, o := range (doc{root: n}).tags("option") {
				if attr(o, "value") == value {
					return o
				}
			}
		}
		if value == "" || attr(n, "value") == value {
			return n
		}
	}
	return nil
}

// TestFormPages: every hosted page in every language is a complete, light
// page: its language and direction, every control labelled, hints and
// messages tied to their inputs, the language switcher, no resource from
// elsewhere, and the one script the CSP allows by its hash.
func TestFormPages(t *testing.T) {
	f := newFixture(t)
	open := f.putEvent(t, 20, nil)
	closed := f.putEvent(t, 20, func(e *event.Event) { e.RegistrationDeadline = f.clock.Now().Add(-time.Hour) })
	pages := []struct {
		path string
		form bool
	}{
		{"/forms/partner", true},
		{"/forms/contact", true},
		{"/forms/events", false},
		{"/forms/events/" + open.ID, true},
		{"/forms/events/" + closed.ID, false},
	}
	for _, loc := range i18n.Locales() {
		for _, p := range pages {
			t.Run(loc+p.path, func(t *testing.T) {
				r := f.do(t, "GET", p.path+"?lang="+loc, "", nil)
				if r.status != http.StatusOK {
					t.Fatalf("status %d: %.300s", r.status, r.body)
				}
				if c := r.header.Get("Set-Cookie"); c != "" {
					t.Errorf("the page sets a cookie: %s", c)
				}
				if len(r.body) > 50<<10 {
					t.Errorf("page is %d bytes, want at most 50 KiB", len(r.body))
				}
				d := parsePage(t, r.body)
				page := d.tags("html")[0]
				if attr(page, "lang") != loc || attr(page, "dir") != i18n.Dir(loc) {
					t.Errorf("html lang=%q dir=%q, want %s %s", attr(page, "lang"), attr(page, "dir"), loc, i18n.Dir(loc))
				}
				for _, tag := range []string{"link", "img", "iframe", "object"} {
					if n := d.tags(tag); len(n) > 0 {
						t.Errorf("page loads a <%s>", tag)
					}
				}
				checkSwitcher(t, d, loc)
				checkLabels(t, d)
				checkScript(t, d, r.header.Get("Content-Security-Policy"), p.form)
				forms := d.tags("form")
				if p.form != (len(forms) == 1) {
					t.Fatalf("%d forms on the page, want a form: %v", len(forms), p.form)
				}
				if p.form && d.input("locale", "") == nil {
					t.Error("the form does not carry its language")
				}
				if p.form && attr(d.input("locale", ""), "value") != loc {
					t.Errorf("the form's locale is %q, want %s", attr(d.input("locale", ""), "value"), loc)
				}
			})
		}
	}
}

func checkSwitcher(t *testing.T, d doc, loc string) {
	t.Helper()
	navs := d.all(func(n *xhtml.Node) bool { return n.Data == "nav" && attr(n, "class") == "languages" })
	if len(navs) != 1 {
		t.Fatalf("%d language switchers, want 1", len(navs))
	}
	links := doc{root: navs[0]}.tags("a")
	if len(links) != len(i18n.Locales())-1 {
		t.Errorf("%d other languages offered, want %d", len(links), len(i18n.Locales())-1)
	}
	for _, a := range links {
		u, err := url.Parse(attr(a, "href"))
		if err != nil || u.Query().Get("lang") != attr(a, "hreflang") || attr(a, "lang") != attr(a, "hreflang") || attr(a, "hreflang") == loc {
			t.Errorf("switcher link %q lang=%q hreflang=%q", attr(a, "href"), attr(a, "lang"), attr(a, "hreflang"))
		}
		if text(a) != i18n.Name(attr(a, "hreflang")) {
			t.Errorf("switcher names %s %q, want its own name", attr(a, "hreflang"), text(a))
		}
	}
}

// checkLabels: every visible control has a label, every group a legend,
// and aria-describedby names elements that exist.
func checkLabels(t *testing.T, d doc) {
	t.Helper()
	labelled := map[string]bool{}
	for _, l := range d.tags("label") {
		labelled[attr(l, "for")] = true
	}
	for _, n := range d.all(func(n *xhtml.Node) bool {
		return n.Data == "input" || n.Data == "select" || n.Data == "textarea"
	}) {
		if attr(n, "type") == "hidden" {
			continue
		}
		if id := attr(n, "id"); id == "" || !labelled[id] {
			t.Errorf("control %q (id %q) has no label", attr(n, "name"), id)
		}
		if name := attr(n, "name"); attr(n, "type") != "radio" && attr(n, "type") != "checkbox" && name != "homepage" &&
			attr(n, "autocomplete") == "" && (name == "email" || name == "name" || name == "contactName") {
			t.Errorf("control %q has no autocomplete", name)
		}
	}
	for _, fs := range d.tags("fieldset") {
		if len(doc{root: fs}.tags("legend")) != 1 {
			t.Error("a fieldset without its legend")
		}
	}
	for _, n := range d.all(func(n *xhtml.Node) bool { return hasAttr(n, "aria-describedby") }) {
		for _, id := range strings.Fields(attr(n, "aria-describedby")) {
			if d.byID[id] == nil {
				t.Errorf("aria-describedby names %q, which is not on the page", id)
			}
		}
	}
}

// checkScript: a form page carries the script inline and its CSP allows
// exactly that script; other pages run none.
func checkScript(t *testing.T, d doc, csp string, form bool) {
	t.Helper()
	scripts := d.tags("script")
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows more than its own script", csp)
	}
	if !form {
		if len(scripts) > 0 || strings.Contains(csp, "script-src") {
			t.Errorf("a page without a form runs a script (CSP %q)", csp)
		}
		return
	}
	if len(scripts) != 1 || hasAttr(scripts[0], "src") {
		t.Fatalf("%d scripts, want the one inline", len(scripts))
	}
	sum := sha256.Sum256([]byte(scripts[0].FirstChild.Data))
	if want := "script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q does not allow the page's script (%s)", csp, want)
	}
}

// TestFormShownAgain: a plain post with problems comes back as the same
// form (422), the title saying so, a summary linking to each field, the
// message tied to its input, and every input kept as typed.
func TestFormShownAgain(t *testing.T) {
	f := newFixture(t)
	e := f.putEvent(t, 20, nil)
	tests := []struct {
		name, path string
		sent       url.Values
		invalid    []string // fields with a message, in the form's order
		kept       map[string]string
		ticked     [][2]string
	}{
		{
			name: "partner", path: "/partners",
			sent: url.Values{
				"organisation": {"<b>Beispielverein e. V.</b>"}, "email": {"nope@"}, "workingGroups": {"language", "housing"},
				"regionalNetworks": {"eisenach"}, "message": {"Zeile eins\nZeile zwei"}, "organisationType": {"association"},
			},
			invalid: []string{"contactName", "email", "consent"},
			kept:    map[string]string{"organisation": "<b>Beispielverein e. V.</b>", "email": "nope@", "message": "Zeile eins\nZeile zwei"},
			ticked:  [][2]string{{"workingGroups", "language"}, {"workingGroups", "housing"}, {"regionalNetworks", "eisenach"}, {"organisationType", "association"}},
		},
		{
			name: "contact", path: "/contact",
			sent:    url.Values{"name": {"Frage Steller"}, "email": {"frage@example.org"}, "topic": {"general"}, "network": {"eisenach"}, "consent": {"on"}},
			invalid: []string{"message"},
			kept:    map[string]string{"name": "Frage Steller", "email": "frage@example.org"},
			ticked:  [][2]string{{"topic", "general"}, {"network", "eisenach"}, {"consent", "on"}},
		},
		{
			name: "sign-up", path: "/events/" + e.ID + "/registrations",
			sent:    url.Values{"email": {"ä@example.org"}, "needs": {"Dolmetschen (Arabisch)"}, "consent": {"on"}},
			invalid: []string{"name", "email"},
			kept:    map[string]string{"email": "ä@example.org", "needs": "Dolmetschen (Arabisch)"},
			ticked:  [][2]string{{"consent", "on"}},
		},
	}
	for _, tt := range tests {
		for _, loc := range []string{"de", "ar"} {
			t.Run(tt.name+" "+loc, func(t *testing.T) {
				sent := url.Values{"locale": {loc}}
				for k, v := range tt.sent {
					sent[k] = v
				}
				r := f.do(t, "POST", tt.path, "application/x-www-form-urlencoded", []byte(sent.Encode()))
				if r.status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422: %.300s", r.status, r.body)
				}
				d := parsePage(t, r.body)
				if got := attr(d.tags("html")[0], "dir"); got != i18n.Dir(loc) {
					t.Errorf("dir %q", got)
				}
				title := text(d.tags("title")[0])
				if prefix, _, _ := strings.Cut(i18n.T(loc, "form.error.title", "|"), "|"); !strings.HasPrefix(title, prefix) {
					t.Errorf("title %q does not start with %q", title, prefix)
				}
				summary := d.all(func(n *xhtml.Node) bool { return attr(n, "class") == "error-summary" })
				if len(summary) != 1 || attr(summary[0], "role") != "alert" {
					t.Fatalf("want one error summary with role alert")
				}
				var targets []string
				for _, a := range (doc{root: summary[0]}).tags("a") {
					targets = append(targets, strings.TrimPrefix(attr(a, "href"), "#"))
				}
				var want []string
				for _, field := range tt.invalid {
					want = append(want, "f-"+field)
					target := d.byID["f-"+field]
					if target == nil {
						t.Fatalf("the summary links to f-%s, which is not on the page", field)
					}
					msg := d.byID["f-"+field+"-error"]
					if msg == nil || text(msg) == "" {
						t.Errorf("no message beside %s", field)
						continue
					}
					described := target
					if attr(target, "type") == "radio" || attr(target, "type") == "checkbox" && field != "consent" {
						described = target.Parent.Parent // the fieldset
					}
					if !strings.Contains(attr(described, "aria-describedby"), "f-"+field+"-error") {
						t.Errorf("%s: aria-describedby %q lacks its message", field, attr(described, "aria-describedby"))
					}
					if attr(target, "aria-invalid") != "true" {
						t.Errorf("%s is not marked invalid", field)
					}
				}
				if strings.Join(targets, " ") != strings.Join(want, " ") {
					t.Errorf("summary links to %v, want %v", targets, want)
				}
				for name, value := range tt.kept {
					n := d.input(name, "")
					if n == nil {
						t.Fatalf("no field %s", name)
					}
					got := attr(n, "value")
					if n.Data == "textarea" {
						got = n.FirstChild.Data
					}
					if got != value {
						t.Errorf("%s is %q, want %q as typed", name, got, value)
					}
				}
				for _, tick := range tt.ticked {
					n := d.input(tick[0], tick[1])
					if n == nil {
						t.Fatalf("no %s=%s", tick[0], tick[1])
					}
					if !hasAttr(n, "checked") && !hasAttr(n, "selected") {
						t.Errorf("%s=%s is no longer chosen", tick[0], tick[1])
					}
				}
			})
		}
	}
}

// TestFormScriptAnswers: the forms' script posts the form as it is and
// asks for JSON; it gets what API clients get.
func TestFormScriptAnswers(t *testing.T) {
	f := newFixture(t)
	bad := url.Values{"organisation": {"Verein"}, "locale": {"en"}}
	r := f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte(bad.Encode()), "Accept", "application/json")
	p := decodeProblem(t, r)
	if r.status != http.StatusUnprocessableEntity || len(p.Errors) == 0 || p.Errors[0].Message == "" {
		t.Fatalf("status %d, problem %+v", r.status, p)
	}
	if !strings.Contains(p.Errors[0].Message, " ") || p.Errors[0].Message != i18n.T("en", "error."+p.Errors[0].Code) {
		t.Errorf("message %q is not the English one", p.Errors[0].Message)
	}
	good := url.Values{"name": {"Frage Steller"}, "email": {"script@example.org"}, "topic": {"general"}, "message": {"Hallo"}, "consent": {"on"}}
	r = f.do(t, "POST", "/contact", "application/x-www-form-urlencoded", []byte(good.Encode()), "Accept", "application/json")
	var answer map[string]string
	if err := json.Unmarshal(r.body, &answer); err != nil || r.status != http.StatusAccepted || answer["reference"] == "" {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
}

// TestFormRedirect: after success a form may send the person back to the
// county's own website, never anywhere else.
func TestFormRedirect(t *testing.T) {
	f := newFixture(t)
	origin := f.config.AllowedOrigins[0]
	tests := []struct {
		name, redirect string
		want           string // the Location's start; "" for the thank-you page
	}{
		{"an allowed origin", origin + "/netzwerk/danke", origin + "/netzwerk/danke"},
		{"another site", "https://evil.example/danke", ""},
		{"the same host over plain http", "http" + strings.TrimPrefix(origin, "https") + "/danke", ""},
		{"a script", "javascript:alert(1)", ""},
		{"credentials in the URL", "https://user@" + strings.TrimPrefix(origin, "https://") + "/x", ""},
		{"protocol-relative", "//" + strings.TrimPrefix(origin, "https://") + "/x", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"name": {"Frage Steller"}, "email": {"redirect" + string(rune('a'+i)) + "@example.org"}, "topic": {"general"},
				"message": {"Hallo"}, "consent": {"on"}, "redirect": {tt.redirect}}
			r := f.do(t, "POST", "/contact", "application/x-www-form-urlencoded", []byte(form.Encode()))
			if r.status != http.StatusSeeOther {
				t.Fatalf("status %d", r.status)
			}
			loc, err := url.Parse(r.header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if loc.IsAbs() || !strings.HasPrefix(loc.Path, "thanks/contact-received") {
					t.Errorf("Location %q, want the thank-you page", loc)
				}
				return
			}
			if !strings.HasPrefix(loc.String(), tt.want) || loc.Query().Get("reference") == "" {
				t.Errorf("Location %q, want %s with the reference", loc, tt.want)
			}
		})
	}
	t.Run("kept when the form comes back", func(t *testing.T) {
		form := url.Values{"organisation": {"Verein"}, "redirect": {origin + "/danke"}}
		d := parsePage(t, f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte(form.Encode())).body)
		if n := d.input("redirect", ""); n == nil || attr(n, "value") != origin+"/danke" {
			t.Error("the form shown again lost its redirect")
		}
		if attr(d.tags("form")[0], "data-thanks") != origin+"/danke" {
			t.Error("the script would not go to the redirect")
		}
		form.Set("redirect", "https://evil.example/")
		d = parsePage(t, f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte(form.Encode())).body)
		if d.input("redirect", "") != nil {
			t.Error("a redirect elsewhere was carried on")
		}
	})
}

// TestEventPages: the list says where each event stands; an event's page
// offers the form only while sign-up is open.
func TestEventPages(t *testing.T) {
	f := newFixture(t)
	roomy := f.putEvent(t, 20, func(e *event.Event) { e.Title = map[string]string{"de": "Plenum <Frühjahr>"} })
	full := f.putEvent(t, 1, func(e *event.Event) { e.Title = map[string]string{"de": "AG Sprache"} })
	f.signUpAs(t, full.ID, "erste@example.org", event.Confirmed)
	closed := f.putEvent(t, 20, func(e *event.Event) {
		e.Title = map[string]string{"de": "AG Arbeit"}
		e.RegistrationDeadline = f.clock.Now().Add(-time.Hour)
	})
	hidden := f.putEvent(t, 20, func(e *event.Event) { e.Title = map[string]string{"de": "Entwurf"}; e.Published = false })

	list := f.do(t, "GET", "/forms/events", "", nil)
	body := string(list.body)
	for _, want := range []string{
		"Plenum &lt;Frühjahr&gt;", i18n.T("de", "form.event.seats", "20"),
		"AG Sprache", i18n.T("de", "form.event.waitinglist"),
		"AG Arbeit", i18n.T("de", "form.event.closed"),
		"forms/events/" + roomy.ID + "?lang=de", "events.ics?locale=de",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(body, "Entwurf") {
		t.Error("the list shows an unpublished event")
	}

	// A post the event no longer takes is answered with a page whose
	// language switcher leads back to the event's form.
	late := url.Values{"name": {"Zu Spät"}, "email": {"spaet@example.org"}, "consent": {"on"}, "locale": {"de"}}
	r := f.do(t, "POST", "/events/"+closed.ID+"/registrations", "application/x-www-form-urlencoded", []byte(late.Encode()))
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), `href="../../forms/events/`+closed.ID+`?lang=en"`) {
		t.Errorf("a late sign-up: %d, and no way to the form in another language: %.2000s", r.status, r.body)
	}

	tests := []struct {
		id     string
		status int
		form   bool
	}{
		{roomy.ID, http.StatusOK, true},
		{full.ID, http.StatusOK, true},
		{closed.ID, http.StatusOK, false},
		{hidden.ID, http.StatusNotFound, false},
		{"unknown", http.StatusNotFound, false},
	}
	for _, tt := range tests {
		r := f.do(t, "GET", "/forms/events/"+tt.id, "", nil, "Accept", "application/json")
		if r.status != tt.status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: status %d %s, want %d as a page", tt.id, r.status, r.header.Get("Content-Type"), tt.status)
			continue
		}
		d := parsePage(t, r.body)
		if got := len(d.tags("form")) == 1; got != tt.form {
			t.Errorf("%s: a form: %v, want %v", tt.id, got, tt.form)
		}
		if tt.form && attr(d.tags("form")[0], "action") != "../../events/"+tt.id+"/registrations" {
			t.Errorf("%s: the form posts to %q", tt.id, attr(d.tags("form")[0], "action"))
		}
	}
}

// TestFormPrefill: a link may preselect choices, never fill in a name or
// an address.
func TestFormPrefill(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "GET", "/forms/contact?topic=general&network=eisenach&email=someone%40example.org&name=Jemand", "", nil)
	d := parsePage(t, r.body)
	if !hasAttr(d.input("topic", "general"), "checked") || !hasAttr(d.input("network", "eisenach"), "selected") {
		t.Error("the link's choices are not preselected")
	}
	if attr(d.input("email", ""), "value") != "" || attr(d.input("name", ""), "value") != "" {
		t.Error("the link filled in personal data")
	}
}
