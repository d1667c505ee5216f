package dynamo

import (
	"context"
	"fmt"
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

// FirstMails reads the mails with ids and tells
// where each stands: a pending mail outside the due index waits for the
// notifier alone.
func (s *Store) FirstMails(ctx context.Context, ids []string) (map[string]outbox.MailState, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = s.mailKey(id)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		// A key left unread would read as a missing mail, so every one is
		// read or the run fails.
		return nil, fmt.Errorf("read first mails: %w", err)
	}
	states := make(map[string]outbox.MailState, len(ids))
	for _, item := range items {
		st := outbox.MailHandled
		if attrS(item, "status") == string(outbox.Pending) && attrS(item, "gsi1pk") == "" {
			st = outbox.MailWaiting
		}
		states[attrS(item, "id")] = st
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

// putDue writes a mail that is not a record's first with a plain put, in
// the due index after MailGrace as in a transaction, for the calls of a
// repeat to match a new submission's (a check or a link in a transaction,
// then the mail). The SDK resending a put whose answer was lost meets its
// own mail: its id is new, so that is success.
func (s *Store) putDue(ctx context.Context, m outbox.Mail, what string) error {
	mailPut, err := s.mailPut(m)
	if err != nil {
		return err
	}
	err = s.put(ctx, &dynamodb.PutItemInput{
		TableName:           &s.Table,
		Item:                mailPut.Put.Item,
		ConditionExpression: mailPut.Put.ConditionExpression,
	})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.announceIDs([]string{m.ID})
	return nil
}

// created reads the live items of an index partition whose sort key
// starts with a creation time from from to to, oldest first: the records a
// reconcile run looks at.
func (s *Store) created(ctx context.Context, gsi1pk string, from, to time.Time) ([]map[string]types.AttributeValue, error) {
	p := dynamodb.NewQueryPaginator(s.API, &dynamodb.QueryInput{
		TableName:              &s.Table,
		IndexName:              aws.String(Index),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   str(gsi1pk),
			":from": str(ts(from)),
			// "~" sorts after every id, so a record of exactly to is in.
			":to": str(ts(to) + "#~"),
		},
	})
	var out []map[string]types.AttributeValue
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			if !s.expired(item) {
				out = append(out, item)
			}
		}
	}
	return out, nil
}

// queueLate writes a record's first mail m that was never written, due at
// once, in one transaction with check (the record still as the mail needs
// it) and any other items: gone if the check fails, nil if the mail was
// written meanwhile.
func (s *Store) queueLate(ctx context.Context, check *types.ConditionCheck, m outbox.Mail, gone error, other ...types.TransactWriteItem) error {
	item, err := s.mailItem(m, m.CreatedAt)
	if err != nil {
		return err
	}
	items := append([]types.TransactWriteItem{{ConditionCheck: check}}, other...)
	items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item, ConditionExpression: aws.String(mailOnce)}})
	err = s.transact(ctx, items)
	if codes, ok := cancellation(err); ok && len(codes) == len(items) {
		switch {
		case codes[0] == "ConditionalCheckFailed":
			return gone
		case codes[len(codes)-1] == "ConditionalCheckFailed":
			return nil // written meanwhile
		}
	}
	if err != nil {
		return fmt.Errorf("queue late mail %s: %w", m.ID, err)
	}
	return nil
}
