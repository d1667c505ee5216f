// Package dynamo is the DynamoDB adapter: it owns the item shapes (keys,
// index attributes, expiresAt), converts them to and from domain types and
// keeps the rules in conditions and transactions. One table holds everything.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Index is the generic secondary index: listings by status and due mail.
const Index = "gsi1"

// Store implements the domain stores on one table.
type Store struct {
	API    API
	Table  string
	Tenant string // the configuration's id: every key starts with it
	Now    func() time.Time
	// MailGrace is how long a new mail is left to the stream-driven notifier
	// before the sweeper also looks at it.
	MailGrace time.Duration
	// SentMailRetention is how long a delivered or parked mail's record stays.
	SentMailRetention time.Duration
	// OnMail, if set, is told the ids of mails a transaction wrote. The local
	// server uses it in place of DynamoDB Streams.
	OnMail func(ids []string)
	// ConflictRetries bounds the retries of transactions cancelled by a
	// conflict with another transaction (the SDK does not retry those).
	ConflictRetries int
	// Backoff waits between conflict retries; tests make it instant.
	Backoff func(ctx context.Context, attempt int) error
	// HashEmail gives the keyed hash under which records holding an address
	// are found for export and erasure.
	HashEmail func(emailKey string) string
}

// timeFormat sorts as text in time order: index keys and conditions compare
// these strings.
const timeFormat = "2006-01-02T15:04:05.000Z"

