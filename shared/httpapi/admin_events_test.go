package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// adminEvent is an event as GET /admin/events/{id} answers it.
type adminEvent struct {
	ID                   string            `json:"id"`
	Title                map[string]string `json:"title"`
	Description          map[string]string `json:"description"`
	StartsAt             string            `json:"startsAt"`
	EndsAt               string            `json:"endsAt"`
	TimeZone             string            `json:"timeZone"`
	Location             map[string]string `json:"location"`
	Capacity             int               `json:"capacity"`
	RegistrationDeadline string            `json:"registrationDeadline"`
	WorkingGroup         string            `json:"workingGroup"`
	Network              string            `json:"network"`
	Published            bool              `json:"published"`
	Cancelled            bool              `json:"cancelled"`
	Confirmed            int               `json:"confirmed"`
	Waiting              int               `json:"waiting"`
	SeatsLeft            int               `json:"seatsLeft"`
	JobPending           bool              `json:"jobPending"`
	CreatedAt            string            `json:"createdAt"`
}

// newEventBody is a complete event as a coordinator posts it, ten days
// after the fixture's clock.
func (f *fixture) newEventBody() map[string]any {
	begins := f.clock.Now().Add(10 * 24 * time.Hour)
	return map[string]any{
		"title":       map[string]string{"de": "Netzwerktreffen", "ar": "اجتماع الشبكة"},
		"description": map[string]string{"de": "Plenum aller Partner."},
		"startsAt":    begins.Format(time.RFC3339),
		"endsAt":      begins.Add(3 * time.Hour).Format(time.RFC3339),
		"location":    map[string]string{"name": "Landratsamt", "address": "Erzberger Allee 14, 36433 Bad Salzungen"},
		"capacity":    2,
		"network":     "wartburgkreis",
		"published":   true,
	}
}

// createEvent posts body and returns the event created.
func (f *fixture) createEvent(t *testing.T, body map[string]any) adminEvent {
	t.Helper()
	r := f.admin(t, "POST", "/admin/events", body)
	if r.status != http.StatusCreated {
		t.Fatalf("create: status %d; body %s", r.status, r.body)
	}
	return decodeJSON[adminEvent](t, r)
}

// mailsSince reads the mails written since the n-th.
func (f *fixture) mailsSince(t *testing.T, n int) []testenv.StoredMail {
	t.Helper()
	var out []testenv.StoredMail
	for _, mid := range (*f.mails)[n:] {
		out = append(out, f.db.Mail(t, f.config.ID, mid))
	}
	return out
}

