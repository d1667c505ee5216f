package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// The delivery fault suite: the local server with its real SES v2 client
// pointed at an aws-ses-v2-local of its own (directly, or through a proxy
// that injects SES errors), driven through HTTP, with the clock moved by
// hand and the sweeper called explicitly.

// faultAWSEnv gives the SES client dummy credentials, which the emulator
// accepts.
func faultAWSEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "eu-central-1")
}

// startFaultLocal is the local server sending through the SES v2 API at
// endpoint, with the retry jitter fixed so the schedule is exact.
func startFaultLocal(t *testing.T, endpoint string) *local {
	t.Helper()
	l := startLocal(t, func(o *options) { o.sesEndpoint = endpoint })
	l.Deliverer.Jitter = func() float64 { return 1 }
	return l
}

// postJSON sends body and decodes the JSON answer, failing unless the status
// is want.
func (l *local) postJSON(t *testing.T, path, body string, want int) map[string]any {
	t.Helper()
	resp, text := l.request(t, "POST", path, "application/json", body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: status %d, want %d: %s", path, resp.StatusCode, want, text)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("POST %s: %v in %s", path, err, text)
	}
	return out
}

// submitContact sends a contact message and returns its id and reference.
func (l *local) submitContact(t *testing.T, from, topic string) (id, reference string) {
	t.Helper()
	out := l.postJSON(t, "/contact", `{"name":"Testperson","email":"`+from+`","topic":"`+topic+
		`","message":"Eine Frage während einer SES-Störung.","consent":true}`, http.StatusAccepted)
	id, _ = out["id"].(string)
	reference, _ = out["reference"].(string)
	if id == "" || reference == "" || out["status"] != "received" {
		t.Fatalf("contact answer %v: want id, reference and status received", out)
	}
	return id, reference
}

// mailRecord is an outbox item as stored.
type mailRecord struct {
	GSI1PK        string            `dynamodbav:"gsi1pk"`
	ID            string            `dynamodbav:"id"`
	Template      string            `dynamodbav:"template"`
	To            []string          `dynamodbav:"to"`
	Data          map[string]string `dynamodbav:"data"`
	Status        string            `dynamodbav:"status"`
	Attempts      int               `dynamodbav:"attempts"`
	CreatedAt     string            `dynamodbav:"createdAt"`
	NextAttemptAt string            `dynamodbav:"nextAttemptAt"`
	LastError     string            `dynamodbav:"lastError"`
	ParkedAt      string            `dynamodbav:"parkedAt"`
	SentAt        string            `dynamodbav:"sentAt"`
}

func parseStoredTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s %q: %v", what, s, err)
	}
	return at
}

// mailPartition lists the outbox items in one partition of the index:
// "due", "sent" or "failed" (<config.ID>#mail#<which>).
func (l *local) mailPartition(t *testing.T, which string) []mailRecord {
	t.Helper()
	pk := l.Config.ID + "#mail#" + which
	p := dynamodb.NewQueryPaginator(l.Store.API, &dynamodb.QueryInput{
		TableName:                 aws.String(l.Store.Table),
		IndexName:                 aws.String(dynamo.Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
	})
	var out []mailRecord
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("query %s: %v", pk, err)
		}
		for _, item := range page.Items {
			var r mailRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				t.Fatal(err)
			}
			if r.GSI1PK != pk {
				t.Errorf("index partition %s lists mail %s whose gsi1pk is %s", pk, r.ID, r.GSI1PK)
			}
			out = append(out, r)
		}
	}
	return out
}

// rawItem reads one item as stored.
func (l *local) rawItem(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := l.Store.API.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(l.Store.Table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberS{Value: sk},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("get %s %s: %v", pk, sk, err)
	}
	return out.Item
}

