package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/notify"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// sweepStart is the fake clock's first reading.
var sweepStart = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// sender records what would go out, from any number of goroutines.
type sender struct {
	mu   sync.Mutex
	sent map[string]int // recipient -> messages
}

func (s *sender) Send(_ context.Context, e mail.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	for _, to := range e.To {
		s.sent[to]++
	}
	return nil
}

func (s *sender) to(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[addr]
}

func (s *sender) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.sent {
		n += c
	}
	return n
}

// sweepEnv is the sweeper's world as production builds it (store,
// renderer, Deliverer) on a fresh table, with a fake clock and sender.
type sweepEnv struct {
	t      *testing.T
	db     *testenv.DynamoDB
	cfg    *network.Config
	store  *dynamo.Store
	clock  *testenv.Clock
	sender *sender
	d      *outbox.Deliverer
	logs   *bytes.Buffer
	log    *slog.Logger
}

func newSweepEnv(t *testing.T) *sweepEnv {
	t.Helper()
	e := &sweepEnv{t: t, db: testenv.NewDynamoDB(t), cfg: testenv.Config(t), clock: testenv.NewClock(sweepStart),
		sender: &sender{}, logs: &bytes.Buffer{}}
	e.store, _ = testenv.NewStore(t, e.db, e.clock)
	// Its OnMail appends without a lock, and two sweepers write at once
	// here; the tests read the outbox from the table instead.
	e.store.OnMail = nil
	renderer := mailtext.New(e.cfg, testenv.Keys(t))
	e.log = slog.New(slog.NewJSONHandler(&lockedWriter{w: e.logs}, nil))
	e.d = notify.NewDeliverer(e.store, renderer, e.sender, e.cfg, e.log)
	e.d.Now = e.clock.Now
	e.d.Jitter = func() float64 { return 1 }
	return e
}

// lockedWriter lets two sweepers log into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (e *sweepEnv) events(store event.Store) *event.Service {
	return &event.Service{Store: store, Config: e.cfg, Keys: testenv.Keys(e.t), Now: e.clock.Now, Log: e.log}
}

func (e *sweepEnv) partners() *partner.Service {
	return &partner.Service{Store: e.store, Config: e.cfg, Keys: testenv.Keys(e.t), Now: e.clock.Now, Log: e.log}
}

// apply stores a partner application from addr, whose confirm mail is
// then in the outbox for the notifier: the sweeper finds it through the
// applications' Reconcile, as in production.
func (e *sweepEnv) apply(addr string) {
	e.t.Helper()
	_, err := e.partners().Register(context.Background(), partner.Input{
		Organisation: "Verein " + addr, OrganisationType: "association", ContactName: "Test",
		Email: addr, WorkingGroups: []string{"work"}, Consent: true,
	}, "de")
	if err != nil {
		e.t.Fatalf("register %s: %v", addr, err)
	}
}

