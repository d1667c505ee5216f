package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// raceAPI lets a test act at a chosen moment of the store's work: around a
// transaction's sending, or on a query's answer. Its hooks run in the
// goroutine of the request that makes the call, and may make requests of
// their own.
type raceAPI struct {
	dynamo.API
	transact func(ctx context.Context, in *dynamodb.TransactWriteItemsInput, send func() error) error
	query    func(in *dynamodb.QueryInput, out *dynamodb.QueryOutput) *dynamodb.QueryOutput
}

func (r *raceAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var out *dynamodb.TransactWriteItemsOutput
	send := func() error {
		var err error
		out, err = r.API.TransactWriteItems(ctx, in, opts...)
		return err
	}
	if r.transact == nil {
		return out, send()
	}
	return out, r.transact(ctx, in, send)
}

func (r *raceAPI) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := r.API.Query(ctx, in, opts...)
	if err != nil || r.query == nil {
		return out, err
	}
	return r.query(in, out), nil
}

// race puts a raceAPI between the world's store and the emulator.
func (w *signupWorld) race() *raceAPI {
	r := &raceAPI{API: w.store.API}
	w.store.API = r
	return r
}

func (w *signupWorld) hash(addr string) string { return w.keys.EmailHash(email.Key(addr)) }

// isCancelOf reports whether a transaction is the cancellation of addr's
// registration: it opens with that registration's update to cancelled.
func (w *signupWorld) isCancelOf(in *dynamodb.TransactWriteItemsInput, addr string) bool {
	u := in.TransactItems[0].Update
	if u == nil {
		return false
	}
	_, cancels := u.ExpressionAttributeValues[":cancelled"]
	return cancels && testenv.S(u.Key, "sk") == "registration#"+w.hash(addr)
}

// isSignUpOf reports whether a transaction is a sign-up of addr: its
// second item puts addr's registration.
func (w *signupWorld) isSignUpOf(in *dynamodb.TransactWriteItemsInput, addr string) bool {
	if len(in.TransactItems) < 2 || in.TransactItems[1].Put == nil {
		return false
	}
	return testenv.S(in.TransactItems[1].Put.Item, "sk") == "registration#"+w.hash(addr)
}

// mailsTo lists the templates of the mails to addr the store reported, in
// order, and the newest cancel link's token among them.
func (w *signupWorld) mailsTo(addr string) (templates []string, link string) {
	w.t.Helper()
	w.mu.Lock()
	ids := append([]string(nil), w.mails...)
	w.mu.Unlock()
	for _, id := range ids {
		m := w.db.Mail(w.t, w.cfg.ID, id)
		if len(m.To) == 1 && m.To[0] == addr {
			templates = append(templates, m.Template)
			if m.TokenNonce != "" {
				link = m.Link(w.keys)
			}
		}
	}
	return templates, link
}

// cancel presses the cancel button of addr's newest link.
func (w *signupWorld) cancel(addr string) outcome {
	_, link := w.mailsTo(addr)
	return w.post(addr, "/registrations/cancel", map[string]string{"token": link})
}

// mustSignUp signs addr up and marks the test failed unless it is
// accepted. Hooks call it from the server's goroutines, so it does not
// stop the test.
func (w *signupWorld) mustSignUp(addr string) {
	if o := w.signUp(addr); o.err != nil || o.status != http.StatusAccepted {
		w.t.Errorf("sign-up of %s: status %d, err %v, body %s", addr, o.status, o.err, o.body)
	}
}

// standing is where each address stands in the store, by status.
func (w *signupWorld) standing() map[string]event.Status {
	out := map[string]event.Status{}
	for _, it := range w.query("", "pk", w.pk("event", w.event.ID)) {
		if strings.HasPrefix(testenv.S(it, "sk"), "registration#") {
			out[testenv.S(it, "email")] = event.Status(testenv.S(it, "status"))
		}
	}
	return out
}

// checkConsistent asserts that the event's counters count its
// registrations, that no more are confirmed than there are seats, and
// that each address stands as want says.
func (w *signupWorld) checkConsistent(want map[string]event.Status) {
	t := w.t
	t.Helper()
	got := w.standing()
	var confirmed, waiting int
	for _, s := range got {
		switch s {
		case event.Confirmed:
			confirmed++
		case event.Waitlisted:
			waiting++
		}
	}
	c, wt, _ := w.counters()
	if c != confirmed || wt != waiting {
		t.Errorf("counters confirmed=%d waiting=%d, registrations %d confirmed, %d waiting", c, wt, confirmed, waiting)
	}
	if confirmed > w.event.Capacity {
		t.Errorf("%d confirmed for %d seats", confirmed, w.event.Capacity)
	}
	if len(got) != len(want) {
		t.Errorf("%d registrations, want %d: %v", len(got), len(want), got)
	}
	for addr, s := range want {
		if got[addr] != s {
			t.Errorf("%s stands %q, want %q", addr, got[addr], s)
		}
	}
}

