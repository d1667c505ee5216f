package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// hostile is one request from the open internet that must be refused.
type hostile struct {
	name, method, path, contentType, body string
	status                                int
	field                                 string // the field the problem names, "" if none
}

// hostileRequests builds the table: malformed and strict JSON, wrong types,
// nulls, deep nesting, 64 KiB ± 1, invalid UTF-8, invisible and bidi
// characters, CRLF in header-bound fields, encoded words, HTML and script,
// bad tokens, wrong methods, wrong content types, trailing slashes.
func hostileRequests(eventID string) []hostile {
	const jsonCT, formCT = "application/json", "application/x-www-form-urlencoded"
	signUp := "/events/" + eventID + "/registrations"
	posts := map[string]string{
		"/partners": `{"organisation":"Verein","organisationType":"association","contactName":"Erika","email":"a@example.org","workingGroups":["language"],"consent":true}`,
		signUp:      `{"name":"Erika","email":"a@example.org","consent":true}`,
		"/contact":  `{"name":"Erika","email":"a@example.org","topic":"general","message":"Hallo","consent":true}`,
	}
	// with sets one field of a valid body to raw JSON.
	with := func(path, field, raw string) string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(posts[path]), &m); err != nil {
			panic(err)
		}
		m[field] = json.RawMessage(raw)
		b, err := json.Marshal(m)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", raw, err))
		}
		return string(b)
	}
	var out []hostile
	add := func(name, method, path, ct, body string, status int, field string) {
		out = append(out, hostile{name, method, path, ct, body, status, field})
	}
	for _, path := range []string{"/partners", signUp, "/contact", "/partners/confirm", "/registrations/cancel"} {
		for _, body := range []string{`{`, `{"a":}`, `{"consent":true}{}`, "\x00", `{"a":"\x00`} {
			add("malformed JSON "+fmt.Sprintf("%q", body), "POST", path, jsonCT, body, 400, "")
		}
		add("deep nesting", "POST", path, jsonCT, `{"x":`+strings.Repeat(`{"a":`, 9)+"1"+strings.Repeat("}", 9)+"}", 400, "body")
		add("invalid UTF-8 in JSON", "POST", path, jsonCT, "{\"token\":\"\xff\xfe\"}", 400, "body")
		add("plain text", "POST", path, "text/plain", "hello", 415, "")
		add("XML", "POST", path, "application/xml", "<a/>", 415, "")
		add("no content type", "POST", path, "", "{}", 415, "")
		add("64 KiB + 1", "POST", path, jsonCT, `{"message":"`+strings.Repeat("a", 64<<10-13)+`"}`, 413, "")
		for _, m := range []string{"PUT", "DELETE", "PATCH"} {
			add("wrong method "+m, m, path, jsonCT, "{}", 405, "")
		}
		add("trailing slash", "POST", path+"/", jsonCT, "{}", 404, "")
	}
	for path := range posts {
		add("a repeated key", "POST", path, jsonCT, strings.Replace(posts[path], "{", `{"consent":false,`, 1), 400, "consent")
		add("consent as a string", "POST", path, jsonCT, with(path, "consent", `"yes"`), 422, "consent")
		add("email as a number", "POST", path, jsonCT, with(path, "email", `5`), 422, "email")
		add("email null", "POST", path, jsonCT, with(path, "email", `null`), 422, "email")
		add("email with CRLF and Bcc", "POST", path, jsonCT, with(path, "email", `"a@example.org\r\nBcc: b@example.org"`), 422, "email")
		add("email with %0d%0a", "POST", path, formCT, "email=a%40example.org%0d%0aBcc%3A+b%40example.org&consent=on", 422, "email")
		add("email as an encoded word", "POST", path, jsonCT, with(path, "email", `"=?utf-8?b?YUBleGFtcGxlLm9yZw==?= <a@example.org>"`), 422, "email")
		add("email with script", "POST", path, jsonCT, with(path, "email", `"<script>alert(1)</script>@example.org"`), 422, "email")
		add("invalid UTF-8 in a form", "POST", path, formCT, "email=a%FF%40example.org", 400, "email")
		add("a 64 KiB body plus one byte as a form", "POST", path, formCT, "x="+strings.Repeat("a", 64<<10-1), 413, "")
	}
	// The name each form asks for, where typed text goes into mail headers.
	names := map[string]string{"/partners": "contactName", signUp: "name", "/contact": "name"}
	for path, field := range names {
		add("only a byte order mark", "POST", path, jsonCT, with(path, field, `"\ufeff"`), 422, field)
		add("only a zero-width space", "POST", path, jsonCT, with(path, field, `"\u200b"`), 422, field)
		add("a right-to-left override", "POST", path, jsonCT, with(path, field, `"Erika\u202e.exe"`), 422, field)
		add("a bidi isolate", "POST", path, jsonCT, with(path, field, `"\u2067Erika\u2069"`), 422, field)
		add("CRLF in the name", "POST", path, jsonCT, with(path, field, `"Erika\r\nBcc: b@example.org"`), 422, field)
		add("%0d%0a in the name", "POST", path, formCT, field+"=Erika%0d%0aBcc%3A+b%40example.org&consent=on", 422, field)
		add("a line separator", "POST", path, jsonCT, with(path, field, `"Erika\u2028Bcc"`), 422, field)
		add("a name as an object", "POST", path, jsonCT, with(path, field, `{"a":1}`), 422, field)
	}
	add("organisation with CRLF", "POST", "/partners", jsonCT, with("/partners", "organisation", `"V\r\nSubject: spam"`), 422, "organisation")
	add("website javascript:", "POST", "/partners", jsonCT, with("/partners", "website", `"javascript:alert(1)"`), 422, "website")
	add("working groups as a string", "POST", "/partners", jsonCT, with("/partners", "workingGroups", `"language"`), 422, "workingGroups")
	add("an unknown working group", "POST", "/partners", jsonCT, with("/partners", "workingGroups", `["<script>"]`), 422, "workingGroups")
	add("an unknown topic", "POST", "/contact", jsonCT, with("/contact", "topic", `"<img src=x onerror=alert(1)>"`), 422, "topic")
	add("a message of only invisible text", "POST", "/contact", jsonCT, with("/contact", "message", `"\u200b\u200b\n\ufeff"`), 422, "message")
	add("a sign-up for an unknown event", "POST", "/events/06h13vqag3yk06evfk8g8sy7cw/registrations", jsonCT, posts[signUp], 404, "")
	add("a sign-up for a malformed event id", "POST", "/events/..%2F..%2Fadmin/registrations", jsonCT, posts[signUp], 404, "")
	for _, tok := range []string{"", "nope", strings.Repeat("a", 200), "%00", "<script>", "../../etc/passwd"} {
		q := "?token=" + url.QueryEscape(tok)
		add("confirm page, token "+fmt.Sprintf("%.12q", tok), "GET", "/partners/confirm"+q, "", "", 404, "")
		add("cancel page, token "+fmt.Sprintf("%.12q", tok), "GET", "/registrations/cancel"+q, "", "", 404, "")
		add("confirm button, token "+fmt.Sprintf("%.12q", tok), "POST", "/partners/confirm", formCT, "token="+url.QueryEscape(tok), 404, "")
		add("cancel button, token "+fmt.Sprintf("%.12q", tok), "POST", "/registrations/cancel", formCT, "token="+url.QueryEscape(tok), 404, "")
	}
	add("an unknown thank-you page", "GET", "/thanks/..%2F..%2Fetc", "", "", 404, "")
	add("an event id with script", "GET", "/events/%3Cscript%3E", "", "", 404, "")
	return out
}