// rawMail is an outbox item as a plain map, for comparing before and after.
func (l *local) rawMail(t *testing.T, id string) map[string]any {
	t.Helper()
	item := l.rawItem(t, l.Config.ID+"#mail#"+id, "outbox")
	if item == nil {
		t.Fatalf("mail %s: not stored", id)
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (l *local) mail(t *testing.T, id string) mailRecord {
	t.Helper()
	item := l.rawItem(t, l.Config.ID+"#mail#"+id, "outbox")
	if item == nil {
		t.Fatalf("mail %s: not stored", id)
	}
	var r mailRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// pendingMailTo finds the one waiting mail of template to addr.
func (l *local) pendingMailTo(t *testing.T, template, addr string) mailRecord {
	t.Helper()
	var found []mailRecord
	for _, r := range l.mailPartition(t, "due") {
		if r.Template == template && slices.Contains(r.To, addr) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d waiting %s mails to %s, want 1: %+v", len(found), template, addr, found)
	}
	return found[0]
}

// sweep runs one sweep and fails on a storage error.
func (l *local) sweep(t *testing.T) map[outbox.Result]int {
	t.Helper()
	counts, err := l.Deliverer.Sweep(context.Background(), 25)
	if err != nil {
		t.Fatalf("sweep at %v: %v (%v)", l.clock.Now(), err, counts)
	}
	return counts
}

// quietSweeps advances the clock by each step in turn and sweeps, failing if
// a sweep finds anything to do.
func (l *local) quietSweeps(t *testing.T, steps ...time.Duration) {
	t.Helper()
	for _, d := range steps {
		l.clock.Advance(d)
		if counts := l.sweep(t); len(counts) != 0 {
			t.Errorf("sweep %v later found work: %v", d, counts)
		}
	}
}

// withSubject counts the messages whose subject contains part.
func withSubject(msgs []testenv.StoredEmail, part string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Subject, part) {
			n++
		}
	}
	return n
}

// sesStoreSize is the number of messages the emulator holds in all.
func sesStoreSize(t *testing.T, ses *testenv.SESEmulator) int {
	t.Helper()
	resp, err := http.Get(ses.Endpoint() + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []json.RawMessage `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	return len(store.Emails)
}

// waitOf is the backoff outbox.Deliverer applies after the given number of
// attempts with the jitter fixed at 1: FirstWait, doubled per further
// attempt, capped at MaxWait.
func waitOf(p outbox.Policy, attempts int) time.Duration {
	wait := p.FirstWait
	for i := 1; i < attempts && wait < p.MaxWait; i++ {
		wait *= 2
	}
	return min(wait, p.MaxWait)
}

// giveUpSchedule derives from p how many attempts a mail that always fails
// transiently gets, the first at its creation, and when after its creation
// the last one runs and parks it: the one whose next attempt would fall
// after GiveUp.
func giveUpSchedule(p outbox.Policy) (attempts int, parkedAfter time.Duration) {
	elapsed := time.Duration(0)
	for attempts = 1; ; attempts++ {
		next := elapsed + waitOf(p, attempts)
		if next > p.GiveUp {
			return attempts, elapsed
		}
		elapsed = next
	}
}

// TestFaultSuiteSESDown: 100 submissions of all three kinds arrive while SES
// is down. Every one is answered 2xx and stored, every mail it implies waits,
// and once SES is back each goes out exactly once.
func TestFaultSuiteSESDown(t *testing.T) {
	ses := testenv.NewSESEmulator(t)
	faultAWSEnv(t)
	l := startFaultLocal(t, ses.Endpoint())
	ctx := context.Background()

	events, err := l.Events.Upcoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var plenary, group event.Event
	for _, e := range events {
		switch e.Capacity {
		case 60:
			plenary = e
		case 20:
			group = e
		}
	}
	if plenary.ID == "" || group.ID == "" {
		t.Fatalf("demo events: want a plenary with 60 seats and a working group with 20, got %+v", events)
	}

	const (
		submissions = 100
		partners    = 34 // i%3 == 0
		signUps     = 33 // i%3 == 1
		contacts    = 33 // i%3 == 2
		waitlisted  = 5  // the working group gets its capacity and this many more
	)
	groupSignUps := group.SeatsLeft() + waitlisted
	if signUps-groupSignUps > plenary.SeatsLeft() {
		t.Fatalf("the plenary has %d seats for %d sign-ups", plenary.SeatsLeft(), signUps-groupSignUps)
	}
	topics := l.Config.Topics

	type submission struct {
		kind     string // partner, event, contact
		addr     string
		id       string
		event    event.Event
		status   string // what the sign-up must have answered
		position int
		ref      string // contact reference
		topic    string
	}
	var subs []submission

	ses.Stop(t)
	answered := 0
	nEvent, nContact := 0, 0
	for i := range submissions {
		s := submission{addr: testenv.UniqueAddress(t)}
		switch i % 3 {
		case 0:
			s.kind = "partner"
			org := fmt.Sprintf("Ausfallverein %d e. V.", i)
			out := l.postJSON(t, "/partners", fmt.Sprintf(`{"organisation":%q,"organisationType":"association",`+
				`"contactName":"Test","email":%q,"workingGroups":["language"],"consent":true}`, org, s.addr), http.StatusAccepted)
			lock, err := l.Store.Lock(ctx, partner.DedupKey(l.Keys, s.addr, org))
			if out["status"] != "received" || err != nil {
				t.Fatalf("application %d: %v, %v", i, out, err)
			}
			s.id = lock.AppID
		case 1:
			s.kind = "event"
			s.event, s.status = group, string(event.Confirmed)
			if k := nEvent; k >= groupSignUps {
				s.event = plenary
			} else if k >= group.SeatsLeft() {
				s.status, s.position = string(event.Waitlisted), k-group.SeatsLeft()+1
			}
			nEvent++
			l.postJSON(t, "/events/"+s.event.ID+"/registrations",
				`{"name":"Test","email":"`+s.addr+`","consent":true}`, http.StatusAccepted)
			r, err := l.Store.Registration(ctx, s.event.ID, l.Store.HashEmail(email.Key(s.addr)))
			if err != nil || string(r.Status) != s.status || r.Position != s.position {
				t.Fatalf("sign-up %d for %s: %+v, %v; want %s at position %d", nEvent, s.event.Title["de"], r, err, s.status, s.position)
			}
			s.id = r.ID
		case 2:
			s.kind = "contact"
			s.topic = topics[nContact%len(topics)].ID
			nContact++
			s.id, s.ref = l.submitContact(t, s.addr, s.topic)
		}
		answered++ // postJSON checked the 2xx status
		subs = append(subs, s)
	}
	l.Wait() // every immediate attempt has run, against a stopped SES

	// Everything is stored.
	stored := 0
	inboxOf := map[string]string{} // contact reference → inbox
	for _, s := range subs {
		switch s.kind {
		case "partner":
			app, err := l.Store.Application(ctx, s.id)
			if err != nil || app.Email != s.addr || app.Status != partner.PendingConfirmation {
				t.Errorf("application %s: %+v, %v", s.id, app, err)
				continue
			}
		case "event":
			r, err := l.Store.Registration(ctx, s.event.ID, l.Store.HashEmail(email.Key(s.addr)))
			if err != nil || r.ID != s.id || string(r.Status) != s.status || r.Position != s.position {
				t.Errorf("registration %s: %+v, %v; want %s at %d", s.id, r, err, s.status, s.position)
				continue
			}
		case "contact":
			var c struct {
				Email     string `dynamodbav:"email"`
				Reference string `dynamodbav:"reference"`
				Topic     string `dynamodbav:"topic"`
				Inbox     string `dynamodbav:"inbox"`
			}
			item := l.rawItem(t, l.Config.ID+"#contact#"+s.id, "contact")
			if err := attributevalue.UnmarshalMap(item, &c); err != nil || item == nil ||
				c.Email != s.addr || c.Reference != s.ref || c.Topic != s.topic || c.Inbox == "" {
				t.Errorf("contact message %s: %+v, %v", s.id, c, err)
				continue
			}
			inboxOf[s.ref] = c.Inbox
		}
		stored++
	}
	for _, e := range []event.Event{group, plenary} {
		got, err := l.Events.Get(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Confirmed > got.Capacity {
			t.Errorf("%s: %d confirmed for %d seats", e.Title["de"], got.Confirmed, got.Capacity)
		}
	}
	if got, _ := l.Events.Get(ctx, group.ID); got.SeatsLeft() != 0 {
		t.Errorf("working group: %d seats left, want 0", got.SeatsLeft())
	}

	// Every mail failed once and waits for its next attempt a minute later.
	wantMails := partners + signUps + 2*contacts
	due := l.mailPartition(t, "due")
	rescheduled := 0
	for _, r := range due {
		created := parseStoredTime(t, "createdAt", r.CreatedAt)
		next := parseStoredTime(t, "nextAttemptAt", r.NextAttemptAt)
		if r.Status != string(outbox.Pending) || r.Attempts != 1 || r.LastError != "transient" ||
			next.Sub(created) != waitOf(outbox.DefaultPolicy, 1) {
			t.Errorf("mail %s (%s) after the failed attempt: %+v", r.ID, r.Template, r)
			continue
		}
		rescheduled++
	}
	if len(due) != wantMails || rescheduled != wantMails {
		t.Fatalf("%d mails waiting, %d of them rescheduled after one failed attempt; want %d", len(due), rescheduled, wantMails)
	}
	if sent, failed := l.mailPartition(t, "sent"), l.mailPartition(t, "failed"); len(sent)+len(failed) != 0 {
		t.Fatalf("with SES down: %d sent, %d parked, want none", len(sent), len(failed))
	}

	// SES is back; the sweeper catches up.
	ses.Start(t)
	l.clock.Advance(waitOf(outbox.DefaultPolicy, 1) + time.Second)
	delivered, sweeps := 0, 0
	for ; sweeps < 2*wantMails/25+5; sweeps++ {
		counts := l.sweep(t)
		if len(counts) == 0 {
			break
		}
		if counts[outbox.Rescheduled]+counts[outbox.Parked]+counts[outbox.Skipped] != 0 {
			t.Errorf("sweep %d with SES back: %v", sweeps+1, counts)
		}
		delivered += counts[outbox.Delivered]
	}
	if delivered != wantMails {
		t.Fatalf("%d sweeps delivered %d mails, want %d", sweeps, delivered, wantMails)
	}
	if n := len(l.mailPartition(t, "due")); n != 0 {
		t.Errorf("%d mails still due after the sweeps", n)
	}
	if sent := l.mailPartition(t, "sent"); len(sent) != wantMails {
		t.Errorf("%d mails marked sent, want %d", len(sent), wantMails)
	}

	// What SES received: each expected mail once.
	// tally is what SES received, by kind of mail.
	type tally struct {
		confirm, event, ack, inbox  int // messages received per kind
		received, duplicates, stray int
	}
	check := func(when string) tally {
		t.Helper()
		var got tally
		count := func(kind *int, n int) {
			*kind += n
			got.received += n
			got.duplicates += max(n-1, 0)
		}
		inboxes := map[string][]testenv.StoredEmail{}
		for _, s := range subs {
			msgs := ses.Messages(t, s.addr)
			var want string
			var kind *int
			switch {
			case s.kind == "partner":
				want, kind = "Bitte bestätigen Sie Ihren Antrag", &got.confirm
			case s.kind == "event" && s.status == string(event.Confirmed):
				want, kind = "Anmeldung bestätigt: "+s.event.Title["de"], &got.event
			case s.kind == "event":
				want, kind = "Warteliste: "+s.event.Title["de"], &got.event
			default:
				want, kind = "Ihre Nachricht ist angekommen ("+s.ref+")", &got.ack
			}
			if len(msgs) != 1 || withSubject(msgs, want) != 1 {
				var subjects []string
				for _, m := range msgs {
					subjects = append(subjects, m.Subject)
				}
				t.Errorf("%s: %s %s got %d mails %q, want one %q", when, s.kind, s.addr, len(msgs), subjects, want)
			}
			count(kind, len(msgs))
			if s.kind != "contact" {
				continue
			}
			inbox := inboxOf[s.ref]
			if _, ok := inboxes[inbox]; !ok {
				inboxes[inbox] = ses.Messages(t, inbox)
			}
			n := withSubject(inboxes[inbox], "["+s.ref+"] Kontaktanfrage")
			if n != 1 {
				t.Errorf("%s: inbox %s got %d mails for %s, want 1", when, inbox, n, s.ref)
			}
			count(&got.inbox, n)
		}
		inboxMails := 0
		for _, msgs := range inboxes {
			inboxMails += len(msgs)
		}
		if inboxMails != contacts {
			t.Errorf("%s: the inboxes got %d mails, want %d", when, inboxMails, contacts)
		}
		if n := sesStoreSize(t, ses); n != wantMails || n != got.received {
			t.Errorf("%s: SES holds %d mails, %d of them expected; want %d", when, n, got.received, wantMails)
			got.stray = max(n-got.received, 0)
		}
		return got
	}
	first := check("after the outage")

	// Later sweeps send nothing again.
	later := []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 3 * 24 * time.Hour}
	l.quietSweeps(t, later...)
	again := check("days later")

	waiting := 0
	for _, s := range subs {
		if s.status == string(event.Waitlisted) {
			waiting++
		}
	}
	t.Logf("SES outage: submitted %d (%d partner applications, %d event sign-ups [%d confirmed, %d waitlisted], %d contact messages); "+
		"answered 2xx %d; stored %d; mails queued %d, rescheduled after the failed first attempt %d; "+
		"delivered after SES returned %d in %d sweeps; received by SES %d (%d confirm, %d event, %d acknowledgement, %d inbox); "+
		"duplicates %d, unexpected %d; after %d more sweeps over 4 days: received %d, duplicates %d",
		submissions, partners, signUps, signUps-waiting, waiting, contacts,
		answered, stored, len(due), rescheduled,
		delivered, sweeps, first.received, first.confirm, first.event, first.ack, first.inbox,
		first.duplicates, first.stray, len(later), again.received, again.duplicates+again.stray)
}

// faultMode is how sesProxy answers SendEmail for a recipient.
type faultMode int

const (
	forward  faultMode = iota // pass through to the emulator
	reject                    // 400 MessageRejected, as SES does for an unverified address in the sandbox
	throttle                  // 429 TooManyRequestsException and 503 without a code, alternately
)

// sesProxy stands between the SES client and the emulator and injects
// errors into SES v2 SendEmail (POST /v2/email/outbound-emails) for chosen
// envelope recipients; everything else passes through.
type sesProxy struct {
	*httptest.Server

	mu     sync.Mutex
	modes  map[string]faultMode
	sends  map[string]int   // SendEmail requests per envelope recipient
	faults map[string][]int // injected status codes per recipient
}

func newSESProxy(t *testing.T, upstream string) *sesProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &sesProxy{modes: map[string]faultMode{}, sends: map[string]int{}, faults: map[string][]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v2/email/outbound-emails" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if p.inject(w, body) {
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// inject counts the request and answers it with an error if a recipient's
// mode says so.
func (p *sesProxy) inject(w http.ResponseWriter, body []byte) bool {
	// The envelope, not the raw message: an inbox mail carries the sender's
	// address in Reply-To and its text.
	var in struct {
		Destination struct {
			ToAddresses, CcAddresses, BccAddresses []string
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return false
	}
	d := in.Destination
	p.mu.Lock()
	defer p.mu.Unlock()
	mode, n, who := forward, 0, ""
	for _, a := range slices.Concat(d.ToAddresses, d.CcAddresses, d.BccAddresses) {
		a = strings.ToLower(a)
		p.sends[a]++
		if m := p.modes[a]; m > mode {
			mode, n, who = m, p.sends[a], a
		}
	}
	var status int
	switch mode {
	case forward:
		return false
	case reject:
		// What SES answers: the code in X-Amzn-ErrorType (the SDK's restjson
		// deserializer reads it first, then the body's __type or code).
		status = http.StatusBadRequest
		w.Header().Set("X-Amzn-ErrorType", "MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"message":"Email address is not verified. The following identities failed the check in region EU-CENTRAL-1."}`)
	case throttle:
		if n%2 == 1 {
			status = http.StatusTooManyRequests
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"message":"Maximum sending rate exceeded."}`)
		} else {
			status = http.StatusServiceUnavailable
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"message":"Service Unavailable"}`)
		}
	}
	p.faults[who] = append(p.faults[who], status)
	return true
}

