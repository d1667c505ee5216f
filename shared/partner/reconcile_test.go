package partner_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestReconcile: an application's confirm mail is written or handed to the
// sweeper once, whatever failed or was lost on the way, and never for an
// application confirmed, expired or erased meanwhile.
func TestReconcile(t *testing.T) {
	pendingNotifier := []string{"partner.confirm pending "}
	due := []string{"partner.confirm pending due"}
	tests := []struct {
		name string
		// failPut makes the mail's put fail after the application's
		// transaction.
		failPut bool
		before  func(t *testing.T, e *env, res partner.Result)
		after   time.Duration
		queued  int
		want    []string
	}{
		{"mail put failed: written, due at once", true, nil, 3 * time.Minute, 1, due},
		{"mail put failed, within the grace: left alone", true, nil, time.Minute, 0, nil},
		{"stream record lost: handed to the sweeper", false, nil, 3 * time.Minute, 1, due},
		{"within the grace: left to the notifier", false, nil, time.Minute, 0, pendingNotifier},
		{"mail put failed, application erased: nothing comes back", true,
			func(t *testing.T, e *env, res partner.Result) { e.deleteApp(res.ID) },
			3 * time.Minute, 0, nil},
		{"mail put failed, past the window: left alone", true, nil,
			8 * 24 * time.Hour, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			puts := &testenv.MailPuts{API: e.store.API, Fail: tt.failPut}
			e.store.API = puts
			var logs bytes.Buffer
			e.svc.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			res, err := e.svc.Register(context.Background(), valid(), "de")
			if err != nil || !res.Created {
				t.Fatalf("Register: %+v, %v; want the application stored whatever its mail", res, err)
			}
			puts.Fail = false
			if tt.failPut {
				if !strings.Contains(logs.String(), "application mail left to the sweeper") {
					t.Errorf("the failed put is not logged:\n%s", logs.String())
				}
				in := valid()
				for _, private := range []string{in.Email, in.ContactName, in.Organisation} {
					if strings.Contains(logs.String(), private) {
						t.Errorf("the log holds %q:\n%s", private, logs.String())
					}
				}
			}
			if tt.before != nil {
				tt.before(t, e, res)
			}
			e.clock.Advance(tt.after)
			for run, want := range []int{tt.queued, 0} {
				if n, err := e.svc.Reconcile(context.Background()); n != want || err != nil {
					t.Errorf("Reconcile run %d: %d, %v; want %d", run+1, n, err, want)
				}
			}
			if got := e.db.Outbox(t); !slices.Equal(got, tt.want) {
				t.Errorf("outbox %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReconcileConfirmedMeanwhile: an applicant who confirmed through a
// mail the reconcile did not know of gets no second confirm mail.
func TestReconcileConfirmedMeanwhile(t *testing.T) {
	e := newEnv(t)
	_, token := e.register(valid(), "de")
	if _, err := e.svc.Confirm(context.Background(), token); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	e.clock.Advance(3 * time.Minute)
	if n, err := e.svc.Reconcile(context.Background()); n != 0 || err != nil {
		t.Errorf("Reconcile: %d, %v; want 0", n, err)
	}
	if got := e.mailsOf("partner.confirm", 0); len(got) != 1 {
		t.Errorf("%d confirm mails, want the first alone", len(got))
	}
}

// TestConfirmMailLinkFromReconcile: a confirm mail the reconcile wrote
// carries the application's own link, which confirms it.
func TestConfirmMailLinkFromReconcile(t *testing.T) {
	e := newEnv(t)
	puts := &testenv.MailPuts{API: e.store.API, Fail: true}
	e.store.API = puts
	before := len(*e.mails)
	if _, err := e.svc.Register(context.Background(), valid(), "de"); err != nil {
		t.Fatal(err)
	}
	puts.Fail = false
	e.clock.Advance(3 * time.Minute)
	if n, err := e.svc.Reconcile(context.Background()); n != 1 || err != nil {
		t.Fatalf("Reconcile: %d, %v; want 1", n, err)
	}
	written := e.mailsOf("partner.confirm", before)
	if len(written) != 1 {
		t.Fatalf("%d confirm mails, want 1", len(written))
	}
	if _, err := e.svc.Confirm(context.Background(), e.link(written[0].ID)); err != nil {
		t.Errorf("Confirm with the reconciled mail's link: %v", err)
	}
}
