package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRegisterPartnerAccepted(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "POST", "/partners", "application/json", jsonBody(t, validApplication()))
	if r.status != http.StatusAccepted || string(r.body) != `{"status":"received"}`+"\n" {
		t.Fatalf("status %d, body %s; want 202 received", r.status, r.body)
	}
	if len(*f.mails) != 1 {
		t.Errorf("mails written %d, want 1 (the confirm mail)", len(*f.mails))
	}

	t.Run("a repeat answers the same and mails the holder", func(t *testing.T) {
		again := validApplication()
		again["email"] = "Beratung@EXAMPLE.org"
		again["organisation"] = "  caritasverband   eisenach "
		rep := f.do(t, "POST", "/partners", "application/json", jsonBody(t, again))
		if rep.status != r.status || string(rep.body) != string(r.body) {
			t.Errorf("repeat: %d %s, want exactly %d %s", rep.status, rep.body, r.status, r.body)
		}
		if len(*f.mails) != 2 {
			t.Errorf("mails written %d, want 2 (the confirm link again)", len(*f.mails))
		}
		got := decodeJSON[struct {
			Partners []adminApplication `json:"partners"`
		}](t, f.admin(t, "GET", "/admin/partners", nil))
		if len(got.Partners) != 1 {
			t.Errorf("applications %d, want 1", len(got.Partners))
		}
	})
}

func TestRegisterPartnerFieldErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		field string
		code  string
	}{
		{"organisation missing", func(m map[string]any) { delete(m, "organisation") }, "organisation", "required"},
		{"organisation blank", func(m map[string]any) { m["organisation"] = "   " }, "organisation", "required"},
		{"organisation too long", func(m map[string]any) { m["organisation"] = strings.Repeat("ä", 201) }, "organisation", "too_long"},
		{"organisation type missing", func(m map[string]any) { delete(m, "organisationType") }, "organisationType", "required"},
		{"organisation type unknown", func(m map[string]any) { m["organisationType"] = "church" }, "organisationType", "unknown_choice"},
		{"contact name missing", func(m map[string]any) { delete(m, "contactName") }, "contactName", "required"},
		{"contact name with CRLF", func(m map[string]any) { m["contactName"] = "Eve\r\nBcc: victim@example.org" }, "contactName", "control_characters"},
		{"organisation with LF", func(m map[string]any) { m["organisation"] = "A\nSubject: spam" }, "organisation", "control_characters"},
		{"email missing", func(m map[string]any) { delete(m, "email") }, "email", "required"},
		{"email invalid", func(m map[string]any) { m["email"] = "not-an-address@" }, "email", "invalid"},
		{"email without @", func(m map[string]any) { m["email"] = "not-an-address" }, "email", "email_no_at"},
		{"email with a space", func(m map[string]any) { m["email"] = "erika müller@example.org" }, "email", "email_space"},
		{"organisation only invisible", func(m map[string]any) { m["organisation"] = "\ufeff" }, "organisation", "required"},
		{"contact name only zero-width", func(m map[string]any) { m["contactName"] = "\u200b" }, "contactName", "required"},
		{"organisation with RTL override", func(m map[string]any) { m["organisation"] = "Verein\u202eexe.txt" }, "organisation", "control_characters"},
		{"email header injection", func(m map[string]any) { m["email"] = "a@example.org\r\nBcc: b@example.org" }, "email", "invalid"},
		{"email non-ASCII local part", func(m map[string]any) { m["email"] = "müller@example.org" }, "email", "email_non_ascii"},
		{"phone invalid", func(m map[string]any) { m["phone"] = "call me maybe" }, "phone", "invalid"},
		{"website invalid", func(m map[string]any) { m["website"] = "javascript:alert(1)" }, "website", "invalid"},
		{"working groups empty", func(m map[string]any) { m["workingGroups"] = []string{} }, "workingGroups", "required"},
		{"working group unknown", func(m map[string]any) { m["workingGroups"] = []string{"sports"} }, "workingGroups", "unknown_choice"},
		{"regional network unknown", func(m map[string]any) { m["regionalNetworks"] = []string{"berlin"} }, "regionalNetworks", "unknown_choice"},
		{"message too long", func(m map[string]any) { m["message"] = strings.Repeat("x", 2001) }, "message", "too_long"},
		{"consent false", func(m map[string]any) { m["consent"] = false }, "consent", "must_accept"},
		{"consent missing", func(m map[string]any) { delete(m, "consent") }, "consent", "must_accept"},
		{"consent wrong type", func(m map[string]any) { m["consent"] = "yes" }, "consent", "wrong_type"},
		{"working groups wrong type", func(m map[string]any) { m["workingGroups"] = "language" }, "workingGroups", "wrong_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validApplication()
			tt.edit(m)
			r := f.do(t, "POST", "/partners", "application/json", jsonBody(t, m))
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422; body %s", r.status, r.body)
			}
			p := decodeProblem(t, r)
			var found bool
			for _, e := range p.Errors {
				if e.Field == tt.field && e.Code == tt.code && e.Message != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("errors %+v, want field %q with code %q and a message", p.Errors, tt.field, tt.code)
			}
		})
	}
	if len(*f.mails) != 0 {
		t.Errorf("mails written %d, want 0: bad input changes nothing", len(*f.mails))
	}

	t.Run("every problem at once, in the reader's language", func(t *testing.T) {
		r := f.do(t, "POST", "/partners", "application/json", []byte(`{}`), "Accept-Language", "en-GB,en;q=0.9")
		p := decodeProblem(t, r)
		got := map[string]string{}
		for _, e := range p.Errors {
			got[e.Field] = e.Message
		}
		for _, field := range []string{"organisation", "organisationType", "contactName", "email", "workingGroups", "consent"} {
			if got[field] == "" {
				t.Errorf("no error for %s in %+v", field, p.Errors)
			}
		}
		if got["consent"] != "Please agree to the privacy policy." {
			t.Errorf("consent message %q, want the English text", got["consent"])
		}
	})
}

