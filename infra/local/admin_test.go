package main

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAdminTokens: without --jwt-secret the server makes its own and a
// token that works at once; with one, `local token` makes tokens for it, and
// tokens of another secret are refused.
func TestAdminTokens(t *testing.T) {
	t.Run("printed at start", func(t *testing.T) {
		l := startLocal(t, nil)
		if l.DemoToken == "" {
			t.Fatal("no token made")
		}
		resp, body := l.request(t, "GET", "/admin/me", "", "", "Authorization", "Bearer "+l.DemoToken)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, demoCoordinator) {
			t.Errorf("status %d, body %s; want 200 naming %s", resp.StatusCode, body, demoCoordinator)
		}
	})

	t.Run("made by the token command", func(t *testing.T) {
		const secret = "a-local-secret-for-this-test-0123"
		l := startLocal(t, func(o *options) { o.jwtSecret = secret })
		if l.DemoToken != "" {
			t.Error("a token was made although --jwt-secret was given")
		}
		var out, errOut bytes.Buffer
		if err := printToken([]string{"--jwt-secret", secret, "--email", "k2@example.org"}, &out, &errOut); err != nil {
			t.Fatalf("token: %v (%s)", err, errOut.String())
		}
		token := strings.TrimSpace(out.String())
		resp, body := l.request(t, "GET", "/admin/me", "", "", "Authorization", "Bearer "+token)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "k2@example.org") {
			t.Errorf("status %d, body %s; want 200 naming k2@example.org", resp.StatusCode, body)
		}
		out.Reset()
		if err := printToken([]string{"--jwt-secret", "another-secret", "--email", "k2@example.org"}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if resp, _ := l.request(t, "GET", "/admin/me", "", "", "Authorization", "Bearer "+strings.TrimSpace(out.String())); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token of another secret: status %d, want 401", resp.StatusCode)
		}
	})

	t.Run("token command usage", func(t *testing.T) {
		for _, args := range [][]string{nil, {"--jwt-secret", "s"}, {"--email", "e@example.org"}, {"--jwt-secret", "s", "--email", "e@example.org", "stray"}} {
			if err := printToken(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
				t.Errorf("%v: no error", args)
			}
		}
	})
}

// TestAdminEventsEndToEnd: a coordinator moves a demo event to another
// room and then calls it off; both people signed up get each mail, with
// the calendar entry that updates or removes theirs.
func TestAdminEventsEndToEnd(t *testing.T) {
	l := startLocal(t, nil)
	auth := []string{"Authorization", "Bearer " + l.DemoToken}
	resp, body := l.request(t, "GET", "/admin/events", "", "", auth...)
	if resp.StatusCode != http.StatusOK || strings.Count(body, `"id":`) != 3 {
		t.Fatalf("list: %d %s; want the three demo events", resp.StatusCode, body)
	}
	events, err := l.Events.Upcoming(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/events/" + events[0].ID
	for _, who := range []string{"umzug-a@example.org", "umzug-b@example.org"} {
		if resp, body := l.request(t, "POST", "/events/"+events[0].ID+"/registrations", "application/json",
			`{"name":"Test","email":"`+who+`","consent":true}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("sign-up: %d %s", resp.StatusCode, body)
		}
	}
	steps := []struct {
		method, body, subject string
	}{
		{"PATCH", `{"location":{"name":"Landratsamt Wartburgkreis, Raum 114"}}`, "Geändert:"},
		{"POST", "", "Veranstaltung abgesagt:"},
	}
	for _, s := range steps {
		p, ct := path, "application/merge-patch+json"
		if s.method == "POST" {
			p, ct = path+"/cancel", ""
		}
		if resp, body := l.request(t, s.method, p, ct, s.body, auth...); resp.StatusCode != http.StatusOK || strings.Contains(body, `"jobPending":true`) {
			t.Fatalf("%s %s: %d %s", s.method, p, resp.StatusCode, body)
		}
		l.Wait()
		var to []string
		for _, m := range l.mails(t) {
			if strings.HasPrefix(decodeHeader(t, m.header, "Subject"), s.subject) {
				to = append(to, m.header.Get("To"))
				if !slices.Contains(m.attachments, "text/calendar") {
					t.Errorf("%s to %s: no calendar entry", s.subject, m.header.Get("To"))
				}
			}
		}
		slices.Sort(to)
		if want := []string{"<umzug-a@example.org>", "<umzug-b@example.org>"}; !slices.Equal(to, want) {
			t.Errorf("%q mails to %v, want %v", s.subject, to, want)
		}
	}
}
