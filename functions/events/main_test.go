package main

import (
	"context"
	"strings"
	"testing"
	"time"

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
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/events"), testenv.FunctionEnv(t, db, nil))

	// Every answer's Location is checked, also that there is none.
	at := func(location string) map[string]string { return map[string]string{"Location": location} }
	tests := []testenv.APICase{
		testenv.Case("get-events.json", 200, "application/json", []string{`"title":"Working group work"`, `"seatsLeft":1`, `"timeZone":"Europe/Berlin"`}, at("")),
		testenv.Case("get-event.json", 200, "application/json", []string{`"id":"` + e.ID + `"`, `"registrationOpen":true`}, at("")),
		testenv.Case("get-event-unknown.json", 404, "application/problem+json", []string{`"code":"not_found"`}, at("")),
		testenv.Case("post-registration-invalid.json", 422, "application/problem+json", []string{`"field":"name"`, `"field":"email"`, `"field":"consent"`}, at("")),
		// New and repeated sign-ups answer alike; the mail tells the rest.
		testenv.Case("post-registration-json.json", 202, "application/json", []string{`{"status":"received"}`}, at("")),
		testenv.Case("post-registration-json.json", 202, "application/json", []string{`{"status":"received"}`}, at("")),
		testenv.Case("post-registration-form-base64.json", 303, "", nil, at("../../thanks/event-received?locale=en")),
		testenv.Case("get-event.json", 200, "application/json", []string{`"seatsLeft":0`, `"waitingList":true`}, at("")),
		testenv.Case("get-cancel-unknown-token.json", 404, "text/html", []string{`lang="en"`, "This link is not valid"}, at("")),
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.Fixture, ".json"), func(t *testing.T) {
			fn.InvokeAPI(t, tt, "EVENT_ID", e.ID)
		})
	}
	if out := fn.Output(); strings.Contains(out, "rie-fatima") || strings.Contains(out, "Dolmetschen") {
		t.Error("the logs contain personal data")
	}
}
