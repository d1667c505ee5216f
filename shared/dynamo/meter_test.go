package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

// meteredWrite is one item a write request touched, priced from the table
// before and after it.
type meteredWrite struct {
	op      string // Put, Update, ConditionCheck; tx: inside TransactWriteItems
	tx      bool
	kind    string // the <kind> of the key tenant#<kind>#id
	bytes   int    // the larger of the item before and after, as DynamoDB bills
	wcu     int    // the table write: 1 per KB, 2 in a transaction
	indexed int    // index entries written (a moved entry is a delete and a put)
	gsiWCU  int
}

// writeMeter prices every write the store really sends: it reads each item
// a request names before and after the request passes. A write the code adds
// later is priced without anyone listing it here.
type writeMeter struct {
	dynamo.API
	table  string
	mu     sync.Mutex
	writes []meteredWrite
}

type target struct {
	op  string
	key map[string]types.AttributeValue
}

func (m *writeMeter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	var out *dynamodb.PutItemOutput
	err := m.meter(ctx, false, []target{{"Put", keyOf(in.Item)}}, func() (err error) {
		out, err = m.API.PutItem(ctx, in, o...)
		return err
	})
	return out, err
}

func (m *writeMeter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	var out *dynamodb.UpdateItemOutput
	err := m.meter(ctx, false, []target{{"Update", in.Key}}, func() (err error) {
		out, err = m.API.UpdateItem(ctx, in, o...)
		return err
	})
	return out, err
}

func (m *writeMeter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var targets []target
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			targets = append(targets, target{"Put", keyOf(it.Put.Item)})
		case it.Update != nil:
			targets = append(targets, target{"Update", it.Update.Key})
		case it.Delete != nil:
			targets = append(targets, target{"Delete", it.Delete.Key})
		case it.ConditionCheck != nil:
			targets = append(targets, target{"ConditionCheck", it.ConditionCheck.Key})
		}
	}
	var out *dynamodb.TransactWriteItemsOutput
	err := m.meter(ctx, true, targets, func() (err error) {
		out, err = m.API.TransactWriteItems(ctx, in, o...)
		return err
	})
	return out, err
}

// meter runs write and, if it succeeds, records what it cost. A failed
// request costs capacity on DynamoDB too, but a submission that succeeds is
// what the budget is about.
func (m *writeMeter) meter(ctx context.Context, tx bool, targets []target, write func() error) error {
	before := make([]map[string]types.AttributeValue, len(targets))
	for i, t := range targets {
		before[i] = m.read(ctx, t.key)
	}
	if err := write(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, t := range targets {
		after := m.read(ctx, t.key)
		w := meteredWrite{op: t.op, tx: tx, kind: kindOf(t.key), bytes: max(itemSize(before[i]), itemSize(after))}
		// Transactions bill 2 units per KB for every item they name, the
		// condition checks included.
		w.wcu = kbOf(w.bytes)
		if tx {
			w.wcu *= 2
		}
		if t.op != "ConditionCheck" {
			w.indexed, w.gsiWCU = indexWrites(before[i], after)
		}
		m.writes = append(m.writes, w)
	}
	return nil
}

// indexWrites prices the index (projection ALL): a new entry is a put, a
// gone one a delete, a moved one both, a changed item a put.
func indexWrites(before, after map[string]types.AttributeValue) (n, wcu int) {
	bk, ak := indexKey(before), indexKey(after)
	if bk == ak {
		if bk == "" {
			return 0, 0
		}
		return 1, kbOf(max(itemSize(before), itemSize(after)))
	}
	if bk != "" {
		n, wcu = n+1, wcu+kbOf(itemSize(before))
	}
	if ak != "" {
		n, wcu = n+1, wcu+kbOf(itemSize(after))
	}
	return n, wcu
}

func indexKey(item map[string]types.AttributeValue) string {
	pk, ok := item["gsi1pk"].(*types.AttributeValueMemberS)
	if !ok {
		return ""
	}
	sk, _ := item["gsi1sk"].(*types.AttributeValueMemberS)
	if sk == nil {
		return ""
	}
	return pk.Value + "\x00" + sk.Value
}

func (m *writeMeter) read(ctx context.Context, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	out, err := m.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: &m.table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		panic(fmt.Sprintf("writeMeter read: %v", err)) // the emulator is in-process; this is a broken test
	}
	return out.Item
}