func TestRequestErrors(t *testing.T) {
	f := newFixture(t)
	big := `{"organisation":"` + strings.Repeat("a", 70<<10) + `"}`
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		code        string
	}{
		{"malformed JSON", "POST", "/partners", "application/json", `{"organisation":`, 400, "malformed"},
		{"trailing garbage", "POST", "/partners", "application/json", `{} {}`, 400, "malformed"},
		{"JSON array", "POST", "/partners", "application/json", `[1,2]`, 400, "malformed"},
		{"empty JSON body", "POST", "/partners", "application/json", ``, 400, "malformed"},
		{"text/plain", "POST", "/partners", "text/plain", `hello`, 415, "unsupported_media_type"},
		{"no content type", "POST", "/partners", "", `{}`, 415, "unsupported_media_type"},
		{"over 64 KiB", "POST", "/partners", "application/json", big, 413, "too_large"},
		{"unknown route", "GET", "/nothing/here", "", ``, 404, "not_found"},
		{"wrong method", "DELETE", "/partners", "", ``, 405, "method_not_allowed"},
		{"confirm without token", "GET", "/partners/confirm", "", ``, 404, "not_found"},
		{"confirm with unknown token", "GET", "/partners/confirm?token=abc", "", ``, 404, "not_found"},
		{"confirm POST with unknown token", "POST", "/partners/confirm", "application/json", `{"token":"abc"}`, 404, "not_found"},
		{"confirm POST with a huge token", "POST", "/partners/confirm", "application/json", `{"token":"` + strings.Repeat("a", 5000) + `"}`, 404, "not_found"},
		{"unknown thank-you page", "GET", "/thanks/whatever", "", ``, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, tt.method, tt.path, tt.contentType, []byte(tt.body))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %.300s", r.status, tt.status, r.body)
			}
			if p := decodeProblem(t, r); p.Code != tt.code || p.Detail == "" {
				t.Errorf("problem %+v, want code %q with a detail", p, tt.code)
			}
		})
	}
	t.Run("405 names the allowed methods", func(t *testing.T) {
		r := f.do(t, "PUT", "/partners/confirm", "", nil)
		if got := r.header.Get("Allow"); got != "GET, POST" {
			t.Errorf("Allow %q, want %q", got, "GET, POST")
		}
	})
	if len(*f.mails) != 0 {
		t.Errorf("mails written %d, want 0", len(*f.mails))
	}
}

