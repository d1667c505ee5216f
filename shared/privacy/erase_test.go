package privacy_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

const erased = "erased@example.org"

// raceAPI runs another request's writes at one moment of an erasure, once:
// after its first scan, or before its first transaction that deletes.
type raceAPI struct {
	dynamo.API
	afterScan, beforeDelete func()
}

func (r *raceAPI) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	out, err := r.API.Scan(ctx, in, opts...)
	if f := r.afterScan; f != nil {
		r.afterScan = nil
		f()
	}
	return out, err
}

func (r *raceAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f := r.beforeDelete; f != nil && slices.ContainsFunc(in.TransactItems, func(it types.TransactWriteItem) bool { return it.Delete != nil }) {
		r.beforeDelete = nil
		f()
	}
	return r.API.TransactWriteItems(ctx, in, opts...)
}

// world is the erasure on a store whose API lets other requests race it,
// and those other requests on the plain store.
type world struct {
	t      *testing.T
	db     *testenv.DynamoDB
	clock  *testenv.Clock
	api    *raceAPI
	erase  *privacy.Service
	mails  *[]string // written by the erasure
	plain  *dynamo.Store
	others *event.Service
	// othersMails are written by the other requests.
	othersMails *[]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	w := &world{t: t, db: testenv.NewDynamoDB(t), clock: testenv.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	w.plain, w.othersMails = testenv.NewStore(t, w.db, w.clock)
	w.others = &event.Service{Store: w.plain, Config: cfg, Keys: keys, Now: w.clock.Now}
	w.api = &raceAPI{API: w.db.Client}
	store := lambdaenv.NewStore(w.api, w.db.Table, cfg, keys)
	store.Now = w.clock.Now
	store.Backoff = func(context.Context, int) error { return nil }
	w.mails = new([]string)
	store.OnMail = func(ids []string) { *w.mails = append(*w.mails, ids...) }
	w.erase = &privacy.Service{
		Store:  store,
		Events: &event.Service{Store: store, Config: cfg, Keys: keys, Now: w.clock.Now},
		Config: cfg, Keys: keys, Now: w.clock.Now,
	}
	return w
}

func (w *world) event(capacity int) event.Event {
	w.t.Helper()
	now := w.clock.Now()
	e := event.Event{
		ID: id.New(now), Title: network.Text{"de": "Sprachcafé"},
		StartsAt: now.Add(72 * time.Hour), EndsAt: now.Add(74 * time.Hour), RegistrationDeadline: now.Add(48 * time.Hour),
		Capacity: capacity, Published: true,
	}
	if err := w.plain.PutEvent(context.Background(), e); err != nil {
		w.t.Fatal(err)
	}
	return e
}

// signUp signs addr up through the plain store and returns the cancel link
// its mail carries.
func (w *world) signUp(e event.Event, addr string, want event.Status) string {
	w.t.Helper()
	w.clock.Advance(time.Second)
	res, err := w.others.Register(context.Background(), e.ID, event.Input{Name: "Jemand", Email: addr, Consent: true}, "de")
	if err != nil || res.Registration.Status != want {
		w.t.Fatalf("sign-up of %s: %+v, %v; want %s", addr, res.Registration, err, want)
	}
	m := w.db.Mail(w.t, testenv.Config(w.t).ID, (*w.othersMails)[len(*w.othersMails)-1])
	return m.Link(testenv.Keys(w.t))
}

// status is addr's registration status for e, "" if there is none.
func (w *world) status(e event.Event, addr string) string {
	w.t.Helper()
	hash := testenv.Keys(w.t).EmailHash(email.Key(addr))
	return testenv.S(w.db.Item(w.t, testenv.Config(w.t).ID+"#event#"+e.ID, "registration#"+hash), "status")
}

// check: nothing in the table holds the erased address or its hash, each
// event's counters match its registrations, and the erasure mailed nobody
// but the people it promoted.
func (w *world) check(events ...event.Event) {
	w.t.Helper()
	hash := testenv.Keys(w.t).EmailHash(erased)
	snap := w.db.Snapshot(w.t)
	for k, item := range snap {
		if found := append(testenv.Traces(item, erased), testenv.Traces(item, hash)...); len(found) > 0 {
			w.t.Errorf("item %s holds the address in %v", k, found)
		}
	}
	for _, e := range events {
		var confirmed, waiting int
		var ev map[string]string
		for k, item := range snap {
			if !strings.Contains(k, "#event#"+e.ID+"|") {
				continue
			}
			switch testenv.S(item, "status") {
			case "confirmed":
				confirmed++
			case "waitlisted":
				waiting++
			}
			if testenv.S(item, "sk") == "counters" {
				ev = map[string]string{"confirmed": testenv.N(item, "confirmed"), "waiting": testenv.N(item, "waiting"), "capacity": testenv.N(item, "capacity")}
			}
		}
		if capacity, _ := strconv.Atoi(ev["capacity"]); ev["confirmed"] != strconv.Itoa(confirmed) ||
			ev["waiting"] != strconv.Itoa(waiting) || confirmed > capacity {
			w.t.Errorf("event %s: counters %v, registrations %d confirmed and %d waiting", e.ID, ev, confirmed, waiting)
		}
	}
	for _, mid := range *w.mails {
		if m := w.db.Mail(w.t, testenv.Config(w.t).ID, mid); m.Template != "event.promoted" {
			w.t.Errorf("the erasure queued %s to %v", m.Template, m.To)
		}
	}
}

// TestEraseRaces: a sign-up or a promotion that lands in the middle of an
// erasure neither leaves the address behind nor overbooks an event.
func TestEraseRaces(t *testing.T) {
	coordinator := auth.Coordinator{Name: "koordination@example.org"}
	tests := []struct {
		name string
		// setup stores the person's records and arranges the race; it
		// returns the events to check and what the other people's
		// registrations must end as.
		setup func(w *world) ([]event.Event, map[string]string)
	}{
		{
			name: "the person signs up for another event after the scan",
			setup: func(w *world) ([]event.Event, map[string]string) {
				full, other := w.event(1), w.event(5)
				w.signUp(full, erased, event.Confirmed)
				w.signUp(full, "waits@example.org", event.Waitlisted)
				w.api.afterScan = func() { w.signUp(other, erased, event.Confirmed) }
				return []event.Event{full, other}, map[string]string{full.ID + " waits@example.org": "confirmed"}
			},
		},
		{
			name: "the person signs up again between withdrawal and deletion",
			setup: func(w *world) ([]event.Event, map[string]string) {
				full := w.event(1)
				w.signUp(full, erased, event.Confirmed)
				w.signUp(full, "waits@example.org", event.Waitlisted)
				// The seat went to the person waiting: the person waits now.
				w.api.beforeDelete = func() { w.signUp(full, erased, event.Waitlisted) }
				return []event.Event{full}, map[string]string{full.ID + " waits@example.org": "confirmed"}
			},
		},
		{
			name: "the person moves up after the scan",
			setup: func(w *world) ([]event.Event, map[string]string) {
				full := w.event(1)
				link := w.signUp(full, "seated@example.org", event.Confirmed)
				w.signUp(full, erased, event.Waitlisted)
				w.signUp(full, "next@example.org", event.Waitlisted)
				w.api.afterScan = func() {
					if _, err := w.others.Cancel(context.Background(), link); err != nil {
						w.t.Fatal(err)
					}
				}
				return []event.Event{full}, map[string]string{
					full.ID + " seated@example.org": "cancelled",
					full.ID + " next@example.org":   "confirmed",
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			events, want := tt.setup(w)
			counts, err := w.erase.Erase(context.Background(), erased, coordinator)
			if err != nil {
				t.Fatal(err)
			}
			if w.api.afterScan != nil || w.api.beforeDelete != nil {
				t.Fatal("the race did not happen")
			}
			t.Logf("erased %v", counts)
			w.check(events...)
			for key, st := range want {
				eventID, addr, _ := strings.Cut(key, " ")
				if got := w.status(event.Event{ID: eventID}, addr); got != st {
					t.Errorf("%s: status %q, want %q", addr, got, st)
				}
			}
		})
	}
}
