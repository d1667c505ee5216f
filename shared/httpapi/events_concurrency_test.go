package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// signupWorld is one event behind the real HTTP layer, with the store as
// production builds it over the real SDK client and the emulator on loopback.
type signupWorld struct {
	t        *testing.T
	db       *testenv.DynamoDB
	cfg      *network.Config
	keys     *secret.Keys
	clock    *testenv.Clock
	store    *dynamo.Store
	reader   *dynamo.Store // straight on the emulator, past any injected fault
	srv      *httptest.Server
	client   *http.Client
	event    event.Event
	backoffs atomic.Int64 // conflict retries the store waited for

	mu    sync.Mutex
	mails []string // ids the store reported as written
}

// loopbackTransport allows n idle connections per host, so n requests in
// flight reuse their connections instead of dialling anew each time.
func loopbackTransport(n int) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * n
	tr.MaxIdleConnsPerHost = n
	return tr
}

// newSignupWorld stores an open event of the given capacity. With wrap, the
// store's DynamoDB client is the emulator client (same options as
// testenv's) whose HTTP transport is wrap's; without, testenv's client.
func newSignupWorld(t *testing.T, capacity int, wrap func(http.RoundTripper) http.RoundTripper) *signupWorld {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	w := &signupWorld{
		t: t, db: testenv.NewDynamoDB(t), cfg: cfg, keys: keys,
		clock: testenv.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
	}
	var api dynamo.API = w.db.Client
	if wrap != nil {
		base := loopbackTransport(64)
		t.Cleanup(base.CloseIdleConnections)
		api = dynamodb.New(w.db.Client.Options(), func(o *dynamodb.Options) {
			o.HTTPClient = &http.Client{Transport: wrap(base)}
		})
	}
	w.store = lambdaenv.NewStore(api, w.db.Table, cfg, keys)
	w.reader = lambdaenv.NewStore(w.db.Client, w.db.Table, cfg, keys)
	w.store.Now = w.clock.Now
	w.store.Backoff = func(context.Context, int) error { w.backoffs.Add(1); return nil }
	w.store.OnMail = func(ids []string) { w.mu.Lock(); w.mails = append(w.mails, ids...); w.mu.Unlock() }

	now := w.clock.Now()
	w.event = event.Event{
		ID:       id.New(now),
		Title:    network.Text{"de": "Netzwerktreffen Integration (Plenum)", "en": "Integration network meeting (plenary)"},
		StartsAt: now.Add(14 * 24 * time.Hour), EndsAt: now.Add(14*24*time.Hour + 3*time.Hour),
		Location:             event.Location{Name: "Landratsamt Wartburgkreis", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity:             capacity,
		RegistrationDeadline: now.Add(7 * 24 * time.Hour),
		Network:              "wartburgkreis",
		Published:            true,
	}
	if err := w.reader.PutEvent(context.Background(), w.event); err != nil {
		t.Fatalf("PutEvent: %v", err)
	}

	a := &httpapi.API{
		Config: cfg,
		Events: &event.Service{Store: w.store, Config: cfg, Keys: keys, Now: w.clock.Now},
		// Errors reach the test log: a 503's problem document hides its cause.
		Log: slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelError})),
		Now: w.clock.Now,
	}
	// Each request the server answers is numbered in its context, which
	// the store's calls to DynamoDB carry to the injector.
	var requests atomic.Int64
	h := a.Handler()
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), requestKey{}, requests.Add(1))))
	}))
	t.Cleanup(w.srv.Close)
	tr := loopbackTransport(64)
	t.Cleanup(tr.CloseIdleConnections)
	w.client = &http.Client{Transport: tr, Timeout: time.Minute}
	return w
}

// testLogWriter writes log lines to the test's log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func registrant(i int) string { return fmt.Sprintf("person-%04d@example.org", i) }

// outcome is one sign-up's answer.
type outcome struct {
	email  string
	status int
	header http.Header
	body   []byte
	err    error
	// Where the person stands: the answer says nothing, the store does.
	ID       string
	Status   event.Status
	Position int
}

// post sends one JSON request on behalf of addr and reads the answer.
func (w *signupWorld) post(addr, path string, payload any) outcome {
	o := outcome{email: addr}
	body, err := json.Marshal(payload)
	if err != nil {
		o.err = err
		return o
	}
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		o.err = err
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		o.err = err
		return o
	}
	defer resp.Body.Close()
	o.status, o.header = resp.StatusCode, resp.Header
	o.body, o.err = io.ReadAll(resp.Body)
	return o
}

