package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestMailViewer clicks through as someone trying `make run` does: the mail
// list, the confirm mail as HTML, its link, the page's button.
func TestMailViewer(t *testing.T) {
	l := startLocal(t, nil)

	resp, body := l.request(t, "GET", "/_dev/mail", "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Noch keine Post") {
		t.Fatalf("empty list: %d %.300s", resp.StatusCode, body)
	}

	for _, org := range []string{"Erster Verein", "Zweiter Verein"} {
		form := url.Values{"organisation": {org}, "organisationType": {"association"}, "contactName": {"Test"},
			"email": {strings.ReplaceAll(strings.ToLower(org), " ", "-") + "@example.org"}, "workingGroups": {"language"},
			"consent": {"on"}, "locale": {"de"}}
		if resp, body := l.request(t, "POST", "/partners", "application/x-www-form-urlencoded", form.Encode()); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", resp.StatusCode, body)
		}
		// Delivery runs in the background: wait, so the second mail is
		// written after the first and the order below is the real one.
		l.Wait()
	}

	resp, body = l.request(t, "GET", "/_dev/mail", "", "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("list: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	links := regexp.MustCompile(`<a href="/_dev/mail/([^"?]+\.eml)"><bdi>([^<]*)</bdi></a></td><td>([^<]*)</td>`).FindAllStringSubmatch(body, -1)
	if len(links) != 2 {
		t.Fatalf("%d mails listed, want 2:\n%s", len(links), body)
	}
	// Newest first, subjects decoded.
	if to := html.UnescapeString(links[0][3]); !strings.Contains(to, "zweiter-verein@example.org") {
		t.Errorf("first listed to %q, want the newest mail", to)
	}
	if subject := html.UnescapeString(links[0][2]); !strings.Contains(subject, "Bitte bestätigen Sie Ihren Antrag") {
		t.Errorf("subject %q", subject)
	}

	resp, body = l.request(t, "GET", "/_dev/mail/"+links[0][1], "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") {
		t.Fatalf("mail: %d %.300s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	link := regexp.MustCompile(`href="(http://[^"]+/partners/confirm\?[^"]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no confirm link in the HTML part:\n%s", body)
	}
	confirm, err := url.Parse(html.UnescapeString(link[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp, body = l.request(t, "GET", confirm.RequestURI(), "", "", "Accept", "text/html")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<form method="post"`) {
		t.Fatalf("confirm page: %d %.300s", resp.StatusCode, body)
	}
	// The button posts the form as a browser would.
	action := regexp.MustCompile(`<form method="post" action="([^"]+)">`).FindStringSubmatch(body)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	if action == nil || token == nil {
		t.Fatalf("no form on the confirm page:\n%s", body)
	}
	ref, err := url.Parse(html.UnescapeString(action[1]))
	if err != nil {
		t.Fatal(err)
	}
	target := confirm.ResolveReference(ref)
	resp, body = l.request(t, "POST", target.RequestURI(), "application/x-www-form-urlencoded",
		url.Values{"token": {html.UnescapeString(token[1])}, "locale": {"de"}}.Encode(), "Accept", "text/html")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("pressing the button: %d %.300s", resp.StatusCode, body)
	}

	resp, body = l.request(t, "GET", "/_dev/mail/"+links[0][1]+"?raw=1", "", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "message/rfc822" || !strings.Contains(body, "\r\nSubject:") {
		t.Errorf("raw: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	for _, path := range []string{"/_dev/mail/..%2Fsecret.eml", "/_dev/mail/none.eml", "/_dev/mail/data.json", "/_dev/mail/%2E%2E.eml"} {
		if resp, _ := l.request(t, "GET", path, "", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
