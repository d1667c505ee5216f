package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	netzmail "github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// clock is the Deliverer's time; tests move it by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// memStore is an in-memory outbox honouring the Store contract: Claim needs a
// pending mail with a free lease and counts the attempt, every later change
// needs the lease the claim handed out.
type memStore struct {
	items map[string]*outbox.Item
	calls []string

	// Errors to return instead of doing the work.
	claimErr, markSentErr, rescheduleErr, parkErr, dueErr error
}

func newStore(mails ...outbox.Mail) *memStore {
	s := &memStore{items: map[string]*outbox.Item{}}
	for _, m := range mails {
		s.items[m.ID] = &outbox.Item{Mail: m, Status: outbox.Pending, NextAttemptAt: m.CreatedAt}
	}
	return s
}

func (s *memStore) Claim(_ context.Context, id string, now, leaseUntil time.Time) (outbox.Item, error) {
	s.calls = append(s.calls, "claim "+id)
	if s.claimErr != nil {
		return outbox.Item{}, s.claimErr
	}
	it, ok := s.items[id]
	if !ok {
		return outbox.Item{}, outbox.ErrNotFound
	}
	if it.Status != outbox.Pending || (!it.LeaseUntil.IsZero() && !it.LeaseUntil.Before(now)) {
		return outbox.Item{}, outbox.ErrNotClaimable
	}
	it.LeaseUntil = leaseUntil
	it.Attempts++
	return *it, nil
}

// held returns the item if lease is still the caller's.
func (s *memStore) held(id string, lease time.Time) (*outbox.Item, error) {
	it, ok := s.items[id]
	if !ok {
		return nil, outbox.ErrNotFound
	}
	if it.Status != outbox.Pending || !it.LeaseUntil.Equal(lease) {
		return nil, outbox.ErrNotClaimable
	}
	return it, nil
}

func (s *memStore) MarkSent(_ context.Context, id string, leaseUntil, now time.Time) error {
	s.calls = append(s.calls, "sent "+id)
	if s.markSentErr != nil {
		return s.markSentErr
	}
	it, err := s.held(id, leaseUntil)
	if err != nil {
		return err
	}
	it.Status, it.LeaseUntil = outbox.Sent, time.Time{}
	return nil
}

func (s *memStore) Reschedule(_ context.Context, id string, leaseUntil, next time.Time, reason string) error {
	s.calls = append(s.calls, "reschedule "+id+" "+reason)
	if s.rescheduleErr != nil {
		return s.rescheduleErr
	}
	it, err := s.held(id, leaseUntil)
	if err != nil {
		return err
	}
	it.NextAttemptAt, it.LastError, it.LeaseUntil = next, reason, time.Time{}
	return nil
}

func (s *memStore) Park(_ context.Context, id string, leaseUntil, now time.Time, reason string) error {
	s.calls = append(s.calls, "park "+id+" "+reason)
	if s.parkErr != nil {
		return s.parkErr
	}
	it, err := s.held(id, leaseUntil)
	if err != nil {
		return err
	}
	it.Status, it.LastError, it.LeaseUntil = outbox.Failed, reason, time.Time{}
	return nil
}

func (s *memStore) Drop(_ context.Context, id string, leaseUntil, now time.Time, reason string) error {
	s.calls = append(s.calls, "drop "+id+" "+reason)
	it, err := s.held(id, leaseUntil)
	if err != nil {
		return err
	}
	it.Status, it.LastError, it.LeaseUntil = outbox.Capped, reason, time.Time{}
	return nil
}

