package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/dynamo/emulator"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// DynamoDB is a fresh emulated table reached over loopback HTTP through the
// real SDK client.
type DynamoDB struct {
	Client   *dynamodb.Client
	Table    string
	Endpoint string
	// Emulator allows failure injection (EmulateFailure).
	Emulator *miniserver.Server
}

// NewDynamoDB starts an emulator of its own for one test, with the table
// created before any traffic (minidyn's CreateTable is not safe under
// concurrent requests). The client retries up to three times without
// waiting: an injected failure still fails every attempt at once, and the
// SDK's retry covers a connection race it has with large responses.
func NewDynamoDB(t testing.TB) *DynamoDB {
	t.Helper()
	emu := miniserver.NewServer()
	srv := httptest.NewServer(emulator.Handler(emu))
	t.Cleanup(srv.Close)
	db := &DynamoDB{
		Client:   dynamo.NewEmulatorClient(srv.URL, 3),
		Table:    "netzwerk-test",
		Endpoint: srv.URL,
		Emulator: emu,
	}
	// minidyn has no TTL; the store treats expired items as gone on read,
	// and the tests that need expiry check that reading.
	if err := dynamo.CreateTable(context.Background(), db.Client, db.Table); err != nil && !errors.Is(err, dynamo.ErrNoTTL) {
		t.Fatalf("create table: %v", err)
	}
	return db
}

// Item reads an item past the store, TTL or not, with a consistent read;
// nil if there is none.
func (db *DynamoDB) Item(t testing.TB, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.Client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: &db.Table,
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberS{Value: sk},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("raw GetItem %s/%s: %v", pk, sk, err)
	}
	if len(out.Item) == 0 {
		return nil
	}
	return out.Item
}

// Snapshot is every item of the table, keyed "pk|sk", for "nothing
// changed" checks.
func (db *DynamoDB) Snapshot(t testing.TB) map[string]map[string]types.AttributeValue {
	t.Helper()
	out := map[string]map[string]types.AttributeValue{}
	p := dynamodb.NewScanPaginator(db.Client, &dynamodb.ScanInput{TableName: &db.Table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		for _, item := range page.Items {
			out[S(item, "pk")+"|"+S(item, "sk")] = item
		}
	}
	return out
}

// Unchanged reports every item that differs between the table now and
// before (a Snapshot), added and deleted ones included, in key order.
func (db *DynamoDB) Unchanged(t testing.TB, before map[string]map[string]types.AttributeValue) {
	t.Helper()
	after := db.Snapshot(t)
	var keys []string
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !reflect.DeepEqual(before[k], after[k]) {
			t.Errorf("item %s changed:\n before %s\n after  %s", k, Plain(before[k]), Plain(after[k]))
		}
	}
}

// Plain renders an item readably; "<none>" for no item.
func Plain(item map[string]types.AttributeValue) string {
	if item == nil {
		return "<none>"
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%+v", m)
}

// Traces lists where item holds needle, in any case and however deeply
// nested: attribute names, map keys and every string, as paths like
// data.message or to[0].
func Traces(item map[string]types.AttributeValue, needle string) []string {
	needle = strings.ToLower(needle)
	var out []string
	var walk func(path string, v types.AttributeValue)
	walk = func(path string, v types.AttributeValue) {
		if strings.Contains(strings.ToLower(path), needle) {
			out = append(out, path)
		}
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			if strings.Contains(strings.ToLower(v.Value), needle) {
				out = append(out, path)
			}
		case *types.AttributeValueMemberSS:
			for _, s := range v.Value {
				walk(path+"[]", &types.AttributeValueMemberS{Value: s})
			}
		case *types.AttributeValueMemberL:
			for i, x := range v.Value {
				walk(path+"["+strconv.Itoa(i)+"]", x)
			}
		case *types.AttributeValueMemberM:
			for k, x := range v.Value {
				walk(path+"."+k, x)
			}
		}
	}
	for k, v := range item {
		walk(k, v)
	}
	return out
}

