package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// sameAnswer fails unless two answers are byte for byte alike, but for the
// request id.
func sameAnswer(t *testing.T, what string, a, b response) {
	t.Helper()
	strip := func(h http.Header) http.Header {
		h = h.Clone()
		h.Del("X-Request-Id")
		h.Del("Date")
		return h
	}
	if a.status != b.status || string(a.body) != string(b.body) || !slices.Equal(headerLines(strip(a.header)), headerLines(strip(b.header))) {
		t.Errorf("%s: answers differ:\n %d %v %s\n %d %v %s", what, a.status, strip(a.header), a.body, b.status, strip(b.header), b.body)
	}
}

func headerLines(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	slices.Sort(out)
	return out
}

// TestAnswersRevealNothing: whoever submits an address learns nothing of
// what is stored for it. A new application or sign-up and a repeat in every
// state get the same answer, as JSON and as a form post.
func TestAnswersRevealNothing(t *testing.T) {
	f := newFixture(t)
	form := func(m map[string]any) []byte {
		v := url.Values{}
		for k, x := range m {
			switch x := x.(type) {
			case string:
				v.Set(k, x)
			case []string:
				v[k] = x
			case bool:
				if x {
					v.Set(k, "on")
				}
			}
		}
		return []byte(v.Encode())
	}
	t.Run("partner applications", func(t *testing.T) {
		app := func(addr string) map[string]any {
			m := validApplication()
			m["email"] = addr
			return m
		}
		f.applyAndConfirm(t, func(m map[string]any) { m["email"] = "geprueft@example.org" }, true)
		f.applyAndConfirm(t, func(m map[string]any) { m["email"] = "offen@example.org" }, false)
		for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
			body := func(addr string) []byte {
				if ct == "application/json" {
					return jsonBody(t, app(addr))
				}
				return form(app(addr))
			}
			fresh := f.do(t, "POST", "/partners", ct, body("neu-"+ct[12:16]+"@example.org"))
			for _, repeat := range []string{"offen@example.org", "GEPRUEFT@example.org"} {
				sameAnswer(t, ct+" new vs repeat of "+repeat, fresh, f.do(t, "POST", "/partners", ct, body(repeat)))
			}
		}
	})
	t.Run("event sign-ups", func(t *testing.T) {
		e := f.putEvent(t, 1, nil)
		path := "/events/" + e.ID + "/registrations"
		person := func(addr string) map[string]any {
			return map[string]any{"name": "Eine Person", "email": addr, "consent": true}
		}
		seated := f.do(t, "POST", path, "application/json", jsonBody(t, person("sitzt@example.org")))
		waiting := f.do(t, "POST", path, "application/json", jsonBody(t, person("wartet@example.org")))
		sameAnswer(t, "a seat vs the waiting list", seated, waiting)
		for _, repeat := range []string{"Sitzt@example.org", "wartet@EXAMPLE.org"} {
			sameAnswer(t, "new vs repeat of "+repeat, seated, f.do(t, "POST", path, "application/json", jsonBody(t, person(repeat))))
		}
		formSeat := f.do(t, "POST", path, "application/x-www-form-urlencoded", form(person("form-neu@example.org")))
		sameAnswer(t, "form: new vs repeat", formSeat, f.do(t, "POST", path, "application/x-www-form-urlencoded", form(person("sitzt@example.org"))))
	})
}

// countingAPI records the DynamoDB operations a request makes.
type countingAPI struct {
	dynamo.API
	mu  sync.Mutex
	ops []string
}

func (c *countingAPI) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops = append(c.ops, op)
}

func (c *countingAPI) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.ops
	c.ops = nil
	return out
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem")
	return c.API.GetItem(ctx, in, o...)
}

func (c *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("PutItem")
	return c.API.PutItem(ctx, in, o...)
}

func (c *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem")
	return c.API.UpdateItem(ctx, in, o...)
}

func (c *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add("Query")
	return c.API.Query(ctx, in, o...)
}

func (c *countingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.add("TransactWriteItems")
	return c.API.TransactWriteItems(ctx, in, o...)
}

// start is when the storage-call test runs, by its own clock.
var start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// TestRepeatsCostTheSame: timing must not tell a repeat from a new
// submission either, so both make the same storage calls in the same order.
func TestRepeatsCostTheSame(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	counting := &countingAPI{API: db.Client}
	store := lambdaenv.NewStore(counting, db.Table, cfg, keys)
	clock := testenv.NewClock(start)
	store.Now = clock.Now
	events := &event.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now}
	api := &httpapi.API{
		Config:   cfg,
		Partners: &partner.Service{Store: store, Config: cfg, Keys: keys, Now: clock.Now},
		Events:   events,
		Log:      slog.New(slog.DiscardHandler),
		Now:      clock.Now,
	}
	h := api.Handler()
	post := func(path string, body []byte) []string {
		counting.take()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return counting.take()
	}

	app := jsonBody(t, validApplication())
	newApp, repeatApp := post("/partners", app), post("/partners", app)
	if !slices.Equal(newApp, repeatApp) {
		t.Errorf("application: new %v, repeat %v", newApp, repeatApp)
	}

	e := event.Event{ID: id.New(start), Title: network.Text{"de": "Plenum"},
		StartsAt: start.Add(240 * time.Hour), EndsAt: start.Add(242 * time.Hour), Location: event.Location{Name: "Landratsamt"},
		Capacity: 1, RegistrationDeadline: start.Add(200 * time.Hour), Published: true}
	if err := store.PutEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	path := "/events/" + e.ID + "/registrations"
	newSeat := post(path, signUpBody("sitzt@example.org"))
	repeatSeat := post(path, signUpBody("sitzt@example.org"))
	post(path, signUpBody("wartet@example.org"))
	repeatWaiting := post(path, signUpBody("wartet@example.org"))
	if !slices.Equal(newSeat, repeatSeat) || !slices.Equal(newSeat, repeatWaiting) {
		t.Errorf("sign-up: new %v, repeat with a seat %v, repeat waiting %v", newSeat, repeatSeat, repeatWaiting)
	}
	t.Logf("application: %v; sign-up: %v", newApp, newSeat)
}
