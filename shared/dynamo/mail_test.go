package dynamo_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/notify"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// fullMail is a mail with every field set, one Data value empty.
func (e *env) fullMail() outbox.Mail {
	now := e.clock.Now()
	return outbox.Mail{
		ID:          id.New(now),
		Template:    "partner.review",
		Locale:      "de",
		To:          []string{"integration@example.org", "zweite@example.org"},
		Cc:          []string{"netzwerk-eisenach@example.org"},
		ReplyTo:     "verein@example.org",
		ReplyToName: "Erika Beispiel",
		Data:        map[string]string{"organisation": "Beispielverein e. V.", "phone": ""},
		TokenNonce:  secret.NewNonce(),
		CreatedAt:   now,
	}
}

// queue writes m as a repeated application's mail (Resend), in the due
// index after MailGrace, with an application of its own.
func (e *env) queue(m outbox.Mail) {
	e.t.Helper()
	f := e.fixture("Verein "+m.ID, "verein@example.org")
	e.create(f)
	ctx := context.Background()
	lock, err := e.store.Lock(ctx, f.app.DedupKey)
	if err != nil {
		e.t.Fatalf("Lock: %v", err)
	}
	if err := e.store.Resend(ctx, lock, nil, m); err != nil {
		e.t.Fatalf("Resend: %v", err)
	}
}

// personal are the attributes MarkSent must drop.
var personal = []string{"to", "cc", "replyTo", "replyToName", "data", "tokenNonce"}

func TestMailPendingAndDue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.fullMail()
	e.queue(m)
	due := m.CreatedAt.Add(e.store.MailGrace)
	if e.store.MailGrace != 2*time.Minute {
		t.Fatalf("MailGrace = %v, want production's 2m", e.store.MailGrace)
	}

	t.Run("item", func(t *testing.T) {
		item := e.raw(e.mailPK(m.ID))
		for _, c := range []struct{ attr, got, want string }{
			{"status", testenv.S(item, "status"), "pending"},
			{"attempts", testenv.N(item, "attempts"), "0"},
			{"createdAt", testenv.S(item, "createdAt"), stamp(m.CreatedAt)},
			{"nextAttemptAt", testenv.S(item, "nextAttemptAt"), stamp(due)},
			{"gsi1pk", testenv.S(item, "gsi1pk"), e.duePK()},
			{"gsi1sk", testenv.S(item, "gsi1sk"), stamp(due) + "#" + m.ID},
			{"leaseUntil", testenv.S(item, "leaseUntil"), ""},
		} {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.attr, c.got, c.want)
			}
		}
	})

	for _, c := range []struct {
		name string
		at   time.Time
		want []string
	}{
		{"at creation", m.CreatedAt, []string{}},
		{"a millisecond early", due.Add(-time.Millisecond), []string{}},
		{"exactly due", due, []string{m.ID}},
		{"later", due.Add(time.Hour), []string{m.ID}},
	} {
		t.Run("Due "+c.name, func(t *testing.T) {
			got, err := e.store.Due(ctx, c.at, 10)
			if err != nil {
				t.Fatalf("Due: %v", err)
			}
			equal(t, "Due", got, c.want)
		})
	}
}

