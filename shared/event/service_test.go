package event_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// mailData is what every mail about registration r of ev carries: the
// event's own data and the registration's state, nothing the person typed.
func mailData(ev event.Event, r event.Registration, status event.Status, sequence, position string) map[string]string {
	return map[string]string{
		"registrationId":  r.ID,
		"status":          string(status),
		"sequence":        sequence,
		"position":        position,
		"eventTitle":      ev.Title["de"],
		"eventStartsAt":   ev.StartsAt.Format(time.RFC3339),
		"eventEndsAt":     ev.EndsAt.Format(time.RFC3339),
		"timeZone":        ev.ZoneName(),
		"locationName":    ev.Location.Name,
		"locationAddress": ev.Location.Address,
		"onlineUrl":       ev.Location.OnlineURL,
	}
}

func TestRegisterInvalid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	fe := func(field, code string) []apperr.FieldError {
		return []apperr.FieldError{{Field: field, Code: code}}
	}
	for _, c := range []struct {
		name   string
		change func(in *event.Input)
		want   []apperr.FieldError
	}{
		{"name missing", func(in *event.Input) { in.Name = "" }, fe("name", "required")},
		{"name blank", func(in *event.Input) { in.Name = " \t " }, fe("name", "required")},
		{"name with CRLF", func(in *event.Input) { in.Name = "Anna\r\nBcc: x@example.org" }, fe("name", "control_characters")},
		{"name too long", func(in *event.Input) { in.Name = strings.Repeat("ß", event.MaxName+1) }, fe("name", "too_long")},
		{"email missing", func(in *event.Input) { in.Email = " " }, fe("email", "required")},
		{"email without domain", func(in *event.Input) { in.Email = "anna@" }, fe("email", "invalid")},
		{"email with a display name", func(in *event.Input) { in.Email = "Anna <anna@example.org>" }, fe("email", "invalid")},
		{"email with CRLF", func(in *event.Input) { in.Email = "anna@example.org\r\nBcc: x@example.org" }, fe("email", "invalid")},
		{"email, non-ASCII local part", func(in *event.Input) { in.Email = "jörg@example.org" }, fe("email", "email_non_ascii")},
		{"organisation too long", func(in *event.Input) { in.Organisation = strings.Repeat("ä", event.MaxOrganisation+1) }, fe("organisation", "too_long")},
		{"organisation with a line break", func(in *event.Input) { in.Organisation = "Verein\nzwei" }, fe("organisation", "control_characters")},
		{"needs too long", func(in *event.Input) { in.Needs = strings.Repeat("ü", event.MaxNeeds+1) }, fe("needs", "too_long")},
		{"needs with control characters", func(in *event.Input) { in.Needs = "Rampe\x00" }, fe("needs", "control_characters")},
		{"consent false", func(in *event.Input) { in.Consent = false }, fe("consent", "must_accept")},
		{
			"empty input: every problem at once",
			func(in *event.Input) { *in = event.Input{} },
			[]apperr.FieldError{
				{Field: "name", Code: "required"},
				{Field: "email", Code: "required"},
				{Field: "consent", Code: "must_accept"},
			},
		},
		{
			"several problems at once",
			func(in *event.Input) {
				in.Email = "nope@"
				in.Organisation = strings.Repeat("a", event.MaxOrganisation+1)
				in.Needs = strings.Repeat("a", event.MaxNeeds+1)
			},
			[]apperr.FieldError{
				{Field: "email", Code: "invalid"},
				{Field: "organisation", Code: "too_long"},
				{Field: "needs", Code: "too_long"},
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := input("Anna Beispiel", "anna@example.org")
			c.change(&in)
			before, mails := e.db.Snapshot(e.t), len(*e.mails)
			res, err := e.svc.Register(ctx, ev.ID, in, "de")
			ae, ok := errors.AsType[*apperr.Error](err)
			if !ok || ae.Code != apperr.Invalid {
				t.Fatalf("error = %v, want apperr.Invalid", err)
			}
			equal(t, "field errors", ae.Fields, c.want)
			equal(t, "Result", res, event.Result{})
			if got := (*e.mails)[mails:]; len(got) != 0 {
				t.Errorf("mail written for invalid input: %v", got)
			}
			e.db.Unchanged(t, before)
		})
	}
}

