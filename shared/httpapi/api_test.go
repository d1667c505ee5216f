package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/auth/jwtauth"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

type fixture struct {
	srv     *httptest.Server
	handler http.Handler
	db      *testenv.DynamoDB
	store   *dynamo.Store
	clock   *testenv.Clock
	config  *network.Config
	keys    *secret.Keys
	mails   *[]string // ids the store reported as written
	auth    *jwtauth.Verifier
	api     *httpapi.API
	logs    *testenv.Output
}

func newFixture(t testing.TB) *fixture { return newFixtureOn(t, nil) }

// newFixtureOn is newFixture with the store's DynamoDB client wrapped, for
// tests that watch the calls.
func newFixtureOn(t testing.TB, wrap func(dynamo.API) dynamo.API) *fixture {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	db := testenv.NewDynamoDB(t)
	clk := testenv.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	var client dynamo.API = db.Client
	if wrap != nil {
		client = wrap(client)
	}
	store := lambdaenv.NewStore(client, db.Table, cfg, keys)
	store.Now = clk.Now
	var mu sync.Mutex
	var mails []string
	store.OnMail = func(ids []string) { mu.Lock(); mails = append(mails, ids...); mu.Unlock() }
	partners := &partner.Service{Store: store, Config: cfg, Keys: keys, Now: clk.Now}
	messages := &contact.Service{Store: store, Config: cfg, Keys: keys, Now: clk.Now}
	verifier := &jwtauth.Verifier{Secret: []byte(testJWTSecret), Now: clk.Now}
	logs := &testenv.Output{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	events := &event.Service{Store: store, Config: cfg, Keys: keys, Now: clk.Now, Log: log}
	api := &httpapi.API{
		Config:   cfg,
		Partners: partners,
		Events:   events,
		Contact:  messages,
		Admin: &httpapi.Admin{
			Auth: verifier, Partners: partners, Audit: store, Events: events,
			Roster:   &event.Roster{Store: store, Config: cfg, Now: clk.Now},
			Messages: messages,
			Outbox:   &outbox.Admin{Store: store, Config: cfg, Now: clk.Now},
			Privacy:  &privacy.Service{Store: store, Events: events, Config: cfg, Keys: keys, Now: clk.Now},
		},
		Log: log,
		Now: clk.Now,
	}
	h := api.Handler()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, handler: h, db: db, store: store, clock: clk, config: cfg, keys: keys, mails: &mails, auth: verifier, api: api, logs: logs}
}

// noRedirect lets tests see 303 answers.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(t *testing.T, method, path, contentType string, body []byte, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func decodeProblem(t *testing.T, r response) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.body)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Status != r.status {
		t.Errorf("problem status %d, response status %d", p.Status, r.status)
	}
	return p
}

// validApplication is a complete application; tests change one field.
func validApplication() map[string]any {
	return map[string]any{
		"organisation":     "Caritasverband Eisenach",
		"organisationType": "welfare",
		"contactName":      "Erika Müller",
		"email":            "beratung@example.org",
		"phone":            "03691 123456",
		"website":          "caritas-eisenach.example.org",
		"workingGroups":    []string{"counselling", "language"},
		"regionalNetworks": []string{"eisenach"},
		"message":          "Wir möchten mitarbeiten.",
		"consent":          true,
	}
}

func jsonBody(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