func TestClaim(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.fullMail()
	e.queue(m)
	e.clock.Advance(e.store.MailGrace)
	now := e.clock.Now()
	lease := now.Add(2 * time.Minute)

	got, err := e.store.Claim(ctx, m.ID, now, lease)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	want := outbox.Item{
		Mail:          m,
		Status:        outbox.Pending,
		Attempts:      1,
		NextAttemptAt: now,
		LeaseUntil:    lease,
	}
	want.Data = map[string]string{"organisation": "Beispielverein e. V."} // empty values are not stored
	equal(t, "claimed item", got, want)
	if got := testenv.S(e.raw(e.mailPK(m.ID)), "leaseUntil"); got != stamp(lease) {
		t.Errorf("stored leaseUntil = %q, want %q", got, stamp(lease))
	}

	for _, c := range []struct {
		name         string
		at           time.Time
		wantErr      error
		wantAttempts int
	}{
		{"while leased", now.Add(time.Minute), outbox.ErrNotClaimable, 1},
		{"at the lease's end", lease, outbox.ErrNotClaimable, 1},
		{"after the lease (crash recovery)", lease.Add(time.Millisecond), nil, 2},
		{"leased again", lease.Add(time.Second), outbox.ErrNotClaimable, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			it, err := e.store.Claim(ctx, m.ID, c.at, c.at.Add(2*time.Minute))
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Errorf("Claim error = %v, want %v", err, c.wantErr)
			}
			if err == nil && (it.Attempts != c.wantAttempts || !it.LeaseUntil.Equal(c.at.Add(2*time.Minute))) {
				t.Errorf("Claim = attempts %d, lease %v; want %d, %v", it.Attempts, it.LeaseUntil, c.wantAttempts, c.at.Add(2*time.Minute))
			}
			if got := testenv.N(e.raw(e.mailPK(m.ID)), "attempts"); got != strconv.Itoa(c.wantAttempts) {
				t.Errorf("stored attempts = %s, want %d", got, c.wantAttempts)
			}
		})
	}

	// An unknown id fails the condition like a taken one: ErrNotClaimable,
	// not outbox.ErrNotFound; the Deliverer skips both alike.
	t.Run("unknown id", func(t *testing.T) {
		unknown := id.New(now)
		_, err := e.store.Claim(ctx, unknown, now, lease)
		if !errors.Is(err, outbox.ErrNotClaimable) {
			t.Errorf("Claim(unknown) error = %v, want outbox.ErrNotClaimable", err)
		}
		if item := e.raw(e.mailPK(unknown)); item != nil {
			t.Errorf("Claim(unknown) created an item: %v", item)
		}
	})
}

func TestMarkSent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.fullMail()
	e.queue(m)
	e.clock.Advance(e.store.MailGrace)
	lease := e.clock.Now().Add(2 * time.Minute)
	if _, err := e.store.Claim(ctx, m.ID, e.clock.Now(), lease); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	e.clock.Advance(3 * time.Second)
	sentAt := e.clock.Now()

	if err := e.store.MarkSent(ctx, m.ID, lease, sentAt); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}

	item := e.raw(e.mailPK(m.ID))
	t.Run("state", func(t *testing.T) {
		for _, c := range []struct{ attr, got, want string }{
			{"status", testenv.S(item, "status"), "sent"},
			{"sentAt", testenv.S(item, "sentAt"), stamp(sentAt)},
			{"expiresAt", testenv.N(item, "expiresAt"), epoch(sentAt.Add(30 * 24 * time.Hour))},
			{"attempts", testenv.N(item, "attempts"), "1"},
			{"template", testenv.S(item, "template"), m.Template},
			{"createdAt", testenv.S(item, "createdAt"), stamp(m.CreatedAt)},
		} {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.attr, c.got, c.want)
			}
		}
	})
	t.Run("personal data removed", func(t *testing.T) {
		for _, attr := range personal {
			if v, ok := item[attr]; ok {
				t.Errorf("%s still stored: %v", attr, v)
			}
		}
	})
	t.Run("out of the due partition, into the sent one", func(t *testing.T) {
		for _, attr := range []string{"leaseUntil", "nextAttemptAt"} {
			if v, ok := item[attr]; ok {
				t.Errorf("%s still stored: %v", attr, v)
			}
		}
		if got, want := testenv.S(item, "gsi1pk"), e.key("mail", "sent"); got != want {
			t.Errorf("gsi1pk = %q, want %q", got, want)
		}
		if got, want := testenv.S(item, "gsi1sk"), stamp(sentAt)+"#"+m.ID; got != want {
			t.Errorf("gsi1sk = %q, want %q", got, want)
		}
		equal(t, "sent partition", e.queryIndex(e.key("mail", "sent")), []string{m.ID})
		got, err := e.store.Due(ctx, sentAt.Add(24*time.Hour), 10)
		if err != nil || len(got) != 0 {
			t.Errorf("Due = %v, %v; want none", got, err)
		}
	})
	t.Run("done for good", func(t *testing.T) {
		if err := e.store.MarkSent(ctx, m.ID, lease, sentAt); !errors.Is(err, outbox.ErrNotClaimable) {
			t.Errorf("second MarkSent error = %v, want outbox.ErrNotClaimable", err)
		}
		if _, err := e.store.Claim(ctx, m.ID, lease.Add(time.Hour), lease.Add(2*time.Hour)); !errors.Is(err, outbox.ErrNotClaimable) {
			t.Errorf("Claim after sent error = %v, want outbox.ErrNotClaimable", err)
		}
	})
}

