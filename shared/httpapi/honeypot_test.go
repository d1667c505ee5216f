package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHoneypot: a submission whose hidden homepage field is filled in gets
// the answer a real one gets, and nothing is stored or mailed; the log
// counts it.
func TestHoneypot(t *testing.T) {
	f := newFixture(t)
	e := f.putEvent(t, 5, nil)
	app := validApplication()
	app["homepage"] = "https://spam.example"
	person := map[string]any{"name": "Bot", "email": "bot@example.org", "consent": true, "homepage": "x"}
	message := map[string]any{"name": "Bot", "email": "bot@example.org", "topic": "general", "message": "Buy now",
		"consent": true, "homepage": "x"}
	tests := []struct {
		name, path, contentType string
		body                    []byte
		status                  int
		contains                string
	}{
		{"application", "/partners", "application/json", jsonBody(t, app), 202, `{"status":"received"}`},
		{"application as a form", "/partners", "application/x-www-form-urlencoded",
			[]byte(url.Values{"organisation": {"Spam"}, "homepage": {"x"}}.Encode()), 303, ""},
		{"sign-up", "/events/" + e.ID + "/registrations", "application/json", jsonBody(t, person), 202, `{"status":"received"}`},
		{"contact", "/contact", "application/json", jsonBody(t, message), 202, `"reference":"K-`},
		{"confirm button", "/partners/confirm", "application/json", []byte(`{"token":"nope","homepage":"x"}`), 200, `"pending_review"`},
		{"cancel button", "/registrations/cancel", "application/json", []byte(`{"token":"nope","homepage":"x"}`), 200, `"cancelled"`},
	}
	before := f.db.Snapshot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, "POST", tt.path, tt.contentType, tt.body)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.contains) {
				t.Errorf("status %d, body %s; want %d with %s", r.status, r.body, tt.status, tt.contains)
			}
		})
	}
	f.db.Unchanged(t, before)
	if len(*f.mails) != 0 {
		t.Errorf("%d mails written, want none", len(*f.mails))
	}
	if got := strings.Count(f.logs.String(), `"msg":"honeypot"`); got != len(tests) {
		t.Errorf("%d honeypot log lines, want %d", got, len(tests))
	}
	// An empty honeypot is a real submission.
	app["homepage"] = ""
	if r := f.do(t, "POST", "/partners", "application/json", jsonBody(t, app)); r.status != http.StatusAccepted || len(*f.mails) != 1 {
		t.Errorf("empty honeypot: status %d, %d mails; want 202 and the confirm mail", r.status, len(*f.mails))
	}
}