func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}
}

func kindOf(key map[string]types.AttributeValue) string {
	pk, _ := key["pk"].(*types.AttributeValueMemberS)
	sk, _ := key["sk"].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return "?"
	}
	parts := strings.SplitN(pk.Value, "#", 3)
	if len(parts) < 2 {
		return pk.Value
	}
	kind, _, _ := strings.Cut(sk.Value, "#")
	return parts[1] + "/" + kind
}

// total is what a submission's writes cost, table and index.
func (m *writeMeter) total(t testing.TB, title string) (items, wcu int) {
	t.Helper()
	var b strings.Builder
	for _, w := range m.writes {
		op := w.op
		if w.tx {
			op = "tx " + op
		}
		fmt.Fprintf(&b, "\n  %-18s %-26s %5d B  %d WCU + %d WCU index (%d entries)", op, w.kind, w.bytes, w.wcu, w.gsiWCU, w.indexed)
		items++
		wcu += w.wcu + w.gsiWCU
	}
	t.Logf("%s:%s\n  total: %d items, %d WCU", title, b.String(), items, wcu)
	return items, wcu
}

// TestSubmissionWriteUnits measures what each kind of submission writes, as
// sent, and holds it to the figures it has today: a new item in a
// transaction, or an item grown past 1 KB, fails here.
//
// Issue 9 asks for at most 4 WCU for an application or a contact message
// and 6 for a sign-up; docs/write-cost.md says how far each kind is and
// what is left. A contact message meets it: the message and its two mails
// are plain puts, the mails outside the index; a sign-up's and an
// application's first mail are such puts too, and both keep their link in
// the record, with no token item. The figures below are today's
// measurements, pinned exactly, so a saving shows as well as a cost. A
// sign-up at every field's limit stays over any budget: its registration
// alone is 3 KB.
func TestSubmissionWriteUnits(t *testing.T) {
	for _, sub := range submissions {
		t.Run(sub.name, func(t *testing.T) {
			items, wcu, _ := meterSubmission(t, sub)
			if items != sub.wantItems || wcu != sub.wantWCU {
				t.Errorf("%d items, %d WCU; want %d items, %d WCU", items, wcu, sub.wantItems, sub.wantWCU)
			}
			switch {
			case sub.budget == 0:
			case wcu <= sub.budget:
				t.Logf("within the budget of %d WCU", sub.budget)
			default:
				t.Logf("%d WCU over the budget of %d: docs/write-cost.md says why it stays", wcu-sub.budget, sub.budget)
			}
		})
	}
}

// BenchmarkSubmissionWriteUnits reports what TestSubmissionWriteUnits
// holds, as metrics for make bench's cost per million submissions: the
// write units, the items and the mails (outbox items) of each kind.
func BenchmarkSubmissionWriteUnits(b *testing.B) {
	for _, sub := range submissions {
		b.Run(sub.name, func(b *testing.B) {
			var items, wcu, mails int
			for range b.N {
				items, wcu, mails = meterSubmission(b, sub)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(wcu), "WCU")
			b.ReportMetric(float64(items), "items")
			b.ReportMetric(float64(mails), "mails")
		})
	}
}

// submission is one kind of submission, sent through its domain service
// over a metered store, with today's figures.
type submission struct {
	name      string
	submit    func(t testing.TB, e *env, store *dynamo.Store)
	wantItems int
	wantWCU   int
	// budget is issue 9's for the kind, 0 for none.
	budget int
}