// TestStaleLease: a worker whose lease ran out and was taken over changes
// nothing; the new holder still can.
func TestStaleLease(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		finish func(e *env, id string, lease time.Time) error
		after  string // the status the current holder's call leaves
	}{
		{"MarkSent", func(e *env, id string, lease time.Time) error {
			return e.store.MarkSent(ctx, id, lease, e.clock.Now())
		}, "sent"},
		{"Reschedule", func(e *env, id string, lease time.Time) error {
			return e.store.Reschedule(ctx, id, lease, e.clock.Now().Add(time.Minute), "transient")
		}, "pending"},
		{"Park", func(e *env, id string, lease time.Time) error {
			return e.store.Park(ctx, id, lease, e.clock.Now(), "rejected")
		}, "failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.fullMail()
			e.queue(m)
			e.clock.Advance(e.store.MailGrace)
			stale := e.clock.Now().Add(2 * time.Minute)
			if _, err := e.store.Claim(ctx, m.ID, e.clock.Now(), stale); err != nil {
				t.Fatalf("first Claim: %v", err)
			}
			e.clock.Set(stale.Add(time.Second))
			current := e.clock.Now().Add(2 * time.Minute)
			if _, err := e.store.Claim(ctx, m.ID, e.clock.Now(), current); err != nil {
				t.Fatalf("second Claim: %v", err)
			}
			before := e.raw(e.mailPK(m.ID))

			if err := c.finish(e, m.ID, stale); !errors.Is(err, outbox.ErrNotClaimable) {
				t.Errorf("%s with the stale lease error = %v, want outbox.ErrNotClaimable", c.name, err)
			}
			equal(t, "item after the stale call", e.raw(e.mailPK(m.ID)), before)

			if err := c.finish(e, m.ID, current); err != nil {
				t.Errorf("%s with the current lease: %v", c.name, err)
			}
			if got := testenv.S(e.raw(e.mailPK(m.ID)), "status"); got != c.after {
				t.Errorf("status = %q, want %q", got, c.after)
			}
		})
	}
}

func TestReschedule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.fullMail()
	e.queue(m)
	e.clock.Advance(e.store.MailGrace)
	lease := e.clock.Now().Add(2 * time.Minute)
	if _, err := e.store.Claim(ctx, m.ID, e.clock.Now(), lease); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	e.clock.Advance(time.Second)
	next := e.clock.Now().Add(5 * time.Minute)

	if err := e.store.Reschedule(ctx, m.ID, lease, next, "transient"); err != nil {
		t.Fatalf("Reschedule: %v", err)
	}

	item := e.raw(e.mailPK(m.ID))
	for _, c := range []struct{ attr, got, want string }{
		{"status", testenv.S(item, "status"), "pending"},
		{"nextAttemptAt", testenv.S(item, "nextAttemptAt"), stamp(next)},
		{"gsi1pk", testenv.S(item, "gsi1pk"), e.duePK()},
		{"gsi1sk", testenv.S(item, "gsi1sk"), stamp(next) + "#" + m.ID},
		{"lastError", testenv.S(item, "lastError"), "transient"},
		{"attempts", testenv.N(item, "attempts"), "1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.attr, c.got, c.want)
		}
	}
	// The lease is released as of the failure, so the next attempt may
	// claim the mail as soon as it is due.
	if got, want := testenv.S(item, "leaseUntil"), stamp(e.clock.Now()); got != want {
		t.Errorf("leaseUntil = %q, want released at %q", got, want)
	}
	for _, attr := range personal {
		if _, ok := item[attr]; !ok {
			t.Errorf("%s dropped by Reschedule", attr)
		}
	}
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{next.Add(-time.Millisecond), []string{}},
		{next, []string{m.ID}},
	} {
		got, err := e.store.Due(ctx, c.at, 10)
		if err != nil {
			t.Fatalf("Due: %v", err)
		}
		equal(t, "Due at "+stamp(c.at), got, c.want)
	}
	// The lease is free: the next attempt claims at once.
	it, err := e.store.Claim(ctx, m.ID, next, next.Add(2*time.Minute))
	if err != nil || it.Attempts != 2 || it.LastError != "transient" || !it.NextAttemptAt.Equal(next) {
		t.Errorf("Claim after Reschedule = %+v, %v; want attempts 2, lastError, nextAttemptAt %v", it, err, next)
	}
}

