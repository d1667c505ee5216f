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
				Data: it.Data, TokenNonce: it.TokenNonce, LinkRef: it.LinkRef, Unverified: it.Unverified, CreatedAt: parseTS(it.CreatedAt),
			},
			Status:        outbox.Status(it.Status),
			Attempts:      it.Attempts,
			NextAttemptAt: parseTS(it.NextAttemptAt),
			LeaseUntil:    parseTS(it.LeaseUntil),
			LastError:     it.LastError,
		},
		ParkedAt:  parseTS(it.ParkedAt),
		SentAt:    parseTS(it.SentAt),
		RetriedAt: parseTS(it.RetriedAt),
		RetriedBy: it.RetriedBy,
	}
	if r.Status == outbox.Sent {
		// MarkSent removes these; an emulator that ignores REMOVE keeps
		// them, and they must not show either way.
		r.To, r.Cc, r.ReplyTo, r.ReplyToName, r.Data, r.TokenNonce, r.LinkRef = nil, nil, "", "", nil, "", ""
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
	return listPage(ctx, s, []string{pk}, forward, q, decodeMailRecord, func(r outbox.Record) bool {
		// The index may lag a status change for a moment.
		return r.Status == st
	})
}

// Mail reads one live mail with its history.
func (s *Store) Mail(ctx context.Context, id string) (outbox.Record, error) {
	return liveAs(ctx, s, s.key("mail", id), mailSK, "mail", outbox.ErrNotFound, decodeMailRecord)
}

// Retry moves a parked mail back into the due partition, due at now, with
// its lease released and its record kept as long as a new mail's, in the
// same transaction as the audit entry. The sweeper sends it: a stream
// delivers only inserts to the notifier.
func (s *Store) Retry(ctx context.Context, id string, now time.Time, by string, e audit.Entry) error {
	return s.changeAudited(ctx, types.TransactWriteItem{Update: &types.Update{
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
	}}, e, "retry mail", outbox.ErrNotParked)
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
	return listPage(ctx, s, []string{s.key("suppressions", "all")}, false, q, decodeSuppression, nil)
}

// Suppression reads one live suppression by the address's keyed hash.
func (s *Store) Suppression(ctx context.Context, emailHash string) (outbox.Suppression, error) {
	return liveAs(ctx, s, s.key("suppressed", emailHash), suppressionSK, "suppression", outbox.ErrNoSuppression, decodeSuppression)
}

// Unsuppress deletes a suppression with its audit entry, all or nothing.
func (s *Store) Unsuppress(ctx context.Context, emailHash string, e audit.Entry) error {
	return s.changeAudited(ctx, types.TransactWriteItem{Delete: &types.Delete{
		TableName:           &s.Table,
		Key:                 keyOf(s.key("suppressed", emailHash), suppressionSK),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	}}, e, "delete suppression", outbox.ErrNoSuppression)
}