// eventWithAttendee stores a published event starting a day from the
// clock, within the reminder lead, and signs addr up for a seat.
func (e *sweepEnv) eventWithAttendee(addr string) event.Event {
	e.t.Helper()
	begins := e.clock.Now().Add(24 * time.Hour)
	if lead := time.Duration(e.cfg.EventReminderHours) * time.Hour; lead <= 24*time.Hour {
		e.t.Fatalf("the configuration's reminder lead %v no longer covers an event a day ahead", lead)
	}
	ev := event.Event{
		ID:                   id.New(e.clock.Now()),
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
	if err := e.store.PutEvent(context.Background(), ev); err != nil {
		e.t.Fatalf("PutEvent: %v", err)
	}
	_, err := e.events(e.store).Register(context.Background(), ev.ID,
		event.Input{Name: "Test", Email: addr, Consent: true}, "de")
	if err != nil {
		e.t.Fatalf("sign-up: %v", err)
	}
	return ev
}

// reminders counts the reminder mails in the outbox.
func (e *sweepEnv) reminders() int {
	e.t.Helper()
	n := 0
	for _, item := range e.db.Snapshot(e.t) {
		if testenv.S(item, "sk") == "outbox" && testenv.S(item, "template") == "event.reminder" {
			n++
		}
	}
	return n
}

// TestSweeperFailingJobDoesNotStopTheRest: a scheduled job that fails is
// logged; the jobs after it run, and due mail is still delivered. The
// reminder the real job queues is delivered by the next run, once the
// notifier's grace has passed, and not queued again.
func TestSweeperFailingJobDoesNotStopTheRest(t *testing.T) {
	e := newSweepEnv(t)
	const attendee = "teilnahme@example.org"
	ev := e.eventWithAttendee(attendee)

	var ran []string
	failing := func(context.Context) (int, error) {
		ran = append(ran, "failing")
		return 0, errors.New("the digest store is down")
	}
	later := func(context.Context) (int, error) { ran = append(ran, "later"); return 0, nil }
	// The sign-up's confirmation waits, outside the due index, for a
	// notifier this test has not: the reconcile hands it to the sweep.
	events := e.events(e.store)
	sweep := notify.Sweeper(e.d, e.log, failing, events.QueueReminders, events.Reconcile, later)

	e.clock.Advance(3 * time.Minute) // past the reconcile's grace
	if err := sweep(context.Background()); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if got, want := strings.Join(ran, ","), "failing,later"; got != want {
		t.Errorf("jobs ran %q, want %q", got, want)
	}
	if !strings.Contains(e.logs.String(), `"msg":"scheduled job failed"`) {
		t.Errorf("the failure is not logged:\n%s", e.logs)
	}
	if got := e.sender.to(attendee); got != 1 {
		t.Errorf("after the first run %d mails to the attendee, want 1 (the sign-up's confirmation)", got)
	}
	if got := e.reminders(); got != 1 {
		t.Fatalf("%d reminders queued, want 1", got)
	}

	e.clock.Advance(3 * time.Minute)
	if err := sweep(context.Background()); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if got := e.sender.to(attendee); got != 2 {
		t.Errorf("after the second run %d mails to the attendee, want 2 (confirmation, reminder)", got)
	}
	if got := e.reminders(); got != 1 {
		t.Errorf("%d reminders after the second run, want still 1", got)
	}
	r, err := e.store.Attendees(context.Background(), ev.ID)
	if err != nil || len(r) != 1 || r[0].RemindedAt.IsZero() {
		t.Errorf("attendees %+v (%v), want one marked reminded", r, err)
	}
}

// TestSweeperDeliversInBatchesUntilDone: more due mail than one batch all
// goes out in one run; with the deadline near no batch starts at all, so a
// run never outlasts its invocation (the next run delivers it).
func TestSweeperDeliversInBatchesUntilDone(t *testing.T) {
	const n = notify.Batch + 5
	tests := []struct {
		name     string
		deadline time.Duration // from now; 0 for none
		want     int
	}{
		{"no deadline", 0, n},
		{"deadline far", time.Hour, n},
		{"deadline near", 9 * time.Second, 0},
		{"deadline passed", -time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSweepEnv(t)
			for i := range n {
				e.apply(fmt.Sprintf("batch-%d@example.org", i))
			}
			e.clock.Advance(3 * time.Minute)
			ctx := context.Background()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, time.Now().Add(tt.deadline))
				defer cancel()
			}
			if err := notify.Sweeper(e.d, e.log, e.partners().Reconcile)(ctx); err != nil {
				t.Fatalf("sweep: %v", err)
			}
			if got := e.sender.total(); got != tt.want {
				t.Errorf("%d mails sent, want %d", got, tt.want)
			}
			if !strings.Contains(e.logs.String(), fmt.Sprintf(`"delivered":%d`, tt.want)) {
				t.Errorf("the run's summary does not say %d delivered:\n%s", tt.want, e.logs)
			}
		})
	}
}

// TestSweeperStopsOnStorageFailure: a sweep whose store fails reports it,
// so the platform's metrics see the failed run.
func TestSweeperStopsOnStorageFailure(t *testing.T) {
	e := newSweepEnv(t)
	e.apply("ausfall@example.org")
	e.clock.Advance(3 * time.Minute)
	e.db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
	sweep := notify.Sweeper(e.d, e.log, e.partners().Reconcile)
	err := sweep(context.Background())
	e.db.Emulator.EmulateFailure(miniserver.FailureConditionNone)
	if err == nil {
		t.Fatal("no error, want the storage failure reported")
	}
	if got := e.sender.total(); got != 0 {
		t.Errorf("%d mails sent, want none", got)
	}
	// The mail waits for the next run.
	if err := sweep(context.Background()); err != nil || e.sender.total() != 1 {
		t.Errorf("the next run: %v, %d sent, want 1", err, e.sender.total())
	}
}

// barrierStore holds every reader of an event's attendees until all of
// them have read, so two sweeps both see the registration unreminded:
// only the store's condition can then keep the second reminder out.
type barrierStore struct {
	*dynamo.Store
	read *sync.WaitGroup
}

