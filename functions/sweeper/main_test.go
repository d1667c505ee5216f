package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE invokes the built sweeper as the one-minute
// schedule does: an application's and a sign-up's first mails, written an
// hour ago for a notifier that never saw them, are handed over by their
// reconcile and go out through the real sesv2 client to the SES emulator,
// so do the mails of a contact message that were never written, and an
// event starting within the reminder lead gets its reminder queued once,
// however often the schedule fires.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	ses := testenv.SES(t)
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	ctx := context.Background()

	// Written an hour ago, so the notifier's grace is long over.
	store := lambdaenv.NewStore(db.Client, db.Table, cfg, keys)
	past := func() time.Time { return time.Now().Add(-time.Hour) }
	store.Now = past
	applicant := testenv.UniqueAddress(t)
	_, err := (&partner.Service{Store: store, Config: cfg, Keys: keys, Now: past}).Register(ctx, partner.Input{
		Organisation: "Sweep e. V.", OrganisationType: "association", ContactName: "Test",
		Email: applicant, WorkingGroups: []string{"work"}, Consent: true,
	}, "en")
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	// The function reads the real clock: the event starts in two hours.
	begins := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	ev := event.Event{
		ID:                   id.New(past()),
		Title:                network.Text{"de": "Netzwerktreffen", "en": "Network meeting"},
		StartsAt:             begins,
		EndsAt:               begins.Add(2 * time.Hour),
		Location:             event.Location{Name: "Landratsamt", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity:             10,
		RegistrationDeadline: begins.Add(-time.Hour),
		WorkingGroup:         "language",
		Network:              "wartburgkreis",
		Published:            true,
	}
	if err := store.PutEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	attendee := testenv.UniqueAddress(t)
	events := &event.Service{Store: store, Config: cfg, Keys: keys, Now: past}
	if _, err := events.Register(ctx, ev.ID, event.Input{Name: "Test", Email: attendee, Consent: true}, "de"); err != nil {
		t.Fatalf("sign-up: %v", err)
	}

	// A contact message whose mail puts failed after its own: the sweeper
	// writes both mails from the message and sends them.
	writer := testenv.UniqueAddress(t)
	lost := lambdaenv.NewStore(noMailPuts{db.Client}, db.Table, cfg, keys)
	lost.Now = past
	messages := &contact.Service{Store: lost, Config: cfg, Keys: keys, Now: past, Log: slog.New(slog.DiscardHandler)}
	msg, err := messages.Submit(ctx, contact.Input{
		Name: "Test", Email: writer, Topic: "general", Network: "eisenach", Message: "Eine Frage", Consent: true,
	}, "de")
	if err != nil {
		t.Fatalf("contact: %v", err)
	}

	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/sweeper"), testenv.FunctionEnv(t, db, map[string]string{
		"PUBLIC_BASE_URL":             "https://netzwerk.example.org",
		"AWS_ENDPOINT_URL_SESV2":      ses.Endpoint(),
		"AWS_LAMBDA_FUNCTION_TIMEOUT": "50", // as template.yaml deploys it
	}))
	fixture, err := os.ReadFile("testdata/scheduler-event.json")
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		if out := fn.Invoke(t, fixture); string(out) != "null" {
			t.Errorf("round %d: answer %s, want null", round, out)
		}
	}

	got := ses.Messages(t, applicant)
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Please confirm") {
		t.Errorf("SES has %d mails for the applicant, want the confirm mail once\n%s", len(got), fn.Output())
	}
	if got := ses.Messages(t, attendee); len(got) != 1 {
		t.Errorf("SES has %d mails for the attendee, want the sign-up's confirmation once", len(got))
	}

	if got := ses.Messages(t, writer); len(got) != 1 {
		t.Errorf("SES has %d mails for the contact's sender, want the acknowledgement once", len(got))
	}
	if got := ses.Messages(t, msg.Inbox); len(got) != 1 {
		t.Errorf("SES has %d mails for the contact's inbox, want the message once", len(got))
	}

	// The reminder is queued for the notifier; the sweeper itself takes it
	// only after the notifier's grace.
	var reminders []testenv.StoredMail
	for _, item := range db.Snapshot(t) {
		if testenv.S(item, "sk") == "outbox" && testenv.S(item, "template") == "event.reminder" {
			reminders = append(reminders, db.Mail(t, cfg.ID, testenv.S(item, "id")))
		}
	}
	if len(reminders) != 1 || len(reminders[0].To) != 1 || reminders[0].To[0] != attendee || reminders[0].Status != "pending" {
		t.Errorf("reminders %+v, want one pending to the attendee", reminders)
	}

	out := fn.Output()
	if strings.Contains(out, "scheduled job failed") || strings.Contains(out, "sweep failed") {
		t.Errorf("a job or the sweep failed:\n%s", out)
	}
	if strings.Contains(out, applicant) || strings.Contains(out, attendee) || strings.Contains(out, writer) {
		t.Error("the logs contain an address")
	}
	// Lambda's JSON log format names the message "message".
	var lines int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["message"] == "sweep" {
			lines++
		}
	}
	if lines != 2 {
		t.Errorf("%d sweep summaries in the log, want one per invocation (2)", lines)
	}
}

// noMailPuts refuses every put of an outbox item, as a throttled table
// would after the put before it went through.
type noMailPuts struct{ dynamo.API }

func (n noMailPuts) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if testenv.S(in.Item, "sk") == "outbox" {
		return nil, errors.New("throttled")
	}
	return n.API.PutItem(ctx, in, o...)
}