// signUp posts one JSON sign-up and reads where the person stands.
func (w *signupWorld) signUp(addr string) outcome {
	o := w.post(addr, "/events/"+w.event.ID+"/registrations", map[string]any{
		"name": "Person " + strings.TrimSuffix(addr, "@example.org"), "email": addr,
		"organisation": "Beispielverein e. V.", "consent": true, "locale": "de",
	})
	if o.err == nil && o.status == http.StatusAccepted {
		r, err := w.reader.Registration(context.Background(), w.event.ID, w.keys.EmailHash(email.Key(addr)))
		o.ID, o.Status, o.Position, o.err = r.ID, r.Status, r.Position, err
	}
	return o
}

// signUpAll posts n sign-ups with distinct addresses, inFlight at a time.
func (w *signupWorld) signUpAll(n, inFlight int) []outcome {
	out := make([]outcome, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() {
			for i := range next {
				out[i] = w.signUp(registrant(i))
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func (w *signupWorld) pk(kind, id string) string { return w.cfg.ID + "#" + kind + "#" + id }

// query lists every item of one partition of the table or of the index.
func (w *signupWorld) query(index, keyAttr, key string) []map[string]types.AttributeValue {
	w.t.Helper()
	in := &dynamodb.QueryInput{
		TableName:                 &w.db.Table,
		KeyConditionExpression:    aws.String(keyAttr + " = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": sv(key)},
	}
	if index != "" {
		in.IndexName = aws.String(index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	var items []map[string]types.AttributeValue
	for p := dynamodb.NewQueryPaginator(w.db.Client, in); p.HasMorePages(); {
		page, err := p.NextPage(context.Background())
		if err != nil {
			w.t.Fatalf("query %s %s: %v", keyAttr, key, err)
		}
		items = append(items, page.Items...)
	}
	return items
}

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// nOf is a number attribute as an int, -1 if absent.
func nOf(item map[string]types.AttributeValue, name string) int {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.Atoi(v.Value)
		return n
	}
	return -1
}

// counters are the event's confirmed, waiting and waitSeq.
func (w *signupWorld) counters() (confirmed, waiting, waitSeq int) {
	w.t.Helper()
	it := w.db.Item(w.t, w.pk("event", w.event.ID), "counters")
	if it == nil {
		w.t.Fatal("the event's counters item is gone")
	}
	return nOf(it, "confirmed"), nOf(it, "waiting"), nOf(it, "waitSeq")
}

// checkFilled asserts the state after n successful sign-ups with distinct
// addresses: the answers, the counters, the registrations in the table and
// in both index partitions, and one mail per person in the outbox.
func (w *signupWorld) checkFilled(out []outcome) {
	t := w.t
	t.Helper()
	n, capacity := len(out), w.event.Capacity
	wantWaiting := n - capacity

	var confirmed, waitlisted, failed int
	var positions []int
	byEmail := map[string]outcome{}
	for _, o := range out {
		switch {
		case o.err != nil || o.status != http.StatusAccepted:
			failed++
			if failed <= 5 {
				t.Errorf("%s: status %d, err %v, Retry-After %q, body %s", o.email, o.status, o.err, o.header.Get("Retry-After"), o.body)
			}
		case o.Status == event.Confirmed:
			confirmed++
			if o.Position != 0 {
				t.Errorf("%s: confirmed with position %d", o.email, o.Position)
			}
		case o.Status == event.Waitlisted:
			waitlisted++
			positions = append(positions, o.Position)
		default:
			t.Errorf("%s: status %q", o.email, o.Status)
		}
		byEmail[o.email] = o
	}
	t.Logf("answers: %d confirmed, %d waitlisted, %d failed", confirmed, waitlisted, failed)
	if confirmed != capacity || waitlisted != wantWaiting || failed != 0 {
		t.Errorf("answers: %d confirmed, %d waitlisted, %d failed; want %d, %d, 0", confirmed, waitlisted, failed, capacity, wantWaiting)
	}
	sort.Ints(positions)
	for i, p := range positions {
		if p != i+1 {
			t.Errorf("waiting positions are not exactly 1..%d: at index %d found %d (sorted %v…)", wantWaiting, i, p, positions[:min(len(positions), i+3)])
			break
		}
	}

	c, wt, seq := w.counters()
	if c != capacity || wt != wantWaiting || seq != wantWaiting {
		t.Errorf("event counters confirmed=%d waiting=%d waitSeq=%d; want %d, %d, %d", c, wt, seq, capacity, wantWaiting, wantWaiting)
	}

	// The event's partition: the event, its counters and one registration
	// per person.
	regs := map[string]map[string]types.AttributeValue{}
	for _, it := range w.query("", "pk", w.pk("event", w.event.ID)) {
		if sk := testenv.S(it, "sk"); strings.HasPrefix(sk, "registration#") {
			regs[testenv.S(it, "email")] = it
		} else if sk != "event" && sk != "counters" {
			t.Errorf("unexpected item %s in the event's partition", sk)
		}
	}
	if len(regs) != n {
		t.Errorf("%d registration items in the event's partition, want %d", len(regs), n)
	}
	statusCount := map[string]int{}
	for addr, it := range regs {
		statusCount[testenv.S(it, "status")]++
		o, ok := byEmail[addr]
		if !ok {
			t.Errorf("registration of %q, who never signed up", addr)
			continue
		}
		if got, want := testenv.S(it, "emailHash"), w.keys.EmailHash(email.Key(addr)); got != want || testenv.S(it, "sk") != "registration#"+want {
			t.Errorf("%s: emailHash %q sk %q, want %q", addr, got, testenv.S(it, "sk"), want)
		}
		if testenv.S(it, "id") != o.ID || testenv.S(it, "status") != string(o.Status) || max(nOf(it, "position"), 0) != o.Position {
			t.Errorf("%s: stored id=%s status=%s position=%d, answered id=%s status=%s position=%d",
				addr, testenv.S(it, "id"), testenv.S(it, "status"), nOf(it, "position"), o.ID, o.Status, o.Position)
		}
	}
	if statusCount["confirmed"] != capacity || statusCount["waitlisted"] != wantWaiting || len(statusCount) > 2 {
		t.Errorf("stored registrations by status %v; want confirmed=%d waitlisted=%d", statusCount, capacity, wantWaiting)
	}

	// The index: attendees by arrival, the waiting list by position.
	attendees := w.query(dynamo.Index, "gsi1pk", w.pk("attendees", w.event.ID))
	waitlist := w.query(dynamo.Index, "gsi1pk", w.pk("waitlist", w.event.ID))
	if len(attendees) != capacity || len(waitlist) != wantWaiting {
		t.Errorf("index: %d attendees, %d waiting; want %d, %d", len(attendees), len(waitlist), capacity, wantWaiting)
	}
	for _, it := range attendees {
		if testenv.S(it, "status") != "confirmed" {
			t.Errorf("attendee %s has status %s", testenv.S(it, "email"), testenv.S(it, "status"))
		}
	}
	for i, it := range waitlist {
		if testenv.S(it, "status") != "waitlisted" || nOf(it, "position") != i+1 || testenv.S(it, "gsi1sk") != fmt.Sprintf("%08d", i+1) {
			t.Errorf("waiting list entry %d: %s status %s position %d gsi1sk %s",
				i, testenv.S(it, "email"), testenv.S(it, "status"), nOf(it, "position"), testenv.S(it, "gsi1sk"))
		}
	}

	// One mail per person, and no mail the store did not report.
	w.mu.Lock()
	mails := slices.Clone(w.mails)
	w.mu.Unlock()
	if len(mails) != n {
		t.Errorf("the store reported %d mails, want %d", len(mails), n)
	}
	// A sign-up's mail waits for the notifier alone, outside the due
	// index, until the sweeper's reconcile hands over one still waiting.
	if due := w.query(dynamo.Index, "gsi1pk", w.pk("mail", "due")); len(due) != 0 {
		t.Errorf("%d mails in the outbox's due partition, want none", len(due))
	}
	items := make([]map[string]types.AttributeValue, len(mails))
	var wg sync.WaitGroup
	var readErrs atomic.Int64
	sem := make(chan struct{}, 16)
	for i, mid := range mails {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			o, err := w.db.Client.GetItem(context.Background(), &dynamodb.GetItemInput{
				TableName:      &w.db.Table,
				Key:            map[string]types.AttributeValue{"pk": sv(w.pk("mail", mid)), "sk": sv("outbox")},
				ConsistentRead: aws.Bool(true),
			})
			if err != nil {
				readErrs.Add(1)
				return
			}
			items[i] = o.Item
		})
	}
	wg.Wait()
	if readErrs.Load() > 0 {
		t.Fatalf("%d outbox reads failed", readErrs.Load())
	}
	perPerson := map[string]int{}
	for i, it := range items {
		if len(it) == 0 {
			t.Errorf("mail %s reported but not stored", mails[i])
			continue
		}
		to, ok := it["to"].(*types.AttributeValueMemberL)
		if !ok || len(to.Value) != 1 {
			t.Errorf("mail %s: to %v, want one address", mails[i], it["to"])
			continue
		}
		addr := testenv.S(map[string]types.AttributeValue{"a": to.Value[0]}, "a")
		perPerson[addr]++
		o, ok := byEmail[addr]
		if !ok {
			t.Errorf("mail %s to %q, who never signed up", mails[i], addr)
			continue
		}
		want := "event.confirmed"
		if o.Status == event.Waitlisted {
			want = "event.waitlisted"
		}
		data, _ := it["data"].(*types.AttributeValueMemberM)
		var regID, pos string
		if data != nil {
			regID, pos = testenv.S(data.Value, "registrationId"), testenv.S(data.Value, "position")
		}
		if testenv.S(it, "template") != want || testenv.S(it, "status") != "pending" || regID != o.ID || pos != strconv.Itoa(o.Position) {
			t.Errorf("mail %s to %s: template %s status %s registrationId %s position %s; want %s, pending, %s, %d",
				mails[i], addr, testenv.S(it, "template"), testenv.S(it, "status"), regID, pos, want, o.ID, o.Position)
		}
		// The one first mail a registration may have: a second put of it,
		// by a retry or the reconcile, finds this one.
		if mails[i] != id.Derive(o.ID, want) || testenv.S(it, "gsi1pk") != "" {
			t.Errorf("mail %s of registration %s: in index partition %q; want id %s, unindexed",
				mails[i], o.ID, testenv.S(it, "gsi1pk"), id.Derive(o.ID, want))
		}
	}
	for _, o := range out {
		if perPerson[o.email] != 1 {
			t.Errorf("%s got %d mails, want 1", o.email, perPerson[o.email])
		}
	}
}

// TestConcurrentSignups: 1,000 people sign up for 60 seats, 64 at a time,
// through the HTTP layer and the real SDK against the emulator.
func TestConcurrentSignups(t *testing.T) {
	const n, capacity, inFlight = 1000, 60, 64
	w := newSignupWorld(t, capacity, nil)
	start := time.Now()
	out := w.signUpAll(n, inFlight)
	took := time.Since(start)
	t.Logf("%d sign-ups for %d seats, %d in flight: %v (%.1f ms each, %.0f/s); conflict retries: %d",
		n, capacity, inFlight, took.Round(time.Millisecond), float64(took.Microseconds())/1000/n,
		float64(n)/took.Seconds(), w.backoffs.Load())
	checkStart := time.Now()
	w.checkFilled(out)
	t.Logf("read-back checks: %v", time.Since(checkStart).Round(time.Millisecond))
}

// conflictInjector stands between the SDK and the emulator and refuses
// writes as DynamoDB does when a transaction holds one of their items,
// without forwarding them: a TransactWriteItems call is cancelled with a
// TransactionConflict reason, a single-item write (PutItem, UpdateItem,
// DeleteItem) is answered TransactionConflictException. Everything else
// passes.
type conflictInjector struct {
	next http.RoundTripper
	// match picks the writes it may refuse; nil picks every transaction.
	match func(op string, w writeRequest) bool
	// decide reports whether to refuse an attempt; streak is how many
	// attempts of the same write were refused in a row before it.
	decide func(streak int) bool

	mu        sync.Mutex
	streaks   map[string]int // by write: refused attempts in a row
	attempts  int            // matching requests seen
	injected  int            // of which refused here
	committed int            // of which the emulator accepted
}

func newConflictInjector(next http.RoundTripper, decide func(streak int) bool) *conflictInjector {
	return &conflictInjector{next: next, decide: decide, streaks: map[string]int{}}
}

// writeRequest is what the injector reads of a write's JSON body.
type writeRequest struct {
	TransactItems []map[string]struct {
		Key  map[string]map[string]string
		Item map[string]json.RawMessage
	}
	Key              map[string]map[string]string
	Item             map[string]json.RawMessage
	UpdateExpression string
}

// writeOps are the operations the injector can refuse, by X-Amz-Target.
var writeOps = map[string]string{
	"DynamoDB_20120810.TransactWriteItems": "TransactWriteItems",
	"DynamoDB_20120810.PutItem":            "PutItem",
	"DynamoDB_20120810.UpdateItem":         "UpdateItem",
	"DynamoDB_20120810.DeleteItem":         "DeleteItem",
}

func transactionsOnly(op string, _ writeRequest) bool { return op == "TransactWriteItems" }

// isNextPosition picks the waiting-list counter's increment.
func isNextPosition(op string, w writeRequest) bool {
	return op == "UpdateItem" && strings.Contains(w.UpdateExpression, "waitSeq")
}

func singleItems(op string, _ writeRequest) bool { return op != "TransactWriteItems" }

// requestKey marks a context with the number of the sign-up or
// cancellation the world's server is answering, so the injector tells apart
// the same write made for different requests.
type requestKey struct{}

func (c *conflictInjector) RoundTrip(req *http.Request) (*http.Response, error) {
	op, ok := writeOps[req.Header.Get("X-Amz-Target")]
	if !ok {
		return c.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var in writeRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("conflict injector: %w", err)
	}
	fwd := req.Clone(req.Context())
	fwd.Body = io.NopCloser(bytes.NewReader(body))
	fwd.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	fwd.ContentLength = int64(len(body))
	match := c.match
	if match == nil {
		match = transactionsOnly
	}
	if !match(op, in) {
		return c.next.RoundTrip(fwd)
	}
	// A write is known by its request, operation and the keys it writes:
	// the store's retries of one write send the same items.
	keyOf := func(key map[string]map[string]string, item map[string]json.RawMessage) string {
		if key != nil {
			return key["pk"]["S"] + "|" + key["sk"]["S"]
		}
		return string(item["pk"]) + "|" + string(item["sk"])
	}
	var keys []string
	if op != "TransactWriteItems" {
		keys = append(keys, keyOf(in.Key, in.Item))
	}
	for _, ti := range in.TransactItems {
		for _, o := range ti {
			keys = append(keys, keyOf(o.Key, o.Item))
		}
	}
	sort.Strings(keys)
	tag, _ := req.Context().Value(requestKey{}).(int64)
	write := fmt.Sprintf("%d %s %s", tag, op, strings.Join(keys, ","))

	c.mu.Lock()
	c.attempts++
	inject := c.decide(c.streaks[write])
	if inject {
		c.injected++
		c.streaks[write]++
	} else {
		delete(c.streaks, write)
	}
	c.mu.Unlock()

	if inject {
		if op == "TransactWriteItems" {
			return conflictResponse(req, len(in.TransactItems)), nil
		}
		return itemConflictResponse(req), nil
	}
	resp, err := c.next.RoundTrip(fwd)
	if err == nil && resp.StatusCode == http.StatusOK {
		c.mu.Lock()
		c.committed++
		c.mu.Unlock()
	}
	return resp, err
}

// conflictResponse is DynamoDB's answer to a transaction cancelled because
// another one holds its first item: HTTP 400, the error type namespaced in
// the body's __type (DynamoDB sends no X-Amzn-ErrorType; the SDK reads
// __type and strips the namespace), one reason per item in order.
func conflictResponse(req *http.Request, items int) *http.Response {
	type reason struct {
		Code    string
		Message string `json:",omitempty"`
	}
	reasons := make([]reason, items)
	codes := make([]string, items)
	for i := range reasons {
		reasons[i], codes[i] = reason{Code: "None"}, "None"
	}
	reasons[0] = reason{Code: "TransactionConflict", Message: "Transaction is ongoing for the item"}
	codes[0] = "TransactionConflict"
	body, _ := json.Marshal(struct {
		Type                string `json:"__type"`
		CancellationReasons []reason
		Message             string
	}{
		Type:                "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		CancellationReasons: reasons,
		Message:             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
	})
	return errorResponse(req, body)
}

// itemConflictResponse is DynamoDB's answer to a single-item write on an
// item a transaction is writing: HTTP 400 with the namespaced type and the
// message in lower case, as DynamoDB's JSON errors have it.
func itemConflictResponse(req *http.Request) *http.Response {
	body, _ := json.Marshal(map[string]string{
		"__type":  "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
		"message": "Transaction is ongoing for the item",
	})
	return errorResponse(req, body)
}

// errorResponse is an HTTP 400 carrying a DynamoDB error document.
func errorResponse(req *http.Request, body []byte) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", "INJECTED"+strconv.Itoa(int(crc32.ChecksumIEEE(body))))
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	return &http.Response{
		Status: "400 Bad Request", StatusCode: http.StatusBadRequest,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Request: req,
	}
}

func (c *conflictInjector) counts() (attempts, injected int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempts, c.injected
}

func always(int) bool { return true }

// TestConflictInjectorWireFormat: the SDK decodes the injected answer as
// DynamoDB's, so the store sees exactly what a real conflict gives it.
func TestConflictInjectorWireFormat(t *testing.T) {
	var inj *conflictInjector
	w := newSignupWorld(t, 1, func(next http.RoundTripper) http.RoundTripper {
		inj = newConflictInjector(next, always)
		return inj
	})
	put := func(pk string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: &w.db.Table,
			Item: map[string]types.AttributeValue{"pk": sv(pk), "sk": sv("x")}}}
	}
	_, err := w.store.API.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{put("a"), put("b"), put("c")},
	})
	tce, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		t.Fatalf("err %T %v, want *types.TransactionCanceledException", err, err)
	}
	var codes []string
	for _, r := range tce.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	if want := []string{"TransactionConflict", "None", "None"}; !slices.Equal(codes, want) {
		t.Errorf("cancellation reasons %v, want %v", codes, want)
	}
	if tce.ErrorCode() != "TransactionCanceledException" || !strings.Contains(tce.ErrorMessage(), "[TransactionConflict, None, None]") {
		t.Errorf("code %q message %q", tce.ErrorCode(), tce.ErrorMessage())
	}
	// The SDK does not retry a cancelled transaction by itself.
	if attempts, injected := inj.counts(); attempts != 1 || injected != 1 {
		t.Errorf("%d attempts, %d injected; want 1, 1", attempts, injected)
	}
	// Other operations pass the injector untouched.
	if item := w.db.Item(w.t, w.pk("event", w.event.ID), "event"); item == nil {
		t.Error("GetItem through the emulator found no event")
	}

	// A single-item write meets TransactionConflictException, which the
	// SDK does not retry either.
	inj.match = singleItems
	_, err = w.store.API.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 &w.db.Table,
		Key:                       map[string]types.AttributeValue{"pk": sv(w.pk("event", w.event.ID)), "sk": sv("counters")},
		UpdateExpression:          aws.String("SET waitSeq = waitSeq + :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	tce2, ok := errors.AsType[*types.TransactionConflictException](err)
	if !ok {
		t.Fatalf("err %T %v, want *types.TransactionConflictException", err, err)
	}
	if tce2.ErrorCode() != "TransactionConflictException" || tce2.ErrorMessage() != "Transaction is ongoing for the item" {
		t.Errorf("code %q message %q", tce2.ErrorCode(), tce2.ErrorMessage())
	}
	if attempts, injected := inj.counts(); attempts != 2 || injected != 2 {
		t.Errorf("%d attempts, %d injected; want 2, 2", attempts, injected)
	}
	if _, _, seq := w.counters(); seq != 0 {
		t.Errorf("waitSeq %d after a refused update, want 0", seq)
	}
}

