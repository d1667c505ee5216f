package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/auth/jwtauth"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

const testJWTSecret = "admin-test-secret-0123456789abcdef"

// coordinatorToken is a valid token of the fixture's coordinator.
func (f *fixture) coordinatorToken(t testing.TB) string {
	t.Helper()
	tok, err := f.auth.Issue("koordination@example.org", auth.Group)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// admin calls an admin route as a coordinator.
func (f *fixture) admin(t *testing.T, method, path string, body any) response {
	t.Helper()
	var b []byte
	ct := ""
	if body != nil {
		b, ct = jsonBody(t, body), "application/json"
	}
	return f.do(t, method, path, ct, b, "Authorization", "Bearer "+f.coordinatorToken(t))
}

// signed is a token with the given claims, signed with secret.
func signed(t *testing.T, secret string, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAdminAuthMatrix sends every admin route every kind of credential:
// only a valid coordinator token gets past, and no token reaches the log.
func TestAdminAuthMatrix(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": jwtauth.Issuer, "aud": jwtauth.Audience, "sub": "local:k@example.org",
			"email": "k@example.org", "cognito:groups": []string{auth.Group},
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	noneAlg, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	creds := []struct {
		name   string
		header string // the Authorization header; "" sends none
		status int    // 0: anything but 401 and 403
	}{
		{"none", "", http.StatusUnauthorized},
		{"malformed", "Bearer not.a.token", http.StatusUnauthorized},
		{"not bearer", "Basic " + signed(t, testJWTSecret, claims(nil)), http.StatusUnauthorized},
		{"wrong signature", "Bearer " + signed(t, "another-secret-0123456789abcdef!", claims(nil)), http.StatusUnauthorized},
		{"alg none", "Bearer " + noneAlg, http.StatusUnauthorized},
		{"expired", "Bearer " + signed(t, testJWTSecret, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })), http.StatusUnauthorized},
		{"no expiry", "Bearer " + signed(t, testJWTSecret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), http.StatusUnauthorized},
		{"wrong issuer", "Bearer " + signed(t, testJWTSecret, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example.org" })), http.StatusUnauthorized},
		{"wrong audience", "Bearer " + signed(t, testJWTSecret, claims(func(c jwt.MapClaims) { c["aud"] = "another-app" })), http.StatusUnauthorized},
		{"wrong group", "Bearer " + signed(t, testJWTSecret, claims(func(c jwt.MapClaims) { c["cognito:groups"] = []string{"volunteers"} })), http.StatusForbidden},
		{"no group", "Bearer " + signed(t, testJWTSecret, claims(func(c jwt.MapClaims) { delete(c, "cognito:groups") })), http.StatusForbidden},
		{"valid", "Bearer " + signed(t, testJWTSecret, claims(nil)), 0},
	}
	var routes []string
	for _, r := range f.api.Routes() {
		if strings.Contains(r, " /admin/") {
			routes = append(routes, r)
		}
	}
	if len(routes) < 6 {
		t.Fatalf("admin routes %v: too few", routes)
	}
	someID := id.New(now)
	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		path := strings.NewReplacer("{id}", someID, "{hash}", strings.Repeat("a", 64)).Replace(pattern)
		for _, c := range creds {
			t.Run(route+"/"+c.name, func(t *testing.T) {
				var headers []string
				if c.header != "" {
					headers = []string{"Authorization", c.header}
				}
				r := f.do(t, method, path, "", nil, headers...)
				switch {
				case c.status == 0 && (r.status == 401 || r.status == 403):
					t.Errorf("status %d for a valid token; body %s", r.status, r.body)
				case c.status != 0:
					if r.status != c.status {
						t.Fatalf("status %d, want %d; body %s", r.status, c.status, r.body)
					}
					p := decodeProblem(t, r)
					if want := map[int]string{401: "unauthenticated", 403: "forbidden"}[c.status]; p.Code != want {
						t.Errorf("code %q, want %q", p.Code, want)
					}
					if c.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("WWW-Authenticate %q, want a Bearer challenge", r.header.Get("WWW-Authenticate"))
					}
				}
			})
		}
	}
	logs := f.logs.String()
	for _, c := range creds {
		if _, tok, _ := strings.Cut(c.header, " "); len(tok) > 20 && strings.Contains(logs, tok) {
			t.Errorf("the %s token appears in the logs", c.name)
		}
	}
	if !strings.Contains(logs, `"route":"GET /admin/partners"`) {
		t.Errorf("no request lines in the logs:\n%.500s", logs)
	}
}

