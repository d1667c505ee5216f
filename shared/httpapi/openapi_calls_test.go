package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/email"
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
	return f.db.Mail(t, f.config.ID, (*f.mails)[len(*f.mails)-1]).Link(f.keys)
}

// coordination is what the rows of the coordinators' event, inbox, outbox
// and privacy routes work on, stored as people and the mail worker leave
// it.
type coordination struct {
	roster    string      // an event with a seat, a waiting list and a cancellation
	patched   event.Event // a seat and a person waiting, to grow and move
	calledOff string      // an event with a seat, to call off
	message   string      // an open contact message
	parked    string      // a mail the worker gave up on
	hash      string      // the keyed hash of a suppressed address
	person    string      // an address with a record of every kind
}

func (f *fixture) coordination(t *testing.T) coordination {
	t.Helper()
	ctx := context.Background()
	var d coordination
	d.roster = f.putEvent(t, 1, nil).ID
	f.signUp(t, d.roster, person{"Amira Haddad", "amira@example.org", "Frauenzentrum Eisenach", "Dolmetschen Arabisch", "ar"})
	f.signUp(t, d.roster, person{"Olena Koval", "olena@example.org", "", "", "uk"})
	f.signUp(t, d.roster, person{"Jonas Weber", "jonas@example.org", "", "=Rollstuhl", "de"})
	if r := f.do(t, "POST", "/registrations/cancel", "application/json", jsonBody(t, map[string]string{"token": f.linkToken(t)})); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	d.patched = f.putEvent(t, 1, nil)
	f.signUpAs(t, d.patched.ID, "sitz@example.org", event.Confirmed)
	f.signUpAs(t, d.patched.ID, "warten@example.org", event.Waitlisted)
	d.calledOff = f.putEvent(t, 2, nil).ID
	f.signUpAs(t, d.calledOff, "absage@example.org", event.Confirmed)

	// The worker sends the message to the inbox and parks the
	// acknowledgement; the rest of the outbox stays pending.
	var mails []string
	d.message, mails = f.contactMessage(t, "housing", "wohnung@example.org")
	d.parked = mails[1]
	lease := f.clock.Now().Add(time.Minute)
	for _, mailID := range mails {
		if _, err := f.store.Claim(ctx, mailID, f.clock.Now(), lease); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.MarkSent(ctx, mails[0], lease, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Park(ctx, d.parked, lease, f.clock.Now(), "rejected:MessageRejected"); err != nil {
		t.Fatal(err)
	}

	if err := f.store.Suppress(ctx, "unzustellbar@example.org", "bounce:General", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	d.hash = f.keys.EmailHash(email.Key("unzustellbar@example.org"))
	d.person = "auskunft@example.org"
	f.personEverywhere(t, d.person)
	return d
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
	co := f.coordination(t)
	roster, patched, calledOff := "/admin/events/"+co.roster, "/admin/events/"+co.patched.ID, "/admin/events/"+co.calledOff
	newEvent := f.newEventBody()
	badEvent := f.newEventBody()
	badEvent["title"], badEvent["endsAt"], badEvent["timeZone"] = map[string]string{"en": "Meeting"}, badEvent["startsAt"], "Mond/Basis"
	later := co.patched.StartsAt.Add(24 * time.Hour)

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
		{method: "GET", path: "/forms/partner?lang=ar", status: 200},
		{method: "GET", path: "/forms/form.js", status: 200},
		{method: "GET", path: "/console?lang=en", status: 200},
		{method: "GET", path: "/console/partners?status=approved", status: 200},
		{method: "GET", path: "/console/unknown", status: 404, invalid: true},
		{method: "GET", path: "/console/events/" + open, status: 200},
		{method: "GET", path: "/console/audit/x", status: 404, invalid: true},
		{method: "GET", path: "/forms/partner?workingGroups=language&workingGroups=work&redirect=https%3A%2F%2Fwww.example.org%2Fdanke", status: 200},
		{method: "GET", path: "/forms/contact?topic=general&network=eisenach", status: 200},
		{method: "GET", path: "/forms/events?lang=fa", status: 200},
		{method: "GET", path: "/forms/events/" + open + "?lang=uk", status: 200},
		{method: "GET", path: "/forms/events/" + hidden, status: 404},
		// The forms' script posts the form as it is and asks for JSON.
		{method: "POST", path: "/partners", body: url.Values{"organisation": {"Ohne Adresse"}}, header: []string{"Accept", "application/json"}, status: 422, invalid: true},

		{method: "POST", path: "/partners", body: application, status: 202},
		{method: "POST", path: "/partners", body: application, status: 202},
		{method: "POST", path: "/partners", body: applicationForm, status: 303},
		{method: "POST", path: "/partners", body: multipartOf(applicationForm), status: 303},
		{method: "POST", path: "/partners", body: map[string]any{"organisation": "Ohne Adresse", "consent": false}, status: 422, invalid: true},
		{method: "POST", path: "/partners", body: url.Values{"organisation": {"Ohne Adresse"}}, status: 422, invalid: true},
		{method: "GET", path: "/partners", status: 200},

		{method: "POST", path: "/partners/confirm", body: map[string]int{"token": 5}, status: 422, invalid: true},
		{method: "POST", path: "/partners/confirm", body: map[string]int{"token": 5}, header: html, status: 422, invalid: true},

		{method: "GET", path: "/events?locale=en", status: 200},
		{method: "GET", path: "/events.ics?locale=ar", status: 200},
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
		{method: "POST", path: "/contact", body: message, limited: true, status: 429},
		{method: "POST", path: "/contact", body: messageForm, limited: true, status: 429},
		{method: "POST", path: "/partners", body: application, limited: true, status: 429},
		{method: "POST", path: "/partners", body: applicationForm, limited: true, status: 429},
		{method: "POST", path: signUps, body: person("zweite@example.org"), limited: true, status: 429},
		{method: "POST", path: signUps, body: personForm, limited: true, status: 429},
		{method: "POST", path: "/partners/confirm", body: map[string]string{"token": "abc"}, limited: true, status: 429},
		{method: "POST", path: "/partners/confirm", body: url.Values{"token": {"abc"}}, limited: true, status: 429},
		{method: "POST", path: "/registrations/cancel", body: map[string]string{"token": "abc"}, limited: true, status: 429},
		{method: "POST", path: "/registrations/cancel", body: url.Values{"token": {"abc"}}, limited: true, status: 429},
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

		{method: "POST", path: "/admin/events", body: newEvent, status: 201},
		{method: "POST", path: "/admin/events", body: badEvent, status: 422},
		{method: "POST", path: "/admin/events", body: map[string]any{"title": map[string]string{"de": "Ohne Zeit"}}, status: 422, invalid: true},
		{method: "GET", path: "/admin/events", status: 200},
		{method: "GET", path: "/admin/events?limit=2", status: 200},
		{method: "GET", path: "/admin/events?cursor=!!!", status: 400},
		{method: "GET", path: "/admin/events?limit=0", status: 400, invalid: true},
		{method: "GET", path: patched, status: 200},
		{method: "GET", path: "/admin/events/" + unknown, status: 404},
		{method: "PATCH", path: patched, body: raw{"application/merge-patch+json", fmt.Sprintf(`{"capacity":2,"startsAt":%q,"endsAt":%q,"location":{"name":"Bürgerhaus"}}`,
			later.Format(time.RFC3339), later.Add(2*time.Hour).Format(time.RFC3339))}, status: 200},
		{method: "PATCH", path: patched, body: map[string]any{"title": map[string]string{"en": "Network meeting"}, "description": nil}, status: 200},
		{method: "PATCH", path: patched, body: map[string]any{"capacity": 1}, status: 422},
		{method: "PATCH", path: patched, body: map[string]any{"capacity": "zwei"}, status: 422, invalid: true},
		{method: "PATCH", path: "/admin/events/" + unknown, body: map[string]any{"published": false}, status: 404},
		{method: "PATCH", path: patched, body: raw{"application/merge-patch+json", `{"capacity":`}, status: 400, invalid: true},
		{method: "PATCH", path: patched, body: map[string]any{"description": map[string]string{"de": big}}, status: 413},
		{method: "PATCH", path: patched, body: raw{"text/plain", "capacity=3"}, status: 415, invalid: true},
		{method: "POST", path: calledOff + "/cancel", status: 200},
		{method: "POST", path: calledOff + "/cancel", status: 200},
		{method: "POST", path: "/admin/events/" + unknown + "/cancel", status: 404},
		{method: "GET", path: "/events/" + co.calledOff, status: 404},
		{method: "PATCH", path: calledOff, body: map[string]any{"published": true}, status: 409},
		{method: "GET", path: roster + "/registrations", status: 200},
		{method: "GET", path: roster + "/registrations?status=waitlisted&status=cancelled&limit=1", status: 200},
		{method: "GET", path: roster + "/registrations?status=confirmed,cancelled", status: 200},
		{method: "GET", path: roster + "/registrations?format=csv", status: 200},
		{method: "GET", path: roster + "/registrations?status=cancelled", header: []string{"Accept", "text/csv"}, status: 200},
		{method: "GET", path: roster + "/registrations?cursor=!!!", status: 400},
		{method: "GET", path: roster + "/registrations?limit=0", status: 400, invalid: true},
		{method: "GET", path: "/admin/events/" + unknown + "/registrations", status: 404},
		{method: "GET", path: roster + "/registrations?status=maybe", status: 422, invalid: true},
		{method: "GET", path: roster + "/registrations?format=xlsx", status: 422, invalid: true},

		{method: "GET", path: "/admin/messages", status: 200},
		{method: "GET", path: "/admin/messages?topic=housing&status=open&limit=1", status: 200},
		{method: "GET", path: "/admin/messages?cursor=!!!", status: 400},
		{method: "GET", path: "/admin/messages?topic=weather", status: 422},
		{method: "GET", path: "/admin/messages?status=closed", status: 422, invalid: true},
		{method: "POST", path: "/admin/messages/" + co.message + "/done", status: 200},
		{method: "POST", path: "/admin/messages/" + co.message + "/done", status: 200},
		{method: "POST", path: "/admin/messages/" + unknown + "/done", status: 404},

		{method: "GET", path: "/admin/mail", status: 200},
		{method: "GET", path: "/admin/mail?status=sent", status: 200},
		{method: "GET", path: "/admin/mail?status=pending&limit=2", status: 200},
		{method: "GET", path: "/admin/mail?cursor=!!!", status: 400},
		{method: "GET", path: "/admin/mail?status=bounced", status: 422, invalid: true},
		{method: "POST", path: "/admin/mail/" + co.parked + "/retry", status: 200},
		{method: "POST", path: "/admin/mail/" + co.parked + "/retry", status: 409},
		{method: "POST", path: "/admin/mail/" + unknown + "/retry", status: 404},
		{method: "GET", path: "/admin/suppressions", status: 200},
		{method: "GET", path: "/admin/suppressions?limit=1", status: 200},
		{method: "GET", path: "/admin/suppressions?cursor=!!!", status: 400},
		{method: "DELETE", path: "/admin/suppressions/" + co.hash, status: 204},
		{method: "DELETE", path: "/admin/suppressions/" + co.hash, status: 404},
		{method: "DELETE", path: "/admin/suppressions/not-a-hash", status: 404},

		{method: "POST", path: "/admin/people/export", body: map[string]string{"email": strings.ToUpper(co.person)}, status: 200},
		{method: "POST", path: "/admin/people/export", body: map[string]string{"email": "kein-at-zeichen"}, status: 422},
		{method: "POST", path: "/admin/people/export", body: map[string]string{}, status: 422, invalid: true},
		{method: "POST", path: "/admin/people/erase", body: map[string]string{"email": co.person}, status: 200},
		{method: "POST", path: "/admin/people/erase", body: map[string]string{"email": co.person}, status: 200},
		{method: "POST", path: "/admin/people/erase", body: map[string]string{"email": "kein-at-zeichen"}, status: 422},
		{method: "POST", path: "/admin/people/erase", body: map[string]string{}, status: 422, invalid: true},
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
		{"/admin/events", false}, {"/admin/people/export", false}, {"/admin/people/erase", false},
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
		call{method: "GET", path: "/events.ics", down: true, status: 503},
		call{method: "GET", path: "/forms/events", down: true, status: 503},
		call{method: "GET", path: "/forms/events/" + open, down: true, status: 503},
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
		call{method: "GET", path: "/admin/events", down: true, status: 503},
		call{method: "POST", path: "/admin/events", body: newEvent, down: true, status: 503},
		call{method: "GET", path: patched, down: true, status: 503},
		call{method: "PATCH", path: patched, body: map[string]any{"capacity": 3}, down: true, status: 503},
		call{method: "POST", path: patched + "/cancel", down: true, status: 503},
		call{method: "GET", path: roster + "/registrations", down: true, status: 503},
		call{method: "GET", path: "/admin/messages", down: true, status: 503},
		call{method: "POST", path: "/admin/messages/" + co.message + "/done", down: true, status: 503},
		call{method: "GET", path: "/admin/mail", down: true, status: 503},
		call{method: "POST", path: "/admin/mail/" + co.parked + "/retry", down: true, status: 503},
		call{method: "GET", path: "/admin/suppressions", down: true, status: 503},
		call{method: "DELETE", path: "/admin/suppressions/" + co.hash, down: true, status: 503},
		call{method: "POST", path: "/admin/people/export", body: map[string]string{"email": co.person}, down: true, status: 503},
		call{method: "POST", path: "/admin/people/erase", body: map[string]string{"email": co.person}, down: true, status: 503},
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

// multipartOf is a form as a browser sends it with enctype multipart/form-data.
func multipartOf(v url.Values) raw {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range v {
		for _, x := range vs {
			_ = w.WriteField(k, x)
		}
	}
	_ = w.Close()
	return raw{w.FormDataContentType(), b.String()}
}