func TestRegisterLimitsCountCharacters(t *testing.T) {
	e := newEnv(t)
	ev := e.newEvent(2, nil)
	in := event.Input{
		Name:         strings.Repeat("ß", event.MaxName),
		Email:        "anna@example.org",
		Organisation: strings.Repeat("ä", event.MaxOrganisation),
		Needs:        strings.Repeat("ü", event.MaxNeeds-2) + "\r\nx",
		Consent:      true,
	}
	res, err := e.svc.Register(context.Background(), ev.ID, in, "de")
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	got := e.registration(ev.ID, "anna@example.org")
	equal(t, "name", got.Name, in.Name)
	equal(t, "organisation", got.Organisation, in.Organisation)
	equal(t, "needs (CRLF normalised)", got.Needs, strings.Repeat("ü", event.MaxNeeds-2)+"\nx")
	equal(t, "Result", res.Registration, got)
}

func TestRegisterEventNotFound(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	hidden := e.newEvent(2, func(ev *event.Event) { ev.Published = false })
	for _, c := range []struct {
		name, id string
	}{
		{"unknown id", id.New(e.clock.Now())},
		{"malformed id", "nope"},
		{"empty id", ""},
		{"id in upper case", strings.ToUpper(ev.ID)},
		{"id with a path", "../" + ev.ID[3:]},
		{"id one character short", ev.ID[1:]},
		{"unpublished event", hidden.ID},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, mails := e.db.Snapshot(e.t), len(*e.mails)
			res, err := e.svc.Register(ctx, c.id, input("Anna Beispiel", "anna@example.org"), "de")
			wantErr(t, "Register", err, apperr.NotFound, "problem.event_not_found")
			equal(t, "Result", res, event.Result{})
			_, err = e.svc.Get(ctx, c.id)
			wantErr(t, "Get", err, apperr.NotFound, "problem.event_not_found")
			if got := (*e.mails)[mails:]; len(got) != 0 {
				t.Errorf("mails written: %v", got)
			}
			e.db.Unchanged(t, before)
		})
	}
}

func TestRegisterClosed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	begins := time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC)
	deadline := begins.Add(-29 * time.Hour)
	lateDeadline := func(ev *event.Event) { ev.RegistrationDeadline = ev.EndsAt }
	for _, c := range []struct {
		name   string
		change func(*event.Event)
		at     time.Time
		open   bool
	}{
		{"a millisecond before the deadline", nil, deadline.Add(-time.Millisecond), true},
		{"at the deadline", nil, deadline, false},
		{"after the deadline", nil, deadline.Add(time.Hour), false},
		{"deadline after the start: a millisecond before the start", lateDeadline, begins.Add(-time.Millisecond), true},
		{"deadline after the start: at the start", lateDeadline, begins, false},
		{"deadline after the start: during the event", lateDeadline, begins.Add(time.Hour), false},
		{"after the end", nil, begins.Add(3 * time.Hour), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Set(start)
			ev := e.newEvent(2, c.change)
			e.clock.Set(c.at)
			before, mails := e.db.Snapshot(e.t), len(*e.mails)
			res, err := e.svc.Register(ctx, ev.ID, input("Anna Beispiel", "anna@example.org"), "de")
			if c.open {
				if err != nil || !res.Created || res.Registration.Status != event.Confirmed {
					t.Errorf("Register = %+v, %v; want a new confirmed registration", res, err)
				}
				return
			}
			wantErr(t, "Register", err, apperr.Conflict, "problem.registration_closed")
			equal(t, "Result", res, event.Result{})
			if got := (*e.mails)[mails:]; len(got) != 0 {
				t.Errorf("mails written: %v", got)
			}
			e.db.Unchanged(t, before)
		})
	}
}

