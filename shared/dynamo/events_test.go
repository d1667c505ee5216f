package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// evBegins is when the test events start: two weeks after the clock's start.
var evBegins = time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC)

// evFixture is a published event with capacity seats, not yet stored.
func (e *env) evFixture(capacity int) event.Event {
	return event.Event{
		ID:          id.New(e.clock.Now()),
		Title:       network.Text{"de": "Netzwerktreffen Integration", "en": "Integration network meeting"},
		Description: network.Text{"de": "Berichte aus den Arbeitsgruppen.", "en": "Reports from the working groups."},
		StartsAt:    evBegins,
		EndsAt:      evBegins.Add(2 * time.Hour),
		Location: event.Location{
			Name:      "Landratsamt Wartburgkreis, Raum 210",
			Address:   "Erzberger Allee 14, 36433 Bad Salzungen",
			OnlineURL: "https://meet.example.org/netzwerk",
		},
		Capacity:             capacity,
		RegistrationDeadline: evBegins.Add(-29 * time.Hour),
		WorkingGroup:         "language",
		Network:              "wartburgkreis",
		Published:            true,
	}
}

// evPut stores a published event with capacity seats.
func (e *env) evPut(capacity int) event.Event {
	e.t.Helper()
	ev := e.evFixture(capacity)
	if err := e.store.PutEvent(context.Background(), ev); err != nil {
		e.t.Fatalf("PutEvent: %v", err)
	}
	return ev
}

// evSignup is one sign-up as the service hands it to TakeSeat or Wait.
type evSignup struct {
	reg  event.Registration
	mail outbox.Mail
	// token is the token item a registration without a kept link would
	// get with a later mail (event.Service.cancelLink).
	token event.Token
}

// evSignup builds the sign-up of addr for ev with status and position.
func (e *env) evSignup(ev event.Event, addr string, status event.Status, position int) evSignup {
	now := e.clock.Now()
	hash := e.keys.EmailHash(addr)
	nonce := secret.NewNonce()
	r := event.Registration{
		ID: id.New(now), EventID: ev.ID, Name: "Person " + addr, Email: addr, EmailHash: hash,
		Organisation: "Beispielverein e. V.", Needs: "Dolmetschen", Locale: "de",
		ConsentAt: now, ConsentVer: e.cfg.Privacy.Version,
		Status: status, Position: position, CreatedAt: now,
		ExpiresAt: ev.EndsAt.Add(90 * 24 * time.Hour), LinkNonce: nonce,
	}
	template := "event.confirmed"
	if status == event.Waitlisted {
		template = "event.waitlisted"
	}
	return evSignup{
		reg: r,
		token: event.Token{
			Hash: secret.TokenHash(e.keys.Token(secret.NewNonce())), Purpose: event.CancelPurpose,
			EventID: ev.ID, EmailHash: hash, ExpiresAt: ev.EndsAt,
		},
		mail: outbox.Mail{
			ID: id.New(now), Template: template, Locale: "de", To: []string{addr}, TokenNonce: nonce,
			LinkRef: "r." + ev.ID + hash,
			Data:    map[string]string{"registrationId": r.ID, "status": string(status)}, CreatedAt: now,
		},
	}
}

// evSeat confirms addr for ev, failing the test on any error.
func (e *env) evSeat(ev event.Event, addr string) evSignup {
	e.t.Helper()
	s := e.evSignup(ev, addr, event.Confirmed, 0)
	if err := e.store.TakeSeat(context.Background(), ev, s.reg, s.mail); err != nil {
		e.t.Fatalf("TakeSeat(%s): %v", addr, err)
	}
	return s
}

// evWait puts addr on ev's waiting list with the next position.
func (e *env) evWait(ev event.Event, addr string) evSignup {
	e.t.Helper()
	pos, err := e.store.NextPosition(context.Background(), ev.ID)
	if err != nil {
		e.t.Fatalf("NextPosition(%s): %v", addr, err)
	}
	return e.evWaitAt(ev, addr, pos)
}

