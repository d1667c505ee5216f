package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE runs the built admin function as Lambda runs it, fed
// API Gateway HTTP API (v2) events that carry the JWT authorizer's claims,
// against the DynamoDB emulator.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	clock := testenv.NewClock(time.Now())
	store, mails := testenv.NewStore(t, db, clock)
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	partners := &partner.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now}
	ctx := context.Background()
	res, err := partners.Register(ctx, partner.Input{
		Organisation: "Denk bunt im Wartburgkreis", OrganisationType: "association",
		ContactName: "Rie Admin", Email: "rie-admin@example.org", WorkingGroups: []string{"language"},
		Consent: true,
	}, "uk")
	if err != nil {
		t.Fatal(err)
	}
	confirm := db.Mail(t, cfg.ID, (*mails)[0])
	if _, err := partners.Confirm(ctx, confirm.Link(keys)); err != nil {
		t.Fatal(err)
	}
	ev := signedUpEvent(t, store, cfg, keys, clock)

	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/admin"), testenv.FunctionEnv(t, db, nil))

	starts := time.Now().UTC().Add(14 * 24 * time.Hour).Truncate(time.Hour)
	tests := []testenv.APICase{
		testenv.Case("get-partners-coordinator.json", 200, "application/json", []string{`"id":"` + res.ID + `"`, `"email":"rie-admin@example.org"`}, nil),
		// The authorizer let a token through whose groups lack the
		// coordinators: the function refuses it all the same.
		testenv.Case("get-partners-wrong-group.json", 403, "application/problem+json", []string{`"code":"forbidden"`}, nil),
		// A route left without the authorizer by mistake serves nobody.
		testenv.Case("get-partners-no-claims.json", 401, "application/problem+json", []string{`"code":"unauthenticated"`}, map[string]string{"Www-Authenticate": `Bearer realm="netzwerk-admin"`}),
		testenv.Case("get-partner-access-token.json", 200, "application/json", []string{`"status":"pending_review"`, `"locale":"uk"`}, nil),
		testenv.Case("post-approve.json", 200, "application/json", []string{`"status":"approved"`, `"decidedBy":"koordination@example.org"`, `"mailQueued":true`}, nil),
		// Access request: the address in the body, in another case than
		// the applicant typed it.
		testenv.Case("post-people-export.json", 200, "application/json", []string{`"email":"Rie-Admin@example.org"`,
			`"applications":[{"id":"` + res.ID + `"`, `"status":"approved"`, `"template":"partner.review"`, `"suppressions":[]`}, nil),
		// The attendee list as a download: text, not base64, so it reaches
		// the browser byte for byte.
		testenv.Case("get-registrations-csv.json", 200, "text/csv; charset=utf-8",
			[]string{"\uFEFFStatus;Wartelistenplatz;Name;", "\r\nbestätigt;;Jürgen Größe;", "\r\nbestätigt;;Олена Шевченко;", "\r\nWarteliste;1;'=HYPERLINK(1);formel@example.org;"},
			map[string]string{"Content-Disposition": `attachment; filename="anmeldungen-` + ev.StartsAt.In(i18n.Berlin).Format("2006-01-02") + "-" + ev.ID + `.csv"`}),
		// The function runs on the machine's clock: the event starts in
		// two weeks from now.
		testenv.Case("post-event.json", 201, "application/json", []string{
			`"uk":"Робоча група «Мова»"`, `"timeZone":"Europe/Berlin"`, `"capacity":20`, `"seatsLeft":20`,
			`"published":true`, `"cancelled":false`, `"startsAt":"` + starts.Format(time.RFC3339) + `"`,
		}, nil),
		// The console's page: no data in it, and no development login,
		// which only the local server has.
		testenv.Case("get-console.json", 200, "text/html; charset=utf-8", []string{`data-dev=""`, `data-authorize=""`, `<script>`}, nil),
		testenv.Case("post-dev-login.json", 404, "application/problem+json", []string{`"code":"not_found"`}, nil),
		testenv.Case("get-audit.json", 200, "application/json", []string{
			`"action":"partner.approve"`, `"target":"application/` + res.ID + `"`,
			`"action":"privacy.export"`, `"applications":"1"`, `"mails":"3"`,
			`"action":"registrations.export"`, `"target":"event/` + ev.ID + `"`, `"rows":"3"`,
			`"action":"event.create"`,
		}, nil),
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.Fixture, ".json"), func(t *testing.T) {
			resp := fn.InvokeAPI(t, tt, "APP_ID", res.ID, "EVENT_ID", ev.ID, "STARTS_AT", starts.Format(time.RFC3339),
				"ENDS_AT", starts.Add(2*time.Hour).Format(time.RFC3339), "DEADLINE", starts.Add(-24*time.Hour).Format(time.RFC3339))
			if loc := resp.Headers["Location"]; tt.Status == 201 && !strings.HasPrefix(loc, "/admin/events/") {
				t.Errorf("Location %q, want the new event's", loc)
			}
			if id := resp.Headers["X-Request-Id"]; !strings.HasPrefix(id, "fixture-") {
				t.Errorf("X-Request-Id %q, want API Gateway's request id", id)
			}
			if resp.IsBase64Encoded {
				t.Errorf("body base64-encoded: %.100s", resp.Body)
			}
		})
	}

	t.Run("logs hold no personal data and no token", func(t *testing.T) {
		out := fn.Output()
		for _, secret := range []string{"rie-admin@example.org", "Rie-Admin", "Denk bunt", "Willkommen", "eyJraWQi", "koordination@example.org",
			"Größe", "Олена", "juergen@example.org", "HYPERLINK", "Sprachkurse"} {
			if strings.Contains(out, secret) {
				t.Errorf("log output contains %q", secret)
			}
		}
		if !strings.Contains(out, `"route":"POST /admin/partners/{id}/approve"`) || !strings.Contains(out, `"route":"POST /admin/events"`) {
			t.Errorf("no JSON request log line in:\n%s", out)
		}
	})
}

// signedUpEvent is a small event with two confirmed people and one
// waiting, one of them with a name a spreadsheet would run as a formula.
func signedUpEvent(t *testing.T, store *dynamo.Store, cfg *network.Config, keys *secret.Keys, clock *testenv.Clock) event.Event {
	t.Helper()
	ctx := context.Background()
	now := clock.Now()
	e := event.Event{
		ID:       id.New(now),
		Title:    network.Text{"de": "Netzwerktreffen"},
		StartsAt: now.Add(10 * 24 * time.Hour), EndsAt: now.Add(10*24*time.Hour + 2*time.Hour),
		Location: event.Location{Name: "Landratsamt", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity: 2, RegistrationDeadline: now.Add(9 * 24 * time.Hour), Published: true,
	}
	if err := store.PutEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	events := &event.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now}
	for _, p := range []struct{ name, addr string }{
		{"Jürgen Größe", "juergen@example.org"}, {"Олена Шевченко", "olena@example.org"}, {"=HYPERLINK(1)", "formel@example.org"},
	} {
		clock.Advance(time.Second)
		if _, err := events.Register(ctx, e.ID, event.Input{Name: p.name, Email: p.addr, Consent: true}, "de"); err != nil {
			t.Fatal(err)
		}
	}
	return e
}