func (s *memStore) Due(_ context.Context, now time.Time, limit int) ([]string, error) {
	if s.dueErr != nil {
		return nil, s.dueErr
	}
	var out []string
	for id, it := range s.items {
		if it.Status == outbox.Pending && !it.NextAttemptAt.After(now) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// renderer renders every mail as a plain text message unless err is set.
type renderer struct {
	err      error
	rendered []string
}

func (r *renderer) Render(m outbox.Mail) (netzmail.Message, error) {
	r.rendered = append(r.rendered, m.ID)
	if r.err != nil {
		return netzmail.Message{}, r.err
	}
	msg := netzmail.Message{
		From:    mail.Address{Name: "Netzwerk", Address: "integration@example.org"},
		Subject: "Betreff " + m.Template,
		Text:    "Hallo",
	}
	for _, a := range m.To {
		msg.To = append(msg.To, mail.Address{Address: a})
	}
	for _, a := range m.Cc {
		msg.Cc = append(msg.Cc, mail.Address{Address: a})
	}
	return msg, nil
}

// sender records what it was given and answers with errs, one per call
// (nil when they run out), or with send if set.
type sender struct {
	sent []netzmail.Envelope
	errs []error
	send func(ctx context.Context, e netzmail.Envelope) error
}

func (s *sender) Send(ctx context.Context, e netzmail.Envelope) error {
	s.sent = append(s.sent, e)
	if s.send != nil {
		return s.send(ctx, e)
	}
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

func newMail(id string) outbox.Mail {
	return outbox.Mail{
		ID:        id,
		Template:  "partner.confirm",
		Locale:    "de",
		To:        []string{"verein@example.org"},
		CreatedAt: t0,
	}
}

type fixture struct {
	store    *memStore
	renderer *renderer
	sender   *sender
	clock    *clock
	d        *outbox.Deliverer
}

func setup(mails ...outbox.Mail) *fixture {
	f := &fixture{store: newStore(mails...), renderer: &renderer{}, sender: &sender{}, clock: &clock{now: t0}}
	f.d = &outbox.Deliverer{
		Store:           f.store,
		Renderer:        f.renderer,
		Sender:          f.sender,
		Policy:          outbox.DefaultPolicy,
		Now:             f.clock.Now,
		Jitter:          func() float64 { return 1.0 },
		MessageIDDomain: "example.org",
		Log:             slog.New(slog.DiscardHandler),
	}
	return f
}

func TestDeliverSuccess(t *testing.T) {
	f := setup(newMail("m1"))
	got, err := f.d.Deliver(context.Background(), "m1")
	if err != nil || got != outbox.Delivered {
		t.Fatalf("Deliver: got %v, %v, want %v, nil", got, err, outbox.Delivered)
	}
	if diff := cmp.Diff([]string{"claim m1", "sent m1"}, f.store.calls); diff != "" {
		t.Errorf("store calls (-want +got):\n%s", diff)
	}
	it := f.store.items["m1"]
	if it.Status != outbox.Sent || it.Attempts != 1 {
		t.Errorf("item: got status %v after %d attempts, want %v after 1", it.Status, it.Attempts, outbox.Sent)
	}
	if len(f.sender.sent) != 1 {
		t.Fatalf("sent: got %d envelopes, want 1", len(f.sender.sent))
	}
	env := f.sender.sent[0]
	if diff := cmp.Diff([]string{"verein@example.org"}, env.To); diff != "" {
		t.Errorf("envelope To (-want +got):\n%s", diff)
	}
	if env.From != "integration@example.org" {
		t.Errorf("envelope From: got %q, want %q", env.From, "integration@example.org")
	}
	for _, h := range []string{"Message-ID: <m1@example.org>", "Date: " + t0.Format(time.RFC1123Z)} {
		if !bytes.Contains(env.Data, []byte(h+"\r\n")) {
			t.Errorf("message: got no %q header, want one", h)
		}
	}

	// Sent mail is done: another worker finding it skips it.
	got, err = f.d.Deliver(context.Background(), "m1")
	if err != nil || got != outbox.Skipped {
		t.Errorf("Deliver again: got %v, %v, want %v, nil", got, err, outbox.Skipped)
	}
	if len(f.sender.sent) != 1 {
		t.Errorf("sent after second Deliver: got %d envelopes, want 1", len(f.sender.sent))
	}
}

func TestDeliverFailures(t *testing.T) {
	rejected := &netzmail.PermanentError{Reason: "ses-message-rejected", Err: errors.New("MessageRejected: a@example.org")}
	tests := []struct {
		name       string
		sendErr    error
		renderErr  error
		mail       func(m *outbox.Mail)
		want       outbox.Result
		wantCall   string
		wantStatus outbox.Status
		wantSends  int
	}{
		{"transient", errors.New("connection reset"), nil, nil, outbox.Rescheduled, "reschedule m1 transient", outbox.Pending, 1},
		{"timeout is transient", context.DeadlineExceeded, nil, nil, outbox.Rescheduled, "reschedule m1 transient", outbox.Pending, 1},
		{"permanent", rejected, nil, nil, outbox.Parked, "park m1 rejected:ses-message-rejected", outbox.Failed, 1},
		{"wrapped permanent", fmt.Errorf("sesmail: %w", rejected), nil, nil, outbox.Parked, "park m1 rejected:ses-message-rejected", outbox.Failed, 1},
		{"invalid message from the sender", fmt.Errorf("send: %w", netzmail.ErrInvalidMessage), nil, nil, outbox.Parked, "park m1 rejected", outbox.Failed, 1},
		{"render error", nil, errors.New("template: no such field"), nil, outbox.Parked, "park m1 render", outbox.Failed, 0},
		{"unencodable message", nil, nil, func(m *outbox.Mail) { m.To = nil }, outbox.Parked, "park m1 encode", outbox.Failed, 0},
		{"transient, but past giving up", errors.New("throttled"), nil, func(m *outbox.Mail) {
			m.CreatedAt = t0.Add(-24 * time.Hour)
		}, outbox.Parked, "park m1 transient", outbox.Failed, 1},
		{"transient, next attempt exactly at giving up", errors.New("throttled"), nil, func(m *outbox.Mail) {
			m.CreatedAt = t0.Add(-24*time.Hour + time.Minute)
		}, outbox.Rescheduled, "reschedule m1 transient", outbox.Pending, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMail("m1")
			if tt.mail != nil {
				tt.mail(&m)
			}
			f := setup(m)
			f.renderer.err = tt.renderErr
			if tt.sendErr != nil {
				f.sender.errs = []error{tt.sendErr}
			}
			got, err := f.d.Deliver(context.Background(), "m1")
			if err != nil || got != tt.want {
				t.Fatalf("Deliver: got %v, %v, want %v, nil", got, err, tt.want)
			}
			if diff := cmp.Diff([]string{"claim m1", tt.wantCall}, f.store.calls); diff != "" {
				t.Errorf("store calls (-want +got):\n%s", diff)
			}
			if got := f.store.items["m1"].Status; got != tt.wantStatus {
				t.Errorf("status: got %v, want %v", got, tt.wantStatus)
			}
			if got := len(f.sender.sent); got != tt.wantSends {
				t.Errorf("sends: got %d, want %d", got, tt.wantSends)
			}
			if it := f.store.items["m1"]; strings.Contains(it.LastError, "@") {
				t.Errorf("LastError: got %q, want a reason code without addresses", it.LastError)
			}
		})
	}
}

// A mail that keeps failing is retried after 1, 2, 4 … minutes, at most an
// hour apart, and parked once the next attempt would fall more than a day
// after it was written.
func TestDeliverBackoff(t *testing.T) {
	f := setup(newMail("m1"))
	f.sender.send = func(context.Context, netzmail.Envelope) error { return errors.New("SES unavailable") }

	var waits []time.Duration
	for attempt := 1; attempt <= 100; attempt++ {
		it := f.store.items["m1"]
		f.clock.now = it.NextAttemptAt
		got, err := f.d.Deliver(context.Background(), "m1")
		if err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		if got == outbox.Parked {
			break
		}
		if got != outbox.Rescheduled {
			t.Fatalf("attempt %d: got %v, want %v", attempt, got, outbox.Rescheduled)
		}
		if it.Attempts != attempt {
			t.Errorf("attempt %d: store counted %d", attempt, it.Attempts)
		}
		waits = append(waits, it.NextAttemptAt.Sub(f.clock.now))
	}

	// 1+2+4+8+16+32 = 63 minutes, then hourly: attempt k (k ≥ 7) runs at
	// 63+60(k-7) minutes; the 29th would retry at 1443 minutes, past 24 h.
	var want []time.Duration
	for _, m := range []int{1, 2, 4, 8, 16, 32} {
		want = append(want, time.Duration(m)*time.Minute)
	}
	for len(want) < 28 {
		want = append(want, time.Hour)
	}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits between attempts (-want +got):\n%s", diff)
	}
	it := f.store.items["m1"]
	if it.Status != outbox.Failed || it.Attempts != 29 || it.LastError != "transient" {
		t.Errorf("final: got %v after %d attempts (%q), want %v after 29 (%q)", it.Status, it.Attempts, it.LastError, outbox.Failed, "transient")
	}
	if got, want := f.clock.now.Sub(t0), 1383*time.Minute; got != want {
		t.Errorf("parked after: got %v, want %v", got, want)
	}
	if got := len(f.sender.sent); got != 29 {
		t.Errorf("sends: got %d, want 29", got)
	}
}

// Delivery after the backoff succeeds and stops the retries.
func TestDeliverRecovers(t *testing.T) {
	f := setup(newMail("m1"))
	f.sender.errs = []error{errors.New("throttled"), errors.New("throttled")}
	var results []outbox.Result
	for range 3 {
		f.clock.now = f.store.items["m1"].NextAttemptAt
		r, err := f.d.Deliver(context.Background(), "m1")
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	want := []outbox.Result{outbox.Rescheduled, outbox.Rescheduled, outbox.Delivered}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if got := f.clock.now.Sub(t0); got != 3*time.Minute {
		t.Errorf("delivered after: got %v, want 3m0s", got)
	}
}

func TestDeliverJitter(t *testing.T) {
	tests := []struct {
		name     string
		jitter   float64
		attempts int // before this attempt
		want     time.Duration
	}{
		{"low", 0.5, 0, 30 * time.Second},
		{"none", 1.0, 0, time.Minute},
		{"high", 1.49, 0, time.Duration(1.49 * float64(time.Minute))},
		{"applied after the cap", 0.5, 10, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(newMail("m1"))
			f.store.items["m1"].Attempts = tt.attempts
			f.d.Jitter = func() float64 { return tt.jitter }
			f.sender.errs = []error{errors.New("throttled")}
			if r, err := f.d.Deliver(context.Background(), "m1"); err != nil || r != outbox.Rescheduled {
				t.Fatalf("Deliver: got %v, %v, want %v, nil", r, err, outbox.Rescheduled)
			}
			if got := f.store.items["m1"].NextAttemptAt.Sub(t0); got != tt.want {
				t.Errorf("wait: got %v, want %v", got, tt.want)
			}
		})
	}
}

// The wait is counted from when the attempt ended, not when it began.
func TestDeliverBackoffFromEndOfAttempt(t *testing.T) {
	f := setup(newMail("m1"))
	f.sender.send = func(context.Context, netzmail.Envelope) error {
		f.clock.now = f.clock.now.Add(40 * time.Second)
		return errors.New("timeout")
	}
	if r, err := f.d.Deliver(context.Background(), "m1"); err != nil || r != outbox.Rescheduled {
		t.Fatalf("Deliver: got %v, %v", r, err)
	}
	if got, want := f.store.items["m1"].NextAttemptAt, t0.Add(40*time.Second+time.Minute); !got.Equal(want) {
		t.Errorf("next attempt: got %v, want %v", got, want)
	}
}

func TestDeliverSkips(t *testing.T) {
	tests := []struct {
		name  string
		id    string
		setup func(s *memStore)
	}{
		{"not found", "nope", nil},
		{"already sent", "m1", func(s *memStore) { s.items["m1"].Status = outbox.Sent }},
		{"parked", "m1", func(s *memStore) { s.items["m1"].Status = outbox.Failed }},
		{"leased by another worker", "m1", func(s *memStore) { s.items["m1"].LeaseUntil = t0.Add(time.Minute) }},
		{"store says not claimable", "m1", func(s *memStore) { s.claimErr = fmt.Errorf("dynamo: %w", outbox.ErrNotClaimable) }},
		{"store says not found", "m1", func(s *memStore) { s.claimErr = fmt.Errorf("dynamo: %w", outbox.ErrNotFound) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(newMail("m1"))
			if tt.setup != nil {
				tt.setup(f.store)
			}
			got, err := f.d.Deliver(context.Background(), tt.id)
			if err != nil || got != outbox.Skipped {
				t.Errorf("Deliver: got %v, %v, want %v, nil", got, err, outbox.Skipped)
			}
			if len(f.renderer.rendered) != 0 || len(f.sender.sent) != 0 {
				t.Errorf("got %d renders and %d sends, want none", len(f.renderer.rendered), len(f.sender.sent))
			}
			if diff := cmp.Diff([]string{"claim " + tt.id}, f.store.calls); diff != "" {
				t.Errorf("store calls (-want +got):\n%s", diff)
			}
		})
	}
}

// An expired lease may be taken over.
func TestDeliverExpiredLease(t *testing.T) {
	f := setup(newMail("m1"))
	f.store.items["m1"].LeaseUntil = t0.Add(-time.Second)
	if got, err := f.d.Deliver(context.Background(), "m1"); err != nil || got != outbox.Delivered {
		t.Errorf("Deliver: got %v, %v, want %v, nil", got, err, outbox.Delivered)
	}
}

// While one worker sends, a second finding the same mail moves on.
func TestDeliverConcurrentWorker(t *testing.T) {
	f := setup(newMail("m1"))
	var inner outbox.Result
	f.sender.send = func(ctx context.Context, _ netzmail.Envelope) error {
		if len(f.sender.sent) == 1 {
			r, err := f.d.Deliver(ctx, "m1")
			if err != nil {
				t.Errorf("second worker: %v", err)
			}
			inner = r
		}
		return nil
	}
	got, err := f.d.Deliver(context.Background(), "m1")
	if err != nil || got != outbox.Delivered {
		t.Fatalf("Deliver: got %v, %v, want %v, nil", got, err, outbox.Delivered)
	}
	if inner != outbox.Skipped {
		t.Errorf("second worker: got %v, want %v", inner, outbox.Skipped)
	}
	if len(f.sender.sent) != 1 {
		t.Errorf("sends: got %d, want 1", len(f.sender.sent))
	}
}

func TestDeliverStorageErrors(t *testing.T) {
	boom := errors.New("ProvisionedThroughputExceeded")
	tests := []struct {
		name      string
		setup     func(f *fixture)
		wantSends int
		wantIn    string
	}{
		{"claim", func(f *fixture) { f.store.claimErr = boom }, 0, "claim"},
		{"mark sent", func(f *fixture) { f.store.markSentErr = boom }, 1, "mark sent"},
		{"reschedule", func(f *fixture) {
			f.store.rescheduleErr = boom
			f.sender.errs = []error{errors.New("throttled")}
		}, 1, "reschedule"},
		{"park", func(f *fixture) {
			f.store.parkErr = boom
			f.sender.errs = []error{&netzmail.PermanentError{Reason: "x"}}
		}, 1, "park"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(newMail("m1"))
			tt.setup(f)
			got, err := f.d.Deliver(context.Background(), "m1")
			if !errors.Is(err, boom) {
				t.Errorf("Deliver: got error %v, want %v", err, boom)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("Deliver: got error %q, want it to name %q", err, tt.wantIn)
			}
			if got != "" {
				t.Errorf("Deliver: got result %q with the error, want none", got)
			}
			if len(f.sender.sent) != tt.wantSends {
				t.Errorf("sends: got %d, want %d", len(f.sender.sent), tt.wantSends)
			}
		})
	}
}