func TestAdminEventCreate(t *testing.T) {
	f := newFixture(t)

	t.Run("field errors", func(t *testing.T) {
		body := f.newEventBody()
		body["title"] = map[string]string{"en": "Meeting", "xx": "?"}
		body["endsAt"] = body["startsAt"]
		body["capacity"] = 0
		body["timeZone"] = "Berlin"
		body["location"] = map[string]string{"onlineUrl": "ftp://example.org"}
		body["registrationDeadline"] = f.clock.Now().Add(11 * 24 * time.Hour).Format(time.RFC3339)
		r := f.admin(t, "POST", "/admin/events", body)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		var got []string
		for _, e := range decodeProblem(t, r).Errors {
			got = append(got, e.Field+" "+e.Code)
			if e.Message == "" {
				t.Errorf("%s: no message", e.Field)
			}
		}
		slices.Sort(got)
		want := []string{"capacity out_of_range", "endsAt before_start", "location.onlineUrl invalid",
			"registrationDeadline after_start", "timeZone invalid", "title unknown_choice", "title.de required"}
		if !slices.Equal(got, want) {
			t.Errorf("errors\n got  %v\n want %v", got, want)
		}
		if len(*f.mails) != 0 {
			t.Errorf("mails written: %v", *f.mails)
		}
	})
	t.Run("wrong types and media", func(t *testing.T) {
		body := f.newEventBody()
		body["capacity"] = "zwanzig"
		if p := decodeProblem(t, f.admin(t, "POST", "/admin/events", body)); p.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "capacity" {
			t.Errorf("capacity as text: %+v", p)
		}
		form := url.Values{"title": {"x"}}
		r := f.do(t, "POST", "/admin/events", "application/x-www-form-urlencoded", []byte(form.Encode()),
			"Authorization", "Bearer "+f.coordinatorToken(t), "Accept", "application/json")
		if r.status != http.StatusUnsupportedMediaType {
			t.Errorf("form post: status %d, want 415", r.status)
		}
	})

	body := f.newEventBody()
	body["timeZone"] = "Europe/Kyiv"
	r := f.admin(t, "POST", "/admin/events", body)
	if r.status != http.StatusCreated {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	got := decodeJSON[adminEvent](t, r)
	if loc := r.header.Get("Location"); loc != "/admin/events/"+got.ID || !id.Valid(got.ID) {
		t.Errorf("Location %q for id %q", loc, got.ID)
	}
	if got.Title["ar"] != "اجتماع الشبكة" || got.TimeZone != "Europe/Kyiv" || got.Capacity != 2 || got.SeatsLeft != 2 ||
		!got.Published || got.Cancelled || got.JobPending || got.RegistrationDeadline != got.StartsAt || got.CreatedAt == "" {
		t.Errorf("created %+v", got)
	}
	if again := decodeJSON[adminEvent](t, f.admin(t, "GET", "/admin/events/"+got.ID, nil)); !reflect.DeepEqual(again, got) {
		t.Errorf("GET answers %+v, POST answered %+v", again, got)
	}
	pub := f.do(t, "GET", "/events/"+got.ID, "", nil, "Accept-Language", "ar")
	if pub.status != 200 || !strings.Contains(string(pub.body), `"timeZone":"Europe/Kyiv"`) || !strings.Contains(string(pub.body), "اجتماع الشبكة") {
		t.Errorf("public: %d %s", pub.status, pub.body)
	}

	t.Run("the list has every event, the latest start first", func(t *testing.T) {
		hidden := f.newEventBody()
		hidden["published"] = false
		hidden["startsAt"] = f.clock.Now().Add(20 * 24 * time.Hour).Format(time.RFC3339)
		hidden["endsAt"] = f.clock.Now().Add(20*24*time.Hour + time.Hour).Format(time.RFC3339)
		later := f.createEvent(t, hidden)
		past := f.putEvent(t, 5, func(e *event.Event) {
			e.StartsAt, e.EndsAt = f.clock.Now().Add(-3*time.Hour), f.clock.Now().Add(-time.Hour)
		})
		var ids []string
		path := "/admin/events?limit=1"
		for range 5 {
			page := decodeJSON[struct {
				Events []adminEvent `json:"events"`
				Next   string       `json:"nextCursor"`
			}](t, f.admin(t, "GET", path, nil))
			for _, e := range page.Events {
				ids = append(ids, e.ID)
			}
			if page.Next == "" {
				break
			}
			path = "/admin/events?limit=1&cursor=" + url.QueryEscape(page.Next)
		}
		if want := []string{later.ID, got.ID, past.ID}; !slices.Equal(ids, want) {
			t.Errorf("ids %v, want %v", ids, want)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		for _, path := range []string{"/admin/events/" + id.New(f.clock.Now()), "/admin/events/nope"} {
			if r := f.admin(t, "GET", path, nil); r.status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, r.status)
			}
		}
	})
}

