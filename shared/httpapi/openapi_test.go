package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
)

// The OpenAPI document is held to the handlers by kin-openapi: the document
// must be valid OpenAPI 3.1, every route the router serves must be in it and
// nothing else, and every call of the conformance table (openapi_calls_test.go)
// must be a request the document allows (or, on purpose, one it forbids) and
// get an answer the document describes: status, media type, headers, body.
// Every documented answer must be exercised by some call.

// contract is the document as the tests hold the handlers to it.
type contract struct {
	doc *openapi3.T
	// seen holds "METHOD /template", and "METHOD /template status media"
	// for each answer some call got.
	seen map[string]bool
}

var pagesAsText sync.Once

func loadContract(t *testing.T) *contract {
	t.Helper()
	b, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatalf("merging the document: %v", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	// Pages are checked for their status, media type and headers; what they
	// say is the templates' business.
	pagesAsText.Do(func() {
		asText := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			return string(b), err
		}
		openapi3filter.RegisterBodyDecoder("text/html", asText)
		openapi3filter.RegisterBodyDecoder("text/javascript", asText)
		// A calendar must at least be one a parser reads.
		openapi3filter.RegisterBodyDecoder("text/calendar", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			if err != nil {
				return nil, err
			}
			if _, err := goical.NewDecoder(bytes.NewReader(b)).Decode(); err != nil {
				return nil, fmt.Errorf("not a calendar: %w", err)
			}
			return string(b), nil
		})
	})
	return &contract{doc: doc, seen: map[string]bool{}}
}

// operations maps every documented "METHOD /template" to its operation.
func (c *contract) operations() map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for p, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+p] = op
		}
	}
	return out
}

// route finds the documented operation a request is for; a literal segment
// beats a template one, as in the router.
func (c *contract) route(method, path string) (*routers.Route, map[string]string, error) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestLiterals := -1
	for tmpl, item := range c.doc.Paths.Map() {
		op := item.GetOperation(method)
		segs := strings.Split(strings.Trim(tmpl, "/"), "/")
		if op == nil || len(segs) != len(parts) {
			continue
		}
		params, literals := map[string]string{}, 0
		for i, s := range segs {
			if name, ok := strings.CutPrefix(s, "{"); ok {
				params[strings.TrimSuffix(name, "}")] = parts[i]
				continue
			}
			if s != parts[i] {
				literals = -1
				break
			}
			literals++
		}
		if literals > bestLiterals {
			best = &routers.Route{Spec: c.doc, Path: tmpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestLiterals = params, literals
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("%s %s is not in the document", method, path)
	}
	return best, bestParams, nil
}

// bearer is all the document can say about a token: there must be one.
// Whether it is a coordinator's is the handler's check.
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

// exchange is one request with its answer.
type exchange struct {
	req      *http.Request
	reqBody  []byte
	status   int
	header   http.Header
	respBody []byte
}

// check validates an exchange against the document. It returns the
// request's conformance error (nil for a request the document allows) and
// every way the answer breaks the document, and records the answer as seen.
func (c *contract) check(x exchange) (requestErr error, answerErrs []string) {
	route, params, err := c.route(x.req.Method, x.req.URL.Path)
	if err != nil {
		return err, []string{err.Error()}
	}
	ctx := context.Background()
	req := x.req.Clone(ctx)
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(x.reqBody)), int64(len(x.reqBody))
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError: true, RejectWhenRequestBodyNotSpecified: true, SkipSettingDefaults: true,
			AuthenticationFunc: bearer,
		},
	}
	requestErr = openapi3filter.ValidateRequest(ctx, in)

	key := x.req.Method + " " + route.Path
	c.seen[key] = true
	answer := route.Operation.Responses.Status(x.status)
	if answer == nil || answer.Value == nil {
		return requestErr, []string{fmt.Sprintf("status %d is not documented for %s", x.status, key)}
	}
	media := "-" // no content
	if len(answer.Value.Content) == 0 {
		if len(x.respBody) > 0 {
			answerErrs = append(answerErrs, fmt.Sprintf("%d documents no content, but the answer has %d bytes", x.status, len(x.respBody)))
		}
	} else {
		media, _, _ = mime.ParseMediaType(x.header.Get("Content-Type"))
		if answer.Value.Content.Get(media) == nil {
			answerErrs = append(answerErrs, fmt.Sprintf("%d answered %q, documented %v", x.status, media, slices.Sorted(maps.Keys(answer.Value.Content))))
		}
	}
	c.seen[fmt.Sprintf("%s %d %s", key, x.status, media)] = true

	in.Request = x.req // the answer is checked against the request as sent
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 x.status,
		Header:                 x.header,
		Body:                   io.NopCloser(bytes.NewReader(x.respBody)),
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	})
	if err != nil {
		answerErrs = append(answerErrs, err.Error())
	}
	return requestErr, answerErrs
}

