package event_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

var coordinator = auth.Coordinator{Subject: "c1", Name: "koordination@example.org"}

// draft is a complete, valid event as a coordinator writes it, starting
// in ten days.
func (e *env) draft() event.Draft {
	begins := e.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	capacity := 20
	return event.Draft{
		Title:        map[string]string{"de": "AG Sprache", "uk": "Робоча група «Мова»"},
		Description:  map[string]string{"de": "Sprachkurse im Landkreis."},
		StartsAt:     begins.Format(time.RFC3339),
		EndsAt:       begins.Add(2 * time.Hour).Format(time.RFC3339),
		Location:     event.Location{Name: "Landratsamt, Raum 210", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity:     &capacity,
		WorkingGroup: "language",
		Network:      "wartburgkreis",
		Published:    true,
	}
}

// fieldErrors are the field and code of each problem err carries.
func fieldErrors(t *testing.T, err error) []string {
	t.Helper()
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok || ae.Code != apperr.Invalid {
		t.Fatalf("error = %v, want field errors", err)
	}
	var out []string
	for _, f := range ae.Fields {
		out = append(out, f.Field+" "+f.Code)
	}
	slices.Sort(out)
	return out
}

func TestCreateEvent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		name string
		edit func(*event.Draft)
		want []string
	}{
		{"no German title", func(d *event.Draft) { d.Title = map[string]string{"en": "Language"} }, []string{"title.de required"}},
		{"unsupported language", func(d *event.Draft) { d.Title["xx"] = "?" }, []string{"title unknown_choice"}},
		{"title too long", func(d *event.Draft) { d.Title["uk"] = strings.Repeat("ї", event.MaxTitle+1) }, []string{"title.uk too_long"}},
		{"title on two lines", func(d *event.Draft) { d.Title["de"] = "AG\nSprache" }, []string{"title.de control_characters"}},
		{"description without German", func(d *event.Draft) { d.Description = map[string]string{"en": "Courses"} }, []string{"description.de required"}},
		{"no times", func(d *event.Draft) { d.StartsAt, d.EndsAt = "", "" }, []string{"endsAt required", "startsAt required"}},
		{"not RFC 3339", func(d *event.Draft) { d.StartsAt = "16.03.2026 17:00" }, []string{"startsAt invalid"}},
		{"ends before it starts", func(d *event.Draft) { d.EndsAt = d.StartsAt }, []string{"endsAt before_start"}},
		{"longer than a week", func(d *event.Draft) {
			d.EndsAt = e.clock.Now().Add(20 * 24 * time.Hour).Format(time.RFC3339)
		}, []string{"endsAt out_of_range"}},
		{"in the past", func(d *event.Draft) {
			d.StartsAt = e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
			d.EndsAt = e.clock.Now().Add(time.Hour).Format(time.RFC3339)
		}, []string{"startsAt in_past"}},
		{"deadline after the start", func(d *event.Draft) {
			d.RegistrationDeadline = e.clock.Now().Add(11 * 24 * time.Hour).Format(time.RFC3339)
		}, []string{"registrationDeadline after_start"}},
		{"unknown zone", func(d *event.Draft) { d.TimeZone = "Europe/Atlantis" }, []string{"timeZone invalid"}},
		{"the machine's zone", func(d *event.Draft) { d.TimeZone = "Local" }, []string{"timeZone invalid"}},
		{"no place, no link", func(d *event.Draft) { d.Location = event.Location{} }, []string{"location required"}},
		{"an address without a name", func(d *event.Draft) { d.Location.Name = ""; d.Location.OnlineURL = "https://meet.example.org/x" }, []string{"location.name required"}},
		{"a link that is none", func(d *event.Draft) { d.Location.OnlineURL = "javascript:alert(1)" }, []string{"location.onlineUrl invalid"}},
		{"no capacity", func(d *event.Draft) { d.Capacity = nil }, []string{"capacity required"}},
		{"capacity zero", func(d *event.Draft) { d.Capacity = n(0) }, []string{"capacity out_of_range"}},
		{"capacity too large", func(d *event.Draft) { d.Capacity = n(event.MaxCapacity + 1) }, []string{"capacity out_of_range"}},
		{"unknown working group", func(d *event.Draft) { d.WorkingGroup = "cooking" }, []string{"workingGroup unknown_choice"}},
		{"unknown network", func(d *event.Draft) { d.Network = "berlin" }, []string{"network unknown_choice"}},
		{"everything at once", func(d *event.Draft) {
			*d = event.Draft{Location: event.Location{Address: "x"}, Capacity: n(-1), TimeZone: "Mars/Base"}
		}, []string{"capacity out_of_range", "endsAt required", "location required", "startsAt required", "timeZone invalid", "title.de required"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := e.draft()
			c.edit(&d)
			before := e.db.Snapshot(t)
			_, err := e.svc.Create(ctx, d, coordinator)
			equal(t, "field errors", fieldErrors(t, err), c.want)
			e.db.Unchanged(t, before)
		})
	}

	t.Run("stored as written, with its audit entry", func(t *testing.T) {
		d := e.draft()
		d.TimeZone = "America/New_York"
		d.Location.OnlineURL = "meet.example.org/ag"
		got, err := e.svc.Create(ctx, d, coordinator)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		stored := e.event(got.ID)
		equal(t, "stored", stored, got)
		equal(t, "title", stored.Title, network.Text{"de": "AG Sprache", "uk": "Робоча група «Мова»"})
		equal(t, "zone", stored.ZoneName(), "America/New_York")
		equal(t, "link made absolute", stored.Location.OnlineURL, "https://meet.example.org/ag")
		equal(t, "deadline defaults to the start", stored.RegistrationDeadline, stored.StartsAt)
		equal(t, "counters", counters{stored.Confirmed, stored.Waiting}, counters{0, 0})
		entries, err := e.store.Audit(ctx, listing.Query{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "audit", []string{entries.Items[0].Action, entries.Items[0].Target, entries.Items[0].Actor},
			[]string{"event.create", "event/" + got.ID, coordinator.Name})
	})
}