func TestPark(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.fullMail()
	e.queue(m)
	other := e.fullMail()
	e.queue(other)
	before := e.raw(e.mailPK(m.ID))
	e.clock.Advance(e.store.MailGrace)
	lease := e.clock.Now().Add(2 * time.Minute)
	if _, err := e.store.Claim(ctx, m.ID, e.clock.Now(), lease); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	e.clock.Advance(time.Second)
	parkedAt := e.clock.Now()

	if err := e.store.Park(ctx, m.ID, lease, parkedAt, "rejected:ses-message-rejected"); err != nil {
		t.Fatalf("Park: %v", err)
	}

	item := e.raw(e.mailPK(m.ID))
	t.Run("state", func(t *testing.T) {
		for _, c := range []struct{ attr, got, want string }{
			{"status", testenv.S(item, "status"), "failed"},
			{"parkedAt", testenv.S(item, "parkedAt"), stamp(parkedAt)},
			{"gsi1pk", testenv.S(item, "gsi1pk"), e.failedPK()},
			{"gsi1sk", testenv.S(item, "gsi1sk"), stamp(parkedAt) + "#" + m.ID},
			{"lastError", testenv.S(item, "lastError"), "rejected:ses-message-rejected"},
			{"expiresAt", testenv.N(item, "expiresAt"), epoch(parkedAt.Add(30 * 24 * time.Hour))},
		} {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.attr, c.got, c.want)
			}
		}
		if !strings.HasSuffix(testenv.S(item, "gsi1pk"), "#mail#failed") {
			t.Errorf("gsi1pk = %q, want the failed partition", testenv.S(item, "gsi1pk"))
		}
		for _, attr := range []string{"leaseUntil", "nextAttemptAt"} {
			if v, ok := item[attr]; ok {
				t.Errorf("%s still stored: %v", attr, v)
			}
		}
	})
	t.Run("content kept", func(t *testing.T) {
		for _, attr := range personal {
			equal(t, attr, item[attr], before[attr])
		}
	})
	t.Run("index", func(t *testing.T) {
		equal(t, "failed partition", e.queryIndex(e.failedPK()), []string{m.ID})
		equal(t, "due partition", e.queryIndex(e.duePK()), []string{other.ID})
		got, err := e.store.Due(ctx, parkedAt.Add(time.Hour), 10)
		if err != nil {
			t.Fatalf("Due: %v", err)
		}
		equal(t, "Due", got, []string{other.ID})
	})
	t.Run("not claimable", func(t *testing.T) {
		if _, err := e.store.Claim(ctx, m.ID, lease.Add(time.Hour), lease.Add(2*time.Hour)); !errors.Is(err, outbox.ErrNotClaimable) {
			t.Errorf("Claim after Park error = %v, want outbox.ErrNotClaimable", err)
		}
	})
}

func TestDueOrderAndLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Written out of order: the index, not the writes, gives the order.
	byAge := make([]string, 4)
	for _, minute := range []int{3, 0, 2, 1} {
		e.clock.Set(start.Add(time.Duration(minute) * time.Minute))
		m := e.fullMail()
		e.queue(m)
		byAge[minute] = m.ID
	}
	grace := e.store.MailGrace
	for _, c := range []struct {
		name  string
		at    time.Time
		limit int
		want  []string
	}{
		{"all due", start.Add(time.Hour), 10, byAge},
		{"limit 2", start.Add(time.Hour), 2, byAge[:2]},
		{"limit 1", start.Add(time.Hour), 1, byAge[:1]},
		{"two due", start.Add(grace + time.Minute), 10, byAge[:2]},
		{"none due", start.Add(grace - time.Millisecond), 10, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.store.Due(ctx, c.at, c.limit)
			if err != nil {
				t.Fatalf("Due: %v", err)
			}
			equal(t, "Due", got, c.want)
		})
	}

	// Straight on minidyn, without removeShim (whose REMOVE the emulator
	// ignores), a sent mail must still not be offered as due.
	t.Run("sent mail with a stale index key", func(t *testing.T) {
		plain := *e.store
		plain.API = e.db.Client
		at := start.Add(time.Hour)
		lease := at.Add(time.Minute)
		if _, err := plain.Claim(ctx, byAge[0], at, lease); err != nil {
			t.Fatalf("Claim: %v", err)
		}
		if err := plain.MarkSent(ctx, byAge[0], lease, at); err != nil {
			t.Fatalf("MarkSent: %v", err)
		}
		got, err := e.store.Due(ctx, at, 10)
		if err != nil {
			t.Fatalf("Due: %v", err)
		}
		equal(t, "Due", got, byAge[1:])
	})
}

// flakySender fails the first failures sends, then delivers.
type flakySender struct {
	failures  int
	calls     int
	delivered []mail.Envelope
}

func (s *flakySender) Send(_ context.Context, env mail.Envelope) error {
	s.calls++
	if s.calls <= s.failures {
		return errors.New("451 try again later")
	}
	s.delivered = append(s.delivered, env)
	return nil
}

func TestDelivererEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	renderer := mailtext.New(e.cfg, e.keys)
	sender := &flakySender{failures: 2}
	d := notify.NewDeliverer(e.store, renderer, sender, e.cfg, slog.New(slog.DiscardHandler))
	d.Now = e.clock.Now
	d.Jitter = func() float64 { return 1 }
	f := e.fixture("Beispielverein e. V.", "verein@example.org")
	e.queue(f.mail)

	none := map[outbox.Result]int{}
	for _, step := range []struct {
		name        string
		advance     time.Duration
		want        map[outbox.Result]int
		wantStatus  string
		wantAttempt string
	}{
		{"not due at creation", 0, none, "pending", "0"},
		{"first attempt after the grace", e.store.MailGrace, map[outbox.Result]int{outbox.Rescheduled: 1}, "pending", "1"},
		{"backoff of one minute not over", time.Minute - time.Millisecond, none, "pending", "1"},
		{"second attempt", time.Millisecond, map[outbox.Result]int{outbox.Rescheduled: 1}, "pending", "2"},
		{"backoff of two minutes not over", 2*time.Minute - time.Millisecond, none, "pending", "2"},
		{"third attempt", time.Millisecond, map[outbox.Result]int{outbox.Delivered: 1}, "sent", "3"},
		{"nothing left", time.Hour, none, "sent", "3"},
	} {
		t.Run(step.name, func(t *testing.T) {
			e.clock.Advance(step.advance)
			got, err := d.Sweep(ctx, notify.Batch)
			if err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			equal(t, "Sweep", got, step.want)
			item := e.raw(e.mailPK(f.mail.ID))
			if s, n := testenv.S(item, "status"), testenv.N(item, "attempts"); s != step.wantStatus || n != step.wantAttempt {
				t.Errorf("status, attempts = %s, %s; want %s, %s", s, n, step.wantStatus, step.wantAttempt)
			}
		})
	}

	if sender.calls != 3 || len(sender.delivered) != 1 {
		t.Fatalf("Send calls = %d, delivered %d; want 3 calls, 1 delivered", sender.calls, len(sender.delivered))
	}
	env := sender.delivered[0]
	equal(t, "envelope To", env.To, []string{"verein@example.org"})
	link := url.QueryEscape(e.keys.LinkToken(f.mail.LinkRef, f.mail.TokenNonce))
	if !strings.Contains(strings.ReplaceAll(string(env.Data), "=\r\n", ""), link) {
		t.Errorf("the delivered mail lacks the confirm link's token %q", link)
	}
}