func ts(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

func epoch(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func (s *Store) key(kind, id string) string { return s.Tenant + "#" + kind + "#" + id }

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

func str(v string) types.AttributeValue       { return &types.AttributeValueMemberS{Value: v} }
func num(v string) types.AttributeValue       { return &types.AttributeValueMemberN{Value: v} }
func numInt(v int) types.AttributeValue       { return num(strconv.Itoa(v)) }
func timeAV(t time.Time) types.AttributeValue { return str(ts(t)) }

// ErrUnavailable wraps storage failures the caller should answer with 503.
var ErrUnavailable = errors.New("dynamo: storage unavailable")

// cancellation returns the reason codes of a cancelled transaction.
func cancellation(err error) ([]string, bool) {
	tce, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		return nil, false
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes, true
}

func hasCode(codes []string, code string) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// retryable reports whether a write failed only because a transaction held
// one of its items at that moment, so the same write may succeed a moment
// later: a single-item write answered TransactionConflictException, or a
// transaction cancelled for a conflict and for no failed condition. The SDK
// retries neither. This is the one place that decides.
func retryable(err error) bool {
	if _, ok := errors.AsType[*types.TransactionConflictException](err); ok {
		return true
	}
	codes, ok := cancellation(err)
	return ok && hasCode(codes, "TransactionConflict") && !hasCode(codes, "ConditionalCheckFailed")
}

// retry runs one write, again with jitter while it meets only a conflict,
// at most ConflictRetries times more; then it is ErrUnavailable, which the
// HTTP layer answers with 503 and Retry-After.
func (s *Store) retry(ctx context.Context, write func() error) error {
	for attempt := 0; ; attempt++ {
		err := write()
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= s.ConflictRetries {
			return fmt.Errorf("%w: conflict after %d attempts: %w", ErrUnavailable, attempt+1, err)
		}
		if err := s.backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// transact runs one transaction, retrying it while it is cancelled only
// because another transaction touched the same items.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	err := s.retry(ctx, func() error {
		_, err := s.API.TransactWriteItems(ctx, in)
		return err
	})
	if err == nil {
		s.announce(items)
	}
	return err
}

// put writes one item, retrying conflicts with transactions on it.
func (s *Store) put(ctx context.Context, in *dynamodb.PutItemInput) error {
	return s.retry(ctx, func() error {
		_, err := s.API.PutItem(ctx, in)
		return err
	})
}

// update changes one item, retrying conflicts with transactions on it.
func (s *Store) update(ctx context.Context, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	var out *dynamodb.UpdateItemOutput
	err := s.retry(ctx, func() error {
		var err error
		out, err = s.API.UpdateItem(ctx, in)
		return err
	})
	return out, err
}

// transactOr runs one transaction whose conditions hold a rule: any of
// them failing is failed (the caller's "changed meanwhile"), any other
// error is wrapped with what.
func (s *Store) transactOr(ctx context.Context, items []types.TransactWriteItem, failed error, what string) error {
	err := s.transact(ctx, items)
	if codes, ok := cancellation(err); ok && hasCode(codes, "ConditionalCheckFailed") {
		return failed
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *Store) backoff(ctx context.Context, attempt int) error {
	if s.Backoff != nil {
		return s.Backoff(ctx, attempt)
	}
	// Full jitter over 10, 20, 40 … ms spreads contenders apart.
	d := time.Duration(rand.Int64N(int64(10*time.Millisecond) << min(attempt, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// announce tells OnMail about the mails a committed transaction wrote.
func (s *Store) announce(items []types.TransactWriteItem) {
	var ids []string
	for _, it := range items {
		if it.Put == nil {
			continue
		}
		if id := mailIDOf(it.Put.Item); id != "" {
			ids = append(ids, id)
		}
	}
	s.announceIDs(ids)
}

// announceIDs tells OnMail about mails written.
func (s *Store) announceIDs(ids []string) {
	if s.OnMail != nil && len(ids) > 0 {
		s.OnMail(ids)
	}
}

// mailIDOf is the id of an outbox item, "" for any other item.
func mailIDOf(item map[string]types.AttributeValue) string {
	if sk, ok := item["sk"].(*types.AttributeValueMemberS); !ok || sk.Value != mailSK {
		return ""
	}
	if id, ok := item["id"].(*types.AttributeValueMemberS); ok {
		return id.Value
	}
	return ""
}

// expired reports whether an item's expiresAt has passed: TTL deletes late,
// so reads must not trust that an item still present is still alive.
func (s *Store) expired(item map[string]types.AttributeValue) bool {
	n, ok := item["expiresAt"].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(n.Value, 10, 64)
	return err == nil && !s.Now().Before(time.Unix(sec, 0))
}

// get reads one live item, nil if there is none.
func (s *Store) get(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	item, err := s.read(ctx, pk, sk)
	if err != nil || item == nil || s.expired(item) {
		return nil, err
	}
	return item, nil
}

// live reads an item asked for by key: notFound if there is none, expired
// if it has expired but TTL has not removed it yet, so the caller can say
// "expired" rather than "unknown".
func (s *Store) live(ctx context.Context, pk, sk string, notFound, expired error) (map[string]types.AttributeValue, error) {
	item, err := s.read(ctx, pk, sk)
	switch {
	case err != nil:
		return nil, err
	case item == nil:
		return nil, notFound
	case s.expired(item):
		return nil, expired
	}
	return item, nil
}

// batchGet reads items by key, consistently, in any order, 100 a request
// (BatchGetItem's limit); keys with no item are left out.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	for chunk := range slices.Chunk(keys, 100) {
		items, err := s.batchGet100(ctx, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// batchGet100 is one BatchGetItem of at most 100 keys. Keys DynamoDB leaves
// unprocessed (it throttled or the answer ran past 16 MB) are asked for
// again after a backoff, as often as a conflicting write would be.
func (s *Store) batchGet100(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	req := map[string]types.KeysAndAttributes{s.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(req[s.Table].Keys) > 0; attempt++ {
		if attempt > 0 {
			if attempt > s.ConflictRetries {
				return nil, fmt.Errorf("%w: %d keys still unprocessed after %d attempts", ErrUnavailable, len(req[s.Table].Keys), attempt)
			}
			if err := s.backoff(ctx, attempt-1); err != nil {
				return nil, err
			}
		}
		res, err := s.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, err
		}
		out = append(out, res.Responses[s.Table]...)
		req = res.UnprocessedKeys
	}
	return out, nil
}

// read reads one item as stored, expired or not; nil if there is none.
func (s *Store) read(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.Table,
		Key:            keyOf(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}