// evWaitAt puts addr on ev's waiting list at position.
func (e *env) evWaitAt(ev event.Event, addr string, position int) evSignup {
	e.t.Helper()
	s := e.evSignup(ev, addr, event.Waitlisted, position)
	if err := e.store.Wait(context.Background(), ev, s.reg, s.mail); err != nil {
		e.t.Fatalf("Wait(%s): %v", addr, err)
	}
	return s
}

// evEvent reads ev with its counters.
func (e *env) evEvent(eventID string) event.Event {
	e.t.Helper()
	ev, err := e.store.Event(context.Background(), eventID)
	if err != nil {
		e.t.Fatalf("Event: %v", err)
	}
	return ev
}

// evReg reads the registration of s.
func (e *env) evReg(s evSignup) event.Registration {
	e.t.Helper()
	r, err := e.store.Registration(context.Background(), s.reg.EventID, s.reg.EmailHash)
	if err != nil {
		e.t.Fatalf("Registration(%s): %v", s.reg.Email, err)
	}
	return r
}

// Raw keys of the event items.
func (e *env) evPK(eventID string) (string, string) { return e.key("event", eventID), "event" }
func (e *env) evCountersPK(eventID string) (string, string) {
	return e.key("event", eventID), "counters"
}
func (e *env) evRegPK(r event.Registration) (string, string) {
	return e.key("event", r.EventID), "registration#" + r.EmailHash
}

// evWritten lists which of the sign-up's three items are stored.
func (e *env) evWritten(s evSignup) []string {
	e.t.Helper()
	var out []string
	if e.raw(e.evRegPK(s.reg)) != nil {
		out = append(out, "registration")
	}
	for key := range e.db.Snapshot(e.t) {
		if strings.HasSuffix(key, "|token") {
			out = append(out, "token")
		}
	}
	if e.raw(e.mailPK(s.mail.ID)) != nil {
		out = append(out, "mail")
	}
	return out
}

// evCounts are an event's confirmed and waiting counters.
type evCounts struct{ Confirmed, Waiting int }

func (e *env) evCounts(eventID string) evCounts {
	e.t.Helper()
	ev := e.evEvent(eventID)
	return evCounts{ev.Confirmed, ev.Waiting}
}

func TestEventRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		change func(*event.Event)
	}{
		{"every field", func(*event.Event) {}},
		{"optional fields empty", func(ev *event.Event) {
			ev.Description, ev.Location.OnlineURL, ev.WorkingGroup, ev.Network = nil, "", "", ""
			ev.Published = false
		}},
		{"times with milliseconds", func(ev *event.Event) {
			ev.StartsAt = ev.StartsAt.Add(123 * time.Millisecond)
			ev.EndsAt = ev.EndsAt.Add(456 * time.Millisecond)
			ev.RegistrationDeadline = ev.RegistrationDeadline.Add(789 * time.Millisecond)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := e.evFixture(25)
			c.change(&ev)
			if err := e.store.PutEvent(ctx, ev); err != nil {
				t.Fatalf("PutEvent: %v", err)
			}
			got, err := e.store.Event(ctx, ev.ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			equal(t, "event", got, ev) // counters zero on both sides
			item := e.raw(e.evCountersPK(ev.ID))
			equal(t, "counters as stored", []string{testenv.N(item, "confirmed"), testenv.N(item, "waiting"), testenv.N(item, "waitSeq")}, []string{"0", "0", "0"})
			equal(t, "no counters in the event item", testenv.N(e.raw(e.evPK(ev.ID)), "confirmed"), "")
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, err := e.store.Event(ctx, id.New(e.clock.Now()))
		if !errors.Is(err, event.ErrNotFound) {
			t.Errorf("Event(unknown) error = %v, want ErrNotFound", err)
		}
	})
}

func TestEventTakeSeat(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(1)
	first := e.evSeat(ev, "anna@example.org")

	t.Run("stored", func(t *testing.T) {
		equal(t, "registration", e.evReg(first), first.reg)
		// The registration keeps its link: no token item.
		equal(t, "items", e.evWritten(first), []string{"registration", "mail"})
		equal(t, "kept nonce", testenv.S(e.raw(e.evRegPK(first.reg)), "linkNonce"), first.mail.TokenNonce)
		equal(t, "counters", e.evCounts(ev.ID), evCounts{1, 0})
		equal(t, "OnMail", e.mails, [][]string{{first.mail.ID}})
		// The mail is the notifier's alone, outside the due index, until
		// the reconcile or a failed attempt hands it to the sweep.
		equal(t, "mail's index partition", testenv.S(e.raw(e.mailPK(first.mail.ID)), "gsi1pk"), "")
	})

	t.Run("full", func(t *testing.T) {
		s := e.evSignup(ev, "bernd@example.org", event.Confirmed, 0)
		before, mails := e.db.Snapshot(e.t), len(e.mails)
		err := e.store.TakeSeat(ctx, ev, s.reg, s.mail)
		if !errors.Is(err, event.ErrFull) {
			t.Fatalf("TakeSeat error = %v, want ErrFull", err)
		}
		equal(t, "items written", e.evWritten(s), []string(nil))
		equal(t, "counters", e.evCounts(ev.ID), evCounts{1, 0})
		if got := e.mails[mails:]; len(got) != 0 {
			t.Errorf("OnMail told of %v", got)
		}
		e.db.Unchanged(t, before)
	})

	t.Run("same address again, seat free", func(t *testing.T) {
		roomy := e.evPut(5)
		e.evSeat(roomy, "anna@example.org")
		s := e.evSignup(roomy, "anna@example.org", event.Confirmed, 0)
		before := e.db.Snapshot(e.t)
		err := e.store.TakeSeat(ctx, roomy, s.reg, s.mail)
		if !errors.Is(err, event.ErrDuplicate) {
			t.Fatalf("TakeSeat error = %v, want ErrDuplicate", err)
		}
		equal(t, "counters", e.evCounts(roomy.ID), evCounts{1, 0})
		e.db.Unchanged(t, before)
	})
}

// mailPutFails refuses plain puts of outbox items, as a throttled table
// would after the sign-up's transaction went through.
type mailPutFails struct{ dynamo.API }

func (m mailPutFails) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if testenv.S(in.Item, "sk") == "outbox" {
		return nil, errors.New("throttled")
	}
	return m.API.PutItem(ctx, in, o...)
}

// TestEventSignUpMailPutFails: the sign-up stands once its transaction
// commits; a mail put failing after it is reported as ErrMailNotQueued,
// for the service to answer success and the reconcile to write the mail.
func TestEventSignUpMailPutFails(t *testing.T) {
	e := newEnv(t)
	ev := e.evPut(1)
	e.store.API = mailPutFails{e.store.API}
	tests := []struct {
		name   string
		status event.Status
		write  func(s evSignup) error
		counts evCounts
	}{
		{"seat", event.Confirmed, func(s evSignup) error {
			return e.store.TakeSeat(context.Background(), ev, s.reg, s.mail)
		}, evCounts{1, 0}},
		{"waiting list", event.Waitlisted, func(s evSignup) error {
			return e.store.Wait(context.Background(), ev, s.reg, s.mail)
		}, evCounts{1, 1}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := e.evSignup(ev, fmt.Sprintf("person%d@example.org", i), tt.status, i)
			mails := len(e.mails)
			if err := tt.write(s); !errors.Is(err, event.ErrMailNotQueued) {
				t.Fatalf("error = %v, want ErrMailNotQueued", err)
			}
			equal(t, "items", e.evWritten(s), []string{"registration"})
			equal(t, "registration", e.evReg(s), s.reg)
			equal(t, "counters", e.evCounts(ev.ID), tt.counts)
			if got := e.mails[mails:]; len(got) != 0 {
				t.Errorf("OnMail told of %v", got)
			}
		})
	}
}

