package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// putEvent stores an event relative to the fixture's clock.
func (f *fixture) putEvent(t testing.TB, capacity int, edit func(*event.Event)) event.Event {
	t.Helper()
	now := f.clock.Now()
	e := event.Event{
		ID:          id.New(now),
		Title:       network.Text{"de": "Netzwerktreffen", "en": "Network meeting"},
		Description: network.Text{"de": "Plenum"},
		StartsAt:    now.Add(10 * 24 * time.Hour), EndsAt: now.Add(10*24*time.Hour + 3*time.Hour),
		Location: event.Location{Name: "Landratsamt", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity: capacity, RegistrationDeadline: now.Add(8 * 24 * time.Hour), Published: true,
	}
	if edit != nil {
		edit(&e)
	}
	if err := f.store.PutEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// signUpAs registers addr for eventID through the public route; want, if
// not empty, is where the person must stand afterwards.
func (f *fixture) signUpAs(t *testing.T, eventID, addr string, want event.Status) {
	t.Helper()
	r := f.do(t, "POST", "/events/"+eventID+"/registrations", "application/json", signUpBody(addr))
	if r.status != http.StatusAccepted {
		t.Fatalf("sign-up of %s: status %d; body %s", addr, r.status, r.body)
	}
	if got := f.registration(t, eventID, addr).Status; want != "" && got != want {
		t.Fatalf("sign-up of %s: %q, want %q", addr, got, want)
	}
}

// registration is what the store holds for addr at eventID: the answer to
// a sign-up tells nobody, so tests look here.
func (f *fixture) registration(t *testing.T, eventID, addr string) event.Registration {
	t.Helper()
	r, err := f.store.Registration(context.Background(), eventID, f.keys.EmailHash(email.Key(addr)))
	if err != nil {
		t.Fatalf("registration of %s: %v", addr, err)
	}
	return r
}

func signUpBody(email string) []byte {
	b, _ := json.Marshal(map[string]any{"name": "Test Person", "email": email, "consent": true})
	return b
}

func TestEventsListAndGet(t *testing.T) {
	f := newFixture(t)
	soon := f.putEvent(t, 2, nil)
	later := f.putEvent(t, 5, func(e *event.Event) {
		e.StartsAt = e.StartsAt.Add(48 * time.Hour)
		e.EndsAt = e.EndsAt.Add(48 * time.Hour)
	})
	hidden := f.putEvent(t, 5, func(e *event.Event) { e.Published = false })
	f.putEvent(t, 5, func(e *event.Event) {
		e.StartsAt, e.EndsAt = f.clock.Now().Add(-3*time.Hour), f.clock.Now().Add(-time.Hour)
	})

	r := f.do(t, "GET", "/events", "", nil, "Accept-Language", "en")
	var list struct {
		Events []struct {
			ID, Title        string
			SeatsLeft        int
			RegistrationOpen bool
		}
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range list.Events {
		ids = append(ids, e.ID)
	}
	if got, want := strings.Join(ids, ","), soon.ID+","+later.ID; got != want {
		t.Errorf("events %s, want the two upcoming published ones by start: %s", got, want)
	}
	if list.Events[0].Title != "Network meeting" || list.Events[0].SeatsLeft != 2 || !list.Events[0].RegistrationOpen {
		t.Errorf("first event %+v", list.Events[0])
	}

	tests := []struct {
		path   string
		status int
	}{
		{"/events/" + soon.ID, 200},
		{"/events/" + hidden.ID, 404},
		{"/events/" + id.New(f.clock.Now()), 404},
		{"/events/not-an-id", 404},
		{"/events/" + strings.Repeat("x", 300), 404},
	}
	for _, tt := range tests {
		t.Run(tt.path[:min(len(tt.path), 40)], func(t *testing.T) {
			if r := f.do(t, "GET", tt.path, "", nil); r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
		})
	}
}

func TestEventSignup(t *testing.T) {
	f := newFixture(t)
	e := f.putEvent(t, 1, nil)
	path := "/events/" + e.ID + "/registrations"

	// Every sign-up, new or repeated, gets the same answer; where the
	// person stands is in the store and in the mail to the address.
	received := `{"status":"received"}` + "\n"
	for _, addr := range []string{"erste@example.org", "zweite@example.org", "ERSTE@example.org"} {
		r := f.do(t, "POST", path, "application/json", signUpBody(addr))
		if r.status != http.StatusAccepted || string(r.body) != received {
			t.Fatalf("%s: %d %s, want 202 %s", addr, r.status, r.body, received)
		}
	}
	if got := f.registration(t, e.ID, "erste@example.org"); got.Status != event.Confirmed {
		t.Errorf("first: %s, want confirmed", got.Status)
	}
	if got := f.registration(t, e.ID, "zweite@example.org"); got.Status != event.Waitlisted || got.Position != 1 {
		t.Errorf("second: %s at %d, want waitlisted at 1", got.Status, got.Position)
	}
	form := url.Values{"name": {"Dritte"}, "email": {"dritte@example.org"}, "consent": {"on"}, "locale": {"en"}}
	third := f.do(t, "POST", path, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if third.status != http.StatusSeeOther || third.header.Get("Location") != "../../thanks/event-received?locale=en" {
		t.Errorf("form sign-up: %d to %q", third.status, third.header.Get("Location"))
	}
	if got := len(*f.mails); got != 4 {
		t.Errorf("%d mails, want 4 (one per new registration, one for the repeat)", got)
	}

	t.Run("field errors", func(t *testing.T) {
		r := f.do(t, "POST", path, "application/json", []byte(`{"name":"A\r\nB","email":"x@","needs":"`+strings.Repeat("n", 501)+`"}`))
		p := decodeProblem(t, r)
		got := map[string]string{}
		for _, e := range p.Errors {
			got[e.Field] = e.Code
		}
		want := map[string]string{"name": "control_characters", "email": "invalid", "needs": "too_long", "consent": "must_accept"}
		for field, code := range want {
			if got[field] != code {
				t.Errorf("%s: code %q, want %q (all: %v)", field, got[field], code, got)
			}
		}
	})
	t.Run("unknown event", func(t *testing.T) {
		r := f.do(t, "POST", "/events/"+id.New(f.clock.Now())+"/registrations", "application/json", signUpBody("x@example.org"))
		if p := decodeProblem(t, r); r.status != 404 || p.Code != "not_found" {
			t.Errorf("%d %+v", r.status, p)
		}
	})
	t.Run("past the deadline", func(t *testing.T) {
		f.clock.Advance(9 * 24 * time.Hour)
		defer f.clock.Advance(-9 * 24 * time.Hour)
		r := f.do(t, "POST", path, "application/json", signUpBody("spaet@example.org"))
		if p := decodeProblem(t, r); r.status != http.StatusConflict || p.Code != "conflict" || !strings.Contains(p.Detail, "geschlossen") {
			t.Errorf("%d %+v", r.status, p)
		}
	})
}

func TestCancelByLink(t *testing.T) {
	f := newFixture(t)
	e := f.putEvent(t, 1, nil)
	path := "/events/" + e.ID + "/registrations"
	f.do(t, "POST", path, "application/json", signUpBody("platz@example.org"))
	f.do(t, "POST", path, "application/json", signUpBody("warten@example.org"))

	// The cancel link's token, derived as the mail would show it.
	mail := f.db.Mail(t, f.config.ID, (*f.mails)[0])
	token := mail.Link(f.keys)

	t.Run("bad tokens change nothing", func(t *testing.T) {
		for _, tt := range []struct {
			token  string
			status int
		}{
			{"", 404}, {"nope", 404}, {f.keys.Token(secret.NewNonce()), 404}, {strings.Repeat("a", 200), 404},
		} {
			if r := f.do(t, "GET", "/registrations/cancel?token="+url.QueryEscape(tt.token), "", nil); r.status != tt.status {
				t.Errorf("GET %q: %d, want %d", tt.token, r.status, tt.status)
			}
			if r := f.do(t, "POST", "/registrations/cancel", "application/json", []byte(`{"token":"`+tt.token+`"}`)); r.status != tt.status {
				t.Errorf("POST %q: %d, want %d", tt.token, r.status, tt.status)
			}
		}
	})
	t.Run("the page changes nothing", func(t *testing.T) {
		for range 2 {
			r := f.do(t, "GET", "/registrations/cancel?token="+token+"&locale=de", "", nil, "Accept", "text/html")
			if r.status != 200 || !strings.Contains(string(r.body), `action="cancel?locale=de"`) || !strings.Contains(string(r.body), "Netzwerktreffen") {
				t.Fatalf("page: %d %.300s", r.status, r.body)
			}
		}
		var got struct{ Status string }
		_ = json.Unmarshal(f.do(t, "GET", "/registrations/cancel?token="+token, "", nil).body, &got)
		if got.Status != "confirmed" {
			t.Errorf("status after GETs %q, want confirmed", got.Status)
		}
	})
	t.Run("the button cancels and promotes", func(t *testing.T) {
		before := len(*f.mails)
		r := f.do(t, "POST", "/registrations/cancel", "application/x-www-form-urlencoded", []byte(url.Values{"token": {token}}.Encode()))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "../thanks/event-cancelled?locale=de" {
			t.Fatalf("cancel: %d to %q", r.status, r.header.Get("Location"))
		}
		if n := len(*f.mails) - before; n != 2 {
			t.Errorf("%d new mails, want 2 (cancellation, promotion)", n)
		}
		var got struct{ SeatsLeft int }
		_ = json.Unmarshal(f.do(t, "GET", "/events/"+e.ID, "", nil).body, &got)
		if got.SeatsLeft != 0 {
			t.Errorf("seats left %d, want 0: the waiting person took the seat", got.SeatsLeft)
		}
	})
	t.Run("cancelling twice is harmless", func(t *testing.T) {
		before := len(*f.mails)
		r := f.do(t, "POST", "/registrations/cancel", "application/json", []byte(`{"token":"`+token+`"}`))
		if r.status != 200 || !strings.Contains(string(r.body), `"cancelled"`) || len(*f.mails) != before {
			t.Errorf("second cancel: %d %s, %d new mails", r.status, r.body, len(*f.mails)-before)
		}
	})
	t.Run("after the event the link has expired", func(t *testing.T) {
		f.clock.Advance(11 * 24 * time.Hour)
		if r := f.do(t, "GET", "/registrations/cancel?token="+token, "", nil); r.status != http.StatusGone {
			t.Errorf("status %d, want 410", r.status)
		}
	})
}