// applyAndConfirm registers an application and confirms it by its link, as
// the applicant would; it returns the application's id.
func (f *fixture) applyAndConfirm(t *testing.T, edit func(map[string]any), confirm bool) string {
	t.Helper()
	app := validApplication()
	if edit != nil {
		edit(app)
	}
	before := len(*f.mails)
	r := f.do(t, "POST", "/partners", "application/json", jsonBody(t, app))
	if r.status != http.StatusAccepted {
		t.Fatalf("apply: status %d; body %s", r.status, r.body)
	}
	// The answer names nothing; the confirm link in the mail leads to the
	// application.
	mail := f.db.Mail(t, f.config.ID, (*f.mails)[before])
	_, appID, _, ok := secret.SplitLink(mail.Link(f.keys))
	if !ok {
		t.Fatalf("the confirm link %q names no application", mail.Link(f.keys))
	}
	if confirm {
		form := url.Values{"token": {mail.Link(f.keys)}}
		r := f.do(t, "POST", "/partners/confirm", "application/x-www-form-urlencoded", []byte(form.Encode()))
		if r.status != http.StatusSeeOther {
			t.Fatalf("confirm: status %d; body %s", r.status, r.body)
		}
	}
	return appID
}

type adminApplication struct {
	ID               string   `json:"id"`
	Status           string   `json:"status"`
	Organisation     string   `json:"organisation"`
	Email            string   `json:"email"`
	Phone            string   `json:"phone"`
	Message          string   `json:"message"`
	RegionalNetworks []string `json:"regionalNetworks"`
	Consent          struct {
		At            string `json:"at"`
		PolicyVersion string `json:"policyVersion"`
	} `json:"consent"`
	DecidedBy string `json:"decidedBy"`
	Reason    string `json:"reason"`
	ExpiresAt string `json:"expiresAt"`
}

func decodeJSON[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return v
}