func TestOnMail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Each call also records whether the mail was readable by then: the hook
	// runs after the commit, so a worker it wakes finds the item.
	var calls [][]string
	e.store.OnMail = func(ids []string) {
		for _, mid := range ids {
			if e.raw(e.mailPK(mid)) == nil {
				t.Errorf("OnMail(%v) before mail %s was committed", ids, mid)
			}
		}
		calls = append(calls, ids)
	}

	f := e.fixture("Beispielverein e. V.", "verein@example.org")
	review := e.reviewMail(f.app.ID)
	for _, step := range []struct {
		name string
		do   func() error
		want [][]string // new calls
	}{
		{"Create", func() error {
			_, err := e.store.Create(ctx, f.app, f.mail)
			return err
		}, [][]string{{f.mail.ID}}},
		{"duplicate Create", func() error {
			dup := e.fixture("Beispielverein e. V.", "verein@example.org")
			if _, err := e.store.Create(ctx, dup.app, dup.mail); !errors.Is(err, partner.ErrDuplicate) {
				return err
			}
			return nil
		}, nil},
		{"Confirm", func() error {
			return e.store.Confirm(ctx, f.app.ID, e.clock.Now(), e.clock.Now().Add(time.Hour), review)
		}, [][]string{{review.ID}}},
		{"refused Confirm", func() error {
			if err := e.store.Confirm(ctx, f.app.ID, e.clock.Now(), e.clock.Now().Add(time.Hour), e.reviewMail(f.app.ID)); !errors.Is(err, partner.ErrState) {
				return err
			}
			return nil
		}, nil},
		{"failed Create", func() error {
			other := e.fixture("Anderer Verein", "verein@example.org")
			e.db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
			defer e.db.Emulator.EmulateFailure(miniserver.FailureConditionNone)
			if _, err := e.store.Create(ctx, other.app, other.mail); err == nil {
				return errors.New("Create succeeded while storage failed")
			}
			return nil
		}, nil},
		{"delivery state changes", func() error {
			lease := e.clock.Now().Add(time.Minute)
			if _, err := e.store.Claim(ctx, f.mail.ID, e.clock.Now(), lease); err != nil {
				return err
			}
			return e.store.MarkSent(ctx, f.mail.ID, lease, e.clock.Now())
		}, nil},
	} {
		t.Run(step.name, func(t *testing.T) {
			before := len(calls)
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			got := calls[before:]
			if len(got) == 0 {
				got = nil
			}
			equal(t, "OnMail calls", got, step.want)
		})
	}
}

// TestEmulatorIgnoresRemove pins the minidyn defect removeShim works around.
// When it fails, minidyn honours REMOVE: delete removeShim and this test.
func TestEmulatorIgnoresRemove(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pk, sk := e.key("probe", "remove"), "probe"
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
	item := map[string]types.AttributeValue{"pk": key["pk"], "sk": key["sk"], "gone": &types.AttributeValueMemberS{Value: "x"}}
	if _, err := e.db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.db.Table, Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if _, err := e.db.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &e.db.Table, Key: key, UpdateExpression: aws.String("REMOVE gone"),
	}); err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if _, ok := e.raw(pk, sk)["gone"]; !ok {
		t.Errorf("minidyn now honours REMOVE: drop removeShim (helpers_test.go) and this test")
	}
}