func TestRegisterSeats(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	now := e.clock.Now()

	for _, c := range []struct {
		name, addr     string
		status         event.Status
		position       int
		template       string
		wantCounters   counters
		wantStoredAddr string
	}{
		{"first: a seat", "Anna@Example.ORG", event.Confirmed, 0, "event.confirmed", counters{1, 0}, "Anna@example.org"},
		{"second: the last seat", "bernd@example.org", event.Confirmed, 0, "event.confirmed", counters{2, 0}, "bernd@example.org"},
		{"third: waiting list, first", "carla@example.org", event.Waitlisted, 1, "event.waitlisted", counters{2, 1}, "carla@example.org"},
		{"fourth: waiting list, second", "dieter@example.org", event.Waitlisted, 2, "event.waitlisted", counters{2, 2}, "dieter@example.org"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := input("Person "+c.addr, c.addr)
			before := len(*e.mails)
			res, err := e.svc.Register(ctx, ev.ID, in, "de")
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			r := res.Registration
			want := event.Registration{
				ID:           r.ID,
				EventID:      ev.ID,
				Name:         in.Name,
				Email:        c.wantStoredAddr,
				EmailHash:    e.hash(c.addr),
				Organisation: "Beispielverein e. V.",
				Needs:        "Dolmetschen Arabisch\nRollstuhlgerechter Zugang",
				Locale:       "de",
				ConsentAt:    now,
				ConsentVer:   e.cfg.Privacy.Version,
				Status:       c.status,
				Position:     c.position,
				Sequence:     0,
				CreatedAt:    now,
				ExpiresAt:    ev.EndsAt.Add(network.Days(e.cfg.Retention.RegistrationAfterEventDays)),
				LinkNonce:    r.LinkNonce, // random; the mail's, below
			}
			equal(t, "Result", res, event.Result{Registration: want, Created: true})
			if !id.Valid(r.ID) {
				t.Errorf("registration id %q is not a valid id", r.ID)
			}
			equal(t, "stored registration", e.registration(ev.ID, c.addr), want)
			equal(t, "counters", e.counters(ev.ID), c.wantCounters)

			if got := len(*e.mails) - before; got != 1 {
				t.Fatalf("mails written = %d, want 1", got)
			}
			m := e.mail((*e.mails)[before])
			equal(t, "template", m.Template, c.template)
			equal(t, "locale", m.Locale, "de")
			equal(t, "To", m.To, []string{c.wantStoredAddr})
			equal(t, "Cc", m.Cc, nil)
			equal(t, "Reply-To", m.ReplyTo, "")
			equal(t, "Data", m.Data, mailData(ev, r, c.status, "0", []string{"0", "1", "2"}[c.position]))
			// The link names the registration and derives from the nonce
			// it keeps: no token item.
			if r.LinkNonce == "" || m.TokenNonce != r.LinkNonce {
				t.Errorf("mail's nonce %q, registration's %q: want the same, not empty", m.TokenNonce, r.LinkNonce)
			}
			equal(t, "LinkRef", m.LinkRef, "r."+ev.ID+e.hash(c.addr))
			equal(t, "token items", e.tokenItems(), 0)
			// The address is not verified: nothing the person typed goes
			// out to it, nor sits in the stored mail.
			for _, typed := range []string{"Person", "Beispielverein", "Dolmetschen", "Rollstuhl"} {
				if s := testenv.Plain(e.db.Item(e.t, e.cfg.ID+"#mail#"+m.ID, "outbox")); strings.Contains(s, typed) {
					t.Errorf("the mail holds the registrant's %q", typed)
				}
			}
			p, err := e.svc.Lookup(ctx, e.link(m))
			if err != nil {
				t.Fatalf("Lookup(the mail's token): %v", err)
			}
			equal(t, "Lookup registration", p.Registration, want)
		})
	}
}