// The lease ran out while sending and another worker took the mail: the
// late MarkSent must not pass as success.
func TestDeliverLostLease(t *testing.T) {
	f := setup(newMail("m1"))
	f.sender.send = func(context.Context, netzmail.Envelope) error {
		f.store.items["m1"].LeaseUntil = t0.Add(time.Hour) // someone else's lease
		return nil
	}
	got, err := f.d.Deliver(context.Background(), "m1")
	if !errors.Is(err, outbox.ErrNotClaimable) || got != "" {
		t.Errorf("Deliver: got %v, %v, want an error wrapping %v", got, err, outbox.ErrNotClaimable)
	}
}

func TestSweep(t *testing.T) {
	later := newMail("m5")
	later.CreatedAt = t0.Add(time.Hour) // not due yet
	f := setup(newMail("m1"), newMail("m2"), newMail("m3"), newMail("m4"), later)
	f.store.items["m4"].Status = outbox.Sent
	perm := &netzmail.PermanentError{Reason: "ses-message-rejected"}
	f.sender.send = func(_ context.Context, e netzmail.Envelope) error {
		switch {
		case bytes.Contains(e.Data, []byte("<m2@")):
			return errors.New("throttled")
		case bytes.Contains(e.Data, []byte("<m3@")):
			return perm
		}
		return nil
	}

	got, err := f.d.Sweep(context.Background(), 10)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	want := map[outbox.Result]int{outbox.Delivered: 1, outbox.Rescheduled: 1, outbox.Parked: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	wantCalls := []string{
		"claim m1", "sent m1",
		"claim m2", "reschedule m2 transient",
		"claim m3", "park m3 rejected:ses-message-rejected",
	}
	if diff := cmp.Diff(wantCalls, f.store.calls); diff != "" {
		t.Errorf("store calls (-want +got):\n%s", diff)
	}
	if f.store.items["m5"].Attempts != 0 {
		t.Errorf("m5 (not due): got %d attempts, want 0", f.store.items["m5"].Attempts)
	}

	// A minute later only the rescheduled mail is due again.
	f.clock.now = t0.Add(time.Minute)
	f.sender.send = nil
	got, err = f.d.Sweep(context.Background(), 10)
	if err != nil {
		t.Fatalf("second Sweep: %v", err)
	}
	if diff := cmp.Diff(map[outbox.Result]int{outbox.Delivered: 1}, got); diff != "" {
		t.Errorf("second sweep counts (-want +got):\n%s", diff)
	}
}

func TestSweepLimit(t *testing.T) {
	f := setup(newMail("m1"), newMail("m2"), newMail("m3"))
	got, err := f.d.Sweep(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[outbox.Result]int{outbox.Delivered: 2}, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestSweepErrors(t *testing.T) {
	boom := errors.New("dynamodb down")

	t.Run("due", func(t *testing.T) {
		f := setup(newMail("m1"))
		f.store.dueErr = boom
		got, err := f.d.Sweep(context.Background(), 10)
		if !errors.Is(err, boom) || got != nil {
			t.Errorf("Sweep: got %v, %v, want nil, %v", got, err, boom)
		}
		if len(f.store.calls) != 0 {
			t.Errorf("store calls: got %q, want none", f.store.calls)
		}
	})

	t.Run("one mail fails, the rest go on", func(t *testing.T) {
		f := setup(newMail("m1"), newMail("m2"), newMail("m3"))
		f.store.markSentErr = nil
		f.sender.send = func(_ context.Context, e netzmail.Envelope) error {
			if bytes.Contains(e.Data, []byte("<m2@")) {
				f.store.markSentErr = boom
			} else {
				f.store.markSentErr = nil
			}
			return nil
		}
		got, err := f.d.Sweep(context.Background(), 10)
		if !errors.Is(err, boom) {
			t.Errorf("Sweep: got error %v, want %v", err, boom)
		}
		if diff := cmp.Diff(map[outbox.Result]int{outbox.Delivered: 2}, got); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		if len(f.sender.sent) != 3 {
			t.Errorf("sends: got %d, want 3", len(f.sender.sent))
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		f := setup(newMail("m1"), newMail("m2"))
		ctx, cancel := context.WithCancel(context.Background())
		f.sender.send = func(context.Context, netzmail.Envelope) error {
			cancel() // the function is about to time out
			return nil
		}
		got, err := f.d.Sweep(ctx, 10)
		if err != nil {
			t.Errorf("Sweep: %v", err)
		}
		if diff := cmp.Diff(map[outbox.Result]int{outbox.Delivered: 1}, got); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		if f.store.items["m2"].Attempts != 0 {
			t.Errorf("m2: got %d attempts after cancel, want 0", f.store.items["m2"].Attempts)
		}
	})
}

// suppressions is a fixed list of suppressed addresses; err fails lookups.
type suppressions struct {
	gone map[string]string
	err  error
}

func (s suppressions) Suppressed(_ context.Context, addrs []string) (map[string]string, error) {
	if s.err != nil {
		return nil, s.err
	}
	out := map[string]string{}
	for _, a := range addrs {
		if r, ok := s.gone[a]; ok {
			out[a] = r
		}
	}
	return out, nil
}

func TestDeliverSuppressed(t *testing.T) {
	withCc := newMail("m1")
	withCc.To = []string{"inbox@example.org", "bounced@example.org"}
	withCc.Cc = []string{"complained@example.org", "regional@example.org"}
	tests := []struct {
		name       string
		mail       outbox.Mail
		sup        suppressions
		result     outbox.Result
		recipients []string
		lastError  string
	}{
		{"nobody suppressed", newMail("m1"), suppressions{}, outbox.Delivered, []string{"verein@example.org"}, ""},
		{"the only recipient bounced", newMail("m1"), suppressions{gone: map[string]string{"verein@example.org": "bounce:General"}},
			outbox.Parked, nil, "suppressed:bounce:General"},
		{"suppressed ones are dropped, the rest is sent", withCc,
			suppressions{gone: map[string]string{"bounced@example.org": "bounce:General", "complained@example.org": "complaint"}},
			outbox.Delivered, []string{"inbox@example.org", "regional@example.org"}, ""},
		{"the check fails: try again later", newMail("m1"), suppressions{err: errors.New("down")}, outbox.Rescheduled, nil, "suppression-check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(tt.mail)
			f.d.Suppressions = tt.sup
			got, err := f.d.Deliver(context.Background(), "m1")
			if err != nil || got != tt.result {
				t.Fatalf("Deliver = %v, %v; want %v", got, err, tt.result)
			}
			var sentTo []string
			for _, e := range f.sender.sent {
				sentTo = append(sentTo, e.To...)
			}
			if !slices.Equal(sentTo, tt.recipients) {
				t.Errorf("sent to %v, want %v", sentTo, tt.recipients)
			}
			if got := f.store.items["m1"].LastError; got != tt.lastError {
				t.Errorf("last error %q, want %q", got, tt.lastError)
			}
		})
	}
}

// limits counts per address and day in memory.
type limits struct {
	counts map[string]int
	err    error
}

func (l *limits) CountUnverified(_ context.Context, addr, day string, max int) (bool, error) {
	if l.err != nil {
		return false, l.err
	}
	if l.counts[addr+" "+day] >= max {
		return false, nil
	}
	l.counts[addr+" "+day]++
	return true, nil
}

// TestDeliverCap: mail nobody asked for goes out to one address at most
// CapPerDay times a day; above that it is dropped, not sent and not parked.
// A retry of a counted mail is not counted again, and mail the address's
// owner asked for is never counted.
func TestDeliverCap(t *testing.T) {
	var ids []string
	var mails []outbox.Mail
	for i := range 4 {
		m := newMail(fmt.Sprintf("u%d", i))
		m.Unverified = true
		mails, ids = append(mails, m), append(ids, m.ID)
	}
	verified := newMail("v0")
	f := setup(append(mails, verified)...)
	f.d.Limits, f.d.CapPerDay = &limits{counts: map[string]int{}}, 2
	f.sender.errs = []error{errors.New("throttled")} // u0's first attempt fails
	var got []outbox.Result
	for _, id := range append(ids, "v0") {
		r, err := f.d.Deliver(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []outbox.Result{outbox.Rescheduled, outbox.Delivered, outbox.Dropped, outbox.Dropped, outbox.Delivered}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	// u0's retry is the same mail: it goes out although the cap is reached.
	f.clock.now = f.clock.now.Add(time.Hour)
	if r, err := f.d.Deliver(context.Background(), "u0"); err != nil || r != outbox.Delivered {
		t.Errorf("retry: %v, %v; want delivered", r, err)
	}
	if it := f.store.items["u2"]; it.Status != outbox.Capped || it.LastError != "cap" {
		t.Errorf("dropped mail: %+v", it)
	}
	if n := len(f.sender.sent); n != 4 {
		t.Errorf("%d sends, want 4 (u0 twice, u1, v0)", n)
	}

	t.Run("a failed count is counted on the next attempt", func(t *testing.T) {
		m := newMail("u9")
		m.Unverified = true
		f := setup(m)
		l := &limits{counts: map[string]int{}, err: errors.New("down")}
		f.d.Limits, f.d.CapPerDay = l, 1
		if r, err := f.d.Deliver(context.Background(), "u9"); err != nil || r != outbox.Rescheduled || len(f.sender.sent) != 0 {
			t.Fatalf("%v, %v, %d sends; want rescheduled, nothing sent", r, err, len(f.sender.sent))
		}
		l.err = nil
		l.counts["verein@example.org "+t0.In(i18n.Berlin).Format(time.DateOnly)] = 1 // the cap is reached meanwhile
		f.clock.now = f.clock.now.Add(time.Hour)
		if r, err := f.d.Deliver(context.Background(), "u9"); err != nil || r != outbox.Dropped {
			t.Errorf("%v, %v; want dropped: the retry was counted", r, err)
		}
	})
}