func TestFormPosts(t *testing.T) {
	f := newFixture(t)
	form := url.Values{
		"organisation":     {"Denk bunt e. V."},
		"organisationType": {"association"},
		"contactName":      {"Koordination"},
		"email":            {"kontakt@denkbunt.example.org"},
		"workingGroups":    {"language", "work"},
		"regionalNetworks": {"bad-salzungen"},
		"consent":          {"on"},
		"locale":           {"en"},
	}
	t.Run("success redirects to the thank-you page", func(t *testing.T) {
		r := f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte(form.Encode()))
		if r.status != http.StatusSeeOther {
			t.Fatalf("status %d, want 303; body %s", r.status, r.body)
		}
		if got, want := r.header.Get("Location"), "thanks/partner-application?locale=en"; got != want {
			t.Errorf("Location %q, want %q (relative to /partners)", got, want)
		}
		page := f.do(t, "GET", "/thanks/partner-application?locale=en", "", nil, "Accept", "text/html")
		if page.status != 200 || !strings.Contains(string(page.body), "Thank you for your application") {
			t.Errorf("thank-you page %d: %.200s", page.status, page.body)
		}
	})
	t.Run("failure shows the problems as a page, escaped", func(t *testing.T) {
		bad := url.Values{"organisation": {"<script>alert(1)</script>"}, "email": {"nope@"}}
		r := f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte(bad.Encode()))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.status)
		}
		body := string(r.body)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("content type %q, want text/html", ct)
		}
		for _, want := range []string{`lang="de"`, "E-Mail-Adresse:", "Diese Angabe ist ungültig.", "Einwilligung:", "Arbeitsgruppen:"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(body, "<script>alert") {
			t.Error("page contains an unescaped script tag")
		}
	})
	t.Run("a checkbox with an odd value is a field error", func(t *testing.T) {
		odd := url.Values{"consent": {"maybe"}}
		r := f.do(t, "POST", "/partners", "application/x-www-form-urlencoded", []byte(odd.Encode()), "Accept", "application/json")
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.status)
		}
	})
}

func TestOptions(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		lang         string
		workingGroup string
	}{
		{"", "AG Sprache"},
		{"de-DE", "AG Sprache"},
		{"en", "Working group: language"},
		{"fr", "AG Sprache"},
	}
	for _, tt := range tests {
		t.Run("Accept-Language "+tt.lang, func(t *testing.T) {
			r := f.do(t, "GET", "/options", "", nil, "Accept-Language", tt.lang)
			var got map[string][]struct{ ID, Label string }
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"organisationTypes", "workingGroups", "regionalNetworks", "topics", "locales"} {
				if len(got[key]) == 0 {
					t.Errorf("%s empty", key)
				}
			}
			if wg := got["workingGroups"][0]; wg.ID != "language" || wg.Label != tt.workingGroup {
				t.Errorf("first working group %+v, want language labelled %q", wg, tt.workingGroup)
			}
			var ids []string
			for _, n := range got["regionalNetworks"] {
				ids = append(ids, n.ID)
			}
			if got, want := strings.Join(ids, ","), "eisenach,bad-salzungen,wutha-farnroda,staedte-gemeinden"; got != want {
				t.Errorf("regional networks %s, want %s", got, want)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	if r := f.do(t, "GET", "/health", "", nil); r.status != 200 {
		t.Errorf("status %d, want 200", r.status)
	}
}

func TestErrorsFollowTheBodyLocale(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, contentType, body string
		want                    string
	}{
		{"JSON", "application/json", `{"locale":"en","consent":false}`, "Please agree to the privacy policy."},
		{"form", "application/x-www-form-urlencoded", "locale=en&consent=off", "Please agree to the privacy policy."},
		{"no locale: German", "application/json", `{"consent":false}`, "Bitte stimmen Sie der Datenschutzerklärung zu."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, "POST", "/partners", tt.contentType, []byte(tt.body), "Accept", "application/json")
			if !strings.Contains(string(r.body), tt.want) {
				t.Errorf("%d %s, want %q", r.status, r.body, tt.want)
			}
		})
	}
}