// TestWaitlistThroughNextPositionConflicts: the waiting-list counter is the
// hottest item, and on DynamoDB its increment meets transactions writing
// the event. Every NextPosition here is refused twice before it goes
// through; the store retries, and every sign-up ends confirmed or on the
// list in arrival order, none with 503.
func TestWaitlistThroughNextPositionConflicts(t *testing.T) {
	const n, capacity, inFlight, refusals = 60, 10, 8, 2
	var inj *conflictInjector
	w := newSignupWorld(t, capacity, func(next http.RoundTripper) http.RoundTripper {
		inj = newConflictInjector(next, func(streak int) bool { return streak < refusals })
		inj.match = isNextPosition
		return inj
	})
	if refusals >= w.store.ConflictRetries {
		t.Fatalf("ConflictRetries = %d; this test needs more than %d", w.store.ConflictRetries, refusals)
	}
	out := w.signUpAll(n, inFlight)
	attempts, injected := inj.counts()
	inj.mu.Lock()
	reached := inj.committed
	inj.mu.Unlock()
	t.Logf("%d sign-ups for %d seats: %d NextPosition attempts, %d refused, %d went through; %d store retries",
		n, capacity, attempts, injected, reached, w.backoffs.Load())
	w.checkFilled(out)
	// Each NextPosition was refused exactly twice before it went through,
	// and one went through per person on the list.
	if reached != n-capacity || injected != refusals*reached || attempts != injected+reached {
		t.Errorf("%d attempts, %d refused, %d went through; want %d through, each after %d refusals",
			attempts, injected, reached, n-capacity, refusals)
	}
	if got := w.backoffs.Load(); got != int64(injected) {
		t.Errorf("%d backoffs, want one per refusal (%d)", got, injected)
	}
}

