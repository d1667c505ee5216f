package httpapi_test

import (
	stdhtml "html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
)

var (
	titleTag = regexp.MustCompile(`<title>([^<]*)</title>`)
	heading  = regexp.MustCompile(`<h1>([^<]*)</h1>`)
)

// TestPageTitles: every page names itself in its title, as its heading
// does, in every language: a tab, a bookmark and a screen reader's first
// words say what the page is (WCAG 2.4.2).
func TestPageTitles(t *testing.T) {
	f := newFixture(t)
	requests := []struct {
		name, method, path, contentType, body string
		status                                int
	}{
		{"form with problems", "POST", "/partners", "application/x-www-form-urlencoded", "organisation=&email=x", http.StatusUnprocessableEntity},
		{"unknown event", "GET", "/events/0000000000000000000000000000", "", "", http.StatusNotFound},
		{"thank-you page", "GET", "/thanks/contact-received", "", "", http.StatusOK},
		{"confirm link unknown", "GET", "/partners/confirm?token=x", "", "", http.StatusNotFound},
	}
	for _, loc := range i18n.Locales() {
		for _, rq := range requests {
			t.Run(loc+" "+rq.name, func(t *testing.T) {
				path := rq.path
				if strings.Contains(path, "?") {
					path += "&locale=" + loc
				} else {
					path += "?locale=" + loc
				}
				r := f.do(t, rq.method, path, rq.contentType, []byte(rq.body), "Accept", "text/html")
				if r.status != rq.status {
					t.Errorf("status %d, want %d", r.status, rq.status)
				}
				body := string(r.body)
				tm, hm := titleTag.FindStringSubmatch(body), heading.FindStringSubmatch(body)
				if tm == nil || hm == nil {
					t.Fatalf("%d: no title or heading in %.300s", r.status, body)
				}
				name := f.config.Name.In(loc)
				title, ok := strings.CutSuffix(stdhtml.UnescapeString(tm[1]), " – "+name)
				want := stdhtml.UnescapeString(hm[1])
				if r.status == http.StatusUnprocessableEntity {
					// A form shown again says so first, as the GOV.UK
					// pattern has it: the title is what is announced.
					want = i18n.T(loc, "form.error.title", want)
				}
				if !ok || strings.TrimSpace(title) == "" || title != want {
					t.Errorf("%d: title %q, heading %q; want the heading, then the network", r.status, tm[1], hm[1])
				}
			})
		}
	}
}

// TestThanksReference: the contact thank-you page shows a reference only
// in the shape the form makes, and only on that page; every thank-you page
// links back to the county's website.
func TestThanksReference(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		page, reference string
		shown           bool
	}{
		{"contact-received", "K-7F3A-92QX", true},
		{"contact-received", "K-0000-0000", false}, // letters the alphabet leaves out
		{"contact-received", "<b>K-7F3A-92QX</b>", false},
		{"contact-received", "Ihr Konto ist gesperrt, rufen Sie 0190 an", false},
		{"partner-application", "K-7F3A-92QX", false},
	}
	for _, tt := range tests {
		t.Run(tt.page+" "+tt.reference, func(t *testing.T) {
			r := f.do(t, "GET", "/thanks/"+tt.page+"?locale=de&reference="+url.QueryEscape(tt.reference), "", nil, "Accept", "text/html")
			if r.status != http.StatusOK {
				t.Fatalf("status %d", r.status)
			}
			body := string(r.body)
			if shown := strings.Contains(body, "Vorgangsnummer:"); shown != tt.shown {
				t.Errorf("reference shown %v, want %v: %.400s", shown, tt.shown, body)
			}
			// Every thank-you page leads back to the county's site.
			if want := `<a href="` + f.config.WebsiteURL + `">Zurück zur Website</a>`; f.config.WebsiteURL == "" || !strings.Contains(body, want) {
				t.Errorf("no link back to the website (%q): %.400s", f.config.WebsiteURL, body)
			}
			if tt.shown && !strings.Contains(body, "<bdi>"+tt.reference+"</bdi>") {
				t.Errorf("reference not isolated: %.400s", body)
			}
		})
	}
}
