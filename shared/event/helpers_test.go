package event_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// start is the fake clock's first reading, on a whole millisecond as the
// store keeps times.
var start = time.Date(2026, 3, 2, 9, 15, 30, 123_000_000, time.UTC)

// env is the Service on the real store over a fresh emulated table.
type env struct {
	t     *testing.T
	db    *testenv.DynamoDB
	cfg   *network.Config
	keys  *secret.Keys
	store *dynamo.Store
	clock *testenv.Clock
	svc   *event.Service
	mails *[]string // ids of every mail a committed transaction wrote
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	e := &env{t: t, db: testenv.NewDynamoDB(t), cfg: cfg, keys: keys, clock: testenv.NewClock(start)}
	e.store, e.mails = testenv.NewStore(t, e.db, e.clock)
	e.svc = &event.Service{Store: e.store, Config: cfg, Keys: keys, Now: e.clock.Now}
	return e
}

// newEvent stores a published event two weeks ahead with capacity seats,
// changed by change if given, and returns it as stored.
func (e *env) newEvent(capacity int, change func(*event.Event)) event.Event {
	e.t.Helper()
	begins := time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC)
	ev := event.Event{
		ID:          id.New(e.clock.Now()),
		Title:       network.Text{"de": "Netzwerktreffen Integration", "en": "Integration network meeting"},
		Description: network.Text{"de": "Berichte aus den Arbeitsgruppen.", "en": "Reports from the working groups."},
		StartsAt:    begins,
		EndsAt:      begins.Add(2 * time.Hour),
		Location: event.Location{
			Name:      "Landratsamt Wartburgkreis, Raum 210",
			Address:   "Erzberger Allee 14, 36433 Bad Salzungen",
			OnlineURL: "https://meet.example.org/netzwerk",
		},
		Capacity:             capacity,
		RegistrationDeadline: begins.Add(-29 * time.Hour),
		WorkingGroup:         "language",
		Network:              "wartburgkreis",
		Published:            true,
	}
	if change != nil {
		change(&ev)
	}
	if err := e.store.PutEvent(context.Background(), ev); err != nil {
		e.t.Fatalf("PutEvent: %v", err)
	}
	return ev
}

// event reads an event with its counters.
func (e *env) event(eventID string) event.Event {
	e.t.Helper()
	ev, err := e.store.Event(context.Background(), eventID)
	if err != nil {
		e.t.Fatalf("Event(%s): %v", eventID, err)
	}
	return ev
}

// counters are an event's confirmed and waiting counts.
type counters struct{ Confirmed, Waiting int }

func (e *env) counters(eventID string) counters {
	e.t.Helper()
	ev := e.event(eventID)
	return counters{ev.Confirmed, ev.Waiting}
}

// registration reads the registration of addr for an event.
func (e *env) registration(eventID, addr string) event.Registration {
	e.t.Helper()
	r, err := e.store.Registration(context.Background(), eventID, e.hash(addr))
	if err != nil {
		e.t.Fatalf("Registration(%s): %v", addr, err)
	}
	return r
}

// hash is the keyed hash under which addr's registrations are stored.
func (e *env) hash(addr string) string {
	e.t.Helper()
	n, err := email.Normalize(addr)
	if err != nil {
		e.t.Fatalf("Normalize(%q): %v", addr, err)
	}
	return e.keys.EmailHash(email.Key(n))
}

// mail reads the outbox item with id.
func (e *env) mail(mailID string) testenv.StoredMail {
	e.t.Helper()
	return e.db.Mail(e.t, e.cfg.ID, mailID)
}

// mailsSince reads the mails written since the n-th.
func (e *env) mailsSince(n int) []testenv.StoredMail {
	e.t.Helper()
	var out []testenv.StoredMail
	for _, mid := range (*e.mails)[n:] {
		out = append(out, e.mail(mid))
	}
	return out
}

// link is the cancel token a mail's link carries.
func (e *env) link(m testenv.StoredMail) string {
	e.t.Helper()
	if m.TokenNonce == "" {
		e.t.Fatalf("mail %s (%s) carries no token", m.ID, m.Template)
	}
	return m.Link(e.keys)
}

