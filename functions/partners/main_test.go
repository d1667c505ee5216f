package main

import (
	"strings"
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE runs the built function as Lambda runs it: the
// bootstrap binary under the Runtime Interface Emulator, fed API Gateway
// HTTP API (v2) events from testdata, storing in the DynamoDB emulator.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/partners"), testenv.FunctionEnv(t, db, map[string]string{
		"PUBLIC_BASE_URL": "https://netzwerk.example.org",
	}))

	tests := []testenv.APICase{
		testenv.Case("post-partners-json.json", 202, "application/json", []string{`{"status":"received"}`}, nil),
		testenv.Case("post-partners-json.json", 202, "application/json", []string{`{"status":"received"}`}, nil), // the repeat
		testenv.Case("post-partners-form-base64.json", 303, "", nil,
			map[string]string{"Location": "thanks/partner-application?locale=en"}),
		testenv.Case("post-partners-invalid.json", 422, "application/problem+json", []string{`"field":"email"`, `"field":"consent"`, "Please agree"}, nil),
		testenv.Case("post-partners-malformed.json", 400, "application/problem+json", []string{`"code":"malformed"`}, nil),
		testenv.Case("get-options.json", 200, "application/json", []string{`"Working group: language"`, `"wutha-farnroda"`}, nil),
		testenv.Case("get-partners.json", 200, "application/json", []string{`"partners":[]`}, nil),
		testenv.Case("get-confirm-unknown-token.json", 404, "text/html", []string{`<html lang="de"`, "Dieser Link ist ungültig"}, nil),
		testenv.Case("get-health.json", 200, "application/json", []string{`"ok"`}, nil),
		testenv.Case("get-openapi.json", 200, "application/json", []string{`"openapi":"3.1.0"`, `"/admin/partners/{id}/approve"`},
			map[string]string{"Cache-Control": "public, max-age=3600"}),
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.Fixture, ".json"), func(t *testing.T) {
			resp := fn.InvokeAPI(t, tt)
			if id := resp.Headers["X-Request-Id"]; !strings.HasPrefix(id, "fixture-") {
				t.Errorf("X-Request-Id %q, want API Gateway's request id", id)
			}
		})
	}

	t.Run("logs hold no personal data", func(t *testing.T) {
		out := fn.Output()
		for _, secret := range []string{"rie-json@example.org", "rie-form@example.org", "Koordination", "Sprachcaf", "token=unknown"} {
			if strings.Contains(out, secret) {
				t.Errorf("log output contains %q", secret)
			}
		}
		if !strings.Contains(out, `"route":"POST /partners"`) {
			t.Errorf("no JSON request log line in:\n%s", out)
		}
	})
}