// checkMails asserts the mails each address got, in order: one per change.
func (w *signupWorld) checkMails(want map[string][]string) {
	w.t.Helper()
	for addr, templates := range want {
		if got, _ := w.mailsTo(addr); strings.Join(got, ",") != strings.Join(templates, ",") {
			w.t.Errorf("mails to %s: %v, want %v", addr, got, templates)
		}
	}
}

func checkUnavailable(t *testing.T, o outcome) {
	t.Helper()
	if o.err != nil || o.status != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d, err %v, want 503; body %s", o.email, o.status, o.err, o.body)
	}
	if secs, err := strconv.Atoi(o.header.Get("Retry-After")); err != nil || secs <= 0 {
		t.Errorf("%s: Retry-After %q, want positive seconds", o.email, o.header.Get("Retry-After"))
	}
}

// TestCancelRacingSignup: the one seat's holder cancels while nobody
// waits, and just before the cancellation is written someone signs up for
// the waiting list. The cancellation's condition (nobody waits) no longer
// holds; it is decided again and hands the seat to the newcomer.
func TestCancelRacingSignup(t *testing.T) {
	w := newSignupWorld(t, 1, nil)
	holder, newcomer := registrant(1), registrant(2)
	w.mustSignUp(holder)
	var attempts atomic.Int32
	w.race().transact = func(_ context.Context, in *dynamodb.TransactWriteItemsInput, send func() error) error {
		if w.isCancelOf(in, holder) && attempts.Add(1) == 1 {
			w.mustSignUp(newcomer)
		}
		return send()
	}
	o := w.cancel(holder)
	if o.err != nil || o.status != http.StatusOK || !bytes.Contains(o.body, []byte(`"cancelled"`)) {
		t.Fatalf("cancel: status %d, err %v, body %s", o.status, o.err, o.body)
	}
	t.Logf("cancellation written on attempt %d", attempts.Load())
	if attempts.Load() != 2 {
		t.Errorf("%d cancellation attempts, want 2 (one decided before the sign-up, one after)", attempts.Load())
	}
	w.checkConsistent(map[string]event.Status{holder: event.Cancelled, newcomer: event.Confirmed})
	w.checkMails(map[string][]string{
		holder:   {"event.confirmed", "event.cancelled"},
		newcomer: {"event.waitlisted", "event.promoted"},
	})
}

// TestCancelKeepsRacing: every time the holder's cancellation is about to
// be written, the waiting list has changed: someone signed up, or the one
// waiting cancelled. After the service's attempts it gives up with 503 and
// Retry-After; the holder keeps the seat, and the others' changes stand,
// each with its one mail.
func TestCancelKeepsRacing(t *testing.T) {
	w := newSignupWorld(t, 1, nil)
	holder := registrant(0)
	w.mustSignUp(holder)
	var round atomic.Int32
	w.race().transact = func(_ context.Context, in *dynamodb.TransactWriteItemsInput, send func() error) error {
		if w.isCancelOf(in, holder) {
			i := int(round.Add(1))
			// Odd rounds: someone new waits; even rounds: they cancel.
			if other := registrant(100 + (i+1)/2); i%2 == 1 {
				w.mustSignUp(other)
			} else if o := w.cancel(other); o.status != http.StatusOK {
				t.Errorf("cancel of %s: status %d, body %s", other, o.status, o.body)
			}
		}
		return send()
	}
	checkUnavailable(t, w.cancel(holder))
	rounds := int(round.Load())
	t.Logf("the holder's cancellation met %d changes, then gave up", rounds)
	if rounds != 8 {
		t.Errorf("%d attempts, want the service's 8", rounds)
	}
	want := map[string]event.Status{holder: event.Confirmed}
	mails := map[string][]string{holder: {"event.confirmed"}}
	for i := 1; i <= rounds/2; i++ {
		want[registrant(100+i)] = event.Cancelled
		mails[registrant(100+i)] = []string{"event.waitlisted", "event.cancelled"}
	}
	w.checkConsistent(want)
	w.checkMails(mails)
}

