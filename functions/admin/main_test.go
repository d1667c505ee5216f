package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/partner"
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
	if _, err := partners.Confirm(ctx, keys.Token(confirm.TokenNonce)); err != nil {
		t.Fatal(err)
	}

	config, err := filepath.Abs("../../infra/config/wartburgkreis.json")
	if err != nil {
		t.Fatal(err)
	}
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/admin"), map[string]string{
		"TABLE_NAME":                db.Table,
		"HASH_KEY":                  testenv.TestHashKey,
		"NETWORK_CONFIG":            config,
		"AWS_ENDPOINT_URL_DYNAMODB": db.Endpoint,
		"AWS_LAMBDA_LOG_FORMAT":     "JSON",
	})

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
		// The function runs on the machine's clock: the event starts in
		// two weeks from now.
		testenv.Case("post-event.json", 201, "application/json", []string{
			`"uk":"Робоча група «Мова»"`, `"timeZone":"Europe/Berlin"`, `"capacity":20`, `"seatsLeft":20`,
			`"published":true`, `"cancelled":false`, `"startsAt":"` + starts.Format(time.RFC3339) + `"`,
		}, nil),
		testenv.Case("get-audit.json", 200, "application/json", []string{`"action":"partner.approve"`, `"target":"application/` + res.ID + `"`, `"action":"event.create"`}, nil),
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.Fixture, ".json"), func(t *testing.T) {
			resp := fn.InvokeAPI(t, tt, "APP_ID", res.ID, "STARTS_AT", starts.Format(time.RFC3339),
				"ENDS_AT", starts.Add(2*time.Hour).Format(time.RFC3339), "DEADLINE", starts.Add(-24*time.Hour).Format(time.RFC3339))
			if loc := resp.Headers["Location"]; tt.Status == 201 && !strings.HasPrefix(loc, "/admin/events/") {
				t.Errorf("Location %q, want the new event's", loc)
			}
			if id := resp.Headers["X-Request-Id"]; !strings.HasPrefix(id, "fixture-") {
				t.Errorf("X-Request-Id %q, want API Gateway's request id", id)
			}
		})
	}

	t.Run("logs hold no personal data and no token", func(t *testing.T) {
		out := fn.Output()
		for _, secret := range []string{"rie-admin@example.org", "Denk bunt", "Willkommen", "eyJraWQi", "koordination@example.org", "Sprachkurse"} {
			if strings.Contains(out, secret) {
				t.Errorf("log output contains %q", secret)
			}
		}
		if !strings.Contains(out, `"route":"POST /admin/partners/{id}/approve"`) || !strings.Contains(out, `"route":"POST /admin/events"`) {
			t.Errorf("no JSON request log line in:\n%s", out)
		}
	})
}
