package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ outbox.FirstMails = (*Store)(nil)

// mailOnce keeps a record's first mail (a contact message's, a sign-up's)
// from being written twice. Its id derives from the record's, so a second
// put (the SDK retrying one whose answer was lost, Reconcile racing the
// submission or another Reconcile) finds the first and leaves it, sent or
// not, as it is.
const mailOnce = "attribute_not_exists(pk)"

// queueOnce writes a record's first mail for the notifier alone, outside
// the due index (1 write unit under 1 KB), unless it is written already.
func (s *Store) queueOnce(ctx context.Context, ml outbox.Mail) error {
	item, err := s.mailItem(ml, time.Time{})
	if err != nil {
		return err
	}
	err = s.put(ctx, &dynamodb.PutItemInput{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String(mailOnce),
	})
	if conditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue mail %s: %w", ml.ID, err)
	}
	s.announceIDs([]string{ml.ID})
	return nil
}

// FirstMails reads the mails with ids, at most 100 a request, and tells
// where each stands: a pending mail outside the due index waits for the
// notifier alone.
func (s *Store) FirstMails(ctx context.Context, ids []string) (map[string]outbox.MailState, error) {
	states := make(map[string]outbox.MailState, len(ids))
	for chunk := range slices.Chunk(ids, 100) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = s.mailKey(id)
		}
		items, err := s.batchGet(ctx, keys)
		if err != nil {
			// A key left unread would read as a missing mail, so every
			// one is read or the run fails.
			return nil, fmt.Errorf("read first mails: %w", err)
		}
		for _, item := range items {
			st := outbox.MailHandled
			if attrS(item, "status") == string(outbox.Pending) && attrS(item, "gsi1pk") == "" {
				st = outbox.MailWaiting
			}
			states[attrS(item, "id")] = st
		}
	}
	return states, nil
}

// HandOver puts a pending mail that is not in the due index into it, due
// at now, for the next sweep; a mail the notifier or a sweep has dealt with
// meanwhile carries index attributes and is left alone.
func (s *Store) HandOver(ctx context.Context, mailID string, now time.Time) (bool, error) {
	_, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      s.mailKey(mailID),
		UpdateExpression:         aws.String("SET gsi1pk = :due, gsi1sk = :gsk, nextAttemptAt = :now"),
		ConditionExpression:      aws.String("#status = :pending AND attribute_not_exists(gsi1pk)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":due":     str(s.duePK()),
			":gsk":     str(ts(now) + "#" + mailID),
			":now":     timeAV(now),
			":pending": str(string(outbox.Pending)),
		},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("hand over mail %s: %w", mailID, err)
	}
	return true, nil
}
