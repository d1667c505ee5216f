package dynamo_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// start is the fake clock's first reading: a whole millisecond, as the store
// keeps times, but not a whole second, as TTL attributes are.
var start = time.Date(2026, 3, 2, 9, 15, 30, 123_000_000, time.UTC)

// env is one test's world: a fresh emulated table, the store as production
// builds it, a fake clock and an instant backoff that counts its calls.
type env struct {
	t        testing.TB
	db       *testenv.DynamoDB
	cfg      *network.Config
	keys     *secret.Keys
	store    *dynamo.Store
	clock    *testenv.Clock
	backoffs []int // the attempt numbers Backoff was called with
	mails    [][]string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	e := &env{t: t, db: testenv.NewDynamoDB(t), cfg: cfg, keys: keys, clock: testenv.NewClock(start)}
	e.store = lambdaenv.NewStore(removeShim{e.db.Client}, e.db.Table, cfg, keys)
	e.store.Now = e.clock.Now
	e.store.Backoff = func(_ context.Context, attempt int) error {
		e.backoffs = append(e.backoffs, attempt)
		return nil
	}
	e.store.OnMail = func(ids []string) { e.mails = append(e.mails, ids) }
	return e
}

// removeShim makes up for a minidyn v0.8.2 defect: its update interpreter
// ignores REMOVE of top-level attributes (Environment.Apply only writes what
// is left, it never deletes), where DynamoDB drops them. After an update
// with a REMOVE clause succeeds, the shim deletes exactly the attributes that
// clause names, read from the store's own expression, by a read and a
// rewrite of the item. Every call still goes through the SDK to the emulator.
// TestEmulatorIgnoresRemove notices when minidyn is fixed.
type removeShim struct{ dynamo.API }

func (r removeShim) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := r.API.UpdateItem(ctx, in, opts...)
	gone := removed(aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames)
	if err != nil || len(gone) == 0 {
		return out, err
	}
	cur, err := r.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: in.TableName, Key: in.Key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("removeShim read: %w", err)
	}
	for _, name := range gone {
		delete(cur.Item, name)
	}
	if _, err := r.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: in.TableName, Item: cur.Item}); err != nil {
		return nil, fmt.Errorf("removeShim write: %w", err)
	}
	return out, nil
}

// removed lists the attributes the REMOVE clause of an update expression
// names, placeholders resolved.
func removed(expr string, names map[string]string) []string {
	_, clause, ok := strings.Cut(expr, "REMOVE ")
	if !ok {
		return nil
	}
	for _, next := range []string{" SET ", " ADD ", " DELETE "} {
		clause, _, _ = strings.Cut(clause, next)
	}
	var out []string
	for _, f := range strings.Split(clause, ",") {
		f = strings.TrimSpace(f)
		if n, ok := names[f]; ok {
			f = n
		}
		out = append(out, f)
	}
	return out
}

// key is the adapter's key shape: tenant#kind#id.
func (e *env) key(kind, id string) string { return e.cfg.ID + "#" + kind + "#" + id }

// Raw keys of the items the adapter writes.
func (e *env) appPK(id string) (string, string)     { return e.key("application", id), "application" }
func (e *env) lockPK(dedup string) (string, string) { return e.key("application-lock", dedup), "lock" }
func (e *env) tokenPK(hash string) (string, string) { return e.key("token", hash), "token" }
func (e *env) mailPK(id string) (string, string)    { return e.key("mail", id), "outbox" }
func (e *env) duePK() string                        { return e.key("mail", "due") }
func (e *env) failedPK() string                     { return e.key("mail", "failed") }
func (e *env) statusPK(s partner.Status) string     { return e.key("applications", string(s)) }

// raw reads an item past the store, TTL or not; nil if there is none. It
// takes a pk and an sk apart so that the key methods above can feed it.
func (e *env) raw(pk, sk string) map[string]types.AttributeValue {
	e.t.Helper()
	return e.db.Item(e.t, pk, sk)
}

// queryIndex lists the ids in one partition of the index, in index order.
func (e *env) queryIndex(gsi1pk string) []string {
	e.t.Helper()
	out, err := e.db.Client.Query(context.Background(), &dynamodb.QueryInput{
		TableName:              &e.db.Table,
		IndexName:              aws.String(dynamo.Index),
		KeyConditionExpression: aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: gsi1pk},
		},
	})
	if err != nil {
		e.t.Fatalf("query index %s: %v", gsi1pk, err)
	}
	ids := []string{}
	for _, item := range out.Items {
		ids = append(ids, testenv.S(item, "id"))
	}
	return ids
}

func epoch(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// fixture is one application as Service.Register would hand it to Create.
type fixture struct {
	app  partner.Application
	mail outbox.Mail
}

// fixture builds a pending application of org by addr, created now.
func (e *env) fixture(org, addr string) fixture {
	now := e.clock.Now()
	appID := id.New(now)
	// Whole seconds, as the store keeps a link's expiry.
	link := partner.Link{Nonce: secret.NewNonce(), ExpiresAt: now.Add(e.cfg.TokenValidity()).Truncate(time.Second)}
	return fixture{
		app: partner.Application{
			ID:               appID,
			Organisation:     org,
			OrganisationType: "association",
			ContactName:      "Erika Beispiel",
			Email:            addr,
			Phone:            "03695 123456",
			Website:          "https://verein.example.org/",
			WorkingGroups:    []string{"language", "housing"},
			RegionalNetworks: []string{"eisenach"},
			Message:          "Wir bieten Sprachcafés an.\nJeden Dienstag.",
			Locale:           "de",
			Consent:          partner.Consent{At: now, PolicyVersion: e.cfg.Privacy.Version},
			Status:           partner.PendingConfirmation,
			CreatedAt:        now,
			ExpiresAt:        now.Add(network.Days(e.cfg.Retention.UnconfirmedApplicationDays)),
			DedupKey:         partner.DedupKey(e.keys, addr, org),
			Link:             link,
		},
		mail: outbox.Mail{
			ID:         id.New(now),
			Template:   "partner.confirm",
			Locale:     "de",
			To:         []string{addr},
			TokenNonce: link.Nonce,
			LinkRef:    "a." + appID,
			Data:       map[string]string{"expiresAt": link.ExpiresAt.Format(time.RFC3339)},
			CreatedAt:  now,
		},
	}
}

// create stores f and fails the test on any error.
func (e *env) create(f fixture) {
	e.t.Helper()
	existing, err := e.store.Create(context.Background(), f.app, f.mail)
	if err != nil || existing != "" {
		e.t.Fatalf("Create(%s) = %q, %v; want \"\", nil", f.app.Organisation, existing, err)
	}
}

// reviewMail is a coordinators' mail with every optional field set.
func (e *env) reviewMail(appID string) outbox.Mail {
	now := e.clock.Now()
	return outbox.Mail{
		ID:          id.New(now),
		Template:    "partner.review",
		Locale:      "de",
		To:          []string{e.cfg.MainInbox()},
		Cc:          []string{"netzwerk-eisenach@example.org"},
		ReplyTo:     "verein@example.org",
		ReplyToName: "Erika Beispiel",
		Data:        map[string]string{"applicationId": appID, "organisation": "Beispielverein e. V."},
		CreatedAt:   now,
	}
}

// equal reports a difference between got and want.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

func show(v any) string { return fmt.Sprintf("%+v", v) }