// TestHostileRequests: every request of the table is refused with the
// status it deserves, a problem or a page that names the field where there
// is one; nothing panics, nothing is written, nothing is mailed.
func TestHostileRequests(t *testing.T) {
	f := newFixture(t)
	e := f.putEvent(t, 5, nil)
	table := hostileRequests(e.ID)
	if len(table) < 80 {
		t.Fatalf("%d hostile requests, want at least 80", len(table))
	}
	before := f.db.Snapshot(t)
	for _, h := range table {
		t.Run(h.method+" "+h.path[:min(len(h.path), 30)]+" "+h.name, func(t *testing.T) {
			r := f.do(t, h.method, h.path, h.contentType, []byte(h.body))
			if r.status != h.status {
				t.Fatalf("status %d, want %d; body %.300s", r.status, h.status, r.body)
			}
			if h.field == "" {
				return
			}
			body := string(r.body)
			if strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				if !strings.Contains(body, `role="alert"`) {
					t.Errorf("page without the problems: %.300s", body)
				}
				return
			}
			p := decodeProblem(t, r)
			for _, e := range p.Errors {
				if e.Field == h.field && e.Message != "" {
					return
				}
			}
			t.Errorf("errors %+v, want one naming %s", p.Errors, h.field)
		})
	}
	f.db.Unchanged(t, before)
	if len(*f.mails) != 0 {
		t.Errorf("%d mails, want none", len(*f.mails))
	}
	t.Logf("%d hostile requests refused", len(table))
}