// TestConflictRetriedSignups: about 30 % of transaction attempts are
// cancelled by a conflict; the store retries them and every sign-up lands.
// No transaction is cancelled more than ConflictRetries times in a row:
// beyond that the store answers 503 by design (TestConflictExhaustedSignup),
// and with independent 30 % a sign-up would exhaust its retries with
// probability 0.3^5 ≈ 0.24 %, about one run in three for 200 sign-ups.
func TestConflictRetriedSignups(t *testing.T) {
	const n, capacity, inFlight, p = 200, 20, 32, 0.3
	var inj *conflictInjector
	var retries int
	rng := rand.New(rand.NewPCG(2026, 11)) // called under inj.mu
	w := newSignupWorld(t, capacity, func(next http.RoundTripper) http.RoundTripper {
		inj = newConflictInjector(next, func(streak int) bool {
			return streak < retries && rng.Float64() < p
		})
		return inj
	})
	retries = w.store.ConflictRetries
	if retries != 4 {
		t.Fatalf("ConflictRetries = %d; this test assumes production's 4", retries)
	}
	start := time.Now()
	out := w.signUpAll(n, inFlight)
	took := time.Since(start)
	attempts, injected := inj.counts()
	share := float64(injected) / float64(attempts)
	t.Logf("%d sign-ups for %d seats, %d in flight: %v; %d transaction attempts, %d cancelled by injected conflicts (%.1f %%), %d store retries",
		n, capacity, inFlight, took.Round(time.Millisecond), attempts, injected, 100*share, w.backoffs.Load())
	w.checkFilled(out)
	if share < 0.15 || share > 0.45 {
		t.Errorf("%.1f %% of attempts cancelled, want about %.0f %%", 100*share, 100*p)
	}
	// Every cancelled attempt was retried once, and nothing else was.
	if got := w.backoffs.Load(); got != int64(injected) {
		t.Errorf("the store waited %d times before a retry, want one per injected conflict (%d)", got, injected)
	}
	// One committed transaction per sign-up, after its retries.
	inj.mu.Lock()
	committed := inj.committed
	inj.mu.Unlock()
	t.Logf("%d attempts reached the emulator, %d committed", attempts-injected, committed)
	if committed != n {
		t.Errorf("%d transactions committed, want %d", committed, n)
	}
}

