package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// auditEntry is an entry for action on ev, as the services make them.
func (e *env) auditEntry(action string, ev event.Event) audit.Entry {
	return audit.New(e.cfg, e.clock.Now(), "koordination@example.org", action, "event/"+ev.ID, nil)
}

func TestCreateAndListEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var want []string
	for i, days := range []int{3, 1, 2} {
		ev := e.evFixture(10 + i)
		ev.StartsAt = evBegins.Add(time.Duration(days) * 24 * time.Hour)
		ev.EndsAt = ev.StartsAt.Add(time.Hour)
		ev.TimeZone, ev.CreatedAt, ev.UpdatedAt = "Europe/Kyiv", e.clock.Now(), e.clock.Now()
		if err := e.store.CreateEvent(ctx, ev, e.auditEntry("event.create", ev)); err != nil {
			t.Fatalf("CreateEvent: %v", err)
		}
		equal(t, "stored", e.evEvent(ev.ID), ev)
		want = append(want, ev.ID)
	}
	want = []string{want[0], want[2], want[1]} // latest start first
	var got []string
	q := listing.Query{Limit: 2}
	for range 3 {
		page, err := e.store.Events(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Items {
			got = append(got, ev.ID)
		}
		if q.Cursor = page.Next; q.Cursor == "" {
			break
		}
	}
	equal(t, "listed over pages", got, want)
	equal(t, "audit entries", len(e.queryIndex(e.key("audit", "all"))), 3)

	t.Run("the same id twice", func(t *testing.T) {
		ev := e.evEvent(want[0])
		before := e.db.Snapshot(t)
		if err := e.store.CreateEvent(ctx, ev, e.auditEntry("event.create", ev)); err == nil {
			t.Error("CreateEvent over an existing event: no error")
		}
		e.db.Unchanged(t, before)
	})
}

func TestChangeEvent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(3)
	e.evSeat(ev, "anna@example.org")
	read := e.evEvent(ev.ID)

	changed := func(c event.Change) event.Change {
		c.After = c.Before
		c.After.Title = network.Text{"de": "Neu"}
		c.After.Description, c.After.WorkingGroup = nil, "" // removed
		c.After.StartsAt = c.Before.StartsAt.Add(time.Hour)
		c.After.Version = c.Before.Version + 1
		c.Audit = e.auditEntry("event.update", c.Before)
		return c
	}
	for _, c := range []struct {
		name   string
		change event.Change
	}{
		{"another version", changed(event.Change{Before: func() event.Event { r := read; r.Version = 7; return r }()})},
		{"a job runs", changed(event.Change{Before: func() event.Event { r := read; r.Job = "other"; return r }()})},
		{"counters moved, and they counted", changed(event.Change{Counted: true, Before: func() event.Event { r := read; r.Confirmed = 0; return r }()})},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.db.Snapshot(t)
			if err := e.store.ChangeEvent(ctx, c.change); !errors.Is(err, event.ErrChanged) {
				t.Fatalf("ChangeEvent error = %v, want ErrChanged", err)
			}
			e.db.Unchanged(t, before)
		})
	}

	t.Run("written with its job, counters kept", func(t *testing.T) {
		c := changed(event.Change{Before: read, Counted: true})
		j := event.Job{ID: id.New(e.clock.Now()), EventID: ev.ID, Tasks: []event.Task{event.TaskNotify},
			Changed: []string{"time"}, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
		c.Job, c.After.Job = &j, j.ID
		e.evSeat(ev, "bernd@example.org") // a sign-up that does not count
		c.Counted = false
		if err := e.store.ChangeEvent(ctx, c); err != nil {
			t.Fatalf("ChangeEvent: %v", err)
		}
		got := e.evEvent(ev.ID)
		want := c.After
		want.Confirmed = 2
		equal(t, "event", got, want)
		equal(t, "listed by its new start", testenv.S(e.raw(e.evPK(ev.ID)), "gsi1sk"), stamp(want.StartsAt)+"#"+ev.ID)
		stored, err := e.store.Job(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "job", stored, j)
		open, err := e.store.OpenJobs(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "open jobs", open, []event.Job{j})
	})
}

