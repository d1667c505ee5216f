package httpapi_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
)

// The conformance table: one call per row, run in order against one
// fixture, so a row may rely on what the rows before it did. A new route
// gets rows for each status and media type its document promises;
// TestOpenAPIConformance names any it misses.

// linkToken is the token of the link in the newest mail stored.
func (f *fixture) linkToken(t *testing.T) string {
	t.Helper()
	return f.keys.Token(f.db.Mail(t, f.config.ID, (*f.mails)[len(*f.mails)-1]).TokenNonce)
}

// badBodies are the calls every route that reads a body must answer with
// 400, 413 and 415, as JSON and, for the form routes, as pages.
func badBodies(method, path string, pages bool) []call {
	calls := []call{
		{method: method, path: path, body: raw{"application/json", `{"name":`}, status: 400, invalid: true},
		{method: method, path: path, body: map[string]string{"reason": big, "token": big, "message": big}, status: 413, invalid: true},
		{method: method, path: path, body: raw{"text/plain", "hello"}, status: 415, invalid: true},
	}
	if pages {
		calls = append(calls,
			call{method: method, path: path, body: raw{"application/x-www-form-urlencoded", "name=%zz"}, status: 400, invalid: true},
			call{method: method, path: path, body: url.Values{"message": {big}, "token": {big}}, status: 413, invalid: true},
			call{method: method, path: path, body: raw{"text/plain", "hello"}, header: html, status: 415, invalid: true},
		)
	}
	return calls
}

