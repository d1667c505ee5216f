package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE feeds the built notifier a stream batch as Lambda
// would: the new outbox mail goes out through the real sesv2 client to the
// SES emulator; the unknown and the MODIFY records change nothing; a
// redelivered batch sends nothing twice.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	ses := testenv.SES(t)
	cfg, keys := testenv.Config(t), testenv.Keys(t)

	// An application written the way the partners function writes it.
	store := lambdaenv.NewStore(db.Client, db.Table, cfg, keys)
	var mailIDs []string
	store.OnMail = func(ids []string) { mailIDs = append(mailIDs, ids...) }
	svc := &partner.Service{Store: store, Config: cfg, Keys: keys, Now: time.Now}
	to := testenv.UniqueAddress(t)
	_, err := svc.Register(context.Background(), partner.Input{
		Organisation: "Stream e. V.", OrganisationType: "association", ContactName: "Test",
		Email: to, WorkingGroups: []string{"work"}, Consent: true,
	}, "en")
	if err != nil || len(mailIDs) != 1 {
		t.Fatalf("register: %v, mails %v", err, mailIDs)
	}

	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/notifier"), testenv.FunctionEnv(t, db, map[string]string{
		"PUBLIC_BASE_URL":        "https://netzwerk.example.org",
		"AWS_ENDPOINT_URL_SESV2": ses.Endpoint(),
	}))
	fixture, err := os.ReadFile("testdata/stream-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	batch := strings.ReplaceAll(string(fixture), "MAIL_ID", mailIDs[0])

	for round := 1; round <= 2; round++ {
		var resp events.DynamoDBEventResponse
		fn.InvokeJSON(t, json.RawMessage(batch), &resp)
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("round %d: batch item failures %+v\n%s", round, resp.BatchItemFailures, fn.Output())
		}
	}

	got := ses.Messages(t, to)
	if len(got) != 1 {
		t.Fatalf("SES has %d mails for the applicant, want exactly 1\n%s", len(got), fn.Output())
	}
	m := got[0]
	if !strings.Contains(m.Subject, "Please confirm") {
		t.Errorf("subject %q, want the English confirm mail", m.Subject)
	}
	if !strings.Contains(m.From, "integration@example.org") {
		t.Errorf("from %q", m.From)
	}
	link := "https://netzwerk.example.org/partners/confirm?token="
	i := strings.Index(m.Body.Text, link)
	if i < 0 || m.Body.HTML == "" {
		t.Fatalf("no confirm link in the text part, or no HTML part:\n%s", m.Body.Text)
	}
	token, _, _ := strings.Cut(m.Body.Text[i+len(link):], "&")
	if app, err := svc.Lookup(context.Background(), token); err != nil || app.Email != to {
		t.Errorf("the mailed token does not open the application: %v", err)
	}
	if out := fn.Output(); strings.Contains(out, to) || strings.Contains(out, token) {
		t.Error("the logs contain the address or the token")
	}
}