// partnerLink is the confirm link of a partner application of addr,
// stored in the same table.
func (e *env) partnerLink(addr string) string {
	e.t.Helper()
	partners := &partner.Service{Store: e.store, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
	mails := len(*e.mails)
	if _, err := partners.Register(context.Background(), partner.Input{
		Organisation: "Beispielverein e. V.", OrganisationType: "association", ContactName: "Erika Beispiel",
		Email: addr, WorkingGroups: []string{"language"}, Consent: true,
	}, "de"); err != nil {
		e.t.Fatalf("partner Register: %v", err)
	}
	if len(*e.mails) != mails+1 {
		e.t.Fatalf("partner Register wrote %d mails, want 1", len(*e.mails)-mails)
	}
	return e.link(e.mail((*e.mails)[mails]))
}

// seatAndWaiter stores an event with one seat, Anna in it and Bernd
// waiting, and returns the event and their sign-ups.
func (e *env) seatAndWaiter() (ev event.Event, anna, bernd event.Registration, annaMail, berndMail testenv.StoredMail) {
	e.t.Helper()
	ev = e.newEvent(1, nil)
	anna, annaMail = e.register(ev.ID, "Anna", "anna@example.org")
	bernd, berndMail = e.register(ev.ID, "Bernd", "bernd@example.org")
	return ev, anna, bernd, annaMail, berndMail
}

// tokenItems counts the table's token items: only links mailed about a
// registration that keeps no nonce have one.
func (e *env) tokenItems() int {
	e.t.Helper()
	n := 0
	for key := range e.db.Snapshot(e.t) {
		if strings.HasSuffix(key, "|token") {
			n++
		}
	}
	return n
}

// input is a complete, valid sign-up of name with addr.
func input(name, addr string) event.Input {
	return event.Input{
		Name:         name,
		Email:        addr,
		Organisation: "Beispielverein e. V.",
		Needs:        "Dolmetschen Arabisch\r\nRollstuhlgerechter Zugang",
		Consent:      true,
	}
}

// register signs name with addr up, expecting a new registration and one
// mail, and returns both.
func (e *env) register(eventID, name, addr string) (event.Registration, testenv.StoredMail) {
	e.t.Helper()
	before := len(*e.mails)
	res, err := e.svc.Register(context.Background(), eventID, input(name, addr), "de")
	if err != nil {
		e.t.Fatalf("Register(%s): %v", addr, err)
	}
	if !res.Created {
		e.t.Fatalf("Register(%s): Created = false, want a new registration", addr)
	}
	if got := len(*e.mails) - before; got != 1 {
		e.t.Fatalf("Register(%s) wrote %d mails, want 1", addr, got)
	}
	return res.Registration, e.mail((*e.mails)[before])
}

// wantErr checks that err is an apperr with code and message.
func wantErr(t *testing.T, what string, err error, code apperr.Code, message string) {
	t.Helper()
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok || ae.Code != code || ae.Message != message {
		t.Errorf("%s: error = %v, want %s %s", what, err, code, message)
	}
}

// equal reports a difference between got and want.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

func show(v any) string { return fmt.Sprintf("%+v", v) }

// hookStore is the real store with a hook run once before the next TakeSeat
// or Wait: another request's write landing between a sign-up's read and its
// write, deterministically.
type hookStore struct {
	event.Store
	beforeTakeSeat, beforeWait func()
}

func (h *hookStore) TakeSeat(ctx context.Context, e event.Event, r event.Registration, m outbox.Mail) error {
	if f := h.beforeTakeSeat; f != nil {
		h.beforeTakeSeat = nil
		f()
	}
	return h.Store.TakeSeat(ctx, e, r, m)
}

func (h *hookStore) Wait(ctx context.Context, e event.Event, r event.Registration, m outbox.Mail) error {
	if f := h.beforeWait; f != nil {
		h.beforeWait = nil
		f()
	}
	return h.Store.Wait(ctx, e, r, m)
}