// unexercised lists the documented routes no call reached, and the
// documented answers ("METHOD /template status media") no call got.
func (c *contract) unexercised() (routes, answers []string) {
	for key, op := range c.operations() {
		if !c.seen[key] {
			routes = append(routes, key)
			continue
		}
		for code, ref := range op.Responses.Map() {
			medias := slices.Collect(maps.Keys(ref.Value.Content))
			if len(medias) == 0 {
				medias = []string{"-"}
			}
			for _, m := range medias {
				if k := key + " " + code + " " + m; !c.seen[k] {
					answers = append(answers, k)
				}
			}
		}
	}
	slices.Sort(routes)
	slices.Sort(answers)
	return routes, answers
}

// call is one row of the conformance table: a request and the status it
// must get.
type call struct {
	method string
	path   string // with its query
	// body is nil (none), url.Values (a form post), raw (as given) or any
	// other value (sent as JSON).
	body   any
	header []string   // more request headers: name, value, ...
	as     credential // for /admin routes
	down   bool       // sent to the API with its storage gone
	// limited is sent to the API whose rate limit refuses every request.
	limited bool
	// later moves the shared clock on before the request.
	later  time.Duration
	status int
	// invalid says the request breaks the document on purpose (a missing
	// field, a wrong media type): the validator must reject it, so the
	// document's constraints are tested as much as the handler's.
	invalid bool
}

// raw is a body sent as it is.
type raw struct{ contentType, body string }

// credential is who an /admin call claims to be.
type credential int

const (
	asCoordinator credential = iota
	asNobody                 // no Authorization header
	asOutsider               // a valid token outside the coordinators group
)

// html asks for pages, as a browser does.
var html = []string{"Accept", "text/html"}

// big is a body field over the 64 KiB limit.
var big = strings.Repeat("x", httpapi.MaxBody+1)

func (cl call) String() string {
	p := cl.path
	if len(p) > 60 {
		p = p[:60] + "…"
	}
	return fmt.Sprintf("%s %s %d", cl.method, p, cl.status)
}