func TestRegisterRaces(t *testing.T) {
	for _, c := range []struct {
		name string
		// setup prepares the event and sets the hook: what another request
		// writes in between.
		setup        func(e *env, ev event.Event, h *hookStore)
		status       event.Status
		position     int
		templates    []string // every mail written from the raced sign-up on
		wantCounters counters
		wantWaitSeq  string
	}{
		{
			name: "the last seat is taken between reading and taking it",
			setup: func(e *env, ev event.Event, h *hookStore) {
				h.beforeTakeSeat = func() { e.register(ev.ID, "Anna", "anna@example.org") }
			},
			status: event.Waitlisted, position: 1,
			templates:    []string{"event.confirmed", "event.waitlisted"},
			wantCounters: counters{1, 1}, wantWaitSeq: "1",
		},
		{
			name: "a seat comes free between the position and the wait",
			setup: func(e *env, ev event.Event, h *hookStore) {
				_, m := e.register(ev.ID, "Anna", "anna@example.org")
				h.beforeWait = func() {
					if _, err := e.svc.Cancel(context.Background(), e.link(m)); err != nil {
						e.t.Fatalf("Cancel: %v", err)
					}
				}
			},
			status: event.Confirmed, position: 0,
			templates:    []string{"event.cancelled", "event.confirmed"}, // the unused position writes nothing
			wantCounters: counters{1, 0}, wantWaitSeq: "1",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ev := e.newEvent(1, nil)
			h := &hookStore{Store: e.store}
			raced := &event.Service{Store: h, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
			c.setup(e, ev, h)
			before := len(*e.mails)
			res, err := raced.Register(context.Background(), ev.ID, input("Bernd", "bernd@example.org"), "de")
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if h.beforeTakeSeat != nil || h.beforeWait != nil {
				t.Fatalf("the race was not provoked: the hook did not run")
			}
			if !res.Created || res.Registration.Status != c.status || res.Registration.Position != c.position {
				t.Errorf("Register = %+v, want Created, %s, position %d", res, c.status, c.position)
			}
			equal(t, "stored", e.registration(ev.ID, "bernd@example.org"), res.Registration)
			equal(t, "counters", e.counters(ev.ID), c.wantCounters)
			var templates []string
			for _, m := range e.mailsSince(before) {
				templates = append(templates, m.Template)
			}
			equal(t, "mails", templates, c.templates)
			equal(t, "waitSeq", testenv.N(e.db.Item(e.t, e.cfg.ID+"#event#"+ev.ID, "counters"), "waitSeq"), c.wantWaitSeq)
		})
	}
}

func TestRegisterAgain(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(1, nil)
	seated, _ := e.register(ev.ID, "Anna Beispiel", "Anna@example.org")
	waiting, _ := e.register(ev.ID, "Bernd Beispiel", "bernd@example.org")

	for _, c := range []struct {
		name  string
		addr  string
		prior event.Registration
	}{
		{"confirmed, same address", "Anna@example.org", seated},
		{"confirmed, address in other case", "ANNA@EXAMPLE.org", seated},
		{"confirmed, lower case with spaces", "  anna@example.org ", seated},
		{"waitlisted, same address", "bernd@example.org", waiting},
		{"waitlisted, address in other case", "Bernd@Example.Org", waiting},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Advance(time.Hour)
			in := event.Input{Name: "Jemand Anderes", Email: c.addr, Needs: "Andere Bedürfnisse", Consent: true}
			mails := len(*e.mails)
			res, err := e.svc.Register(ctx, ev.ID, in, "en")
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			equal(t, "Result", res, event.Result{Registration: c.prior, Created: false})
			// The registration stays as it was; its holder gets where they
			// stand by mail, with the registration's cancel link, in the
			// language of the repeat.
			got := (*e.mails)[mails:]
			if len(got) != 1 {
				t.Fatalf("repeat wrote mails %v, want one", got)
			}
			m := e.db.Mail(t, e.cfg.ID, got[0])
			want := map[event.Status]string{event.Confirmed: "event.confirmed", event.Waitlisted: "event.waitlisted"}[c.prior.Status]
			if m.Template != want || m.Locale != "en" || m.To[0] != c.prior.Email || m.Data["registrationId"] != c.prior.ID {
				t.Errorf("mail %s %s to %v for %s, want %s in en to %s for %s", m.Template, m.Locale, m.To, m.Data["registrationId"], want, c.prior.Email, c.prior.ID)
			}
			p, err := e.svc.Lookup(ctx, m.Link(e.keys))
			if err != nil || p.Registration.ID != c.prior.ID {
				t.Errorf("the new cancel link finds %+v, %v; want %s", p.Registration, err, c.prior.ID)
			}
			equal(t, "counters", e.counters(ev.ID), counters{1, 1})
			equal(t, "stored", e.registration(ev.ID, c.prior.Email), c.prior)
		})
	}
}

