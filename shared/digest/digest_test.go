package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/digest"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestDailyDigest runs the digest over three mornings on the real store:
// nothing before the hour, one mail on the first morning with what is new,
// none a second time that day, none on a morning without news, and one
// again when something came in. The mail names organisations and events,
// never the people who signed up or wrote.
func TestDailyDigest(t *testing.T) {
	ctx := context.Background()
	db := testenv.NewDynamoDB(t)
	// 05:30 UTC is 06:30 in Berlin in winter: before the digest hour (7).
	clock := testenv.NewClock(time.Date(2026, 12, 1, 5, 30, 0, 0, time.UTC))
	store, mails := testenv.NewStore(t, db, clock)
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	svc := &digest.Service{Store: store, Config: cfg, Now: clock.Now}

	// Overnight: an application confirmed, a sign-up, a message, a parked mail.
	partners := &partner.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now}
	res, err := partners.Register(ctx, partner.Input{
		Organisation: "Denk bunt im Wartburgkreis", OrganisationType: "association", ContactName: "Paula Privat",
		Email: "paula.privat@example.org", WorkingGroups: []string{"language"}, Consent: true,
	}, "de")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := partners.Confirm(ctx, db.Mail(t, cfg.ID, (*mails)[0]).Link(keys)); err != nil {
		t.Fatal(err)
	}
	ev := event.Event{
		ID: id.New(clock.Now()), Title: network.Text{"de": "Plenum Dezember", "en": "December plenary"},
		StartsAt: clock.Now().Add(9 * 24 * time.Hour), EndsAt: clock.Now().Add(9*24*time.Hour + 2*time.Hour),
		Location: event.Location{Name: "Landratsamt"}, Capacity: 60,
		RegistrationDeadline: clock.Now().Add(8 * 24 * time.Hour), Published: true,
	}
	if err := store.PutEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	events := &event.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now}
	if _, err := events.Register(ctx, ev.ID, event.Input{Name: "Sami Sichtbar", Email: "sami@example.org", Consent: true}, "ar"); err != nil {
		t.Fatal(err)
	}
	msgs := &contact.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now}
	if _, err := msgs.Submit(ctx, contact.Input{Name: "Karla Kontakt", Email: "karla@example.org", Topic: "housing",
		Message: "Wohnungssuche", Consent: true}, "de"); err != nil {
		t.Fatal(err)
	}
	parked := (*mails)[len(*mails)-1]
	lease := clock.Now().Add(time.Minute)
	if _, err := store.Claim(ctx, parked, clock.Now(), lease); err != nil {
		t.Fatal(err)
	}
	if err := store.Park(ctx, parked, lease, clock.Now(), "rejected"); err != nil {
		t.Fatal(err)
	}

	renderer := mailtext.New(cfg, keys)
	send := func(t *testing.T, want int) string {
		t.Helper()
		before := len(*mails)
		n, err := svc.Send(ctx)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		if n != want || len(*mails)-before != want {
			t.Fatalf("queued %d (mails written %d), want %d", n, len(*mails)-before, want)
		}
		if want == 0 {
			return ""
		}
		stored := db.Mail(t, cfg.ID, (*mails)[len(*mails)-1])
		if stored.Template != "digest.daily" || len(stored.To) != 1 || stored.To[0] != cfg.MainInbox() {
			t.Errorf("mail %s to %v, want digest.daily to the main inbox", stored.Template, stored.To)
		}
		msg, err := renderer.Render(outbox.Mail{ID: stored.ID, Template: stored.Template, Locale: stored.Locale,
			To: stored.To, Data: stored.Data})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		return msg.Subject + "\n" + msg.Text + "\n" + msg.HTML
	}

	t.Run("not before the hour", func(t *testing.T) { send(t, 0) })

	clock.Advance(time.Hour) // 07:30 Berlin
	t.Run("first morning", func(t *testing.T) {
		got := send(t, 1)
		for _, want := range []string{
			"Tagesübersicht", "01.12.2026",
			"Denk bunt im Wartburgkreis", "/console/partners/" + res.ID,
			"Plenum Dezember", "1 von 60 Plätzen", "1 neue Anmeldung", "/console/events/" + ev.ID,
			"Wohnen: 1", "Nicht zustellbare E-Mails: 1",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("digest lacks %q:\n%s", want, got)
			}
		}
		for _, private := range []string{"Paula", "paula.privat", "Sami", "sami@", "Karla", "karla@", "Wohnungssuche"} {
			if strings.Contains(got, private) {
				t.Errorf("digest shows %q", private)
			}
		}
	})
	t.Run("once a day", func(t *testing.T) {
		clock.Advance(3 * time.Hour)
		send(t, 0)
	})
	t.Run("no news, no mail", func(t *testing.T) {
		clock.Advance(24 * time.Hour)
		send(t, 0)
		if day, _, err := store.LastDigest(ctx); err != nil || day != "2026-12-02" {
			t.Errorf("last digest %q, %v; want the day marked done without a mail", day, err)
		}
	})
	t.Run("news again", func(t *testing.T) {
		clock.Advance(12 * time.Hour)
		if _, err := events.Register(ctx, ev.ID, event.Input{Name: "Neu", Email: "neu@example.org", Consent: true}, "de"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(12 * time.Hour)
		got := send(t, 1)
		if !strings.Contains(got, "2 von 60 Plätzen") || !strings.Contains(got, "1 neue Anmeldung") {
			t.Errorf("digest:\n%s", got)
		}
		// The application still waits, but is no longer new.
		if strings.Contains(got, "(neu)") {
			t.Errorf("the application is marked new again:\n%s", got)
		}
	})
}

// TestDigestOverlappingRuns: two sweeper runs that read the state at the
// same moment send one digest between them.
func TestDigestOverlappingRuns(t *testing.T) {
	ctx := context.Background()
	db := testenv.NewDynamoDB(t)
	clock := testenv.NewClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	store, mails := testenv.NewStore(t, db, clock)
	cfg := testenv.Config(t)
	m := outbox.Mail{ID: id.New(clock.Now()), Template: "digest.daily", Locale: "de", To: []string{cfg.MainInbox()}, CreatedAt: clock.Now()}
	if err := store.MarkDigest(ctx, "2026-12-01", "", clock.Now(), &m); err != nil {
		t.Fatalf("first run: %v", err)
	}
	m2 := m
	m2.ID = id.New(clock.Now())
	if err := store.MarkDigest(ctx, "2026-12-01", "", clock.Now(), &m2); err != digest.ErrDone {
		t.Errorf("second run: %v, want ErrDone", err)
	}
	if len(*mails) != 1 {
		t.Errorf("mails %d, want 1", len(*mails))
	}
}

func TestNews(t *testing.T) {
	tests := []struct {
		name string
		sum  digest.Summary
		want bool
	}{
		{"nothing", digest.Summary{}, false},
		{"only standing items", digest.Summary{
			Reviews: []digest.Review{{ID: "a"}},
			Events:  []digest.Event{{ID: "e", Confirmed: 3}},
			Topics:  []digest.Topic{{ID: "housing"}},
		}, false},
		{"a new review", digest.Summary{Reviews: []digest.Review{{ID: "a", New: true}}}, true},
		{"a new sign-up", digest.Summary{Events: []digest.Event{{ID: "e", NewSignups: 1}}}, true},
		{"a new message", digest.Summary{Topics: []digest.Topic{{ID: "housing", New: 2}}}, true},
		{"parked mail", digest.Summary{Parked: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sum.News(); got != tt.want {
				t.Errorf("News() = %v, want %v", got, tt.want)
			}
		})
	}
}
