package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ outbox.Store = (*Store)(nil)

// mailSK is the sort key of outbox items; the stream filter in template.yaml
// selects on it.
const mailSK = "outbox"

type mailItem struct {
	PK            string            `dynamodbav:"pk"`
	SK            string            `dynamodbav:"sk"`
	GSI1PK        string            `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK        string            `dynamodbav:"gsi1sk,omitempty"`
	ID            string            `dynamodbav:"id"`
	Template      string            `dynamodbav:"template"`
	Locale        string            `dynamodbav:"locale"`
	To            []string          `dynamodbav:"to,omitempty"`
	Cc            []string          `dynamodbav:"cc,omitempty"`
	ReplyTo       string            `dynamodbav:"replyTo,omitempty"`
	ReplyToName   string            `dynamodbav:"replyToName,omitempty"`
	Data          map[string]string `dynamodbav:"data,omitempty"`
	TokenNonce    string            `dynamodbav:"tokenNonce,omitempty"`
	LinkRef       string            `dynamodbav:"linkRef,omitempty"`
	Unverified    bool              `dynamodbav:"unverified,omitempty"`
	Status        string            `dynamodbav:"status"`
	Attempts      int               `dynamodbav:"attempts"`
	CreatedAt     string            `dynamodbav:"createdAt"`
	NextAttemptAt string            `dynamodbav:"nextAttemptAt,omitempty"`
	LeaseUntil    string            `dynamodbav:"leaseUntil,omitempty"`
	LastError     string            `dynamodbav:"lastError,omitempty"`
	ExpiresAt     int64             `dynamodbav:"expiresAt,omitempty"`
}

func (s *Store) mailKey(id string) map[string]types.AttributeValue {
	return keyOf(s.key("mail", id), mailSK)
}

func (s *Store) duePK() string    { return s.key("mail", "due") }
func (s *Store) failedPK() string { return s.key("mail", "failed") }
func (s *Store) sentPK() string   { return s.key("mail", "sent") }

// mailPut is the transaction item that queues m. A new mail is due for the
// sweeper after MailGrace, so it goes out even if the stream never delivers
// the insert.
func (s *Store) mailPut(m outbox.Mail) (types.TransactWriteItem, error) {
	item, err := s.mailItem(m, m.CreatedAt.Add(s.MailGrace))
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}, nil
}

// mailItem is the outbox item of m, in the due index from due on; a zero
// due leaves it out of the index, to the notifier alone.
func (s *Store) mailItem(m outbox.Mail, due time.Time) (map[string]types.AttributeValue, error) {
	// Empty values are left out: DynamoDB keeps no empty sets and the
	// templates treat a missing value as empty. A mail without data has no
	// data attribute at all: omitempty keeps an empty map, and minidyn
	// stores an empty map as garbage.
	var data map[string]string
	for k, v := range m.Data {
		if v != "" {
			if data == nil {
				data = map[string]string{}
			}
			data[k] = v
		}
	}
	it := mailItem{
		PK: s.key("mail", m.ID), SK: mailSK,
		ID: m.ID, Template: m.Template, Locale: m.Locale,
		To: m.To, Cc: m.Cc, ReplyTo: m.ReplyTo, ReplyToName: m.ReplyToName,
		Data: data, TokenNonce: m.TokenNonce, LinkRef: m.LinkRef, Unverified: m.Unverified,
		Status: string(outbox.Pending), CreatedAt: ts(m.CreatedAt),
		// Kept past any retry for the coordinators' view, then deleted.
		ExpiresAt: m.CreatedAt.Add(2*s.SentMailRetention + 24*time.Hour).Unix(),
	}
	if !due.IsZero() {
		it.GSI1PK, it.GSI1SK, it.NextAttemptAt = s.duePK(), ts(due)+"#"+m.ID, ts(due)
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("marshal mail: %w", err)
	}
	return item, nil
}

func conditionFailed(err error) bool {
	_, ok := errors.AsType[*types.ConditionalCheckFailedException](err)
	return ok
}

// Claim leases a pending mail for one attempt.
func (s *Store) Claim(ctx context.Context, id string, now, leaseUntil time.Time) (outbox.Item, error) {
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.Table,
		Key:                 s.mailKey(id),
		UpdateExpression:    aws.String("SET leaseUntil = :lease, attempts = attempts + :one"),
		ConditionExpression: aws.String("#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)"),
		ExpressionAttributeNames: map[string]string{
			"#status": "status",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":lease":   timeAV(leaseUntil),
			":now":     timeAV(now),
			":one":     numInt(1),
			":pending": str(string(outbox.Pending)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		return outbox.Item{}, outbox.ErrNotClaimable
	}
	if err != nil {
		return outbox.Item{}, fmt.Errorf("claim mail: %w", err)
	}
	rec, err := decodeMailRecord(out.Attributes)
	return rec.Item, err
}

// finish applies a state change if the caller still holds the lease.
func (s *Store) finish(ctx context.Context, id string, lease time.Time, update string, values map[string]types.AttributeValue) error {
	values[":lease"] = timeAV(lease)
	// DynamoDB refuses names an expression does not use.
	names := map[string]string{}
	for placeholder, name := range map[string]string{"#status": "status", "#to": "to", "#data": "data"} {
		if strings.Contains(update, placeholder) {
			names[placeholder] = name
		}
	}
	if len(names) == 0 {
		names = nil
	}
	_, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       s.mailKey(id),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("leaseUntil = :lease"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if conditionFailed(err) {
		return outbox.ErrNotClaimable
	}
	return err
}

// MarkSent records delivery and drops the personal data the mail carried:
// once sent, the record only says that and when. It moves to the index's
// sent partition rather than out of the index: the due partition then stays
// exact on emulators whose index ignores a removed key (minidyn), and
// coordinators can list what went out.
func (s *Store) MarkSent(ctx context.Context, id string, lease, now time.Time) error {
	return s.finish(ctx, id, lease,
		"SET #status = :sent, sentAt = :now, expiresAt = :exp, gsi1pk = :sentpk, gsi1sk = :gsk "+
			"REMOVE leaseUntil, nextAttemptAt, #to, cc, replyTo, replyToName, #data, tokenNonce, linkRef",
		map[string]types.AttributeValue{
			":sent":   str(string(outbox.Sent)),
			":now":    timeAV(now),
			":exp":    num(epoch(now.Add(s.SentMailRetention))),
			":sentpk": str(s.sentPK()),
			":gsk":    str(ts(now) + "#" + id),
		})
}

// Reschedule puts a failed mail back in the due index for a later attempt
// and releases the lease as of now (set, not removed, so the release holds
// on emulators that ignore REMOVE).
func (s *Store) Reschedule(ctx context.Context, id string, lease, next time.Time, reason string) error {
	return s.finish(ctx, id, lease,
		"SET nextAttemptAt = :next, gsi1pk = :due, gsi1sk = :gsk, lastError = :reason, leaseUntil = :released",
		map[string]types.AttributeValue{
			":next":     timeAV(next),
			":due":      str(s.duePK()),
			":gsk":      str(ts(next) + "#" + id),
			":reason":   str(reason),
			":released": timeAV(s.Now()),
		})
}

// Park moves a mail out of the due index into the failed one, where
// coordinators see it; its content stays so it can be sent again by hand.
func (s *Store) Park(ctx context.Context, id string, lease, now time.Time, reason string) error {
	return s.finish(ctx, id, lease,
		"SET #status = :failed, parkedAt = :now, gsi1pk = :failedpk, gsi1sk = :gsk, lastError = :reason, expiresAt = :exp "+
			"REMOVE leaseUntil, nextAttemptAt",
		map[string]types.AttributeValue{
			":failed":   str(string(outbox.Failed)),
			":now":      timeAV(now),
			":failedpk": str(s.failedPK()),
			":gsk":      str(ts(now) + "#" + id),
			":reason":   str(reason),
			":exp":      num(epoch(now.Add(s.SentMailRetention))),
		})
}

// Drop gives up on a mail on purpose: it leaves the due index for one of
// its own and keeps none of the content, as a sent mail keeps none.
func (s *Store) Drop(ctx context.Context, id string, lease, now time.Time, reason string) error {
	return s.finish(ctx, id, lease,
		"SET #status = :dropped, droppedAt = :now, gsi1pk = :droppedpk, gsi1sk = :gsk, lastError = :reason, expiresAt = :exp "+
			"REMOVE leaseUntil, nextAttemptAt, #to, cc, replyTo, replyToName, #data, tokenNonce, linkRef",
		map[string]types.AttributeValue{
			":dropped":   str(string(outbox.Capped)),
			":now":       timeAV(now),
			":droppedpk": str(s.key("mail", "dropped")),
			":gsk":       str(ts(now) + "#" + id),
			":reason":    str(reason),
			":exp":       num(epoch(now.Add(s.SentMailRetention))),
		})
}

// CountUnverified counts one more mail nobody asked for to addr on day,
// unless max went out already. The counter is keyed by the address's keyed
// hash and the day, and expires after it.
func (s *Store) CountUnverified(ctx context.Context, addr, day string, max int) (bool, error) {
	end, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return false, fmt.Errorf("count unverified mail: %w", err)
	}
	_, err = s.update(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      keyOf(s.key("mailcap", s.hashEmail(addr)+"#"+day), "mailcap"),
		UpdateExpression:         aws.String("SET #n = if_not_exists(#n, :zero) + :one, expiresAt = :exp"),
		ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames: map[string]string{"#n": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": numInt(0), ":one": numInt(1), ":max": numInt(max),
			":exp": num(epoch(end.Add(48 * time.Hour))),
		},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("count unverified mail: %w", err)
	}
	return true, nil
}

var _ outbox.Limits = (*Store)(nil)

// Due lists mails whose next attempt has come, oldest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	out, err := s.API.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.Table,
		IndexName:              aws.String(Index),
		KeyConditionExpression: aws.String("gsi1pk = :due AND gsi1sk <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":due": str(s.duePK()),
			// "~" sorts after every id, so mails due exactly now are included.
			":now": str(ts(now) + "#~"),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query due mail: %w", err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, item := range out.Items {
		var it struct {
			ID string `dynamodbav:"id"`
		}
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fmt.Errorf("unmarshal due mail: %w", err)
		}
		ids = append(ids, it.ID)
	}
	return ids, nil
}
