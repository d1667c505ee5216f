package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE runs the built events function as Lambda runs it,
// fed API Gateway HTTP API (v2) events, against the DynamoDB emulator.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	store := lambdaenv.NewStore(db.Client, db.Table, cfg, keys)
	now := time.Now()
	e := event.Event{
		ID:       id.New(now),
		Title:    network.Text{"de": "AG Arbeit", "en": "Working group work"},
		StartsAt: now.Add(72 * time.Hour), EndsAt: now.Add(74 * time.Hour),
		Location: event.Location{Name: "Landratsamt", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity: 1, RegistrationDeadline: now.Add(48 * time.Hour), Published: true,
	}
	if err := store.PutEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	config, err := filepath.Abs("../../infra/config/wartburgkreis.json")
	if err != nil {
		t.Fatal(err)
	}
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/events"), map[string]string{
		"TABLE_NAME":                db.Table,
		"HASH_KEY":                  testenv.TestHashKey,
		"NETWORK_CONFIG":            config,
		"AWS_ENDPOINT_URL_DYNAMODB": db.Endpoint,
		"AWS_LAMBDA_LOG_FORMAT":     "JSON",
	})

	tests := []struct {
		fixture     string
		status      int
		contentType string
		contains    []string
		location    string
	}{
		{"get-events.json", 200, "application/json", []string{`"title":"Working group work"`, `"seatsLeft":1`, `"timeZone":"Europe/Berlin"`}, ""},
		{"get-event.json", 200, "application/json", []string{`"id":"` + e.ID + `"`, `"registrationOpen":true`}, ""},
		{"get-event-unknown.json", 404, "application/problem+json", []string{`"code":"not_found"`}, ""},
		{"post-registration-invalid.json", 422, "application/problem+json", []string{`"field":"name"`, `"field":"email"`, `"field":"consent"`}, ""},
		{"post-registration-json.json", 201, "application/json", []string{`"status":"confirmed"`}, ""},
		{"post-registration-json.json", 200, "application/json", []string{`"status":"confirmed"`}, ""},
		{"post-registration-form-base64.json", 303, "", nil, "../../thanks/event-waitlisted?locale=en"},
		{"get-event.json", 200, "application/json", []string{`"seatsLeft":0`, `"waitingList":true`}, ""},
		{"get-cancel-unknown-token.json", 404, "text/html", []string{`lang="en"`, "This link is not valid"}, ""},
	}
	for i, tt := range tests {
		t.Run(strings.TrimSuffix(tt.fixture, ".json"), func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			payload = []byte(strings.ReplaceAll(string(payload), "EVENT_ID", e.ID))
			var resp events.APIGatewayV2HTTPResponse
			fn.InvokeJSON(t, json.RawMessage(payload), &resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("step %d: status %d, want %d; body %s\n%s", i, resp.StatusCode, tt.status, resp.Body, fn.Output())
			}
			if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			for _, want := range tt.contains {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("body lacks %q: %s", want, resp.Body)
				}
			}
			if got := resp.Headers["Location"]; got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
		})
	}
	if out := fn.Output(); strings.Contains(out, "rie-fatima") || strings.Contains(out, "Dolmetschen") {
		t.Error("the logs contain personal data")
	}
}