func TestCancelChain(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	a, aMail := e.register(ev.ID, "Anna", "anna@example.org")
	b, _ := e.register(ev.ID, "Bernd", "bernd@example.org")
	c, cMail := e.register(ev.ID, "Carla", "carla@example.org")
	d, _ := e.register(ev.ID, "Dieter", "dieter@example.org")
	if a.Status != event.Confirmed || b.Status != event.Confirmed || c.Position != 1 || d.Position != 2 {
		t.Fatalf("setup: A %s, B %s, C %s %d, D %s %d; want A B confirmed, C D waiting 1, 2",
			a.Status, b.Status, c.Status, c.Position, d.Status, d.Position)
	}
	aToken := e.link(aMail)

	t.Run("Lookup changes nothing", func(t *testing.T) {
		before, mails := e.db.Snapshot(e.t), len(*e.mails)
		p, err := e.svc.Lookup(ctx, aToken)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		equal(t, "Pending", p, event.Pending{Event: e.event(ev.ID), Registration: a})
		if got := (*e.mails)[mails:]; len(got) != 0 {
			t.Errorf("Lookup wrote mails %v", got)
		}
		e.db.Unchanged(t, before)
	})

	// cancel cancels with token and checks the mails the cancellation wrote:
	// the cancelled person's and, if someone moves up, theirs. It returns
	// the promoted person's new token.
	cancel := func(t *testing.T, token string, gone event.Registration, goneSeq string, promoted *event.Registration) string {
		t.Helper()
		mails := len(*e.mails)
		status, err := e.svc.Cancel(ctx, token)
		if err != nil || status != event.Cancelled {
			t.Fatalf("Cancel = %q, %v; want cancelled", status, err)
		}
		got := e.mailsSince(mails)
		wantMails := 1
		if promoted != nil {
			wantMails = 2
		}
		if len(got) != wantMails {
			t.Fatalf("mails written = %d, want %d", len(got), wantMails)
		}
		var newToken string
		for _, m := range got {
			switch m.Template {
			case "event.cancelled":
				equal(t, "cancelled: To", m.To, []string{gone.Email})
				equal(t, "cancelled: Data", m.Data, mailData(ev, gone, gone.Status, goneSeq, []string{"0", "1", "2"}[gone.Position]))
				equal(t, "cancelled: TokenNonce", m.TokenNonce, "")
			case "event.promoted":
				if promoted == nil {
					t.Fatalf("promotion mail %+v, want none", m)
				}
				p := *promoted
				equal(t, "promoted: To", m.To, []string{p.Email})
				equal(t, "promoted: Data", m.Data, mailData(ev, p, event.Confirmed, "1", []string{"0", "1", "2"}[p.Position]))
				newToken = e.link(m)
			default:
				t.Errorf("unexpected mail %s", m.Template)
			}
		}
		if promoted != nil && newToken == "" {
			t.Fatalf("no promotion mail")
		}
		return newToken
	}

	e.clock.Advance(time.Hour)
	var cToken string
	t.Run("A cancels: C moves up", func(t *testing.T) {
		cToken = cancel(t, aToken, a, "1", &c)
		if cToken != e.link(cMail) {
			t.Errorf("the promotion mail carries %q, want C's link from the waiting-list mail %q", cToken, e.link(cMail))
		}
		equal(t, "A status", e.registration(ev.ID, "anna@example.org").Status, event.Cancelled)
		equal(t, "A sequence", e.registration(ev.ID, "anna@example.org").Sequence, 1)
		gotC := e.registration(ev.ID, "carla@example.org")
		wantC := c
		wantC.Status, wantC.Sequence = event.Confirmed, 1
		equal(t, "C", gotC, wantC)
		equal(t, "B", e.registration(ev.ID, "bernd@example.org"), b)
		equal(t, "D", e.registration(ev.ID, "dieter@example.org"), d)
		equal(t, "counters", e.counters(ev.ID), counters{2, 1})

		p, err := e.svc.Lookup(ctx, cToken)
		if err != nil {
			t.Fatalf("Lookup(C's new token): %v", err)
		}
		equal(t, "Lookup(C's new token)", p.Registration, wantC)
	})

	t.Run("A cancels again: harmless", func(t *testing.T) {
		before, mails := e.db.Snapshot(e.t), len(*e.mails)
		status, err := e.svc.Cancel(ctx, aToken)
		if err != nil || status != event.Cancelled {
			t.Fatalf("Cancel = %q, %v; want cancelled", status, err)
		}
		if got := (*e.mails)[mails:]; len(got) != 0 {
			t.Errorf("second Cancel wrote mails %v", got)
		}
		e.db.Unchanged(t, before)
	})

	var dToken string
	t.Run("C cancels: D moves up", func(t *testing.T) {
		promotedC := e.registration(ev.ID, "carla@example.org")
		dToken = cancel(t, cToken, promotedC, "2", &d)
		equal(t, "C status", e.registration(ev.ID, "carla@example.org").Status, event.Cancelled)
		equal(t, "D status", e.registration(ev.ID, "dieter@example.org").Status, event.Confirmed)
		equal(t, "counters", e.counters(ev.ID), counters{2, 0})
	})

	t.Run("D cancels: nobody waits, a seat comes free", func(t *testing.T) {
		promotedD := e.registration(ev.ID, "dieter@example.org")
		cancel(t, dToken, promotedD, "2", nil)
		equal(t, "D status", e.registration(ev.ID, "dieter@example.org").Status, event.Cancelled)
		equal(t, "B", e.registration(ev.ID, "bernd@example.org"), b)
		equal(t, "counters", e.counters(ev.ID), counters{1, 0})
	})

	t.Run("a new sign-up gets the free seat", func(t *testing.T) {
		r, m := e.register(ev.ID, "Emil", "emil@example.org")
		equal(t, "status", r.Status, event.Confirmed)
		equal(t, "template", m.Template, "event.confirmed")
		equal(t, "counters", e.counters(ev.ID), counters{2, 0})
	})
}

