package testenv

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
)

// MailPuts sits between a store and the emulator and meddles with the plain
// puts of outbox items only (a record's first mails; mails in transactions
// pass): Fail refuses them, as a throttled or unreachable table would after
// the record was stored; Resend sends each once more after Between ran, as
// the SDK does when the answer to a put that succeeded is lost.
type MailPuts struct {
	dynamo.API
	Fail    bool
	Resend  bool
	Between func(mailID string)
}

// ErrThrottled is what MailPuts answers a refused put with.
var ErrThrottled = errors.New("throttled")

func (m *MailPuts) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if S(in.Item, "sk") != "outbox" {
		return m.API.PutItem(ctx, in, o...)
	}
	if m.Fail {
		return nil, ErrThrottled
	}
	out, err := m.API.PutItem(ctx, in, o...)
	if err != nil || !m.Resend {
		return out, err
	}
	if m.Between != nil {
		m.Between(S(in.Item, "id"))
	}
	return m.API.PutItem(ctx, in, o...)
}

// MailReads counts the outbox keys read with BatchGetItem (Keys), the
// mails a reconcile looks up, and with FailUpdates refuses every
// UpdateItem, as a throttled table would a reconcile's hand-over.
type MailReads struct {
	dynamo.API
	Keys        int
	FailUpdates bool
}

func (m *MailReads) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for _, req := range in.RequestItems {
		for _, k := range req.Keys {
			if S(k, "sk") == "outbox" {
				m.Keys++
			}
		}
	}
	return m.API.BatchGetItem(ctx, in, o...)
}

func (m *MailReads) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if m.FailUpdates {
		return nil, ErrThrottled
	}
	return m.API.UpdateItem(ctx, in, o...)
}

// Outbox is every mail of the table as "template status index-partition",
// sorted.
func (db *DynamoDB) Outbox(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, item := range db.Snapshot(t) {
		if S(item, "sk") == "outbox" {
			part := S(item, "gsi1pk")
			out = append(out, S(item, "template")+" "+S(item, "status")+" "+part[strings.LastIndex(part, "#")+1:])
		}
	}
	slices.Sort(out)
	return out
}

// Deliver sends a mail as a worker would, at now: claim, then record it
// sent.
func Deliver(t testing.TB, store *dynamo.Store, mailID string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	lease := now.Add(time.Minute)
	if _, err := store.Claim(ctx, mailID, now, lease); err != nil {
		t.Fatalf("claim %s: %v", mailID, err)
	}
	if err := store.MarkSent(ctx, mailID, lease, now); err != nil {
		t.Fatalf("mark %s sent: %v", mailID, err)
	}
}
