package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPagesIsolateNames: on a right-to-left page, the organisation a person
// typed and the network's name stand isolated (FSI…PDI), so "Beispielverein
// e. V." keeps its final dot where it belongs; left to right, nothing is
// added.
func TestPagesIsolateNames(t *testing.T) {
	l := startLocal(t, nil)
	tests := []struct {
		locale string
		rtl    bool
	}{
		{"ar", true},
		{"fa", true},
		{"de", false},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			org := "Beispielverein " + tt.locale + " e. V."
			form := url.Values{"organisation": {org}, "organisationType": {"association"}, "contactName": {"Test"},
				"email": {"bidi-" + tt.locale + "@example.org"}, "workingGroups": {"language"}, "consent": {"on"}, "locale": {tt.locale}}
			if resp, body := l.request(t, "POST", "/partners", "application/x-www-form-urlencoded", form.Encode()); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("apply: %d %s", resp.StatusCode, body)
			}
			l.Wait()
			var token string
			for _, m := range l.mails(t) {
				if strings.Contains(m.header.Get("To"), "bidi-"+tt.locale+"@") {
					if found := tokenLink.FindStringSubmatch(m.text); found != nil {
						token = found[1]
					}
				}
			}
			if token == "" {
				t.Fatal("no confirm link mailed")
			}
			resp, body := l.request(t, "GET", "/partners/confirm?token="+token+"&locale="+tt.locale, "", "", "Accept", "text/html")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, org) {
				t.Fatalf("confirm page: %d %.300s", resp.StatusCode, body)
			}
			network := l.Config.Name.In(tt.locale)
			for _, name := range []string{org, network, l.Config.MainInbox()} {
				isolated := strings.Contains(body, "\u2068"+name+"\u2069")
				if isolated != tt.rtl {
					t.Errorf("%q isolated: %v, want %v", name, isolated, tt.rtl)
				}
			}
		})
	}
}