// conformance runs calls in order against f (or, for down calls, against
// down) and checks each exchange against the document.
func (c *contract) conformance(t *testing.T, f *fixture, down, limited http.Handler, calls []call) {
	outsider, err := f.auth.Issue("helfer@example.org", "volunteers")
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range calls {
		t.Run(cl.String(), func(t *testing.T) {
			var body []byte
			contentType := ""
			switch b := cl.body.(type) {
			case nil:
			case url.Values:
				body, contentType = []byte(b.Encode()), "application/x-www-form-urlencoded"
			case raw:
				body, contentType = []byte(b.body), b.contentType
			default:
				body, contentType = jsonBody(t, b), "application/json"
			}
			req := httptest.NewRequest(cl.method, cl.path, bytes.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			for i := 0; i+1 < len(cl.header); i += 2 {
				req.Header.Set(cl.header[i], cl.header[i+1])
			}
			if strings.HasPrefix(cl.path, "/admin/") {
				switch cl.as {
				case asCoordinator:
					req.Header.Set("Authorization", "Bearer "+f.coordinatorToken(t))
				case asOutsider:
					req.Header.Set("Authorization", "Bearer "+outsider)
				}
			}
			f.clock.Advance(cl.later)
			sent := req.Clone(context.Background())
			h := f.handler
			if cl.down {
				h = down
			}
			if cl.limited {
				h = limited
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != cl.status {
				t.Errorf("status %d, want %d; body %.300s", rec.Code, cl.status, rec.Body.Bytes())
			}
			reqErr, answerErrs := c.check(exchange{req: sent, reqBody: body, status: rec.Code, header: rec.Header(), respBody: rec.Body.Bytes()})
			switch {
			case cl.invalid && reqErr == nil:
				t.Errorf("the document allows this request, but the call says it breaks it")
			case !cl.invalid && reqErr != nil:
				t.Errorf("the request breaks the document: %v", reqErr)
			}
			for _, e := range answerErrs {
				t.Errorf("the answer breaks the document: %s\nbody %.300s", e, rec.Body.Bytes())
			}
		})
	}
}

// refuseAll is a rate limit whose client has used up every minute.
type refuseAll struct{}

func (refuseAll) CountRequest(context.Context, string, time.Time, int) (bool, error) {
	return false, nil
}

// rateLimited is f's API behind a rate limit that refuses every request,
// for the 429 answers (the limit itself is tested in TestRateLimit).
func rateLimited(f *fixture) http.Handler {
	api := *f.api
	api.RateLimit = &httpapi.RateLimit{Store: refuseAll{}, PerMinute: 1, Client: func(a string) string { return a }}
	return api.Handler()
}

// storageDown is f's API with every read and write failing, as when
// DynamoDB is unreachable.
func storageDown(f *fixture) http.Handler {
	store := lambdaenv.NewStore(f.db.Client, "no-such-table", f.config, f.keys)
	api := *f.api
	partners, events, contacts, admin := *api.Partners, *api.Events, *api.Contact, *api.Admin
	partners.Store, events.Store, contacts.Store = store, store, store
	roster, mail, privacy := *admin.Roster, *admin.Outbox, *admin.Privacy
	roster.Store, mail.Store, privacy.Store, privacy.Events = store, store, store, &events
	admin.Partners, admin.Audit, admin.Events, admin.Messages = &partners, store, &events, &contacts
	admin.Roster, admin.Outbox, admin.Privacy = &roster, &mail, &privacy
	api.Partners, api.Events, api.Contact, api.Admin = &partners, &events, &contacts, &admin
	return api.Handler()
}

func TestOpenAPIConformance(t *testing.T) {
	f := newFixture(t)
	c := loadContract(t)
	c.conformance(t, f, storageDown(f), rateLimited(f), conformanceCalls(t, f, c))

	routes, answers := c.unexercised()
	for _, r := range routes {
		t.Errorf("%s is documented but no call exercises it at all: add calls to openapi_calls_test.go", r)
	}
	for _, a := range answers {
		t.Errorf("the answer %s is documented but no call gets it: add a call, or drop it from the document", a)
	}
	t.Logf("%d documented operations, every documented answer exercised: %v", len(c.operations()), len(routes)+len(answers) == 0)
}

// TestOpenAPIDocument: the merged document is valid OpenAPI 3.1 by
// kin-openapi's own validation.
func TestOpenAPIDocument(t *testing.T) {
	c := loadContract(t)
	if !c.doc.IsOpenAPI31OrLater() || c.doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", c.doc.OpenAPI)
	}
	if err := c.doc.Validate(context.Background()); err != nil {
		t.Errorf("invalid document: %v", err)
	}
	for key, op := range c.operations() {
		if op.Summary == "" {
			t.Errorf("%s: needs a summary (what a documentation browser lists)", key)
		}
		admin := strings.HasPrefix(strings.Fields(key)[1], "/admin/")
		if secured := op.Security != nil && len(*op.Security) > 0; secured != admin {
			t.Errorf("%s: security %v, want it on exactly the /admin routes", key, op.Security)
		}
	}
}

// TestOpenAPIRoutes: the document has exactly the routes the handlers
// serve, with the same path templates.
func TestOpenAPIRoutes(t *testing.T) {
	f := newFixture(t)
	c := loadContract(t)
	served := f.api.Routes()
	documented := slices.Sorted(maps.Keys(c.operations()))
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is served but not documented", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("%s is documented but no handler serves it", r)
		}
	}
	t.Logf("%d routes served, %d documented", len(served), len(documented))
}

// TestOpenAPIPagination: every admin list (a GET under /admin, not of one
// {item}, whose answer holds a list of objects) takes cursor and limit and
// answers nextCursor.
func TestOpenAPIPagination(t *testing.T) {
	c := loadContract(t)
	lists := 0
	for key, op := range c.operations() {
		method, path, _ := strings.Cut(key, " ")
		if method != http.MethodGet || !strings.HasPrefix(path, "/admin/") || strings.HasSuffix(path, "}") {
			continue
		}
		ok := op.Responses.Status(http.StatusOK)
		mt := ok.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			continue
		}
		props := mt.Schema.Value.Properties
		isList := false
		for _, p := range props {
			if p.Value.Type.Is("array") && p.Value.Items != nil && p.Value.Items.Value.Type.Is("object") {
				isList = true
			}
		}
		if !isList {
			continue
		}
		lists++
		for _, name := range []string{"cursor", "limit"} {
			if p := op.Parameters.GetByInAndName("query", name); p == nil {
				t.Errorf("%s: a list without the query parameter %s", key, name)
			}
		}
		if next := props["nextCursor"]; next == nil || !next.Value.Type.Is("string") {
			t.Errorf("%s: a list whose answer has no nextCursor string", key)
		}
	}
	if lists < 2 {
		t.Errorf("%d admin lists found, want at least 2 (partners, audit)", lists)
	}
}