func TestCancelWaitlisted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(1, nil)
	a, aMail := e.register(ev.ID, "Anna", "anna@example.org")
	w1, w1Mail := e.register(ev.ID, "Bernd", "bernd@example.org")
	w2, _ := e.register(ev.ID, "Carla", "carla@example.org")

	mails := len(*e.mails)
	status, err := e.svc.Cancel(ctx, e.link(w1Mail))
	if err != nil || status != event.Cancelled {
		t.Fatalf("Cancel = %q, %v; want cancelled", status, err)
	}
	t.Run("records", func(t *testing.T) {
		got := e.registration(ev.ID, "bernd@example.org")
		equal(t, "status", got.Status, event.Cancelled)
		equal(t, "sequence", got.Sequence, 1)
		equal(t, "A", e.registration(ev.ID, "anna@example.org"), a)
		equal(t, "the one behind", e.registration(ev.ID, "carla@example.org"), w2)
		equal(t, "counters", e.counters(ev.ID), counters{1, 1})
	})
	t.Run("mail", func(t *testing.T) {
		got := e.mailsSince(mails)
		if len(got) != 1 {
			t.Fatalf("mails written = %d, want 1 (nobody promoted)", len(got))
		}
		m := got[0]
		equal(t, "template", m.Template, "event.cancelled")
		equal(t, "To", m.To, []string{"bernd@example.org"})
		equal(t, "Data", m.Data, mailData(ev, w1, event.Waitlisted, "1", "1"))
		equal(t, "TokenNonce", m.TokenNonce, "")
	})
	t.Run("the next seat goes to the one still waiting", func(t *testing.T) {
		mails := len(*e.mails)
		if _, err := e.svc.Cancel(ctx, e.link(aMail)); err != nil {
			t.Fatalf("Cancel(A): %v", err)
		}
		var promoted []string
		for _, m := range e.mailsSince(mails) {
			if m.Template == "event.promoted" {
				promoted = append(promoted, m.To...)
			}
		}
		equal(t, "promoted", promoted, []string{"carla@example.org"})
		equal(t, "cancelled one stays cancelled", e.registration(ev.ID, "bernd@example.org").Status, event.Cancelled)
		equal(t, "counters", e.counters(ev.ID), counters{1, 0})
	})
}

