package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ outbox.AdminStore = (*Store)(nil)

// mailRecordItem is an outbox item with the history the coordinators see.
type mailRecordItem struct {
	mailItem
	ParkedAt  string `dynamodbav:"parkedAt,omitempty"`
	SentAt    string `dynamodbav:"sentAt,omitempty"`
	RetriedAt string `dynamodbav:"retriedAt,omitempty"`
	RetriedBy string `dynamodbav:"retriedBy,omitempty"`
}

func decodeMailRecord(item map[string]types.AttributeValue) (outbox.Record, error) {
	var it mailRecordItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return outbox.Record{}, fmt.Errorf("unmarshal mail: %w", err)
	}
	r := outbox.Record{
		Item: outbox.Item{
			Mail: outbox.Mail{
				ID: it.ID, Template: it.Template, Locale: it.Locale,
				To: it.To, Cc: it.Cc, ReplyTo: it.ReplyTo, ReplyToName: it.ReplyToName,
				Data: it.Data, TokenNonce: it.TokenNonce, CreatedAt: parseTS(it.CreatedAt),
			},
			Status:    outbox.Status(it.Status),
			Attempts:  it.Attempts,
			LastError: it.LastError,
		},
		RetriedBy: it.RetriedBy,
	}
	for dst, src := range map[*time.Time]string{
		&r.NextAttemptAt: it.NextAttemptAt, &r.LeaseUntil: it.LeaseUntil,
		&r.ParkedAt: it.ParkedAt, &r.SentAt: it.SentAt, &r.RetriedAt: it.RetriedAt,
	} {
		if src != "" {
			*dst = parseTS(src)
		}
	}
	if r.Status == outbox.Sent {
		// MarkSent removes these; an emulator that ignores REMOVE keeps
		// them, and they must not show either way.
		r.To, r.Cc, r.ReplyTo, r.ReplyToName, r.Data, r.TokenNonce = nil, nil, "", "", nil, ""
		r.NextAttemptAt, r.LeaseUntil = time.Time{}, time.Time{}
	}
	return r, nil
}

// Mails pages through the mails of one status. Each status has its own
// index partition; pending mail comes in the order the sweeper takes it.
func (s *Store) Mails(ctx context.Context, st outbox.Status, q listing.Query) (listing.Page[outbox.Record], error) {
	pk, forward := s.failedPK(), false
	switch st {
	case outbox.Pending:
		pk, forward = s.duePK(), true
	case outbox.Sent:
		pk = s.sentPK()
	}
	items, next, err := s.indexPage(ctx, []string{pk}, forward, q, func(item map[string]types.AttributeValue) bool {
		// The index may lag a status change for a moment.
		return attrS(item, "status") == string(st)
	})
	if err != nil {
		return listing.Page[outbox.Record]{}, err
	}
	page := listing.Page[outbox.Record]{Next: next, Items: make([]outbox.Record, 0, len(items))}
	for _, item := range items {
		r, err := decodeMailRecord(item)
		if err != nil {
			return listing.Page[outbox.Record]{}, err
		}
		page.Items = append(page.Items, r)
	}
	return page, nil
}

// Mail reads one live mail with its history.
func (s *Store) Mail(ctx context.Context, id string) (outbox.Record, error) {
	item, err := s.get(ctx, s.key("mail", id), mailSK)
	if err != nil {
		return outbox.Record{}, fmt.Errorf("read mail: %w", err)
	}
	if item == nil {
		return outbox.Record{}, outbox.ErrNotFound
	}
	return decodeMailRecord(item)
}

// Retry moves a parked mail back into the due partition, due at now, with
// its lease released and its record kept as long as a new mail's, in the
// same transaction as the audit entry. The sweeper sends it: a stream
// delivers only inserts to the notifier.
func (s *Store) Retry(ctx context.Context, id string, now time.Time, by string, e audit.Entry) error {
	auditPut, err := s.auditPut(e)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.Table,
		Key:       s.mailKey(id),
		UpdateExpression: aws.String("SET #status = :pending, nextAttemptAt = :now, leaseUntil = :now, " +
			"gsi1pk = :due, gsi1sk = :gsk, retriedAt = :now, retriedBy = :by, expiresAt = :exp"),
		ConditionExpression:      aws.String("#status = :failed AND expiresAt > :epoch"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": str(string(outbox.Pending)),
			":failed":  str(string(outbox.Failed)),
			":now":     timeAV(now),
			":due":     str(s.duePK()),
			":gsk":     str(ts(now) + "#" + id),
			":by":      str(by),
			":exp":     num(epoch(now.Add(2*s.SentMailRetention + 24*time.Hour))),
			":epoch":   num(epoch(s.Now())),
		},
	}}, auditPut})
	if codes, ok := cancellation(err); ok && len(codes) > 0 && codes[0] == "ConditionalCheckFailed" {
		return outbox.ErrNotParked
	}
	if err != nil {
		return fmt.Errorf("retry mail: %w", err)
	}
	return nil
}

func decodeSuppression(item map[string]types.AttributeValue) (outbox.Suppression, error) {
	var it suppressionItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return outbox.Suppression{}, fmt.Errorf("unmarshal suppression: %w", err)
	}
	return outbox.Suppression{
		EmailHash: it.EmailHash, Email: it.Email, Reason: it.Reason,
		At: parseTS(it.At), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
	}, nil
}

// Suppressions pages through the suppressed addresses, newest first.
func (s *Store) Suppressions(ctx context.Context, q listing.Query) (listing.Page[outbox.Suppression], error) {
	items, next, err := s.indexPage(ctx, []string{s.key("suppressions", "all")}, false, q, nil)
	if err != nil {
		return listing.Page[outbox.Suppression]{}, err
	}
	page := listing.Page[outbox.Suppression]{Next: next, Items: make([]outbox.Suppression, 0, len(items))}
	for _, item := range items {
		sup, err := decodeSuppression(item)
		if err != nil {
			return listing.Page[outbox.Suppression]{}, err
		}
		page.Items = append(page.Items, sup)
	}
	return page, nil
}

// Suppression reads one live suppression by the address's keyed hash.
func (s *Store) Suppression(ctx context.Context, emailHash string) (outbox.Suppression, error) {
	item, err := s.get(ctx, s.key("suppressed", emailHash), suppressionSK)
	if err != nil {
		return outbox.Suppression{}, fmt.Errorf("read suppression: %w", err)
	}
	if item == nil {
		return outbox.Suppression{}, outbox.ErrNoSuppression
	}
	return decodeSuppression(item)
}

// Unsuppress deletes a suppression with its audit entry, all or nothing.
func (s *Store) Unsuppress(ctx context.Context, emailHash string, e audit.Entry) error {
	auditPut, err := s.auditPut(e)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{{Delete: &types.Delete{
		TableName:           &s.Table,
		Key:                 keyOf(s.key("suppressed", emailHash), suppressionSK),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	}}, auditPut})
	if codes, ok := cancellation(err); ok && len(codes) > 0 && codes[0] == "ConditionalCheckFailed" {
		return outbox.ErrNoSuppression
	}
	if err != nil {
		return fmt.Errorf("delete suppression: %w", err)
	}
	return nil
}
