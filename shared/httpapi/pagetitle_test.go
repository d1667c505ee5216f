package httpapi_test

import (
	stdhtml "html"
	"net/http"
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
				if !ok || strings.TrimSpace(title) == "" || title != stdhtml.UnescapeString(hm[1]) {
					t.Errorf("%d: title %q, heading %q; want the heading, then the network", r.status, tm[1], hm[1])
				}
			})
		}
	}
}