func TestRegisterAfterCancel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	t.Run("seat free again", func(t *testing.T) {
		ev := e.newEvent(1, nil)
		first, firstMail := e.register(ev.ID, "Anna", "anna@example.org")
		if _, err := e.svc.Cancel(ctx, e.link(firstMail)); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		equal(t, "counters after cancelling", e.counters(ev.ID), counters{0, 0})
		e.clock.Advance(time.Minute)
		again, m := e.register(ev.ID, "Anna", "ANNA@example.org")
		if again.ID == first.ID {
			t.Errorf("registration id reused: %s", again.ID)
		}
		equal(t, "status", again.Status, event.Confirmed)
		equal(t, "sequence", again.Sequence, 0)
		equal(t, "template", m.Template, "event.confirmed")
		equal(t, "stored", e.registration(ev.ID, "anna@example.org"), again)
		equal(t, "counters", e.counters(ev.ID), counters{1, 0})

		// The first registration's link belongs to it alone: it cannot
		// cancel the new sign-up.
		old := e.link(firstMail)
		p, err := e.svc.Lookup(ctx, old)
		if err != nil {
			t.Fatalf("Lookup(old link): %v", err)
		}
		if p.Registration.ID == again.ID {
			t.Errorf("old link's registration is the new one")
		}
		equal(t, "old link's status", p.Registration.Status, event.Cancelled)
		before := e.db.Snapshot(e.t)
		if status, err := e.svc.Cancel(ctx, old); err != nil || status != event.Cancelled {
			t.Fatalf("Cancel(old link) = %v, %v; want cancelled, nothing done", status, err)
		}
		e.db.Unchanged(t, before)
	})

	t.Run("still full: back on the waiting list, at its end", func(t *testing.T) {
		ev := e.newEvent(1, nil)
		e.register(ev.ID, "Anna", "anna@example.org")
		first, m := e.register(ev.ID, "Bernd", "bernd@example.org")
		e.register(ev.ID, "Carla", "carla@example.org")
		if _, err := e.svc.Cancel(ctx, e.link(m)); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		again, m := e.register(ev.ID, "Bernd", "bernd@example.org")
		if again.ID == first.ID {
			t.Errorf("registration id reused: %s", again.ID)
		}
		equal(t, "status", again.Status, event.Waitlisted)
		equal(t, "position", again.Position, 3)
		equal(t, "template", m.Template, "event.waitlisted")
		equal(t, "counters", e.counters(ev.ID), counters{1, 2})
	})
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	r, m := e.register(ev.ID, "Anna", "anna@example.org")
	token := e.link(m)

	partnerToken := e.partnerLink("verein@example.org")

	created := e.clock.Now()
	for _, c := range []struct {
		name     string
		token    string
		at       time.Time
		wantCode apperr.Code
		wantMsg  string
	}{
		{"valid", token, created, "", ""},
		{"empty", "", created, apperr.NotFound, "problem.link_invalid"},
		{"too long", strings.Repeat("a", 201), created, apperr.NotFound, "problem.link_invalid"},
		{"unknown", e.keys.Token(secret.NewNonce()), created, apperr.NotFound, "problem.link_invalid"},
		{"truncated", token[:len(token)-1], created, apperr.NotFound, "problem.link_invalid"},
		{"the nonce instead of the token", m.TokenNonce, created, apperr.NotFound, "problem.link_invalid"},
		{"a partner confirm token", partnerToken, created, apperr.NotFound, "problem.link_invalid"},
		{"during the event", token, ev.StartsAt.Add(time.Hour), "", ""},
		{"a millisecond before the end", token, ev.EndsAt.Add(-time.Millisecond), "", ""},
		{"at the end", token, ev.EndsAt, apperr.Gone, "problem.gone"},
		{"a day after the end", token, ev.EndsAt.Add(24 * time.Hour), apperr.Gone, "problem.gone"},
		{"after the registration expired too", token, r.ExpiresAt.Add(time.Hour), apperr.Gone, "problem.gone"},
		{"unknown, after the end", e.keys.Token(secret.NewNonce()), ev.EndsAt.Add(time.Hour), apperr.NotFound, "problem.link_invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Set(c.at)
			before, mails := e.db.Snapshot(e.t), len(*e.mails)
			p, err := e.svc.Lookup(ctx, c.token)
			if c.wantCode == "" {
				if err != nil {
					t.Fatalf("Lookup: %v", err)
				}
				equal(t, "Lookup registration", p.Registration, r)
			} else {
				wantErr(t, "Lookup", err, c.wantCode, c.wantMsg)
				equal(t, "Lookup result", p, event.Pending{})
				status, err := e.svc.Cancel(ctx, c.token)
				wantErr(t, "Cancel", err, c.wantCode, c.wantMsg)
				equal(t, "Cancel status", status, event.Status(""))
			}
			if got := (*e.mails)[mails:]; len(got) != 0 {
				t.Errorf("mails written: %v", got)
			}
			e.db.Unchanged(t, before)
		})
	}
}