// TestCancelWhileListLooksEmpty: the counter says someone waits but the
// waiting list reads empty (the index lags behind the sign-up). The
// cancellation does not free the seat past the waiting person: its write
// fails, it is decided again and promotes them once the list shows them;
// if the list never does, it gives up with 503 and writes nothing.
func TestCancelWhileListLooksEmpty(t *testing.T) {
	for _, c := range []struct {
		name  string
		empty int32 // waiting-list reads answered empty
		ok    bool
	}{{"once", 1, true}, {"always", 1 << 20, false}} {
		t.Run(c.name, func(t *testing.T) {
			w := newSignupWorld(t, 1, nil)
			holder, waiting := registrant(1), registrant(2)
			w.mustSignUp(holder)
			w.mustSignUp(waiting)
			var reads atomic.Int32
			w.race().query = func(in *dynamodb.QueryInput, out *dynamodb.QueryOutput) *dynamodb.QueryOutput {
				pk := in.ExpressionAttributeValues[":pk"]
				if aws.ToString(in.IndexName) == dynamo.Index && pk != nil && testenv.S(map[string]types.AttributeValue{"k": pk}, "k") == w.pk("waitlist", w.event.ID) {
					if reads.Add(1) <= c.empty {
						return &dynamodb.QueryOutput{Items: nil, Count: 0}
					}
				}
				return out
			}
			before := w.db.Snapshot(t)
			o := w.cancel(holder)
			t.Logf("waiting-list reads: %d; answer %d", reads.Load(), o.status)
			if !c.ok {
				checkUnavailable(t, o)
				w.db.Unchanged(t, before)
				w.checkConsistent(map[string]event.Status{holder: event.Confirmed, waiting: event.Waitlisted})
				w.checkMails(map[string][]string{holder: {"event.confirmed"}, waiting: {"event.waitlisted"}})
				return
			}
			if o.err != nil || o.status != http.StatusOK {
				t.Fatalf("cancel: status %d, err %v, body %s", o.status, o.err, o.body)
			}
			if reads.Load() != 2 {
				t.Errorf("%d waiting-list reads, want 2", reads.Load())
			}
			w.checkConsistent(map[string]event.Status{holder: event.Cancelled, waiting: event.Confirmed})
			w.checkMails(map[string][]string{
				holder:  {"event.confirmed", "event.cancelled"},
				waiting: {"event.waitlisted", "event.promoted"},
			})
		})
	}
}

// TestSameAddressAtOnce: two sign-ups from one address, both past the
// check for an existing registration before either writes. A barrier holds
// the first write until the second has arrived, then lets them through one
// after the other. One registration results; the second is answered as a
// repeat, with its own mail about the same registration.
func TestSameAddressAtOnce(t *testing.T) {
	for _, c := range []struct {
		name     string
		capacity int
		status   event.Status
		template string
		waitSeq  int // the loser's waiting position stays unused
	}{
		{"seat", 3, event.Confirmed, "event.confirmed", 0},
		{"waiting list", 0, event.Waitlisted, "event.waitlisted", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newSignupWorld(t, c.capacity, nil)
			addr := registrant(7)
			var arrived atomic.Int32
			second, firstDone := make(chan struct{}), make(chan struct{})
			w.race().transact = func(ctx context.Context, in *dynamodb.TransactWriteItemsInput, send func() error) error {
				if !w.isSignUpOf(in, addr) {
					return send()
				}
				switch arrived.Add(1) {
				case 1:
					select {
					case <-second:
					case <-ctx.Done():
						return ctx.Err()
					}
					defer close(firstDone)
					return send()
				case 2:
					close(second)
					<-firstDone
				}
				return send()
			}
			var out [2]outcome
			var wg sync.WaitGroup
			for i := range out {
				wg.Go(func() { out[i] = w.signUp(addr) })
			}
			wg.Wait()
			for _, o := range out {
				if o.err != nil || o.status != http.StatusAccepted || !bytes.Contains(o.body, []byte(`"received"`)) {
					t.Fatalf("status %d, err %v, body %s", o.status, o.err, o.body)
				}
			}
			if arrived.Load() != 2 {
				t.Fatalf("%d sign-up writes for the address, want 2 (both past the check)", arrived.Load())
			}
			w.checkConsistent(map[string]event.Status{addr: c.status})
			w.checkMails(map[string][]string{addr: {c.template, c.template}})
			if _, _, seq := w.counters(); seq != c.waitSeq {
				t.Errorf("waitSeq %d, want %d", seq, c.waitSeq)
			}
			// Both mails are about the one stored registration.
			stored := w.db.Item(t, w.pk("event", w.event.ID), "registration#"+w.hash(addr))
			w.mu.Lock()
			ids := append([]string(nil), w.mails...)
			w.mu.Unlock()
			for _, id := range ids {
				if m := w.db.Mail(t, w.cfg.ID, id); m.Data["registrationId"] != testenv.S(stored, "id") || m.Data["position"] != testenv.N(stored, "position") && c.status == event.Waitlisted {
					t.Errorf("mail %s about registration %s position %s, want %s position %s",
						id, m.Data["registrationId"], m.Data["position"], testenv.S(stored, "id"), testenv.N(stored, "position"))
				}
			}
		})
	}
}
