package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestInputRules: what a body may be, decided once for every route. Each
// refused request changes nothing stored.
func TestInputRules(t *testing.T) {
	f := newFixture(t)
	valid := string(jsonBody(t, validApplication()))
	withField := func(field, raw string) string { return strings.Replace(valid, "{", "{"+`"`+field+`":`+raw+",", 1) }
	deep := strings.Repeat(`{"a":`, 9) + "1" + strings.Repeat("}", 9)
	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		status      int
		field, code string
	}{
		{"invalid UTF-8 in JSON", "/partners", "application/json", strings.Replace(valid, "Caritasverband", "Caritas\xff", 1), 400, "body", "not_utf8"},
		{"a repeated key", "/partners", "application/json", withField("consent", "false"), 400, "consent", "duplicate_key"},
		{"a repeated nested key", "/partners", "application/json", withField("x", `{"a":1,"a":2}`), 400, "a", "duplicate_key"},
		{"a key in other case counts as unknown", "/partners", "application/json",
			strings.Replace(valid, `"consent":true`, `"CONSENT":true`, 1), 422, "consent", "must_accept"},
		{"too deep", "/partners", "application/json", withField("x", deep), 400, "body", "too_deep"},
		{"a trailing slash", "/partners/", "application/json", valid, 404, "", ""},
		{"a trailing slash on a sign-up", "/events/06h13vqag3yk06evfk8g8sy7cw/registrations/", "application/json", valid, 404, "", ""},
	}
	before := f.db.Snapshot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, "POST", tt.path, tt.contentType, []byte(tt.body), "Accept", "application/json")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %.300s", r.status, tt.status, r.body)
			}
			if tt.field == "" {
				return
			}
			p := decodeProblem(t, r)
			var found bool
			for _, e := range p.Errors {
				found = found || (e.Field == tt.field && e.Code == tt.code && e.Message != "")
			}
			if !found {
				t.Errorf("errors %+v, want %s/%s with a message", p.Errors, tt.field, tt.code)
			}
		})
	}
	t.Run("invalid UTF-8 in a form", func(t *testing.T) {
		r := f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte("organisation=Caritas%FF&consent=on"))
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "<strong>Organisation:</strong> Dieser Text ist nicht richtig kodiert") {
			t.Errorf("status %d, want 400 with a page naming the field; body %.600s", r.status, r.body)
		}
	})
	f.db.Unchanged(t, before)
}

// TestMultipartForm: a browser that posts multipart/form-data is served
// like a URL-encoded form post; a file is refused.
func TestMultipartForm(t *testing.T) {
	f := newFixture(t)
	post := func(t *testing.T, file bool) response {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for k, v := range map[string]string{
			"organisation": "Verein Mu\u0308hlhausen", "organisationType": "association", "contactName": "Erika Beispiel",
			"email": "multipart@example.org", "workingGroups": "language", "consent": "on",
		} {
			_ = w.WriteField(k, v)
		}
		if file {
			fw, _ := w.CreateFormFile("attachment", "cv.pdf")
			_, _ = fw.Write([]byte("%PDF"))
		}
		_ = w.Close()
		return f.do(t, "POST", "/partners", w.FormDataContentType(), b.Bytes())
	}
	t.Run("a file is refused", func(t *testing.T) {
		before := f.db.Snapshot(t)
		r := post(t, true)
		if r.status != http.StatusBadRequest || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("status %d, type %q; want 400 as a page", r.status, r.header.Get("Content-Type"))
		}
		f.db.Unchanged(t, before)
	})
	t.Run("text fields are a form post", func(t *testing.T) {
		r := post(t, false)
		if r.status != http.StatusSeeOther {
			t.Fatalf("status %d, want 303; body %.300s", r.status, r.body)
		}
		got := decodeJSON[struct {
			Partners []adminApplication `json:"partners"`
		}](t, f.admin(t, "GET", "/admin/partners", nil))
		if len(got.Partners) != 1 || got.Partners[0].Organisation != "Verein Mühlhausen" {
			t.Errorf("stored %+v, want one application with its name in NFC", got.Partners)
		}
	})
}

// TestRequestIDFromClient: a plain request id from the client is kept (it
// ties a support call to the log), anything else is replaced.
func TestRequestIDFromClient(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"plain", "support-call_2026.12.01", true},
		{"too long", strings.Repeat("a", 65), false},
		{"a log line in disguise", "x\" level=ERROR msg=forged", false},
		{"non-ASCII", "ид-запроса", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, "GET", "/health", "", nil, "X-Request-Id", tt.sent)
			got := r.header.Get("X-Request-Id")
			if (got == tt.sent) != tt.kept || got == "" || len(got) > 64 {
				t.Errorf("X-Request-Id %q for %q, want kept %v", got, tt.sent, tt.kept)
			}
		})
	}
}

// TestPageHeaders: every page forbids script and foreign content, allows
// its one inline style sheet by hash, may be framed only by the network's
// own websites, and keeps the token of a mail link out of Referer headers.
func TestPageHeaders(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "GET", "/thanks/contact-received", "", nil, "Accept", "text/html")
	csp := r.header.Get("Content-Security-Policy")
	body := string(r.body)
	_, css, _ := strings.Cut(body, "<style>")
	css, _, _ = strings.Cut(css, "</style>")
	sum := sha256.Sum256([]byte(css))
	for _, want := range []string{
		"default-src 'none'", "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"frame-ancestors 'self' https://www.wartburgkreis.de", "form-action 'self'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") || strings.Contains(body, "<script") {
		t.Errorf("CSP %q or page allows script", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s %q, want %q", h, got, want)
		}
	}
}