func TestUpcoming(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	at := func(d time.Duration) func(*event.Event) {
		return func(ev *event.Event) {
			ev.StartsAt = now.Add(d).Truncate(time.Minute)
			ev.EndsAt = ev.StartsAt.Add(2 * time.Hour)
			ev.RegistrationDeadline = ev.StartsAt
		}
	}
	later := e.newEvent(10, at(30*24*time.Hour))
	e.newEvent(10, at(-48*time.Hour)) // over
	soon := e.newEvent(10, at(24*time.Hour))
	running := e.newEvent(10, at(-time.Hour))
	e.newEvent(10, func(ev *event.Event) { at(48 * time.Hour)(ev); ev.Published = false })

	got, err := e.svc.Upcoming(ctx)
	if err != nil {
		t.Fatalf("Upcoming: %v", err)
	}
	var ids []string
	for _, ev := range got {
		ids = append(ids, ev.ID)
	}
	equal(t, "published events not over, by start", ids, []string{running.ID, soon.ID, later.ID})
}

func TestStorageDown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	_, m := e.register(ev.ID, "Anna", "anna@example.org")
	token := e.link(m)
	before, mails := e.db.Snapshot(e.t), len(*e.mails)

	e.db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"Register", func() error {
			_, err := e.svc.Register(ctx, ev.ID, input("Bernd", "bernd@example.org"), "de")
			return err
		}},
		{"Register repeated", func() error {
			_, err := e.svc.Register(ctx, ev.ID, input("Anna", "anna@example.org"), "de")
			return err
		}},
		{"Get", func() error { _, err := e.svc.Get(ctx, ev.ID); return err }},
		{"Upcoming", func() error { _, err := e.svc.Upcoming(ctx); return err }},
		{"Lookup", func() error { _, err := e.svc.Lookup(ctx, token); return err }},
		{"Cancel", func() error { _, err := e.svc.Cancel(ctx, token); return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, c.name, c.call(), apperr.Unavailable, "problem.unavailable")
		})
	}
	e.db.Emulator.EmulateFailure(miniserver.FailureConditionNone)

	t.Run("nothing changed, works again", func(t *testing.T) {
		e.db.Unchanged(t, before)
		if got := (*e.mails)[mails:]; len(got) != 0 {
			t.Errorf("mails written while down: %v", got)
		}
		r, _ := e.register(ev.ID, "Bernd", "bernd@example.org")
		equal(t, "status", r.Status, event.Confirmed)
	})
}