func (p *sesProxy) set(addr string, m faultMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.modes[strings.ToLower(addr)] = m
}

// sent is how many SendEmail requests named addr.
func (p *sesProxy) sent(addr string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sends[strings.ToLower(addr)]
}

func (p *sesProxy) injected(addr string) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.faults[strings.ToLower(addr)])
}

// TestPermanentFailureIsParked: SES rejecting a message for good parks it
// after one attempt; throttling and outages are retried with growing
// backoff, delivered once SES accepts, parked after about a day if it never
// does.
func TestPermanentFailureIsParked(t *testing.T) {
	ses := testenv.NewSESEmulator(t)
	faultAWSEnv(t)
	proxy := newSESProxy(t, ses.Endpoint())

	t.Run("rejected", func(t *testing.T) {
		l := startFaultLocal(t, proxy.URL)
		inbox := l.Config.MainInbox()
		rejected, normal := testenv.UniqueAddress(t), testenv.UniqueAddress(t)
		proxy.set(rejected, reject)
		_, refRejected := l.submitContact(t, rejected, "general")
		_, refNormal := l.submitContact(t, normal, "general")
		l.Wait()

		delivered := func(when string) {
			t.Helper()
			inboxMails := ses.Messages(t, inbox)
			for _, ref := range []string{refRejected, refNormal} {
				if n := withSubject(inboxMails, "["+ref+"] Kontaktanfrage"); n != 1 {
					t.Errorf("%s: %d inbox mails for %s, want 1", when, n, ref)
				}
			}
			if got := ses.Messages(t, normal); len(got) != 1 || withSubject(got, refNormal) != 1 {
				t.Errorf("%s: %d mails to the normal sender, want its acknowledgement: %+v", when, len(got), got)
			}
			if got := ses.Messages(t, rejected); len(got) != 0 {
				t.Errorf("%s: %d mails reached the rejected address, want none", when, len(got))
			}
			if n := proxy.sent(rejected); n != 1 {
				t.Errorf("%s: SES saw %d attempts for the rejected address, want 1", when, n)
			}
		}
		delivered("at once")

		failed := l.mailPartition(t, "failed")
		if len(failed) != 1 {
			t.Fatalf("%d parked mails, want 1: %+v", len(failed), failed)
		}
		ack := failed[0]
		if ack.Template != "contact.ack" || !slices.Equal(ack.To, []string{rejected}) || ack.Data["reference"] != refRejected ||
			ack.Status != string(outbox.Failed) || ack.Attempts != 1 || ack.LastError != "rejected:ses-message-rejected" ||
			ack.ParkedAt == "" {
			t.Errorf("parked mail: %+v, want the acknowledgement to the rejected address, failed after 1 attempt with rejected:ses-message-rejected", ack)
		}
		if !strings.HasPrefix(ack.LastError, "rejected:") || strings.Contains(ack.LastError, "@") {
			t.Errorf("reason %q: want a rejected: code without addresses", ack.LastError)
		}
		for _, r := range l.mailPartition(t, "due") {
			t.Errorf("mail %s (%s) still due", r.ID, r.Template)
		}

		before := l.rawMail(t, ack.ID)
		l.quietSweeps(t, time.Minute, 2*time.Minute, time.Hour, 12*time.Hour, 24*time.Hour, 12*time.Hour)
		if after := l.rawMail(t, ack.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("the parked mail changed over two days:\nbefore %v\nafter  %v", before, after)
		}
		delivered("two days later")
		if got := proxy.injected(rejected); !slices.Equal(got, []int{http.StatusBadRequest}) {
			t.Errorf("injected %v, want one 400", got)
		}
	})

	t.Run("transient, then healed", func(t *testing.T) {
		l := startFaultLocal(t, proxy.URL)
		flaky := testenv.UniqueAddress(t)
		proxy.set(flaky, throttle)
		_, ref := l.submitContact(t, flaky, "housing")
		l.Wait()
		ack := l.pendingMailTo(t, "contact.ack", flaky)

		const failures = 4  // the immediate attempt and three sweeps; the fifth attempt goes through
		at := l.clock.Now() // of the immediate attempt
		var waits []time.Duration
		for attempt := 1; attempt <= failures; attempt++ {
			r := l.mail(t, ack.ID)
			if r.Status != string(outbox.Pending) || r.Attempts != attempt || r.LastError != "transient" {
				t.Fatalf("after attempt %d: %+v", attempt, r)
			}
			next := parseStoredTime(t, "nextAttemptAt", r.NextAttemptAt)
			waits = append(waits, next.Sub(at))

			l.clock.Set(next.Add(-time.Second))
			if counts := l.sweep(t); len(counts) != 0 {
				t.Errorf("a second before attempt %d is due: %v", attempt+1, counts)
			}
			if attempt == failures {
				proxy.set(flaky, forward)
			}
			l.clock.Set(next)
			at = next
			want := map[outbox.Result]int{outbox.Rescheduled: 1}
			if attempt == failures {
				want = map[outbox.Result]int{outbox.Delivered: 1}
			}
			if counts := l.sweep(t); !reflect.DeepEqual(counts, want) {
				t.Fatalf("attempt %d: %v, want %v", attempt+1, counts, want)
			}
		}
		var wantWaits []time.Duration
		for a := 1; a <= failures; a++ {
			wantWaits = append(wantWaits, waitOf(outbox.DefaultPolicy, a))
		}
		if !slices.Equal(waits, wantWaits) {
			t.Errorf("waits between attempts %v, want %v", waits, wantWaits)
		}
		for i := 1; i < len(waits); i++ {
			if waits[i] <= waits[i-1] {
				t.Errorf("backoff does not grow: %v", waits)
			}
		}
		if r := l.mail(t, ack.ID); r.Status != string(outbox.Sent) || r.Attempts != failures+1 || r.SentAt == "" {
			t.Errorf("after the proxy healed: %+v, want sent after %d attempts", r, failures+1)
		}

		l.quietSweeps(t, time.Minute, time.Hour, 24*time.Hour, 24*time.Hour)
		if got := ses.Messages(t, flaky); len(got) != 1 || withSubject(got, ref) != 1 {
			t.Errorf("%d mails to the throttled address, want its acknowledgement once: %+v", len(got), got)
		}
		if n := withSubject(ses.Messages(t, "ag-wohnen@example.org"), "["+ref+"] Kontaktanfrage"); n != 1 {
			t.Errorf("%d inbox mails for %s, want 1", n, ref)
		}
		if n := proxy.sent(flaky); n != failures+1 {
			t.Errorf("SES saw %d attempts, want %d", n, failures+1)
		}
		want := []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusServiceUnavailable}
		if got := proxy.injected(flaky); !slices.Equal(got, want) {
			t.Errorf("injected %v, want %v", got, want)
		}
	})

	t.Run("transient, never healed", func(t *testing.T) {
		l := startFaultLocal(t, proxy.URL)
		stuck := testenv.UniqueAddress(t)
		proxy.set(stuck, throttle)
		created := l.clock.Now()
		_, ref := l.submitContact(t, stuck, "language-courses")
		l.Wait()
		ack := l.pendingMailTo(t, "contact.ack", stuck)

		policy := l.Deliverer.Policy
		wantAttempts, wantParkedAfter := giveUpSchedule(policy)
		var parkedAt time.Time
		var waits, wantWaits []time.Duration
		at := created // of the immediate attempt
		for i := 0; i < 2*wantAttempts; i++ {
			r := l.mail(t, ack.ID)
			if r.Status != string(outbox.Pending) {
				break
			}
			if r.Attempts != i+1 {
				t.Fatalf("before sweep %d: %d attempts, want %d", i+1, r.Attempts, i+1)
			}
			next := parseStoredTime(t, "nextAttemptAt", r.NextAttemptAt)
			waits, wantWaits = append(waits, next.Sub(at)), append(wantWaits, waitOf(policy, i+1))
			at = next
			l.clock.Set(next)
			counts := l.sweep(t)
			if counts[outbox.Parked] == 1 {
				parkedAt = l.clock.Now()
			} else if counts[outbox.Rescheduled] != 1 {
				t.Fatalf("sweep %d: %v, want the mail rescheduled or parked", i+1, counts)
			}
		}
		r := l.mail(t, ack.ID)
		if r.Status != string(outbox.Failed) || r.LastError != "transient" || r.Attempts != wantAttempts || r.GSI1PK != l.Config.ID+"#mail#failed" {
			t.Fatalf("after the retries: %+v, want parked (transient) after %d attempts", r, wantAttempts)
		}
		if got := parkedAt.Sub(created); got != wantParkedAfter || got > policy.GiveUp {
			t.Errorf("parked %v after it was written, want %v (give-up %v)", got, wantParkedAfter, policy.GiveUp)
		}
		if !slices.Equal(waits, wantWaits) {
			t.Errorf("waits between attempts %v, want %v", waits, wantWaits)
		}
		if n := proxy.sent(stuck); n != wantAttempts {
			t.Errorf("SES saw %d attempts, want %d", n, wantAttempts)
		}
		if got := proxy.injected(stuck); len(got) != wantAttempts {
			t.Errorf("%d errors injected, want %d", len(got), wantAttempts)
		}

		before := l.rawMail(t, ack.ID)
		l.quietSweeps(t, time.Minute, time.Hour, 24*time.Hour, 24*time.Hour)
		if after := l.rawMail(t, ack.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("the parked mail changed:\nbefore %v\nafter  %v", before, after)
		}
		if n := proxy.sent(stuck); n != wantAttempts {
			t.Errorf("SES saw %d attempts two days after parking, want %d", n, wantAttempts)
		}
		if got := ses.Messages(t, stuck); len(got) != 0 {
			t.Errorf("%d mails reached the throttled address, want none", len(got))
		}
		if n := withSubject(ses.Messages(t, "ag-sprache@example.org"), "["+ref+"] Kontaktanfrage"); n != 1 {
			t.Errorf("%d inbox mails for %s, want 1", n, ref)
		}
		t.Logf("never healed: %d attempts (derived from the policy: %d), parked %v after it was written (give-up %v), none later",
			proxy.sent(stuck), wantAttempts, parkedAt.Sub(created), policy.GiveUp)
	})
}