// meterSubmission sends sub on a fresh table and prices its writes.
func meterSubmission(t testing.TB, sub submission) (items, wcu, mails int) {
	t.Helper()
	e := newEnv(t)
	m := &writeMeter{API: removeShim{e.db.Client}, table: e.db.Table}
	store := lambdaenv.NewStore(m, e.db.Table, e.cfg, e.keys)
	store.Now = e.clock.Now
	sub.submit(t, e, store)
	for _, w := range m.writes {
		if w.kind == "mail/outbox" {
			mails++
		}
	}
	items, wcu = m.total(t, sub.name)
	return items, wcu, mails
}

var submissions = []submission{
	{"application", func(t testing.TB, e *env, store *dynamo.Store) {
		svc := &partner.Service{Store: store, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
		res, err := svc.Register(context.Background(), partner.Input{
			Organisation: "Caritasverband Eisenach", OrganisationType: "welfare", ContactName: "Erika Müller",
			Email: "erika.mueller@example.org", WorkingGroups: []string{"language", "work"},
			RegionalNetworks: []string{"eisenach"}, Message: "Wir beraten Geflüchtete in Eisenach.", Consent: true,
		}, "de")
		if err != nil || !res.Created {
			t.Fatalf("Register: %+v, %v", res, err)
		}
	}, 3, 6, 4},
	{"contact message", func(t testing.TB, e *env, store *dynamo.Store) {
		svc := &contact.Service{Store: store, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
		if _, err := svc.Submit(context.Background(), contact.Input{
			Name: "Ahmad Karimi", Email: "ahmad@example.org", Topic: e.cfg.Topics[0].ID,
			Message: "Wo finde ich einen Sprachkurs in Bad Salzungen?", Consent: true,
		}, "fa"); err != nil {
			t.Fatalf("Submit: %v", err)
		}
	}, 3, 4, 4},
	{"sign-up, confirmed", func(t testing.TB, e *env, store *dynamo.Store) {
		signUp(t, e, store, 0, event.Confirmed, event.Input{Name: "Erika Müller", Organisation: "Caritasverband Eisenach"})
	}, 3, 6, 6},
	{"sign-up, waitlisted", func(t testing.TB, e *env, store *dynamo.Store) {
		signUp(t, e, store, 1, event.Waitlisted, event.Input{Name: "Erika Müller", Organisation: "Caritasverband Eisenach"})
	}, 4, 7, 6},
	// Every field at its limit in two-byte characters: the registration is
	// the one item a person can make large.
	{"sign-up, longest fields", func(t testing.TB, e *env, store *dynamo.Store) {
		signUp(t, e, store, 0, event.Confirmed, event.Input{
			Name:         strings.Repeat("ä", event.MaxName),
			Organisation: strings.Repeat("ö", event.MaxOrganisation),
			Needs:        strings.Repeat("ü", event.MaxNeeds),
		})
	}, 3, 12, 0},
}

// signUp signs one person up for a fresh plenary meeting with one seat,
// after prior others; the event and their sign-ups are written before the
// meter counts.
func signUp(t testing.TB, e *env, store *dynamo.Store, prior int, want event.Status, in event.Input) {
	t.Helper()
	ctx := context.Background()
	ev := plenary(e.clock.Now())
	ev.Capacity = 1
	if err := e.store.PutEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	in.Consent = true
	unmetered := &event.Service{Store: e.store, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
	for i := range prior {
		in.Email = fmt.Sprintf("vorher%d@example.org", i)
		if _, err := unmetered.Register(ctx, ev.ID, in, "de"); err != nil {
			t.Fatal(err)
		}
	}
	svc := &event.Service{Store: store, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
	in.Email = "erika.mueller@example.org"
	res, err := svc.Register(ctx, ev.ID, in, "de")
	if err != nil || !res.Created || res.Registration.Status != want {
		t.Fatalf("Register: %+v, %v; want %s", res, err, want)
	}
}