func TestEventNextPosition(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(2)
	waitSeq := func() string { return testenv.N(e.raw(e.evCountersPK(ev.ID)), "waitSeq") }

	e.evSeat(ev, "anna@example.org")
	t.Run("a seat left", func(t *testing.T) {
		before := e.db.Snapshot(e.t)
		pos, err := e.store.NextPosition(ctx, ev.ID)
		if !errors.Is(err, event.ErrSeatsLeft) || pos != 0 {
			t.Errorf("NextPosition = %d, %v; want 0, ErrSeatsLeft", pos, err)
		}
		e.db.Unchanged(t, before)
	})

	e.evSeat(ev, "bernd@example.org")
	t.Run("full: one after the other", func(t *testing.T) {
		var got []int
		for range 3 {
			pos, err := e.store.NextPosition(ctx, ev.ID)
			if err != nil {
				t.Fatalf("NextPosition: %v", err)
			}
			got = append(got, pos)
		}
		equal(t, "positions", got, []int{1, 2, 3})
		equal(t, "waitSeq", waitSeq(), "3")
		// Handing out a position is not joining the list.
		equal(t, "counters", e.evCounts(ev.ID), evCounts{2, 0})
	})
}

func TestEventWait(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(2)
	e.evSeat(ev, "anna@example.org")

	t.Run("a seat is free", func(t *testing.T) {
		s := e.evSignup(ev, "carla@example.org", event.Waitlisted, 1)
		before, mails := e.db.Snapshot(e.t), len(e.mails)
		err := e.store.Wait(ctx, ev, s.reg, s.mail)
		if !errors.Is(err, event.ErrSeatsLeft) {
			t.Fatalf("Wait error = %v, want ErrSeatsLeft", err)
		}
		equal(t, "items written", e.evWritten(s), []string(nil))
		if got := e.mails[mails:]; len(got) != 0 {
			t.Errorf("OnMail told of %v", got)
		}
		e.db.Unchanged(t, before)
	})

	e.evSeat(ev, "bernd@example.org")
	t.Run("full", func(t *testing.T) {
		s := e.evWait(ev, "carla@example.org")
		equal(t, "registration", e.evReg(s), s.reg)
		equal(t, "items", e.evWritten(s), []string{"registration", "mail"})
		equal(t, "counters", e.evCounts(ev.ID), evCounts{2, 1})
		equal(t, "waiting list", e.queryIndex(e.key("waitlist", ev.ID)), []string{s.reg.ID})
	})
}