func TestAdminEventPatch(t *testing.T) {
	f := newFixture(t)
	ev := f.createEvent(t, f.newEventBody())
	for _, addr := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"} {
		f.signUpAs(t, ev.ID, addr, "")
	}
	path := "/admin/events/" + ev.ID

	t.Run("capacity may not shrink below the confirmed", func(t *testing.T) {
		p := decodeProblem(t, f.admin(t, "PATCH", path, map[string]any{"capacity": 1}))
		if p.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "capacity" || p.Errors[0].Code != "below_confirmed" {
			t.Errorf("problem %+v", p)
		}
	})
	t.Run("bodies that are no merge patch", func(t *testing.T) {
		for _, body := range []string{`[]`, `null`, `{"capacity":`, `"x"`} {
			r := f.do(t, "PATCH", path, "application/merge-patch+json", []byte(body), "Authorization", "Bearer "+f.coordinatorToken(t))
			if r.status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", body, r.status)
			}
		}
	})

	t.Run("capacity grows: the waiting list moves up and is told", func(t *testing.T) {
		n := len(*f.mails)
		r := f.do(t, "PATCH", path, "application/merge-patch+json", jsonBody(t, map[string]any{"capacity": 4}),
			"Authorization", "Bearer "+f.coordinatorToken(t))
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		got := decodeJSON[adminEvent](t, r)
		if got.Capacity != 4 || got.Confirmed != 4 || got.Waiting != 1 || got.SeatsLeft != 0 || got.JobPending {
			t.Errorf("answer %+v", got)
		}
		var to []string
		for _, m := range f.mailsSince(t, n) {
			if m.Template != "event.promoted" {
				t.Errorf("mail %s", m.Template)
			}
			to = append(to, m.To[0])
		}
		if want := []string{"c@example.org", "d@example.org"}; !slices.Equal(to, want) {
			t.Errorf("promoted %v, want %v in order", to, want)
		}
	})

	t.Run("a new time: updated invitations", func(t *testing.T) {
		renderer := mailtext.New(f.config, f.keys)
		f.clock.Advance(time.Hour)
		n := len(*f.mails)
		starts := f.clock.Now().Add(12 * 24 * time.Hour).Truncate(time.Hour)
		got := decodeJSON[adminEvent](t, f.admin(t, "PATCH", path, map[string]any{
			"startsAt": starts.Format(time.RFC3339), "endsAt": starts.Add(time.Hour).Format(time.RFC3339),
			"title": map[string]any{"ar": nil},
		}))
		if got.StartsAt != starts.UTC().Format(time.RFC3339) || got.Title["ar"] != "" {
			t.Errorf("answer %+v", got)
		}
		ms := f.mailsSince(t, n)
		if len(ms) != 5 {
			t.Fatalf("%d mails, want 5 (four seats, one waiting)", len(ms))
		}
		invitations := 0
		for _, m := range ms {
			msg, err := renderer.Render(outbox.Mail{ID: m.ID, Template: m.Template, Locale: m.Locale, To: m.To,
				Data: m.Data, TokenNonce: m.TokenNonce, CreatedAt: f.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if m.Template != "event.updated" || !strings.Contains(msg.Text, "Termin") {
				t.Errorf("mail %s: %s", m.Template, msg.Text)
			}
			if len(msg.Attachments) == 0 {
				continue
			}
			invitations++
			cal, err := goical.NewDecoder(bytes.NewReader(msg.Attachments[0].Data)).Decode()
			if err != nil {
				t.Fatal(err)
			}
			ve := cal.Events()[0]
			start, err := ve.DateTimeStart(nil)
			if cal.Props.Get(goical.PropMethod).Value != "PUBLISH" || err != nil || !start.Equal(starts) ||
				ve.Props.Get(goical.PropSequence).Value != m.Data["sequence"] || ve.Props.Get(goical.PropUID).Value != m.Data["registrationId"]+"@example.org" {
				t.Errorf("invitation %s", msg.Attachments[0].Data)
			}
		}
		if invitations != 4 {
			t.Errorf("%d invitations, want one per seat", invitations)
		}
	})

	t.Run("publishing sends nothing", func(t *testing.T) {
		n := len(*f.mails)
		got := decodeJSON[adminEvent](t, f.admin(t, "PATCH", path, map[string]any{"published": false}))
		if got.Published || len(*f.mails) != n {
			t.Errorf("answer %+v, %d mails", got, len(*f.mails)-n)
		}
		if r := f.do(t, "GET", "/events/"+ev.ID, "", nil); r.status != http.StatusNotFound {
			t.Errorf("public GET of an unpublished event: %d", r.status)
		}
	})
}

func TestAdminEventCancel(t *testing.T) {
	f := newFixture(t)
	ev := f.createEvent(t, f.newEventBody())
	for _, addr := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		f.signUpAs(t, ev.ID, addr, "")
	}
	f.clock.Advance(time.Minute)
	n := len(*f.mails)
	r := f.admin(t, "POST", "/admin/events/"+ev.ID+"/cancel", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	got := decodeJSON[adminEvent](t, r)
	if !got.Cancelled || got.Published || got.Confirmed != 0 || got.Waiting != 0 || got.JobPending {
		t.Errorf("answer %+v", got)
	}
	var statuses []string
	for _, m := range f.mailsSince(t, n) {
		if m.Template != "event.called-off" {
			t.Errorf("mail %s", m.Template)
		}
		statuses = append(statuses, m.To[0]+" "+m.Data["status"])
	}
	slices.Sort(statuses)
	if want := []string{"a@example.org confirmed", "b@example.org confirmed", "c@example.org waitlisted"}; !slices.Equal(statuses, want) {
		t.Errorf("mails %v, want %v", statuses, want)
	}

	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/events/" + ev.ID, 404},
		{"POST", "/events/" + ev.ID + "/registrations", 404},
	} {
		if r := f.do(t, c.method, c.path, "application/json", signUpBody("spaet@example.org")); r.status != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, r.status, c.status)
		}
	}
	if r := f.admin(t, "POST", "/admin/events/"+ev.ID+"/cancel", nil); r.status != http.StatusOK || len(*f.mails) != n+3 {
		t.Errorf("cancelling twice: status %d, %d mails", r.status, len(*f.mails)-n)
	}
	if p := decodeProblem(t, f.admin(t, "PATCH", "/admin/events/"+ev.ID, map[string]any{"published": true})); p.Status != 409 {
		t.Errorf("publishing a cancelled event: %+v", p)
	}
	audit := decodeJSON[struct {
		Entries []struct{ Action, Target string } `json:"entries"`
	}](t, f.admin(t, "GET", "/admin/audit", nil))
	var actions []string
	for _, e := range audit.Entries {
		actions = append(actions, e.Action+" "+e.Target)
	}
	if want := []string{"event.cancel event/" + ev.ID, "event.create event/" + ev.ID}; !slices.Equal(actions, want) {
		t.Errorf("audit %v, want %v", actions, want)
	}
}