func (b barrierStore) Attendees(ctx context.Context, eventID string) ([]event.Registration, error) {
	regs, err := b.Store.Attendees(ctx, eventID)
	b.read.Done()
	b.read.Wait()
	return regs, err
}

// TestTwoSweepsSendOneReminder runs two sweepers at once over the same
// table (one run outlasting its minute, the next starting): the attendee
// gets one reminder, not two.
func TestTwoSweepsSendOneReminder(t *testing.T) {
	e := newSweepEnv(t)
	const attendee = "einmal@example.org"
	e.eventWithAttendee(attendee)
	e.clock.Advance(3 * time.Minute)
	// The sign-up's confirmation goes out first (handed to the sweep by the
	// reconcile: no notifier runs here), so that afterwards only reminders
	// are due.
	if err := notify.Sweeper(e.d, e.log, e.events(e.store).Reconcile)(context.Background()); err != nil || e.sender.to(attendee) != 1 {
		t.Fatalf("confirmation: %v, %d sent", err, e.sender.to(attendee))
	}

	read := &sync.WaitGroup{}
	read.Add(2)
	errs := make(chan error, 2)
	for range 2 {
		sweep := notify.Sweeper(e.d, e.log, e.events(barrierStore{e.store, read}).QueueReminders)
		go func() { errs <- sweep(context.Background()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("sweep: %v", err)
		}
	}
	if got := e.reminders(); got != 1 {
		t.Errorf("%d reminders queued by two sweeps at once, want 1", got)
	}
	e.clock.Advance(3 * time.Minute)
	if err := notify.Sweeper(e.d, e.log)(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.sender.to(attendee); got != 2 {
		t.Errorf("%d mails to the attendee, want 2 (confirmation, one reminder)", got)
	}
}

// TestSweeperReconcilesContactMail: a contact message's mails whose stream
// records never reached the notifier are handed to the sweep by the
// reconcile job past its grace, and delivered once however often the
// sweeper runs.
func TestSweeperReconcilesContactMail(t *testing.T) {
	e := newSweepEnv(t)
	const sender = "fragen@example.org"
	messages := &contact.Service{Store: e.store, Config: e.cfg, Keys: testenv.Keys(t), Now: e.clock.Now, Log: e.log}
	m, err := messages.Submit(context.Background(), contact.Input{
		Name: "Test", Email: sender, Topic: "general", Message: "Eine Frage", Consent: true,
	}, "de")
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	sweep := notify.Sweeper(e.d, e.log, messages.Reconcile)
	for _, step := range []struct {
		after      time.Duration
		inbox, ack int
	}{
		{time.Minute, 0, 0}, // the notifier's grace
		{2 * time.Minute, 1, 1},
		{time.Minute, 1, 1},
		{time.Hour, 1, 1},
	} {
		e.clock.Advance(step.after)
		if err := sweep(context.Background()); err != nil {
			t.Fatalf("sweep: %v", err)
		}
		if got, got2 := e.sender.to(m.Inbox), e.sender.to(sender); got != step.inbox || got2 != step.ack {
			t.Errorf("at %s: %d mails to the inbox, %d to the sender; want %d, %d",
				e.clock.Now().Sub(sweepStart), got, got2, step.inbox, step.ack)
		}
	}
}

// TestSweeperReconcilesSignUpMail: a sign-up's mail whose put failed is
// written by the reconcile job past its grace, and one whose stream record
// never reached the notifier is handed to the sweep; either is delivered
// once however often the sweeper runs.
func TestSweeperReconcilesSignUpMail(t *testing.T) {
	for _, tt := range []struct {
		name    string
		failPut bool
	}{
		{"stream record lost", false},
		{"mail put failed", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newSweepEnv(t)
			puts := &testenv.MailPuts{API: e.store.API, Fail: tt.failPut}
			e.store.API = puts
			const attendee = "spaet@example.org"
			e.eventWithAttendee(attendee)
			puts.Fail = false
			events := e.events(e.store)
			sweep := notify.Sweeper(e.d, e.log, events.Reconcile)
			for _, step := range []struct {
				after time.Duration
				want  int
			}{
				{time.Minute, 0}, // the reconcile's grace
				{2 * time.Minute, 1},
				{time.Minute, 1},
				{time.Hour, 1},
			} {
				e.clock.Advance(step.after)
				if err := sweep(context.Background()); err != nil {
					t.Fatalf("sweep: %v", err)
				}
				if got := e.sender.to(attendee); got != step.want {
					t.Errorf("at %s: %d mails to the attendee, want %d", e.clock.Now().Sub(sweepStart), got, step.want)
				}
			}
		})
	}
}
