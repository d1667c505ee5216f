package main

import (
	"context"
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

	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/admin"), testenv.FunctionEnv(t, db, nil))

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
		testenv.Case("get-audit.json", 200, "application/json", []string{`"action":"partner.approve"`, `"target":"application/` + res.ID + `"`,
			`"action":"privacy.export"`, `"applications":"1"`, `"mails":"3"`}, nil),
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.Fixture, ".json"), func(t *testing.T) {
			resp := fn.InvokeAPI(t, tt, "APP_ID", res.ID)
			if id := resp.Headers["X-Request-Id"]; !strings.HasPrefix(id, "fixture-") {
				t.Errorf("X-Request-Id %q, want API Gateway's request id", id)
			}
		})
	}

	t.Run("logs hold no personal data and no token", func(t *testing.T) {
		out := fn.Output()
		for _, secret := range []string{"rie-admin@example.org", "Rie-Admin", "Denk bunt", "Willkommen", "eyJraWQi", "koordination@example.org"} {
			if strings.Contains(out, secret) {
				t.Errorf("log output contains %q", secret)
			}
		}
		if !strings.Contains(out, `"route":"POST /admin/partners/{id}/approve"`) {
			t.Errorf("no JSON request log line in:\n%s", out)
		}
	})
}
