package main

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

var reference = regexp.MustCompile(`^K-[2345679ACDEFGHJKMNPQRTWXYZ]{4}-[2345679ACDEFGHJKMNPQRTWXYZ]{4}$`)

// item is what this test reads of the stored messages and mails.
type item struct {
	PK        string            `dynamodbav:"pk"`
	SK        string            `dynamodbav:"sk"`
	ID        string            `dynamodbav:"id"`
	Reference string            `dynamodbav:"reference"`
	Email     string            `dynamodbav:"email"`
	Topic     string            `dynamodbav:"topic"`
	Network   string            `dynamodbav:"network"`
	Inbox     string            `dynamodbav:"inbox"`
	Locale    string            `dynamodbav:"locale"`
	Template  string            `dynamodbav:"template"`
	To        []string          `dynamodbav:"to"`
	ReplyTo   string            `dynamodbav:"replyTo"`
	Data      map[string]string `dynamodbav:"data"`
	Status    string            `dynamodbav:"status"`
}

// scan reads every item of the table.
func scan(t *testing.T, db *testenv.DynamoDB) []item {
	t.Helper()
	var out []item
	p := dynamodb.NewScanPaginator(db.Client, &dynamodb.ScanInput{TableName: &db.Table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		var items []item
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		out = append(out, items...)
	}
	return out
}

// TestBootstrapUnderRIE runs the built function as Lambda runs it: the
// bootstrap binary under the Runtime Interface Emulator, fed API Gateway
// HTTP API (v2) events from testdata, storing in the DynamoDB emulator.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/contact"), testenv.FunctionEnv(t, db, nil))

	tests := []struct {
		testenv.APICase
		storageDown bool // DynamoDB answers 500 during the invocation
	}{
		{testenv.Case("post-contact-json.json", 202, "application/json", []string{`"status":"received"`, `"reference":"K-`, `"id":"`}, nil), false},
		{testenv.Case("post-contact-form-base64.json", 303, "", nil, nil), false},
		{testenv.Case("post-contact-invalid.json", 422, "application/problem+json",
			[]string{`"field":"email"`, `"field":"topic"`, `"field":"consent"`, "Please agree", `"code":"invalid"`}, nil), false},
		{testenv.Case("post-contact-text-plain.json", 415, "application/problem+json", []string{`"code":"unsupported_media_type"`, `"status":415`}, nil), false},
		{testenv.Case("post-contact-malformed.json", 400, "application/problem+json", []string{`"code":"malformed"`}, nil), false},
		{testenv.Case("get-partners-unknown-route.json", 404, "application/problem+json", []string{`"code":"not_found"`, `"status":404`}, nil), false},
		{testenv.Case("post-contact-storage-down.json", 503, "application/problem+json",
			[]string{`"code":"unavailable"`, `"status":503`, "try again"}, map[string]string{"Retry-After": "2"}), true},
	}
	refs := map[string]string{} // fixture → reference answered
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.Fixture, ".json"), func(t *testing.T) {
			if tt.storageDown {
				db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
			}
			defer db.Emulator.EmulateFailure(miniserver.FailureConditionNone)
			resp := fn.InvokeAPI(t, tt.APICase)
			if ct := resp.Headers["Content-Type"]; (tt.ContentType == "") != (ct == "") {
				t.Errorf("Content-Type %q, want %q", ct, tt.ContentType)
			}
			if id := resp.Headers["X-Request-Id"]; !strings.HasPrefix(id, "fixture-") {
				t.Errorf("X-Request-Id %q, want API Gateway's request id", id)
			}
			if tt.Status == 202 {
				var body struct{ ID, Status, Reference string }
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
					t.Fatal(err)
				}
				if !reference.MatchString(body.Reference) {
					t.Errorf("reference %q", body.Reference)
				}
				refs[tt.Fixture] = body.Reference
			}
			if tt.Status == 303 {
				// The thank-you page, relative, with the reference to show.
				loc, ok := strings.CutPrefix(resp.Headers["Location"], "thanks/contact-received?locale=en&reference=")
				if !ok || !reference.MatchString(loc) {
					t.Errorf("Location %q, want the thank-you page with the reference", resp.Headers["Location"])
				}
				refs[tt.Fixture] = loc
			}
		})
	}

	// The one refused while DynamoDB failed left nothing behind.
	t.Run("stored: each valid message with its two mails", func(t *testing.T) {
		items := scan(t, db)
		var messages, mails []item
		for _, it := range items {
			switch it.SK {
			case "contact":
				messages = append(messages, it)
			case "outbox":
				mails = append(mails, it)
			case "rate":
				// The rate limit's counter of this client, under a keyed
				// hash of its address.
				if strings.Contains(it.PK, "192.0.2") {
					t.Errorf("the client's address in the key %s", it.PK)
				}
			default:
				t.Errorf("unexpected item %s|%s", it.PK, it.SK)
			}
		}
		want := []struct {
			sender, topic, network, inbox, locale string
		}{
			{"rie-contact-json@example.org", "housing", "", "ag-wohnen@example.org", "de"},
			{"rie-contact-form@example.org", "general", "bad-salzungen", "netzwerk-bad-salzungen@example.org", "en"},
		}
		if len(messages) != len(want) || len(mails) != 2*len(want) {
			t.Fatalf("%d messages and %d mails, want %d and %d", len(messages), len(mails), len(want), 2*len(want))
		}
		for _, w := range want {
			i := slices.IndexFunc(messages, func(m item) bool { return m.Email == w.sender })
			if i < 0 {
				t.Errorf("no message from %s", w.sender)
				continue
			}
			m := messages[i]
			if m.PK != "wartburgkreis#contact#"+m.ID || m.Topic != w.topic || m.Network != w.network || m.Inbox != w.inbox || m.Locale != w.locale {
				t.Errorf("message from %s: %+v, want topic %s, network %q, inbox %s, locale %s", w.sender, m, w.topic, w.network, w.inbox, w.locale)
			}
			if !reference.MatchString(m.Reference) {
				t.Errorf("stored reference %q", m.Reference)
			}
			var inbox, ack int
			for _, mail := range mails {
				if mail.Data["reference"] != m.Reference || mail.Status != "pending" || mail.PK != "wartburgkreis#mail#"+mail.ID {
					continue
				}
				switch {
				case mail.Template == "contact.inbox" && slices.Equal(mail.To, []string{w.inbox}) && mail.ReplyTo == w.sender:
					inbox++
				case mail.Template == "contact.ack" && slices.Equal(mail.To, []string{w.sender}) && mail.ReplyTo == "" && mail.Locale == w.locale:
					ack++
				}
			}
			if inbox != 1 || ack != 1 {
				t.Errorf("message from %s: %d inbox mails and %d acknowledgements, want one each", w.sender, inbox, ack)
			}
		}
		for _, fixture := range []string{"post-contact-json.json", "post-contact-form-base64.json"} {
			if got := refs[fixture]; !slices.ContainsFunc(messages, func(m item) bool { return m.Reference == got }) {
				t.Errorf("%s: the answered reference %q is not stored", fixture, got)
			}
		}
	})

	t.Run("logs hold no personal data", func(t *testing.T) {
		out := fn.Output()
		for _, secret := range []string{
			"Brigitte", "Riel", "rie-contact-", "Wohnung", "03691", "987654", // the JSON post
			"Nadia", "Formwerk", "Arabisch", // the form post
			"Ingrid", "Ungültig", "Ung\\u00fcltig", "Geheimnisvoll", // the invalid one
			"Tobias", "Textplain", "Martha", // the refused ones
			"Dora", "Dynamoausfall", "Antrag", // the one DynamoDB failed
		} {
			if strings.Contains(out, secret) {
				t.Errorf("log output contains %q", secret)
			}
		}
		for _, want := range []string{`"route":"POST /contact"`, `"status":202`, `"status":303`, `"status":422`, `"status":404`, `"status":503`, `"message":"request failed"`} {
			if !strings.Contains(out, want) {
				t.Errorf("no JSON request log line with %s in:\n%s", want, out)
			}
		}
	})
}