func TestEventCancel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(1)
	a := e.evSeat(ev, "anna@example.org")
	w1 := e.evWait(ev, "bernd@example.org")
	w2 := e.evWait(ev, "carla@example.org")
	read := e.evEvent(ev.ID) // counters 1 confirmed, 2 waiting
	equal(t, "counters", evCounts{read.Confirmed, read.Waiting}, evCounts{1, 2})

	cancelMail := func(r event.Registration) outbox.Mail {
		return outbox.Mail{ID: id.New(e.clock.Now()), Template: "event.cancelled", Locale: "de",
			To: []string{r.Email}, Data: map[string]string{"registrationId": r.ID}, CreatedAt: e.clock.Now()}
	}
	// A promotion as a registration without a kept link gets it: with a
	// token item.
	promotion := func(r event.Registration) (*event.Registration, *event.Token, outbox.Mail) {
		p := r
		p.Status, p.Sequence = event.Confirmed, r.Sequence+1
		nonce := secret.NewNonce()
		tok := &event.Token{Hash: secret.TokenHash(e.keys.Token(nonce)), Purpose: event.CancelPurpose,
			EventID: ev.ID, EmailHash: r.EmailHash, ExpiresAt: ev.EndsAt}
		m := outbox.Mail{ID: id.New(e.clock.Now()), Template: "event.promoted", Locale: "de",
			To: []string{r.Email}, TokenNonce: nonce, CreatedAt: e.clock.Now()}
		return &p, tok, m
	}

	e.clock.Advance(time.Hour)
	t.Run("a waiting person leaves", func(t *testing.T) {
		m := cancelMail(w1.reg)
		err := e.store.Cancel(ctx, event.Cancellation{Registration: w1.reg, Event: read, Mails: []outbox.Mail{m}})
		if err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		item := e.raw(e.evRegPK(w1.reg))
		equal(t, "status, sequence", []string{testenv.S(item, "status"), testenv.N(item, "sequence")}, []string{"cancelled", "1"})
		equal(t, "index partition", testenv.S(item, "gsi1pk"), e.key("cancelled", ev.ID))
		equal(t, "counters", e.evCounts(ev.ID), evCounts{1, 1})
		equal(t, "mail stored", testenv.S(e.raw(e.mailPK(m.ID)), "template"), "event.cancelled")
		equal(t, "OnMail", e.mails[len(e.mails)-1], []string{m.ID})
	})

	// What was read before that cancellation is stale now.
	stalePromoted, staleToken, staleMail := promotion(w1.reg)
	for _, c := range []struct {
		name string
		c    event.Cancellation
	}{
		{"registration cancelled meanwhile", event.Cancellation{
			Registration: w1.reg, Event: read, Mails: []outbox.Mail{cancelMail(w1.reg)},
		}},
		{"registration no longer in the status read", event.Cancellation{
			Registration: func() event.Registration { r := a.reg; r.Status = event.Waitlisted; return r }(),
			Event:        read, Mails: []outbox.Mail{cancelMail(a.reg)},
		}},
		{"the promoted person no longer waits", event.Cancellation{
			Registration: a.reg, Event: read, Promoted: stalePromoted, PromotedToken: staleToken,
			Mails: []outbox.Mail{cancelMail(a.reg), staleMail},
		}},
		{"someone waits now, nobody did when read", event.Cancellation{
			Registration: a.reg,
			Event:        func() event.Event { r := read; r.Waiting = 0; return r }(),
			Mails:        []outbox.Mail{cancelMail(a.reg)},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, mails := e.db.Snapshot(e.t), len(e.mails)
			err := e.store.Cancel(ctx, c.c)
			if !errors.Is(err, event.ErrChanged) {
				t.Fatalf("Cancel error = %v, want ErrChanged", err)
			}
			if got := e.mails[mails:]; len(got) != 0 {
				t.Errorf("OnMail told of %v", got)
			}
			e.db.Unchanged(t, before)
		})
	}

	t.Run("a seat passes on", func(t *testing.T) {
		current := e.evEvent(ev.ID)
		promoted, tok, pm := promotion(w2.reg)
		m := cancelMail(a.reg)
		err := e.store.Cancel(ctx, event.Cancellation{
			Registration: a.reg, Event: current, Promoted: promoted, PromotedToken: tok,
			Mails: []outbox.Mail{m, pm},
		})
		if err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		equal(t, "cancelled", e.evReg(a).Status, event.Cancelled)
		wantPromoted := w2.reg
		wantPromoted.Status, wantPromoted.Sequence = event.Confirmed, 1
		equal(t, "promoted", e.evReg(w2), wantPromoted)
		equal(t, "promoted: index partition", testenv.S(e.raw(e.evRegPK(w2.reg)), "gsi1pk"), e.key("attendees", ev.ID))
		got, err := e.store.CancelToken(ctx, tok.Hash)
		if err != nil {
			t.Fatalf("CancelToken(new): %v", err)
		}
		equal(t, "new token", got, *tok)
		equal(t, "counters", e.evCounts(ev.ID), evCounts{1, 0})
		equal(t, "OnMail", e.mails[len(e.mails)-1], []string{m.ID, pm.ID})
		equal(t, "waiting list", e.queryIndex(e.key("waitlist", ev.ID)), []string{})
	})

	t.Run("the last one leaves: a seat comes free", func(t *testing.T) {
		current := e.evEvent(ev.ID)
		promoted := e.evReg(w2)
		err := e.store.Cancel(ctx, event.Cancellation{Registration: promoted, Event: current, Mails: []outbox.Mail{cancelMail(promoted)}})
		if err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		equal(t, "counters", e.evCounts(ev.ID), evCounts{0, 0})
		equal(t, "sequence", e.evReg(w2).Sequence, 2)
	})
}