// TestOpenAPIServed: GET /openapi.json answers the merged document, with a
// cache lifetime (it changes only with a deployment).
func TestOpenAPIServed(t *testing.T) {
	f := newFixture(t)
	want, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	r := f.do(t, "GET", "/openapi.json", "", nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, want) {
		t.Fatalf("status %d, body %.100s; want 200 with the document", r.status, r.body)
	}
	for name, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=3600"} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	var doc struct{ OpenAPI string }
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q (%v), want 3.1.0", doc.OpenAPI, err)
	}
}

// TestOpenAPIContractCatchesDrift: the check rejects answers and requests
// that differ from the document, so a passing conformance table means
// something.
func TestOpenAPIContractCatchesDrift(t *testing.T) {
	c := loadContract(t)
	get := func(path string) *http.Request { return httptest.NewRequest("GET", path, nil) }
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	answers := []struct {
		name string
		x    exchange
	}{
		{"a wrong value", exchange{req: get("/health"), status: 200, header: jsonHeader, respBody: []byte(`{"status":"fine"}`)}},
		{"an undocumented field", exchange{req: get("/health"), status: 200, header: jsonHeader, respBody: []byte(`{"status":"ok","uptime":3}`)}},
		{"a sign-up answer that tells where the person stands", exchange{req: httptest.NewRequest("POST", "/events/e1/registrations", strings.NewReader(`{"name":"A","email":"a@example.org","consent":true}`)),
			status: 202, header: jsonHeader, respBody: []byte(`{"status":"received","position":3}`)}},
		{"a missing field", exchange{req: get("/partners"), status: 200, header: jsonHeader, respBody: []byte(`{}`)}},
		{"a wrong type deep down", exchange{req: get("/events"), status: 200, header: jsonHeader,
			respBody: []byte(`{"events":[{"id":"e","title":"t","startsAt":"soon","endsAt":"2026-12-01T10:00:00Z","timeZone":"Europe/Berlin","location":{"name":"n","address":"a"},"capacity":"ten","seatsLeft":1,"waitingList":false,"registrationDeadline":"2026-12-01T10:00:00Z","registrationOpen":true}]}`)}},
		{"an undocumented status", exchange{req: get("/health"), status: 500, header: jsonHeader, respBody: []byte(`{"status":"ok"}`)}},
		{"an undocumented media type", exchange{req: get("/health"), status: 200, header: http.Header{"Content-Type": {"text/plain"}}, respBody: []byte("ok")}},
		{"a problem without its code", exchange{req: get("/events/x"), status: 404, header: http.Header{"Content-Type": {"application/problem+json"}},
			respBody: []byte(`{"type":"about:blank","title":"Not Found","status":404,"detail":"d"}`)}},
		{"a 303 without Location", exchange{req: httptest.NewRequest("POST", "/contact", nil), status: 303, header: http.Header{}}},
		{"a 503 without Retry-After", exchange{req: get("/partners"), status: 503, header: http.Header{"Content-Type": {"application/problem+json"}},
			respBody: []byte(`{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"d","code":"unavailable"}`)}},
	}
	for _, tt := range answers {
		if _, errs := c.check(tt.x); len(errs) == 0 {
			t.Errorf("%s: the answer passed", tt.name)
		}
	}
	post := func(ct, body string) *http.Request {
		r := httptest.NewRequest("POST", "/events/e1/registrations", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		return r
	}
	requests := []struct {
		name string
		req  *http.Request
		body string
	}{
		{"a wrong type", post("application/json", ""), `{"name":7,"email":"a@example.org","consent":true}`},
		{"consent refused", post("application/json", ""), `{"name":"A","email":"a@example.org","consent":false}`},
		{"a form without its checkbox", post("application/x-www-form-urlencoded", ""), `name=A&email=a%40example.org`},
		{"an undocumented media type", post("text/plain", ""), `hello`},
		{"a body where none is documented", httptest.NewRequest("GET", "/health", nil), `{}`},
		{"an admin route without a token", get("/admin/me"), ``},
		{"a query value outside its enum", get("/admin/partners?status=maybe"), ``},
	}
	for _, tt := range requests {
		if tt.body != "" && tt.req.Method == "GET" {
			tt.req.Header.Set("Content-Type", "application/json")
		}
		reqErr, _ := c.check(exchange{req: tt.req, reqBody: []byte(tt.body), status: 200})
		if reqErr == nil {
			t.Errorf("%s: the request passed", tt.name)
		}
	}
	reqErr, answerErrs := c.check(exchange{req: post("application/json", ""), reqBody: []byte(`{"name":"A","email":"a@example.org","consent":true}`),
		status: 202, header: jsonHeader, respBody: []byte(`{"status":"received"}`)})
	if reqErr != nil || len(answerErrs) > 0 {
		t.Errorf("a conforming exchange failed: %v %v", reqErr, answerErrs)
	}
}