// admin is the env's service as the admin function runs it, with small
// job batches so that a few registrations take several.
func (e *env) admin(batch int) *event.Service {
	svc := *e.svc
	svc.JobBatch = batch
	return &svc
}

// fill signs n people up for eventID, as n0, n1, … at example.org.
func (e *env) fill(eventID, prefix string, n int) []string {
	e.t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("%s%03d@example.org", prefix, i)
		e.register(eventID, "Person "+strconv.Itoa(i), addrs[i])
	}
	return addrs
}

// patch applies a merge patch as a coordinator.
func (e *env) patch(svc *event.Service, eventID string, p map[string]any) (event.Event, error) {
	return svc.Update(context.Background(), eventID, p, coordinator)
}

// mailsTo counts the mails written since the n-th by template and address.
func (e *env) mailsTo(n int) map[string][]testenv.StoredMail {
	e.t.Helper()
	out := map[string][]testenv.StoredMail{}
	for _, m := range e.mailsSince(n) {
		out[m.Template+" "+m.To[0]] = append(out[m.Template+" "+m.To[0]], m)
	}
	return out
}

func TestCapacityGrowthPromotesInOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(2, nil)
	e.fill(ev.ID, "seat", 2)
	waiting := e.fill(ev.ID, "wait", 5)
	svc := e.admin(2)

	e.clock.Advance(time.Hour)
	before := len(*e.mails)
	got, err := e.patch(svc, ev.ID, map[string]any{"capacity": 5})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	equal(t, "answer: counters, no job left", []any{got.Capacity, got.Confirmed, got.Waiting, got.SeatsLeft(), got.Job}, []any{5, 5, 2, 0, ""})
	mails := e.mailsSince(before)
	var to []string
	for _, m := range mails {
		to = append(to, m.To[0])
		equal(t, "template", m.Template, "event.promoted")
		if m.TokenNonce == "" || m.Data["status"] != "confirmed" || m.Data["sequence"] != "1" {
			t.Errorf("promotion mail %+v: want a cancel link, confirmed, sequence 1", m)
		}
	}
	equal(t, "promoted, in order", to, waiting[:3])
	for i, addr := range waiting {
		want := event.Waitlisted
		if i < 3 {
			want = event.Confirmed
		}
		equal(t, addr, e.registration(ev.ID, addr).Status, want)
	}
	// The new link works and cancels the promoted seat, which goes on to
	// the next one waiting.
	if _, err := e.svc.Cancel(ctx, e.link(mails[0])); err != nil {
		t.Fatalf("Cancel by the promotion's link: %v", err)
	}
	equal(t, "fourth moves up", e.registration(ev.ID, waiting[3]).Status, event.Confirmed)
	equal(t, "counters", e.counters(ev.ID), counters{5, 1})

	t.Run("a sign-up now waits behind the list", func(t *testing.T) {
		r, _ := e.register(ev.ID, "Late", "late@example.org")
		equal(t, "status", r.Status, event.Waitlisted)
	})

	t.Run("growth with nobody waiting moves nobody", func(t *testing.T) {
		roomy := e.newEvent(3, nil)
		e.fill(roomy.ID, "roomy", 2)
		n := len(*e.mails)
		got, err := e.patch(svc, roomy.ID, map[string]any{"capacity": 10})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "mails", len(*e.mails)-n, 0)
		equal(t, "seats left", got.SeatsLeft(), 8)
	})
}