// dyingStore is the store of an admin function that dies after writing
// steps job steps.
type dyingStore struct {
	event.Store
	steps int
}

func (d *dyingStore) Step(ctx context.Context, b event.Batch) error {
	if d.steps == 0 {
		return errors.New("function died")
	}
	d.steps--
	return d.Store.Step(ctx, b)
}

// TestAdminEventCancelResumed: cancelling an event with 130 registrations
// answers at once with the change stored, though the function dies three
// batches into the mails; the sweeper's run sends the rest, once each.
func TestAdminEventCancelResumed(t *testing.T) {
	f := newFixture(t)
	body := f.newEventBody()
	body["capacity"] = 100
	ev := f.createEvent(t, body)
	var addrs []string
	for i := range 130 {
		addrs = append(addrs, fmt.Sprintf("person%03d@example.org", i))
		f.signUpAs(t, ev.ID, addrs[i], "")
	}

	dying := *f.api.Admin.Events
	dying.Store, dying.JobBatch = &dyingStore{Store: f.store, steps: 3}, 10
	admin := *f.api.Admin
	admin.Events = &dying
	api := *f.api
	api.Admin = &admin
	g := *f
	g.srv = httptest.NewServer(api.Handler())
	t.Cleanup(g.srv.Close)

	n := len(*f.mails)
	got := decodeJSON[adminEvent](t, g.admin(t, "POST", "/admin/events/"+ev.ID+"/cancel", nil))
	if !got.Cancelled || !got.JobPending || got.Confirmed+got.Waiting != 100 {
		t.Errorf("answer %+v: want cancelled, its job pending after 30 of 130", got)
	}
	queued, err := f.api.Admin.Events.ResumeJobs(context.Background())
	if err != nil || queued != 100 {
		t.Fatalf("ResumeJobs = %d, %v; want the 100 mails left", queued, err)
	}
	count := map[string]int{}
	for _, m := range f.mailsSince(t, n) {
		count[m.Template+" "+m.To[0]]++
	}
	for _, addr := range addrs {
		if c := count["event.called-off "+addr]; c != 1 {
			t.Errorf("%s: %d mails, want 1", addr, c)
		}
	}
	if len(*f.mails)-n != 130 {
		t.Errorf("%d mails, want 130", len(*f.mails)-n)
	}
	t.Logf("cancel answered with %d confirmed, %d waiting left and jobPending; the sweep queued %d more mails; %d in all, one per person",
		got.Confirmed, got.Waiting, queued, len(*f.mails)-n)
	final := decodeJSON[adminEvent](t, f.admin(t, "GET", "/admin/events/"+ev.ID, nil))
	if final.JobPending || final.Confirmed != 0 || final.Waiting != 0 {
		t.Errorf("after the sweep %+v", final)
	}
}
