package partner_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// start is the fake clock's first reading, on a whole millisecond as the
// store keeps times.
var start = time.Date(2026, 3, 2, 9, 15, 30, 123_000_000, time.UTC)

// env is the Service on the real store over a fresh emulated table.
type env struct {
	t     *testing.T
	db    *testenv.DynamoDB
	cfg   *network.Config
	keys  *secret.Keys
	store *dynamo.Store
	clock *testenv.Clock
	svc   *partner.Service
	mails *[]string // ids of every mail a committed transaction wrote
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	e := &env{t: t, db: testenv.NewDynamoDB(t), cfg: cfg, keys: keys, clock: testenv.NewClock(start)}
	e.store, e.mails = testenv.NewStore(t, e.db, e.clock)
	e.svc = &partner.Service{Store: e.store, Config: cfg, Keys: keys, Now: e.clock.Now}
	return e
}

func (e *env) rawApp(id string) map[string]types.AttributeValue {
	e.t.Helper()
	return e.db.Item(e.t, e.cfg.ID+"#application#"+id, "application")
}

func (e *env) rawMail(id string) map[string]types.AttributeValue {
	e.t.Helper()
	return e.db.Item(e.t, e.cfg.ID+"#mail#"+id, "outbox")
}

// deleteApp deletes an application item as TTL would.
func (e *env) deleteApp(id string) {
	e.t.Helper()
	_, err := e.db.Client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
		TableName: &e.db.Table,
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: e.cfg.ID + "#application#" + id},
			"sk": &types.AttributeValueMemberS{Value: "application"},
		},
	})
	if err != nil {
		e.t.Fatalf("DeleteItem: %v", err)
	}
}

// mail reads the outbox item with id.
func (e *env) mail(id string) testenv.StoredMail {
	e.t.Helper()
	return e.db.Mail(e.t, e.cfg.ID, id)
}

// mailsOf reads the mails written since the n-th, keeping those of template.
func (e *env) mailsOf(template string, since int) []testenv.StoredMail {
	e.t.Helper()
	var out []testenv.StoredMail
	for _, mid := range (*e.mails)[since:] {
		if m := e.mail(mid); m.Template == template {
			out = append(out, m)
		}
	}
	return out
}

// queued counts the mails waiting in the due index, whenever due.
func (e *env) queued() int {
	e.t.Helper()
	ids, err := e.store.Due(context.Background(), e.clock.Now().Add(365*24*time.Hour), 100)
	if err != nil {
		e.t.Fatalf("Due: %v", err)
	}
	return len(ids)
}

// link is the token the confirm mail with id carries, as its link shows it.
func (e *env) link(mailID string) string {
	e.t.Helper()
	m := e.mail(mailID)
	if m.TokenNonce == "" {
		e.t.Fatalf("mail %s carries no token", mailID)
	}
	return m.Link(e.keys)
}

// register registers in and returns the result and the confirm link's token.
func (e *env) register(in partner.Input, locale string) (partner.Result, string) {
	e.t.Helper()
	before := len(*e.mails)
	res, err := e.svc.Register(context.Background(), in, locale)
	if err != nil {
		e.t.Fatalf("Register: %v", err)
	}
	if !res.Created {
		e.t.Fatalf("Register: Created = false, want a new application")
	}
	if got := len(*e.mails) - before; got != 1 {
		e.t.Fatalf("Register wrote %d mails, want 1", got)
	}
	return res, e.link((*e.mails)[before])
}

// equal reports a difference between got and want.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

func show(v any) string { return fmt.Sprintf("%+v", v) }