// hookedStore runs a hook before the job step with the given number.
type hookedStore struct {
	event.Store
	before map[int]func()
}

func (h *hookedStore) Step(ctx context.Context, b event.Batch) error {
	if f := h.before[b.Job.Step]; f != nil {
		delete(h.before, b.Job.Step)
		f()
	}
	return h.Store.Step(ctx, b)
}

// TestPromotionRechecksCapacity: a coordinator lowers the capacity again
// while the waiting list moves up; the next batch promotes only into the
// seats still there, and nobody is overbooked.
func TestPromotionRechecksCapacity(t *testing.T) {
	e := newEnv(t)
	ev := e.newEvent(2, nil)
	e.fill(ev.ID, "seat", 2)
	waiting := e.fill(ev.ID, "wait", 6)
	h := &hookedStore{Store: e.store}
	svc := e.admin(2)
	svc.Store = h
	h.before = map[int]func(){1: func() {
		// After the first batch four seats are taken: shrink to them.
		if _, err := e.patch(e.svc, ev.ID, map[string]any{"capacity": 4}); err != nil {
			t.Errorf("shrink during the job: %v", err)
		}
	}}
	before := len(*e.mails)
	got, err := e.patch(svc, ev.ID, map[string]any{"capacity": 8})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	equal(t, "counters", []int{got.Capacity, got.Confirmed, got.Waiting}, []int{4, 4, 4})
	equal(t, "promotion mails", len(*e.mails)-before, 2)
	for i, addr := range waiting {
		want := event.Waitlisted
		if i < 2 {
			want = event.Confirmed
		}
		equal(t, addr, e.registration(ev.ID, addr).Status, want)
	}
}

func TestCapacityShrink(t *testing.T) {
	e := newEnv(t)
	ev := e.newEvent(5, nil)
	e.fill(ev.ID, "seat", 3)
	before := e.db.Snapshot(t)
	_, err := e.patch(e.svc, ev.ID, map[string]any{"capacity": 2})
	equal(t, "below the confirmed", fieldErrors(t, err), []string{"capacity below_confirmed"})
	e.db.Unchanged(t, before)

	got, err := e.patch(e.svc, ev.ID, map[string]any{"capacity": 3})
	if err != nil {
		t.Fatalf("shrink to the confirmed count: %v", err)
	}
	equal(t, "capacity, seats left", []int{got.Capacity, got.SeatsLeft()}, []int{3, 0})
}

// invitation renders m and parses its calendar attachment; nil if it has
// none.
func invitation(t *testing.T, r *mailtext.Renderer, m testenv.StoredMail) *goical.Calendar {
	t.Helper()
	msg, err := r.Render(outbox.Mail{ID: m.ID, Template: m.Template, Locale: m.Locale, To: m.To,
		Data: m.Data, TokenNonce: m.TokenNonce, CreatedAt: start})
	if err != nil {
		t.Fatalf("render %s: %v", m.Template, err)
	}
	if len(msg.Attachments) == 0 {
		return nil
	}
	cal, err := goical.NewDecoder(bytes.NewReader(msg.Attachments[0].Data)).Decode()
	if err != nil {
		t.Fatalf("parse the invitation: %v", err)
	}
	return cal
}

