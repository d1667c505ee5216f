package event_test

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

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
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

// signUp registers addr, its mail put failing if fail, and returns the
// registration as stored.
func (e *reconcileEnv) signUp(eventID, addr string, fail bool) event.Registration {
	e.t.Helper()
	e.puts.Fail = fail
	defer func() { e.puts.Fail = false }()
	res, err := e.svc.Register(context.Background(), eventID, input("Person", addr), "de")
	if err != nil || !res.Created {
		e.t.Fatalf("Register(%s): %+v, %v; want the registration stored whatever its mail", addr, res, err)
	}
	return e.registration(eventID, addr)
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

// lateIndex is the store with a hook run once right after Reconcile read
// an event's sign-ups: a change that the index, or the run, has not seen
// yet, so only QueueMissingMail's condition can keep the stale mail out.
type lateIndex struct {
	event.Store
	after func()
}

func (l *lateIndex) SignUps(ctx context.Context, eventID string, from, to time.Time) ([]event.Registration, error) {
	regs, err := l.Store.SignUps(ctx, eventID, from, to)
	if f := l.after; f != nil {
		l.after = nil
		f()
	}
	return regs, err
}

// TestReconcileSignUpMail: a sign-up's first mail is written and handed to
// the sweeper once, whatever failed or was lost on the way, and never for a
// registration that changed or is gone since its sign-up.
func TestReconcileSignUpMail(t *testing.T) {
	withdraw := func(t *testing.T, e *reconcileEnv, r event.Registration) {
		if _, err := e.svc.Withdraw(context.Background(), r); err != nil {
			t.Fatalf("Withdraw: %v", err)
		}
	}
	erase := func(t *testing.T, e *reconcileEnv, r event.Registration) {
		_, err := e.db.Client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
			TableName: &e.db.Table,
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: e.cfg.ID + "#event#" + r.EventID},
				"sk": &types.AttributeValueMemberS{Value: "registration#" + r.EmailHash},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The one seat is taken by a first person, whose mail goes through.
	const first = "event.confirmed pending "
	tests := []struct {
		name string
		// waitlisted signs the subject up for the waiting list.
		waitlisted bool
		// failPut makes the subject's mail put fail after its transaction.
		failPut bool
		// change runs before Reconcile reads the sign-ups, or right
		// after it (during), on the subject's registration as stored.
		change func(t *testing.T, e *reconcileEnv, r event.Registration)
		during bool
		// after is how long after the sign-up Reconcile runs.
		after time.Duration
		// queued is what the first run reports, the second always 0;
		// the first person's waiting confirmation is handed over too
		// past the grace.
		queued int
		want   []string
	}{
		{"mail put failed: written, due at once", false, true, nil, false,
			3 * time.Minute, 2, []string{"event.confirmed pending due", "event.confirmed pending due"}},
		{"waitlisted, mail put failed: written, due at once", true, true, nil, false,
			3 * time.Minute, 2, []string{"event.confirmed pending due", "event.waitlisted pending due"}},
		{"mail put failed, within the grace: left alone", false, true, nil, false,
			time.Minute, 0, []string{first}},
		{"stream record lost: handed to the sweeper", true, false, nil, false,
			3 * time.Minute, 2, []string{"event.confirmed pending due", "event.waitlisted pending due"}},
		{"within the grace: left to the notifier", true, false, nil, false,
			time.Minute, 0, []string{first, "event.waitlisted pending "}},
		{"sent: nothing to do", true, false,
			func(t *testing.T, e *reconcileEnv, r event.Registration) {
				e.deliver(t, signUpMail(r))
			}, false,
			3 * time.Minute, 1, []string{"event.confirmed pending due", "event.waitlisted sent sent"}},
		{"mail put failed, cancelled since: no stale first mail", true, true, withdraw, false,
			3 * time.Minute, 1, []string{"event.confirmed pending due"}},
		{"mail put failed, promoted since: the promotion's mail only", true, true,
			func(t *testing.T, e *reconcileEnv, r event.Registration) {
				withdraw(t, e, e.registration(r.EventID, "erste@example.org"))
			}, false,
			// The first person's confirmation, unsent, is not handed
			// over either: they have cancelled.
			3 * time.Minute, 0, []string{"event.confirmed pending ", "event.promoted pending due"}},
		{"mail put failed, erased since: nothing comes back", true, true, erase, false,
			3 * time.Minute, 1, []string{"event.confirmed pending due"}},
		{"mail put failed, cancelled as Reconcile read it: no stale first mail", true, true, withdraw, true,
			3 * time.Minute, 1, []string{"event.confirmed pending due"}},
		{"mail put failed, promoted as Reconcile read it: the promotion's mail only", true, true,
			func(t *testing.T, e *reconcileEnv, r event.Registration) {
				withdraw(t, e, e.registration(r.EventID, "erste@example.org"))
			}, true,
			3 * time.Minute, 1, []string{"event.confirmed pending due", "event.promoted pending due"}},
		{"mail put failed, erased as Reconcile read it: nothing comes back", true, true, erase, true,
			3 * time.Minute, 1, []string{"event.confirmed pending due"}},
		{"mail put failed, event over: left alone", false, true, nil, false,
			15 * 24 * time.Hour, 0, []string{first}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newReconcileEnv(t)
			capacity := 2
			if tt.waitlisted {
				capacity = 1
			}
			ev := e.newEvent(capacity, nil)
			e.signUp(ev.ID, "erste@example.org", false)
			r := e.signUp(ev.ID, "zweite@example.org", tt.failPut)
			if tt.waitlisted != (r.Status == event.Waitlisted) {
				t.Fatalf("status %s", r.Status)
			}
			if tt.change != nil && !tt.during {
				tt.change(t, e, r)
			}
			if tt.change != nil && tt.during {
				e.svc.Store = &lateIndex{Store: e.store, after: func() { tt.change(t, e, r) }}
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

// signUpMail is the id of r's first mail: derived from r's and the
// template its status gives.
func signUpMail(r event.Registration) string {
	template := "event.confirmed"
	if r.Status == event.Waitlisted {
		template = "event.waitlisted"
	}
	return id.Derive(r.ID, template)
}

// TestReconciledMailCancels: the mail Reconcile writes carries a cancel
// link of its own, which cancels the registration.
func TestReconciledMailCancels(t *testing.T) {
	e := newReconcileEnv(t)
	ev := e.newEvent(5, nil)
	r := e.signUp(ev.ID, "spaet@example.org", true)
	e.clock.Advance(3 * time.Minute)
	e.reconcile(t, 1)
	m := e.mail(signUpMail(r))
	if m.Template != "event.confirmed" || m.Data["registrationId"] != r.ID {
		t.Fatalf("mail %s %v", m.Template, m.Data)
	}
	if status, err := e.svc.Cancel(context.Background(), e.link(m)); err != nil || status != event.Cancelled {
		t.Errorf("Cancel with the reconciled mail's link: %s, %v; want cancelled", status, err)
	}
}

// TestSignUpMailPutFails: a failing mail put does not fail the sign-up,
// which is stored with its cancel link, and the log says so without
// anything the person typed.
func TestSignUpMailPutFails(t *testing.T) {
	e := newReconcileEnv(t)
	ev := e.newEvent(5, nil)
	r := e.signUp(ev.ID, "juergen.groesse@example.org", true)
	equal(t, "counters", e.counters(ev.ID), counters{1, 0})
	equal(t, "status", r.Status, event.Confirmed)
	equal(t, "outbox", e.outbox(t), []string(nil))
	logs := e.logs.String()
	if !strings.Contains(logs, "sign-up mail left to the sweeper") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
	for _, private := range []string{"juergen", "groesse", "Person", "Beispielverein", "Dolmetschen"} {
		if strings.Contains(logs, private) {
			t.Errorf("the log contains %q:\n%s", private, logs)
		}
	}
}

// TestSignUpMailQueuedOnce: a second put of a sign-up's mail, after the
// first was delivered, leaves it sent: the SDK retrying a put whose answer
// was lost, or Reconcile writing one the sign-up wrote meanwhile.
func TestSignUpMailQueuedOnce(t *testing.T) {
	tests := []struct {
		name  string
		again func(t *testing.T, e *reconcileEnv, ev event.Event, r event.Registration)
	}{
		{"the SDK resends a delivered mail's put", func(*testing.T, *reconcileEnv, event.Event, event.Registration) {}},
		{"Reconcile writes a delivered mail", func(t *testing.T, e *reconcileEnv, ev event.Event, r event.Registration) {
			tok, m := e.svc.FirstMail(ev, r)
			if err := e.store.QueueMissingMail(context.Background(), r, tok, m); err != nil {
				t.Errorf("QueueMissingMail: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newReconcileEnv(t)
			ev := e.newEvent(5, nil)
			// The notifier sends the mail the moment it is written.
			e.puts.Resend = true
			e.puts.Between = func(mailID string) { e.deliver(t, mailID) }
			r := e.signUp(ev.ID, "einmal@example.org", false)
			e.puts.Resend = false
			tt.again(t, e, e.event(ev.ID), r)
			e.clock.Advance(3 * time.Minute)
			e.reconcile(t, 0)
			equal(t, "outbox", e.outbox(t), []string{"event.confirmed sent sent"})
		})
	}
}

// TestReconcileSignUpLooksOnce: each run starts where the last complete one
// stopped, so a sign-up's mail is read about once, not on every run of the
// week.
func TestReconcileSignUpLooksOnce(t *testing.T) {
	e := newReconcileEnv(t)
	reads := &testenv.MailReads{API: e.store.API}
	e.store.API = reads
	ev := e.newEvent(10, nil)
	run := func(step string, wantQueued, wantKeys int) {
		t.Helper()
		reads.Keys = 0
		e.reconcile(t, wantQueued)
		if reads.Keys != wantKeys {
			t.Errorf("%s: %d mail keys read, want %d", step, reads.Keys, wantKeys)
		}
	}
	e.signUp(ev.ID, "erste@example.org", false)
	e.clock.Advance(3 * time.Minute)
	run("the stream's record lost: handed over", 1, 1)
	e.clock.Advance(time.Minute)
	run("nothing new", 0, 0)
	e.signUp(ev.ID, "zweite@example.org", false)
	e.clock.Advance(3 * time.Minute)
	run("the new sign-up alone", 1, 1)
}
