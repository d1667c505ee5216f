package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE runs the built function as Lambda runs it: the
// bootstrap binary under the Runtime Interface Emulator, fed API Gateway
// HTTP API (v2) events from testdata, storing in the DynamoDB emulator.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	config, err := filepath.Abs("../../infra/config/wartburgkreis.json")
	if err != nil {
		t.Fatal(err)
	}
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/partners"), map[string]string{
		"TABLE_NAME":                db.Table,
		"HASH_KEY":                  testenv.TestHashKey,
		"NETWORK_CONFIG":            config,
		"PUBLIC_BASE_URL":           "https://netzwerk.example.org",
		"AWS_ENDPOINT_URL_DYNAMODB": db.Endpoint,
		"AWS_LAMBDA_LOG_FORMAT":     "JSON",
	})

	tests := []struct {
		fixture     string
		status      int
		contentType string
		contains    []string
		header      map[string]string
	}{
		{"post-partners-json.json", 202, "application/json", []string{`"status":"pending_confirmation"`}, nil},
		{"post-partners-json.json", 200, "application/json", []string{`"status":"pending_confirmation"`}, nil}, // the repeat
		{"post-partners-form-base64.json", 303, "", nil,
			map[string]string{"Location": "thanks/partner-application?locale=en"}},
		{"post-partners-invalid.json", 422, "application/problem+json", []string{`"field":"email"`, `"field":"consent"`, "Please agree"}, nil},
		{"post-partners-malformed.json", 400, "application/problem+json", []string{`"code":"malformed"`}, nil},
		{"get-options.json", 200, "application/json", []string{`"Working group: language"`, `"wutha-farnroda"`}, nil},
		{"get-partners.json", 200, "application/json", []string{`"partners":[]`}, nil},
		{"get-confirm-unknown-token.json", 404, "text/html", []string{`<html lang="de"`, "Dieser Link ist ungültig"}, nil},
		{"get-health.json", 200, "application/json", []string{`"ok"`}, nil},
	}
	var firstID string
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.fixture, ".json"), func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			fn.InvokeJSON(t, json.RawMessage(payload), &resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s\n%s", resp.StatusCode, tt.status, resp.Body, fn.Output())
			}
			if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			for _, want := range tt.contains {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("body lacks %q: %s", want, resp.Body)
				}
			}
			for k, want := range tt.header {
				if got := resp.Headers[k]; got != want {
					t.Errorf("%s %q, want %q", k, got, want)
				}
			}
			if id := resp.Headers["X-Request-Id"]; !strings.HasPrefix(id, "fixture-") {
				t.Errorf("X-Request-Id %q, want API Gateway's request id", id)
			}
			if tt.fixture == "post-partners-json.json" {
				var body struct{ ID string }
				_ = json.Unmarshal([]byte(resp.Body), &body)
				if firstID == "" {
					firstID = body.ID
				} else if body.ID != firstID {
					t.Errorf("repeat id %q, want %q", body.ID, firstID)
				}
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