func TestTimeChangeSendsUpdatedInvitations(t *testing.T) {
	e := newEnv(t)
	ev := e.newEvent(2, nil)
	anna, annaMail := e.register(ev.ID, "Anna", "anna@example.org")
	e.register(ev.ID, "Bernd", "bernd@example.org")
	carla, _ := e.register(ev.ID, "Carla", "carla@example.org") // waits
	e.register(ev.ID, "Dieter", "dieter@example.org")
	if _, err := e.svc.Cancel(context.Background(), e.link(e.mailsSince(len(*e.mails) - 1)[0])); err != nil {
		t.Fatal(err) // Dieter leaves the waiting list: he hears nothing more
	}
	renderer := mailtext.New(e.cfg, e.keys)
	svc := e.admin(1) // one registration per batch: four batches

	t.Run("title and publishing send nothing", func(t *testing.T) {
		n := len(*e.mails)
		if _, err := e.patch(svc, ev.ID, map[string]any{"title": map[string]any{"en": nil, "de": "Plenum"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.patch(svc, ev.ID, map[string]any{"published": false}); err != nil {
			t.Fatal(err)
		}
		got, err := e.patch(svc, ev.ID, map[string]any{"published": true})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "mails", len(*e.mails)-n, 0)
		equal(t, "title", got.Title, network.Text{"de": "Plenum"})
		equal(t, "version", got.Version, 3)
	})

	e.clock.Advance(time.Hour)
	newStart := ev.StartsAt.Add(24*time.Hour + 30*time.Minute)
	n := len(*e.mails)
	got, err := e.patch(svc, ev.ID, map[string]any{
		"startsAt": newStart.Format(time.RFC3339), "endsAt": newStart.Add(2 * time.Hour).Format(time.RFC3339),
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	equal(t, "moved", []time.Time{got.StartsAt, got.RegistrationDeadline}, []time.Time{newStart, ev.RegistrationDeadline})
	equal(t, "job done", got.Job, "")
	byTo := e.mailsTo(n)
	equal(t, "mails", len(*e.mails)-n, 3)

	for _, addr := range []string{"anna@example.org", "bernd@example.org"} {
		ms := byTo["event.updated "+addr]
		if len(ms) != 1 {
			t.Fatalf("%s: %d updated mails, want 1", addr, len(ms))
		}
		m := ms[0]
		r := e.registration(ev.ID, addr)
		equal(t, addr+": sequence stored", r.Sequence, 1)
		equal(t, addr+": new expiry", r.ExpiresAt, newStart.Add(2*time.Hour).Add(network.Days(e.cfg.Retention.RegistrationAfterEventDays)))
		cal := invitation(t, renderer, m)
		if cal == nil {
			t.Fatalf("%s: no invitation attached", addr)
		}
		equal(t, addr+": METHOD", cal.Props.Get(goical.PropMethod).Value, "PUBLISH")
		vevent := cal.Events()[0]
		equal(t, addr+": UID as the first invitation's", vevent.Props.Get(goical.PropUID).Value, r.ID+"@example.org")
		equal(t, addr+": SEQUENCE", vevent.Props.Get(goical.PropSequence).Value, "1")
		dtstart, err := vevent.DateTimeStart(nil)
		if err != nil || !dtstart.Equal(newStart) {
			t.Errorf("%s: DTSTART %v (%v), want %v", addr, dtstart, err, newStart)
		}
		// The new link cancels the seat.
		if m.TokenNonce == "" || m.Data["changed"] != "time" {
			t.Errorf("%s: mail data %v, want a cancel link and changed=time", addr, m.Data)
		}
	}
	first := invitation(t, renderer, annaMail)
	equal(t, "the first invitation had the same UID", first.Events()[0].Props.Get(goical.PropUID).Value, anna.ID+"@example.org")

	carlaMails := byTo["event.updated carla@example.org"]
	if len(carlaMails) != 1 || invitation(t, renderer, carlaMails[0]) != nil || carlaMails[0].Data["status"] != "waitlisted" {
		t.Errorf("waiting: mails %+v, want one notice without an invitation", carlaMails)
	}
	equal(t, "waiting: sequence", e.registration(ev.ID, carla.Email).Sequence, 1)

	t.Run("a new place tells them again", func(t *testing.T) {
		n := len(*e.mails)
		if _, err := e.patch(svc, ev.ID, map[string]any{"location": map[string]any{"onlineUrl": nil}}); err != nil {
			t.Fatal(err)
		}
		ms := e.mailsSince(n)
		equal(t, "mails", len(ms), 3)
		equal(t, "changed", ms[0].Data["changed"], "location")
		equal(t, "no link any more", ms[0].Data["onlineUrl"], "")
		equal(t, "sequence", e.registration(ev.ID, "anna@example.org").Sequence, 2)
	})
}

// dyingStore is the store of a function that dies after writing steps
// job steps: every later Step fails. With afterWrite, the step it dies on
// is written first, as when the function dies before it hears back.
type dyingStore struct {
	event.Store
	steps      int
	afterWrite bool
}

var errDied = errors.New("function died")

func (d *dyingStore) Step(ctx context.Context, b event.Batch) error {
	if d.steps > 0 {
		d.steps--
		return d.Store.Step(ctx, b)
	}
	if d.afterWrite {
		d.afterWrite = false
		if err := d.Store.Step(ctx, b); err != nil {
			return err
		}
	}
	return errDied
}

// TestCallOffResumed cancels an event with more registrations than one
// transaction holds; the request's function dies half-way through the job
// and the sweeper's run finishes it. Everyone gets exactly one mail.
func TestCallOffResumed(t *testing.T) {
	for _, afterWrite := range []bool{false, true} {
		t.Run(fmt.Sprintf("dies after a written step: %v", afterWrite), func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			ev := e.newEvent(100, nil)
			seated := e.fill(ev.ID, "seat", 100)
			waiting := e.fill(ev.ID, "wait", 30)
			equal(t, "counters", e.counters(ev.ID), counters{100, 30})

			dying := e.admin(10)
			dying.Store = &dyingStore{Store: e.store, steps: 5, afterWrite: afterWrite}
			e.clock.Advance(time.Hour)
			n := len(*e.mails)
			got, err := dying.CallOff(ctx, ev.ID, coordinator)
			if err != nil {
				t.Fatalf("CallOff: %v (the change is stored; the job is not the request's to fail)", err)
			}
			if !got.Cancelled || got.Published || got.Job == "" {
				t.Fatalf("answer %+v: want cancelled, unpublished, its job pending", got)
			}
			written := 50
			if afterWrite {
				written = 60
			}
			equal(t, "mails before the function died", len(*e.mails)-n, written)

			// Nobody signs up for it any more, and an old cancel link
			// changes nothing: the job tells everyone.
			_, err = e.svc.Register(ctx, ev.ID, input("Spät", "spaet@example.org"), "de")
			wantErr(t, "sign-up", err, apperr.NotFound, "problem.event_not_found")
			if _, err := e.svc.Cancel(ctx, e.link(e.mailsSince(0)[0])); err != nil {
				t.Fatalf("cancel link: %v", err)
			}

			sweeper := e.admin(10)
			queued, err := sweeper.ResumeJobs(ctx)
			if err != nil {
				t.Fatalf("ResumeJobs: %v", err)
			}
			equal(t, "mails the sweeper queued", queued, 130-written)
			t.Logf("130 registrations (100 seats, 30 waiting), batches of 10: %d mails before the function died, %d queued by the sweeper",
				written, queued)

			byTo := e.mailsTo(n)
			equal(t, "mails in all", len(*e.mails)-n, 130)
			for _, addr := range append(seated, waiting...) {
				ms := byTo["event.called-off "+addr]
				if len(ms) != 1 {
					t.Fatalf("%s: %d mails, want exactly 1", addr, len(ms))
				}
				r := e.registration(ev.ID, addr)
				equal(t, addr+": status, sequence", []any{r.Status, r.Sequence}, []any{event.Cancelled, 1})
				wantStatus := "confirmed"
				if slices.Contains(waiting, addr) {
					wantStatus = "waitlisted"
				}
				equal(t, addr+": mail", []string{ms[0].Data["status"], ms[0].Data["sequence"]}, []string{wantStatus, "1"})
			}
			final := e.event(ev.ID)
			equal(t, "counters", counters{final.Confirmed, final.Waiting}, counters{0, 0})
			equal(t, "job slot", final.Job, "")
			j, err := e.store.Job(ctx, got.Job)
			if err != nil || !j.Done() || j.Mails != 130 || j.Step != 14 {
				t.Errorf("job %+v (%v): want done after 14 steps with 130 mails", j, err)
			}
			t.Logf("job done after %d steps, %d mails; counters %d confirmed, %d waiting",
				j.Step, j.Mails, final.Confirmed, final.Waiting)
			open, err := e.store.OpenJobs(ctx, 10)
			equal(t, "open jobs", len(open), 0)
			if err != nil {
				t.Fatal(err)
			}

			again, err := e.svc.CallOff(ctx, ev.ID, coordinator)
			if err != nil || !again.Cancelled {
				t.Fatalf("cancelling twice: %+v, %v", again, err)
			}
			equal(t, "mails after cancelling twice", len(*e.mails)-n, 130)
			_, err = e.patch(e.svc, ev.ID, map[string]any{"published": true})
			wantErr(t, "publishing a cancelled event", err, apperr.Conflict, "problem.event_cancelled")
		})
	}
}

// TestJobsOnOneEventRunInTurn: a change that needs a job while another of
// the event's jobs is unfinished works that one to its end first; if it
// cannot, the change is refused and nothing is written.
func TestJobsOnOneEventRunInTurn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(3, nil)
	e.fill(ev.ID, "p", 5)
	dying := e.admin(1)
	dying.Store = &dyingStore{Store: e.store, steps: 1}
	moved := ev.StartsAt.Add(time.Hour)
	got, err := e.patch(dying, ev.ID, map[string]any{"startsAt": moved.Format(time.RFC3339), "endsAt": moved.Add(time.Hour).Format(time.RFC3339)})
	if err != nil || got.Job == "" {
		t.Fatalf("first change: %+v, %v; want its job left unfinished", got, err)
	}
	first := got.Job

	t.Run("refused while the running job cannot go on", func(t *testing.T) {
		stuck := e.admin(1)
		stuck.Store = &dyingStore{Store: e.store}
		before := e.db.Snapshot(t)
		_, err := e.patch(stuck, ev.ID, map[string]any{"location": map[string]any{"name": "Saal"}})
		wantErr(t, "second change", err, apperr.Conflict, "problem.event_busy")
		e.db.Unchanged(t, before)
	})

	t.Run("a title needs no job and goes through", func(t *testing.T) {
		if _, err := e.patch(dying, ev.ID, map[string]any{"title": map[string]any{"de": "Neu"}}); err != nil {
			t.Fatal(err)
		}
	})

	n := len(*e.mails)
	got, err = e.patch(e.admin(2), ev.ID, map[string]any{"location": map[string]any{"name": "Saal"}})
	if err != nil {
		t.Fatalf("second change: %v", err)
	}
	j, err := e.store.Job(ctx, first)
	if err != nil || !j.Done() {
		t.Fatalf("first job %+v (%v): want it finished by the second change", j, err)
	}
	// The first job had told one of the five before its function died.
	byTo := e.mailsTo(n)
	var changed []string
	for _, ms := range byTo {
		for _, m := range ms {
			changed = append(changed, m.Data["changed"])
		}
	}
	slices.Sort(changed)
	want := append(slices.Repeat([]string{"time"}, 4), slices.Repeat([]string{"location"}, 5)...)
	slices.Sort(want)
	equal(t, "mails: the rest of the first job, then the second", changed, want)
	equal(t, "job slot", got.Job, "")
}

// TestCallOffSupersedesARunningJob: calling an event off while its update
// is half sent ends the update; the rest hear only of the cancellation.
func TestCallOffSupersedesARunningJob(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(10, nil)
	addrs := e.fill(ev.ID, "p", 4)
	dying := e.admin(1)
	dying.Store = &dyingStore{Store: e.store, steps: 2}
	moved := ev.StartsAt.Add(time.Hour)
	n := len(*e.mails)
	got, err := e.patch(dying, ev.ID, map[string]any{"startsAt": moved.Format(time.RFC3339), "endsAt": moved.Add(time.Hour).Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	update := got.Job
	if _, err := e.svc.CallOff(ctx, ev.ID, coordinator); err != nil {
		t.Fatalf("CallOff: %v", err)
	}
	if _, err := e.svc.ResumeJobs(ctx); err != nil {
		t.Fatalf("ResumeJobs: %v", err)
	}
	byTo := e.mailsTo(n)
	updated := 0
	for _, addr := range addrs {
		updated += len(byTo["event.updated "+addr])
		equal(t, addr+": cancellation mails", len(byTo["event.called-off "+addr]), 1)
	}
	equal(t, "updates sent before the cancellation", updated, 2)
	j, err := e.store.Job(ctx, update)
	if err != nil || !j.Done() {
		t.Errorf("update job %+v (%v): want it ended", j, err)
	}
	// The cancellation's sequence follows the update's where there was one.
	for _, addr := range addrs {
		r := e.registration(ev.ID, addr)
		m := byTo["event.called-off "+addr][0]
		equal(t, addr+": sequence", m.Data["sequence"], strconv.Itoa(r.Sequence))
	}
}

// TestTwoWorkersOneJob: the sweeper takes up a job while the request's
// function is still working it. Each step is written by one of them only;
// the other reads again and finds the work done.
func TestTwoWorkersOneJob(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(10, nil)
	addrs := e.fill(ev.ID, "p", 9)
	h := &hookedStore{Store: e.store}
	request := e.admin(2)
	request.Store = h
	sweeper := e.admin(2)
	swept := 0
	h.before = map[int]func(){2: func() {
		// The request has read its third step and is about to write it.
		n, err := sweeper.ResumeJobs(ctx)
		if err != nil {
			t.Errorf("ResumeJobs: %v", err)
		}
		swept = n
	}}
	n := len(*e.mails)
	got, err := request.CallOff(ctx, ev.ID, coordinator)
	if err != nil {
		t.Fatalf("CallOff: %v", err)
	}
	equal(t, "job done", got.Job, "")
	equal(t, "mails the sweeper queued", swept, 5)
	byTo := e.mailsTo(n)
	equal(t, "mails", len(*e.mails)-n, 9)
	for _, addr := range addrs {
		equal(t, addr, len(byTo["event.called-off "+addr]), 1)
	}
	equal(t, "counters", e.counters(ev.ID), counters{0, 0})
}

// cancelHook runs a hook once before the next Cancel of a registration.
type cancelHook struct {
	event.Store
	before func()
}

func (h *cancelHook) Cancel(ctx context.Context, c event.Cancellation) error {
	if f := h.before; f != nil {
		h.before = nil
		f()
	}
	return h.Store.Cancel(ctx, c)
}

// TestCancellationRacingCallOff: a person cancels by link, decided just
// before the coordinators call the event off and written just after. The
// seat must not pass to the person waiting: the event's job tells both.
func TestCancellationRacingCallOff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(1, nil)
	_, seatMail := e.register(ev.ID, "Anna", "anna@example.org")
	e.register(ev.ID, "Bernd", "bernd@example.org")
	svc := *e.svc
	svc.Store = &cancelHook{Store: e.store, before: func() {
		// Called off, its job not yet begun.
		dying := e.admin(10)
		dying.Store = &dyingStore{Store: e.store}
		if _, err := dying.CallOff(ctx, ev.ID, coordinator); err != nil {
			t.Errorf("CallOff: %v", err)
		}
	}}
	n := len(*e.mails)
	status, err := svc.Cancel(ctx, e.link(seatMail))
	if err != nil || status != event.Cancelled {
		t.Fatalf("Cancel = %s, %v; want cancelled", status, err)
	}
	if _, err := e.svc.ResumeJobs(ctx); err != nil {
		t.Fatal(err)
	}
	var templates []string
	for _, m := range e.mailsSince(n) {
		templates = append(templates, m.Template+" "+m.To[0])
	}
	slices.Sort(templates)
	equal(t, "mails", templates, []string{"event.called-off anna@example.org", "event.called-off bernd@example.org"})
	equal(t, "counters", e.counters(ev.ID), counters{0, 0})
}