// TestJobStep writes the batches of a job by hand: each is all or nothing,
// and holds only on what it was decided on.
func TestJobStep(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.evPut(1)
	a := e.evSeat(ev, "anna@example.org")
	w := e.evWait(ev, "bernd@example.org")
	read := e.evEvent(ev.ID)

	// The capacity grows to 2: a promotion job starts.
	grown := read
	grown.Capacity, grown.Version = 2, read.Version+1
	j := event.Job{ID: id.New(e.clock.Now()), EventID: ev.ID, Tasks: []event.Task{event.TaskPromote},
		CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	grown.Job = j.ID
	if err := e.store.ChangeEvent(ctx, event.Change{Before: read, After: grown, Counted: true, Job: &j,
		Audit: e.auditEntry("event.update", read)}); err != nil {
		t.Fatalf("ChangeEvent: %v", err)
	}
	grown = e.evEvent(ev.ID)

	promotion := func(evRead event.Event, job event.Job) event.Batch {
		moved := w.reg
		moved.Status, moved.Sequence = event.Confirmed, 1
		next := job
		next.Step++
		tok := w.token
		tok.Hash = "promoted-" + tok.Hash
		m := outbox.Mail{ID: id.New(e.clock.Now()), Template: "event.promoted", Locale: "de", To: []string{w.reg.Email},
			TokenNonce: "n", CreatedAt: e.clock.Now()}
		return event.Batch{Job: job, Next: next, Event: evRead, Seats: 1, Queue: -1,
			Registrations: []event.Update{{Before: w.reg, After: moved}}, Tokens: []event.Token{tok}, Mails: []outbox.Mail{m}}
	}
	for _, c := range []struct {
		name  string
		batch event.Batch
	}{
		{"another worker wrote the step", func() event.Batch { jb := j; jb.Step = 3; return promotion(grown, jb) }()},
		{"the event changed", promotion(read, j)},
		{"no seat for it", func() event.Batch { b := promotion(grown, j); b.Seats = 2; return b }()},
		{"the registration changed", func() event.Batch {
			b := promotion(grown, j)
			b.Registrations[0].Before.Sequence = 4
			return b
		}()},
		{"settled while someone waits beside a free seat", func() event.Batch {
			b := promotion(grown, j)
			b.Seats, b.Queue, b.Registrations, b.Tokens, b.Mails, b.Settle = 0, 0, nil, nil, nil, true
			b.Next.Tasks = nil
			return b
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, mails := e.db.Snapshot(t), len(e.mails)
			if err := e.store.Step(ctx, c.batch); !errors.Is(err, event.ErrChanged) {
				t.Fatalf("Step error = %v, want ErrChanged", err)
			}
			if len(e.mails) != mails {
				t.Errorf("OnMail told of %v", e.mails[mails:])
			}
			e.db.Unchanged(t, before)
		})
	}

	e.clock.Advance(time.Minute) // the promoted one is listed after Anna
	b := promotion(grown, j)
	if err := e.store.Step(ctx, b); err != nil {
		t.Fatalf("Step: %v", err)
	}
	equal(t, "counters", e.evCounts(ev.ID), evCounts{2, 0})
	equal(t, "promoted", e.evReg(w).Status, event.Confirmed)
	equal(t, "attendees", e.queryIndex(e.key("attendees", ev.ID)), []string{a.reg.ID, w.reg.ID})
	equal(t, "waiting list", e.queryIndex(e.key("waitlist", ev.ID)), []string{})
	equal(t, "mail", e.mails[len(e.mails)-1], []string{b.Mails[0].ID})
	if _, err := e.store.CancelToken(ctx, b.Tokens[0].Hash); err != nil {
		t.Errorf("new cancel link: %v", err)
	}
	stepped, err := e.store.Job(ctx, j.ID)
	if err != nil || stepped.Step != 1 || stepped.Done() {
		t.Fatalf("job %+v (%v): want step 1, not done", stepped, err)
	}

	t.Run("the last step ends the job", func(t *testing.T) {
		now := e.evEvent(ev.ID)
		next := stepped
		next.Step, next.Tasks, next.ExpiresAt = 2, nil, e.clock.Now().Add(24*time.Hour).Truncate(time.Second)
		if err := e.store.Step(ctx, event.Batch{Job: stepped, Next: next, Event: now, Settle: true}); err != nil {
			t.Fatalf("Step: %v", err)
		}
		equal(t, "event's job slot", e.evEvent(ev.ID).Job, "")
		done, err := e.store.Job(ctx, j.ID)
		if err != nil || !done.Done() {
			t.Fatalf("job %+v (%v): want done", done, err)
		}
		item := e.raw(e.key("job", j.ID), "job")
		equal(t, "index partition, expiry", []string{testenv.S(item, "gsi1pk"), testenv.N(item, "expiresAt")},
			[]string{e.key("jobs", "done"), epoch(next.ExpiresAt)})
		open, err := e.store.OpenJobs(ctx, 5)
		if err != nil || len(open) != 0 {
			t.Errorf("open jobs %v (%v), want none", open, err)
		}
	})
}