func TestAdminPartnerReview(t *testing.T) {
	f := newFixture(t)
	eisenach := f.applyAndConfirm(t, func(m map[string]any) {
		m["organisation"], m["email"], m["locale"] = "Verein Eisenach", "eisenach@example.org", "ar"
	}, true)
	f.clock.Advance(time.Minute)
	salzungen := f.applyAndConfirm(t, func(m map[string]any) {
		m["organisation"], m["email"], m["regionalNetworks"] = "Verein Salzungen", "salzungen@example.org", []string{"bad-salzungen"}
	}, true)
	f.clock.Advance(time.Minute)
	unconfirmed := f.applyAndConfirm(t, func(m map[string]any) {
		m["organisation"], m["email"] = "Noch offen", "offen@example.org"
	}, false)

	t.Run("detail shows everything the applicant gave", func(t *testing.T) {
		r := f.admin(t, "GET", "/admin/partners/"+eisenach, nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		got := decodeJSON[adminApplication](t, r)
		if got.Email != "eisenach@example.org" || got.Phone == "" || got.Message == "" || got.Status != "pending_review" ||
			got.Consent.At == "" || got.Consent.PolicyVersion != f.config.Privacy.Version {
			t.Errorf("got %+v", got)
		}
		if r := f.admin(t, "GET", "/admin/partners/"+id.New(f.clock.Now()), nil); r.status != http.StatusNotFound {
			t.Errorf("unknown id: status %d, want 404", r.status)
		}
		if r := f.admin(t, "GET", "/admin/partners/not-an-id", nil); r.status != http.StatusNotFound {
			t.Errorf("malformed id: status %d, want 404", r.status)
		}
	})

	t.Run("lists filter by status and network, newest first", func(t *testing.T) {
		tests := []struct {
			query string
			want  []string
		}{
			{"", []string{unconfirmed, salzungen, eisenach}},
			{"?status=pending_review", []string{salzungen, eisenach}},
			{"?status=pending_confirmation", []string{unconfirmed}},
			{"?network=bad-salzungen", []string{salzungen}},
			{"?status=approved", nil},
		}
		for _, tt := range tests {
			r := f.admin(t, "GET", "/admin/partners"+tt.query, nil)
			got := decodeJSON[struct {
				Partners []adminApplication `json:"partners"`
			}](t, r)
			var ids []string
			for _, p := range got.Partners {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("%q: ids %v, want %v", tt.query, ids, tt.want)
			}
		}
	})

	t.Run("pages follow the cursor", func(t *testing.T) {
		var ids []string
		path := "/admin/partners?limit=2"
		for range 5 {
			got := decodeJSON[struct {
				Partners []adminApplication `json:"partners"`
				Next     string             `json:"nextCursor"`
			}](t, f.admin(t, "GET", path, nil))
			for _, p := range got.Partners {
				ids = append(ids, p.ID)
			}
			if got.Next == "" {
				break
			}
			path = "/admin/partners?limit=2&cursor=" + url.QueryEscape(got.Next)
		}
		if want := []string{unconfirmed, salzungen, eisenach}; !slices.Equal(ids, want) {
			t.Errorf("ids over pages %v, want %v", ids, want)
		}
	})

	t.Run("bad list parameters", func(t *testing.T) {
		for _, tt := range []struct {
			query  string
			status int
			field  string
		}{
			{"?status=maybe", 422, "status"},
			{"?network=berlin", 422, "network"},
			{"?cursor=!!!", 400, "cursor"},
			{"?cursor=" + strings.Repeat("A", 400), 400, "cursor"},
			{"?limit=0", 400, "limit"},
			{"?limit=1000", 400, "limit"},
			{"?limit=x", 400, "limit"},
		} {
			r := f.admin(t, "GET", "/admin/partners"+tt.query, nil)
			if r.status != tt.status {
				t.Errorf("%s: status %d, want %d; body %s", tt.query, r.status, tt.status, r.body)
				continue
			}
			if p := decodeProblem(t, r); len(p.Errors) == 0 || p.Errors[0].Field != tt.field {
				t.Errorf("%s: errors %+v, want field %s", tt.query, p.Errors, tt.field)
			}
		}
	})

	t.Run("approve mails the applicant and lists the partner", func(t *testing.T) {
		before := len(*f.mails)
		r := f.admin(t, "POST", "/admin/partners/"+eisenach+"/approve", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		got := decodeJSON[struct {
			Application adminApplication `json:"application"`
			MailQueued  bool             `json:"mailQueued"`
		}](t, r)
		if got.Application.Status != "approved" || got.Application.DecidedBy != "koordination@example.org" ||
			got.Application.ExpiresAt != "" || !got.MailQueued {
			t.Errorf("got %+v", got)
		}
		if len(*f.mails) != before+1 {
			t.Fatalf("mails %d, want %d", len(*f.mails), before+1)
		}
		m := f.db.Mail(t, f.config.ID, (*f.mails)[before])
		if m.Template != "partner.approved" || m.Locale != "ar" || !slices.Equal(m.To, []string{"eisenach@example.org"}) {
			t.Errorf("mail %+v", m)
		}
		pub := f.do(t, "GET", "/partners", "", nil)
		if !strings.Contains(string(pub.body), "Verein Eisenach") || strings.Contains(string(pub.body), "eisenach@example.org") {
			t.Errorf("public list %s: want the partner without its address", pub.body)
		}

		again := f.admin(t, "POST", "/admin/partners/"+eisenach+"/approve", nil)
		if again.status != http.StatusOK || decodeJSON[struct {
			MailQueued bool `json:"mailQueued"`
		}](t, again).MailQueued || len(*f.mails) != before+1 {
			t.Errorf("approving twice: status %d, body %s, mails %d; want 200, no new mail", again.status, again.body, len(*f.mails))
		}
		if r := f.admin(t, "POST", "/admin/partners/"+eisenach+"/reject", nil); r.status != http.StatusConflict {
			t.Errorf("rejecting an approved partner: status %d, want 409", r.status)
		}
	})

	t.Run("reject with a reason", func(t *testing.T) {
		f.clock.Advance(time.Minute)
		before := len(*f.mails)
		r := f.admin(t, "POST", "/admin/partners/"+salzungen+"/reject", map[string]string{"reason": "Bitte wenden Sie sich\nan das Netzwerk Bad Salzungen."})
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		got := decodeJSON[struct {
			Application adminApplication `json:"application"`
		}](t, r)
		if got.Application.Status != "rejected" || got.Application.ExpiresAt == "" || !strings.Contains(got.Application.Reason, "Bad Salzungen") {
			t.Errorf("got %+v", got.Application)
		}
		m := f.db.Mail(t, f.config.ID, (*f.mails)[before])
		if m.Template != "partner.rejected" || m.Locale != "de" || !strings.Contains(m.Data["reason"], "Bad Salzungen") {
			t.Errorf("mail %+v", m)
		}
	})

	t.Run("an unconfirmed application cannot be decided", func(t *testing.T) {
		for _, action := range []string{"approve", "reject"} {
			if r := f.admin(t, "POST", "/admin/partners/"+unconfirmed+"/"+action, nil); r.status != http.StatusConflict {
				t.Errorf("%s: status %d, want 409", action, r.status)
			}
		}
		if r := f.admin(t, "POST", "/admin/partners/"+unconfirmed+"/reject", map[string]string{"reason": strings.Repeat("x", 2001)}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("overlong reason: status %d, want 422", r.status)
		}
	})

	t.Run("the audit trail records both decisions", func(t *testing.T) {
		got := decodeJSON[struct {
			Entries []struct {
				Actor, Action, Target string
			} `json:"entries"`
		}](t, f.admin(t, "GET", "/admin/audit", nil))
		var actions []string
		for _, e := range got.Entries {
			actions = append(actions, e.Action+" "+e.Target)
			if e.Actor != "koordination@example.org" {
				t.Errorf("actor %q", e.Actor)
			}
		}
		want := []string{"partner.reject application/" + salzungen, "partner.approve application/" + eisenach}
		if !slices.Equal(actions, want) {
			t.Errorf("audit %v, want %v", actions, want)
		}
	})
}

// TestAdminAnswersJSONOnly: the admin API answers problems as JSON even to
// a form post or a browser preferring HTML; its pages are the console's.
func TestAdminAnswersJSONOnly(t *testing.T) {
	f := newFixture(t)
	for _, h := range [][]string{{"Accept", "text/html"}, {"Content-Type", "application/x-www-form-urlencoded"}} {
		r := f.do(t, "POST", "/admin/people/export", "", []byte("email=nope"), append(h, "Authorization", "Bearer "+f.coordinatorToken(t))...)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%v: %d %s, want a JSON problem", h, r.status, ct)
		}
	}
}
