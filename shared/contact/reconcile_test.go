package contact_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// reconcileEnv is env with the store's mail puts under the test's control
// and the service's log kept.
type reconcileEnv struct {
	*env
	puts *testenv.MailPuts
	logs *bytes.Buffer
}

func newReconcileEnv(t *testing.T) *reconcileEnv {
	t.Helper()
	e := &reconcileEnv{env: newEnv(t), logs: &bytes.Buffer{}}
	e.puts = &testenv.MailPuts{API: e.store.API}
	e.store.API = e.puts
	e.svc.Log = slog.New(slog.NewJSONHandler(e.logs, nil))
	return e
}

// outbox is every mail of the table as "template status index-partition".
func (e *reconcileEnv) outbox(t *testing.T) []string { return e.db.Outbox(t) }

// deliver sends a mail as a worker would: claim, then record it sent.
func (e *reconcileEnv) deliver(t *testing.T, mailID string) {
	testenv.Deliver(t, e.store, mailID, e.clock.Now())
}

func (e *reconcileEnv) reconcile(t *testing.T, want int) {
	t.Helper()
	if n, err := e.svc.Reconcile(context.Background()); n != want || err != nil {
		t.Errorf("Reconcile: %d, %v; want %d", n, err, want)
	}
}

// TestReconcile: a message's first mails are written and handed to the
// sweeper once, whatever failed or was lost on the way, and never for a
// message that is gone.
func TestReconcile(t *testing.T) {
	pending := []string{"contact.ack pending ", "contact.inbox pending "}
	due := []string{"contact.ack pending due", "contact.inbox pending due"}
	sent := []string{"contact.ack sent sent", "contact.inbox sent sent"}
	tests := []struct {
		name string
		// failPuts makes both mail puts fail after the message's.
		failPuts bool
		// before runs between the submission and the first reconcile.
		before func(t *testing.T, e *reconcileEnv, m contact.Message)
		// after is how long after the submission Reconcile runs.
		after time.Duration
		// queued is what the first run reports, the second always 0.
		queued int
		want   []string
	}{
		{"mail puts failed: both written, due at once", true, nil,
			3 * time.Minute, 2, due},
		{"mail puts failed, within the grace: left alone", true, nil,
			time.Minute, 0, nil},
		{"mail puts failed a day ago: the inbox's written, no late acknowledgement", true, nil,
			25 * time.Hour, 1, []string{"contact.inbox pending due"}},
		{"mail puts failed, message erased: nothing comes back", true,
			func(t *testing.T, e *reconcileEnv, m contact.Message) {
				_, err := e.db.Client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
					TableName: &e.db.Table,
					Key: map[string]types.AttributeValue{
						"pk": &types.AttributeValueMemberS{Value: e.cfg.ID + "#contact#" + m.ID},
						"sk": &types.AttributeValueMemberS{Value: "contact"},
					},
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			3 * time.Minute, 0, nil},
		{"stream record lost: both handed to the sweeper", false, nil,
			3 * time.Minute, 2, due},
		{"within the grace: left to the notifier", false, nil,
			time.Minute, 0, pending},
		{"both sent: nothing to do", false,
			func(t *testing.T, e *reconcileEnv, m contact.Message) {
				for _, mail := range e.svc.Mails(m, m.CreatedAt) {
					e.deliver(t, mail.ID)
				}
			},
			3 * time.Minute, 0, sent},
		{"past the window: left alone", true, nil,
			outbox.ReconcileWindow + time.Minute, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newReconcileEnv(t)
			e.puts.Fail = tt.failPuts
			m, err := e.svc.Submit(context.Background(), valid(), "en")
			if err != nil {
				t.Fatalf("Submit: %v; want the message stored whatever its mails", err)
			}
			e.puts.Fail = false
			if e.rawContact(t, m.ID) == nil {
				t.Fatal("message not stored")
			}
			if tt.before != nil {
				tt.before(t, e, m)
			}
			e.clock.Advance(tt.after)
			e.reconcile(t, tt.queued)
			e.reconcile(t, 0)
			if got := e.outbox(t); !slices.Equal(got, tt.want) {
				t.Errorf("outbox %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSubmitMailPutFails: a failing mail put does not fail the request,
// and the log says so without anything the sender typed.
func TestSubmitMailPutFails(t *testing.T) {
	e := newReconcileEnv(t)
	e.puts.Fail = true
	in := valid()
	if _, err := e.svc.Submit(context.Background(), in, "de"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "contact mail left to the sweeper") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
	for _, private := range []string{"Jürgen", "Größe", "Juergen", "Groesse", "Sprachkurs", "123456"} {
		if strings.Contains(logs, private) {
			t.Errorf("the log contains %q:\n%s", private, logs)
		}
	}
}

// TestMailsQueuedOnce: a second put of a message's mail, after the first
// was delivered, leaves it sent: the SDK retrying a put whose answer was
// lost, or Reconcile writing one the submission wrote meanwhile.
func TestMailsQueuedOnce(t *testing.T) {
	tests := []struct {
		name  string
		again func(t *testing.T, e *reconcileEnv, m contact.Message)
	}{
		{"the SDK resends a delivered mail's put", func(t *testing.T, e *reconcileEnv, m contact.Message) {}},
		{"Reconcile writes a delivered mail", func(t *testing.T, e *reconcileEnv, m contact.Message) {
			for _, mail := range e.svc.Mails(m, e.clock.Now()) {
				if err := e.store.QueueMissing(context.Background(), m.ID, mail); err != nil {
					t.Errorf("QueueMissing %s: %v", mail.Template, err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newReconcileEnv(t)
			// The notifier sends each mail the moment it is written.
			e.puts.Resend = true
			e.puts.Between = func(mailID string) { e.deliver(t, mailID) }
			m, err := e.svc.Submit(context.Background(), valid(), "de")
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			e.puts.Resend = false
			tt.again(t, e, m)
			e.clock.Advance(3 * time.Minute)
			e.reconcile(t, 0)
			want := []string{"contact.ack sent sent", "contact.inbox sent sent"}
			if got := e.outbox(t); !slices.Equal(got, want) {
				t.Errorf("outbox %q, want %q", got, want)
			}
		})
	}
}

// TestSubmitMessagePutResent: the SDK resending the message's put, whose
// answer was lost, finds the message it stored and answers success.
func TestSubmitMessagePutResent(t *testing.T) {
	e := newEnv(t)
	e.store.API = resendAll{e.store.API}
	if _, err := e.svc.Submit(context.Background(), valid(), "de"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if got := e.items(t); len(got) != 3 {
		t.Errorf("items %v, want the message and two mails", got)
	}
}

// resendAll sends every put twice, answering with the second.
type resendAll struct{ dynamo.API }

func (r resendAll) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if _, err := r.API.PutItem(ctx, in, o...); err != nil {
		return nil, err
	}
	return r.API.PutItem(ctx, in, o...)
}

// TestReconcileLooksOnce: each run starts where the last complete one
// stopped, so a message's mails are read about once, not on every run of
// the window; a run that failed leaves the cursor, and the next looks again.
func TestReconcileLooksOnce(t *testing.T) {
	e := newEnv(t)
	reads := &testenv.MailReads{API: e.store.API}
	e.store.API = reads
	ctx := context.Background()
	run := func(step string, wantQueued, wantKeys int, wantErr bool) {
		t.Helper()
		reads.Keys = 0
		n, err := e.svc.Reconcile(ctx)
		if n != wantQueued || (err != nil) != wantErr || reads.Keys != wantKeys {
			t.Errorf("%s: Reconcile = %d, %v, %d mail keys read; want %d, error %v, %d keys", step, n, err, reads.Keys, wantQueued, wantErr, wantKeys)
		}
	}
	if _, err := e.svc.Submit(ctx, valid(), "de"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Minute)
	reads.FailUpdates = true
	run("the hand-over fails", 0, 2, true)
	reads.FailUpdates = false
	run("looked at again", 2, 2, false)
	e.clock.Advance(time.Minute)
	run("nothing new", 0, 0, false)
	if _, err := e.svc.Submit(ctx, valid(), "de"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Minute)
	run("the new message alone", 2, 2, false)
}