func conformanceCalls(t *testing.T, f *fixture, c *contract) []call {
	now := f.clock.Now()
	unknown := id.New(now)
	open := f.putEvent(t, 2, nil).ID
	closed := f.putEvent(t, 5, func(e *event.Event) { e.RegistrationDeadline = now.Add(-time.Hour) }).ID
	hidden := f.putEvent(t, 5, func(e *event.Event) { e.Published = false }).ID
	signUps := "/events/" + open + "/registrations"
	if r := f.do(t, "POST", signUps, "application/json", signUpBody("platz@example.org")); r.status != http.StatusAccepted {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	cancel := f.linkToken(t)
	applicant := func(name string) func(map[string]any) {
		return func(m map[string]any) {
			m["organisation"], m["email"] = "Verein "+name, strings.ToLower(name)+"@example.org"
		}
	}
	f.applyAndConfirm(t, applicant("Bestaetigen"), false)
	confirm := f.linkToken(t)
	unconfirmed := f.applyAndConfirm(t, applicant("Verfallen"), false)
	expiring := f.linkToken(t)
	toApprove := f.applyAndConfirm(t, applicant("Annehmen"), true)
	toReject := f.applyAndConfirm(t, applicant("Ablehnen"), true)

	application := validApplication()
	application["organisation"], application["email"] = "Verein Konform", "konform@example.org"
	applicationForm := url.Values{
		"organisation": {"Verein Formular"}, "organisationType": {"association"}, "contactName": {"Eva Form"},
		"email": {"formular@example.org"}, "workingGroups": {"language", "work"}, "consent": {"on"}, "locale": {"en"},
	}
	person := func(addr string) map[string]any {
		return map[string]any{"name": "Test Person", "email": addr, "consent": true}
	}
	personForm := url.Values{"name": {"Form Person"}, "email": {"form-person@example.org"}, "consent": {"on"}}
	message := map[string]any{"name": "Frage Steller", "email": "frage@example.org", "topic": "language-courses",
		"message": "Wann beginnt der nächste Kurs?", "consent": true, "network": "eisenach"}
	messageForm := url.Values{"name": {"Form Frage"}, "email": {"form-frage@example.org"}, "topic": {"general"},
		"message": {"Hallo"}, "consent": {"on"}}

	calls := []call{
		{method: "GET", path: "/health", status: 200},
		{method: "GET", path: "/openapi.json", status: 200},
		{method: "GET", path: "/options?locale=ar", status: 200},
		{method: "GET", path: "/thanks/partner-application?locale=uk", status: 200},
		{method: "GET", path: "/thanks/unknown", status: 404, invalid: true},
		{method: "GET", path: "/thanks/unknown", header: html, status: 404, invalid: true},

		{method: "POST", path: "/partners", body: application, status: 202},
		{method: "POST", path: "/partners", body: application, status: 202},
		{method: "POST", path: "/partners", body: applicationForm, status: 303},
		{method: "POST", path: "/partners", body: map[string]any{"organisation": "Ohne Adresse", "consent": false}, status: 422, invalid: true},
		{method: "POST", path: "/partners", body: url.Values{"organisation": {"Ohne Adresse"}}, status: 422, invalid: true},
		{method: "GET", path: "/partners", status: 200},

		{method: "POST", path: "/partners/confirm", body: map[string]int{"token": 5}, status: 422, invalid: true},
		{method: "POST", path: "/partners/confirm", body: map[string]int{"token": 5}, header: html, status: 422, invalid: true},

		{method: "GET", path: "/events?locale=en", status: 200},
		{method: "GET", path: "/events/" + open, status: 200},
		{method: "GET", path: "/events/" + hidden, status: 404},
		{method: "POST", path: signUps, body: person("zweite@example.org"), status: 202},
		{method: "POST", path: signUps, body: person("dritte@example.org"), status: 202},
		{method: "POST", path: signUps, body: person("zweite@example.org"), status: 202},
		{method: "POST", path: signUps, body: personForm, status: 303},
		{method: "POST", path: "/events/" + unknown + "/registrations", body: person("a@example.org"), status: 404},
		{method: "POST", path: "/events/" + unknown + "/registrations", body: personForm, status: 404},
		{method: "POST", path: "/events/" + closed + "/registrations", body: person("a@example.org"), status: 409},
		{method: "POST", path: "/events/" + closed + "/registrations", body: personForm, status: 409},
		{method: "POST", path: signUps, body: map[string]any{"email": "kein-name@example.org"}, status: 422, invalid: true},
		{method: "POST", path: signUps, body: url.Values{"email": {"kein-name@example.org"}}, status: 422, invalid: true},

		{method: "POST", path: "/registrations/cancel", body: map[string]int{"token": 5}, status: 422, invalid: true},
		{method: "POST", path: "/registrations/cancel", body: map[string]int{"token": 5}, header: html, status: 422, invalid: true},

		{method: "POST", path: "/contact", body: message, status: 202},
		{method: "POST", path: "/contact", body: messageForm, status: 303},
		{method: "POST", path: "/contact", body: map[string]any{"name": "Nur Name", "consent": true}, status: 422, invalid: true},
		{method: "POST", path: "/contact", body: url.Values{"name": {"Nur Name"}}, status: 422, invalid: true},

		{method: "GET", path: "/admin/me", status: 200},
		{method: "GET", path: "/admin/partners", status: 200},
		{method: "GET", path: "/admin/partners?status=pending_review&limit=1", status: 200},
		{method: "GET", path: "/admin/partners?network=eisenach", status: 200},
		{method: "GET", path: "/admin/partners?cursor=!!!", status: 400},
		{method: "GET", path: "/admin/partners?limit=0", status: 400, invalid: true},
		{method: "GET", path: "/admin/partners?network=berlin", status: 422},
		{method: "GET", path: "/admin/partners?status=maybe", status: 422, invalid: true},
		{method: "GET", path: "/admin/partners/" + toApprove, status: 200},
		{method: "GET", path: "/admin/partners/" + unknown, status: 404},
		{method: "POST", path: "/admin/partners/" + toApprove + "/approve", status: 200},
		{method: "POST", path: "/admin/partners/" + toApprove + "/approve", body: map[string]string{}, status: 200},
		{method: "POST", path: "/admin/partners/" + toApprove + "/reject", status: 409},
		{method: "POST", path: "/admin/partners/" + toReject + "/reject", body: map[string]string{"reason": "Bitte wenden Sie sich an Eisenach."}, status: 200},
		{method: "POST", path: "/admin/partners/" + toReject + "/approve", status: 409},
		{method: "POST", path: "/admin/partners/" + unconfirmed + "/approve", status: 409},
		{method: "POST", path: "/admin/partners/" + unknown + "/approve", status: 404},
		{method: "POST", path: "/admin/partners/" + unknown + "/reject", status: 404},
		{method: "POST", path: "/admin/partners/" + unconfirmed + "/approve", body: map[string]string{"reason": strings.Repeat("x", 2001)}, status: 422, invalid: true},
		{method: "POST", path: "/admin/partners/" + unconfirmed + "/reject", body: map[string]string{"reason": strings.Repeat("x", 2001)}, status: 422, invalid: true},
		{method: "GET", path: "/admin/audit", status: 200},
		{method: "GET", path: "/admin/audit?limit=1", status: 200},
		{method: "GET", path: "/admin/audit?cursor=!!!", status: 400},
		{method: "GET", path: "/admin/audit?limit=500", status: 400, invalid: true},
	}
	for _, link := range []struct{ path, token string }{{"/partners/confirm", confirm}, {"/registrations/cancel", cancel}} {
		calls = append(calls, linkCalls(link.path, link.token, 200, false)...)
		calls = append(calls, linkCalls(link.path, "unknown", 404, false)...)
	}
	for _, route := range []struct {
		path  string
		pages bool
	}{
		{"/partners", true}, {"/partners/confirm", true}, {signUps, true}, {"/registrations/cancel", true}, {"/contact", true},
		{"/admin/partners/" + unknown + "/approve", false}, {"/admin/partners/" + unknown + "/reject", false},
	} {
		calls = append(calls, badBodies("POST", route.path, route.pages)...)
	}

	// Every admin route: no token, and a valid one outside the group. The
	// calls send no body and no query, so they break the document where it
	// requires either.
	ops := c.operations()
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		method, tmpl, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(tmpl, "/admin/") {
			continue
		}
		op, path := ops[key], templated(tmpl, unknown)
		needsInput := op.RequestBody != nil && op.RequestBody.Value.Required
		for _, p := range op.Parameters {
			needsInput = needsInput || (p.Value.In == "query" && p.Value.Required)
		}
		calls = append(calls,
			call{method: method, path: path, as: asNobody, status: 401, invalid: true},
			call{method: method, path: path, as: asOutsider, status: 403, invalid: needsInput},
		)
	}

	// Storage gone: 503 with Retry-After, as JSON and as pages.
	calls = append(calls,
		call{method: "POST", path: "/partners", body: application, down: true, status: 503},
		call{method: "POST", path: "/partners", body: applicationForm, down: true, status: 503},
		call{method: "GET", path: "/partners", down: true, status: 503},
		call{method: "GET", path: "/events", down: true, status: 503},
		call{method: "GET", path: "/events/" + open, down: true, status: 503},
		call{method: "POST", path: signUps, body: person("a@example.org"), down: true, status: 503},
		call{method: "POST", path: signUps, body: personForm, down: true, status: 503},
		call{method: "POST", path: "/contact", body: message, down: true, status: 503},
		call{method: "POST", path: "/contact", body: messageForm, down: true, status: 503},
		call{method: "GET", path: "/admin/partners", down: true, status: 503},
		call{method: "GET", path: "/admin/partners/" + toApprove, down: true, status: 503},
		call{method: "POST", path: "/admin/partners/" + toReject + "/approve", down: true, status: 503},
		call{method: "POST", path: "/admin/partners/" + toReject + "/reject", down: true, status: 503},
		call{method: "GET", path: "/admin/audit", down: true, status: 503},
	)

	calls = append(calls, linkCalls("/partners/confirm", confirm, 503, true)...)
	calls = append(calls, linkCalls("/registrations/cancel", cancel, 503, true)...)

	// Last, as they move the clock on past the event and the links' time:
	// expired links answer 410.
	expired := append(linkCalls("/partners/confirm", expiring, 410, false), linkCalls("/registrations/cancel", cancel, 410, false)...)
	expired[0].later = 11 * 24 * time.Hour
	return append(calls, expired...)
}

// linkCalls open a mail link's page (JSON, and a page in Persian) and press
// its button (JSON, and the page's form) with token, all expecting status
// (a pressed form button that works gets 303 instead of 200).
func linkCalls(path, token string, status int, down bool) []call {
	page := path + "?token=" + url.QueryEscape(token)
	formStatus := status
	if status == http.StatusOK {
		formStatus = http.StatusSeeOther
	}
	return []call{
		{method: "GET", path: page, down: down, status: status},
		{method: "GET", path: page + "&locale=fa", header: html, down: down, status: status},
		{method: "POST", path: path, body: map[string]string{"token": token}, down: down, status: status},
		{method: "POST", path: path, body: url.Values{"token": {token}}, down: down, status: formStatus},
	}
}

// templated fills every {parameter} of a path template with value.
func templated(tmpl, value string) string {
	var b strings.Builder
	for {
		start := strings.Index(tmpl, "{")
		end := strings.Index(tmpl, "}")
		if start < 0 || end < start {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:start] + value)
		tmpl = tmpl[end+1:]
	}
}