func TestEventFirstWaiting(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(1)
	first := func() (string, error) {
		r, err := e.store.FirstWaiting(ctx, ev.ID)
		return r.Email, err
	}

	t.Run("nobody waits", func(t *testing.T) {
		if got, err := first(); !errors.Is(err, event.ErrNotFound) {
			t.Errorf("FirstWaiting = %q, %v; want ErrNotFound", got, err)
		}
	})

	a := e.evSeat(ev, "anna@example.org")
	// Positions written out of their order: the list is by position.
	e.evWaitAt(ev, "w3@example.org", 3)
	w1 := e.evWaitAt(ev, "w1@example.org", 1)
	e.evWaitAt(ev, "w10@example.org", 10)
	w2 := e.evWaitAt(ev, "w2@example.org", 2)

	step := func(name, want string) {
		t.Run(name, func(t *testing.T) {
			got, err := first()
			if err != nil {
				t.Fatalf("FirstWaiting: %v", err)
			}
			equal(t, "first waiting", got, want)
		})
	}
	step("lowest position", "w1@example.org")

	if err := e.store.Cancel(ctx, event.Cancellation{Registration: w1.reg, Event: e.evEvent(ev.ID)}); err != nil {
		t.Fatalf("Cancel(w1): %v", err)
	}
	step("a cancelled one is skipped", "w2@example.org")

	promoted := w2.reg
	promoted.Status, promoted.Sequence = event.Confirmed, 1
	if err := e.store.Cancel(ctx, event.Cancellation{
		Registration: a.reg, Event: e.evEvent(ev.ID), Promoted: &promoted,
	}); err != nil {
		t.Fatalf("Cancel(a) promoting w2: %v", err)
	}
	step("a promoted one is skipped", "w3@example.org")

	// The index may lag behind a cancellation or a promotion: both still
	// listed under the waiting list, with their new status.
	for _, s := range []evSignup{w1, w2} {
		pk, sk := e.evRegPK(s.reg)
		if _, err := e.db.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &e.db.Table,
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: pk},
				"sk": &types.AttributeValueMemberS{Value: sk},
			},
			UpdateExpression: aws.String("SET gsi1pk = :pk, gsi1sk = :sk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: e.key("waitlist", ev.ID)},
				":sk": &types.AttributeValueMemberS{Value: fmt.Sprintf("%08d", s.reg.Position)},
			},
		}); err != nil {
			t.Fatalf("UpdateItem: %v", err)
		}
	}
	equal(t, "index with lagging entries", len(e.queryIndex(e.key("waitlist", ev.ID))), 4)
	step("lagging index entries are skipped", "w3@example.org")
}

func TestEventUpcoming(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	put := func(name string, starts, ends time.Duration, published bool) string {
		ev := e.evFixture(10)
		ev.Title = network.Text{"de": name}
		ev.StartsAt, ev.EndsAt = now.Add(starts), now.Add(ends)
		ev.RegistrationDeadline = ev.StartsAt
		ev.Published = published
		if err := e.store.PutEvent(ctx, ev); err != nil {
			t.Fatalf("PutEvent: %v", err)
		}
		return name
	}
	day := 24 * time.Hour
	// Stored out of order.
	put("in a month", 30*day, 30*day+2*time.Hour, true)
	put("ended yesterday", -day-2*time.Hour, -day, true)
	put("tomorrow", day, day+2*time.Hour, true)
	put("ends right now", -2*time.Hour, 0, true)
	put("running", -time.Hour, time.Hour, true)
	put("unpublished, in two days", 2*day, 2*day+time.Hour, false)
	put("began six days ago, runs on", -6*day, day, true)
	put("ended a millisecond ago", -time.Hour, -time.Millisecond, true)
	put("ends in a millisecond", -30*time.Minute, time.Millisecond, true)

	got, err := e.store.Upcoming(ctx, now)
	if err != nil {
		t.Fatalf("Upcoming: %v", err)
	}
	var names []string
	for _, ev := range got {
		names = append(names, ev.Title["de"])
	}
	// The store lists unpublished events too; the service filters them.
	equal(t, "events not over, by start", names, []string{
		"began six days ago, runs on", "running", "ends in a millisecond", "tomorrow", "unpublished, in two days", "in a month",
	})
}