// PutLegacyConfirmToken writes a confirm link's token item for application
// appID of tenant, as releases before applications kept their link wrote
// it, and returns the link's token: links mailed then must keep working
// until they expire.
func (db *DynamoDB) PutLegacyConfirmToken(t testing.TB, tenant, appID string, keys *secret.Keys, expiresAt time.Time) string {
	t.Helper()
	return db.putLegacyToken(t, tenant, keys, expiresAt, "purpose", "partner-confirm", "ref", appID)
}

// PutLegacyCancelToken writes a cancel link's token item for the
// registration regID (of emailHash) at event eventID of tenant, as releases
// before registrations kept their link wrote it, and returns the link's
// token: links mailed then must keep working until the event ends.
func (db *DynamoDB) PutLegacyCancelToken(t testing.TB, tenant, eventID, emailHash, regID string, keys *secret.Keys, expiresAt time.Time) string {
	t.Helper()
	return db.putLegacyToken(t, tenant, keys, expiresAt,
		"purpose", "registration-cancel", "ref", eventID, "emailHash", emailHash, "registrationId", regID)
}

// putLegacyToken writes a token item for a new token with the string
// attributes kv (name, value, …) and returns the token.
func (db *DynamoDB) putLegacyToken(t testing.TB, tenant string, keys *secret.Keys, expiresAt time.Time, kv ...string) string {
	t.Helper()
	token := keys.Token(secret.NewNonce())
	item := map[string]types.AttributeValue{
		"pk":        &types.AttributeValueMemberS{Value: tenant + "#token#" + secret.TokenHash(token)},
		"sk":        &types.AttributeValueMemberS{Value: "token"},
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(expiresAt.Unix(), 10)},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		item[kv[i]] = &types.AttributeValueMemberS{Value: kv[i+1]}
	}
	if _, err := db.Client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &db.Table, Item: item}); err != nil {
		t.Fatalf("put legacy token: %v", err)
	}
	return token
}

// Link is the token of the link mail m carries, as its text shows it.
func (m StoredMail) Link(keys *secret.Keys) string { return keys.LinkToken(m.LinkRef, m.TokenNonce) }

// StoredMail is an outbox item as the adapter stores it.
type StoredMail struct {
	ID          string            `dynamodbav:"id"`
	Template    string            `dynamodbav:"template"`
	Locale      string            `dynamodbav:"locale"`
	To          []string          `dynamodbav:"to"`
	Cc          []string          `dynamodbav:"cc"`
	ReplyTo     string            `dynamodbav:"replyTo"`
	ReplyToName string            `dynamodbav:"replyToName"`
	Data        map[string]string `dynamodbav:"data"`
	TokenNonce  string            `dynamodbav:"tokenNonce"`
	LinkRef     string            `dynamodbav:"linkRef"`
	Status      string            `dynamodbav:"status"`
}

// Mail reads the outbox item of tenant with id, as the notifier would; the
// test fails if there is none.
func (db *DynamoDB) Mail(t testing.TB, tenant, id string) StoredMail {
	t.Helper()
	item := db.Item(t, tenant+"#mail#"+id, "outbox")
	if item == nil {
		t.Fatalf("mail %s not stored", id)
	}
	var m StoredMail
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		t.Fatalf("unmarshal mail: %v", err)
	}
	return m
}

// S is a string attribute, "" if absent or of another type.
func S(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// N is a number attribute as stored, "" if absent or of another type.
func N(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// NewStore is the store as production builds it (lambdaenv.NewStore on the
// demo configuration and the test keys) over db, with the clock's time, an
// instant Backoff, and OnMail appending the ids of every mail a committed
// transaction wrote to the returned slice. OnMail does not lock: tests that
// write from several goroutines build their own.
func NewStore(t testing.TB, db *DynamoDB, clock *Clock) (*dynamo.Store, *[]string) {
	t.Helper()
	store := lambdaenv.NewStore(db.Client, db.Table, Config(t), Keys(t))
	store.Now = clock.Now
	store.Backoff = func(context.Context, int) error { return nil }
	mails := new([]string)
	store.OnMail = func(ids []string) { *mails = append(*mails, ids...) }
	return store, mails
}