// TestConflictExhaustedSignup: every transaction attempt conflicts; the
// sign-up gives up after the store's retries with 503, Retry-After and a
// problem document, and nothing is written: on an open event (TakeSeat) and
// on a full one (NextPosition, then Wait).
func TestConflictExhaustedSignup(t *testing.T) {
	const n = 3
	for _, c := range []struct {
		name     string
		capacity int
		match    func(string, writeRequest) bool
		// NextPosition is a write of its own before the transaction: on a
		// full event each sign-up whose transaction failed leaves its
		// position unused (as the service documents for a seat that came
		// free).
		wantSeq int
	}{
		{"seat left", 20, transactionsOnly, 0},
		{"full", 0, transactionsOnly, n},
		{"full, every NextPosition refused", 0, isNextPosition, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var inj *conflictInjector
			w := newSignupWorld(t, c.capacity, func(next http.RoundTripper) http.RoundTripper {
				inj = newConflictInjector(next, always)
				inj.match = c.match
				return inj
			})
			for i := range n {
				o := w.signUp(registrant(i))
				if o.err != nil {
					t.Fatalf("%s: %v", o.email, o.err)
				}
				if o.status != http.StatusServiceUnavailable {
					t.Fatalf("%s: status %d, want 503; body %s", o.email, o.status, o.body)
				}
				if ra := o.header.Get("Retry-After"); ra == "" {
					t.Errorf("%s: no Retry-After", o.email)
				} else if secs, err := strconv.Atoi(ra); err != nil || secs <= 0 {
					t.Errorf("%s: Retry-After %q, want positive seconds", o.email, ra)
				}
				p := decodeProblem(t, response{status: o.status, header: o.header, body: o.body})
				if p.Code != "unavailable" || p.Title == "" || p.Detail == "" {
					t.Errorf("%s: problem %+v", o.email, p)
				}
				if bytes.Contains(o.body, []byte("Transaction")) || bytes.Contains(o.body, []byte(o.email)) {
					t.Errorf("%s: the problem leaks details: %s", o.email, o.body)
				}
			}
			attempts, injected := inj.counts()
			retries := w.store.ConflictRetries
			t.Logf("%d sign-ups: %d write attempts, all refused; %d store retries (ConflictRetries %d)",
				n, attempts, w.backoffs.Load(), retries)
			if attempts != n*(retries+1) || injected != attempts {
				t.Errorf("%d attempts, %d injected; want %d each (1 + %d retries per sign-up)", attempts, injected, n*(retries+1), retries)
			}
			if got := w.backoffs.Load(); got != int64(n*retries) {
				t.Errorf("%d backoffs, want %d", got, n*retries)
			}

			// Nothing written: the event and its counters are the table's
			// only items, the counters as they were.
			confirmed, waiting, seq := w.counters()
			if confirmed != 0 || waiting != 0 {
				t.Errorf("counters confirmed=%d waiting=%d, want 0, 0", confirmed, waiting)
			}
			if seq != c.wantSeq {
				t.Errorf("waitSeq %d after %d failed sign-ups, want %d", seq, n, c.wantSeq)
			}
			scan, err := w.db.Client.Scan(context.Background(), &dynamodb.ScanInput{TableName: &w.db.Table, ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			var sks []string
			for _, it := range scan.Items {
				sks = append(sks, testenv.S(it, "sk"))
			}
			slices.Sort(sks)
			if !slices.Equal(sks, []string{"counters", "event"}) {
				t.Errorf("table holds %v, want the event and its counters alone", sks)
			}
			for i := range n {
				if it := w.db.Item(t, w.pk("event", w.event.ID), "registration#"+w.keys.EmailHash(email.Key(registrant(i)))); it != nil {
					t.Errorf("%s: a registration was stored", registrant(i))
				}
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			if len(w.mails) != 0 {
				t.Errorf("the store reported mails %v", w.mails)
			}
		})
	}
}

// TestConflictAtRetryLimit: every transaction is cancelled by a conflict on
// exactly its first ConflictRetries attempts; the last allowed attempt goes
// through, so every sign-up still lands.
func TestConflictAtRetryLimit(t *testing.T) {
	const n, capacity, inFlight = 40, 10, 8
	var inj *conflictInjector
	var retries int
	w := newSignupWorld(t, capacity, func(next http.RoundTripper) http.RoundTripper {
		inj = newConflictInjector(next, func(streak int) bool { return streak < retries })
		return inj
	})
	retries = w.store.ConflictRetries
	out := w.signUpAll(n, inFlight)
	attempts, injected := inj.counts()
	inj.mu.Lock()
	committed := inj.committed
	inj.mu.Unlock()
	t.Logf("%d sign-ups: %d transaction attempts, %d cancelled, %d committed, %d store retries",
		n, attempts, injected, committed, w.backoffs.Load())
	w.checkFilled(out)
	// Each transaction that reached the emulator was cancelled exactly
	// ConflictRetries times before.
	if reached := attempts - injected; injected != retries*reached || committed != n {
		t.Errorf("%d reached the emulator after %d cancellations, %d committed; want %d per transaction, %d committed",
			reached, injected, committed, retries, n)
	}
	if got := w.backoffs.Load(); got != int64(injected) {
		t.Errorf("%d backoffs, want %d", got, injected)
	}
}