// evLegacy stores ev as events were stored before their counters had an
// item of their own: the counters, the version and the job inside the event
// item, and no counters item.
func (e *env) evLegacy(ev event.Event, confirmed int) event.Event {
	e.t.Helper()
	ctx := context.Background()
	if err := e.store.PutEvent(ctx, ev); err != nil {
		e.t.Fatalf("PutEvent: %v", err)
	}
	item := e.raw(e.evPK(ev.ID))
	item["confirmed"] = &types.AttributeValueMemberN{Value: strconv.Itoa(confirmed)}
	item["waiting"] = &types.AttributeValueMemberN{Value: "0"}
	item["waitSeq"] = &types.AttributeValueMemberN{Value: "4"}
	item["version"] = &types.AttributeValueMemberN{Value: "2"}
	item["job"] = &types.AttributeValueMemberS{Value: ""}
	if _, err := e.db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.db.Table, Item: item}); err != nil {
		e.t.Fatalf("put legacy event: %v", err)
	}
	pk, sk := e.evCountersPK(ev.ID)
	if _, err := e.db.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &e.db.Table, Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
	}}); err != nil {
		e.t.Fatalf("delete counters: %v", err)
	}
	ev.Confirmed, ev.Version = confirmed, 2
	return ev
}

// TestEventLegacyCounters reads and signs up to an event stored before its
// counters had an item of their own: the first read moves them, lists show
// them without writing, and sign-ups and changes go on from the moved ones.
func TestEventLegacyCounters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evLegacy(e.evFixture(2), 1)

	t.Run("listed before anyone read it", func(t *testing.T) {
		before := e.db.Snapshot(t)
		list, err := e.store.Upcoming(ctx, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("Upcoming: %d events, want 1", len(list))
		}
		equal(t, "counters listed", evCounts{list[0].Confirmed, list[0].Waiting}, evCounts{1, 0})
		e.db.Unchanged(t, before)
	})
	t.Run("first read moves them", func(t *testing.T) {
		got := e.evEvent(ev.ID)
		equal(t, "event", got, ev)
		item := e.raw(e.evCountersPK(ev.ID))
		equal(t, "counters item", []string{testenv.N(item, "confirmed"), testenv.N(item, "waitSeq"), testenv.N(item, "version"), testenv.N(item, "capacity")},
			[]string{"1", "4", "2", "2"})
	})
	t.Run("sign-ups count on", func(t *testing.T) {
		e.evSeat(e.evEvent(ev.ID), "anna@example.org")
		equal(t, "counters", e.evCounts(ev.ID), evCounts{2, 0})
		pos, err := e.store.NextPosition(ctx, ev.ID)
		if err != nil || pos != 5 {
			t.Errorf("NextPosition = %d, %v; want 5 after the moved 4", pos, err)
		}
	})
	t.Run("a change goes by the moved ones", func(t *testing.T) {
		read := e.evEvent(ev.ID)
		c := event.Change{Before: read, After: read, Audit: e.auditEntry("event.update", read)}
		c.After.Title, c.After.Version = network.Text{"de": "Neu"}, read.Version+1
		if err := e.store.ChangeEvent(ctx, c); err != nil {
			t.Fatalf("ChangeEvent: %v", err)
		}
		want := c.After
		want.Confirmed = 2
		equal(t, "event", e.evEvent(ev.ID), want)
	})
}
