package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ contact.Store = (*Store)(nil)

const contactSK = "contact"

type contactItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	GSI1PK     string `dynamodbav:"gsi1pk"`
	GSI1SK     string `dynamodbav:"gsi1sk"`
	ID         string `dynamodbav:"id"`
	Reference  string `dynamodbav:"reference"`
	Name       string `dynamodbav:"name"`
	Email      string `dynamodbav:"email"`
	EmailHash  string `dynamodbav:"emailHash"`
	Phone      string `dynamodbav:"phone,omitempty"`
	Topic      string `dynamodbav:"topic"`
	Network    string `dynamodbav:"network,omitempty"`
	Text       string `dynamodbav:"message"`
	Locale     string `dynamodbav:"locale"`
	Inbox      string `dynamodbav:"inbox"`
	ConsentAt  string `dynamodbav:"consentAt"`
	ConsentVer string `dynamodbav:"consentVersion"`
	CreatedAt  string `dynamodbav:"createdAt"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"`
	// Status is absent on messages stored before coordinators could mark
	// them done; absent reads as open.
	Status string `dynamodbav:"status,omitempty"`
	DoneAt string `dynamodbav:"doneAt,omitempty"`
	DoneBy string `dynamodbav:"doneBy,omitempty"`
}

// Submit writes the message with a plain conditional put (1 write unit per
// KB and its entry in the coordinators' index), then each of its mails the
// same way, outside the due index (1 unit each): a transaction would bill
// every item twice and the index once more per mail (docs/write-cost.md).
// The stream hands each mail to the notifier; Reconcile, from the sweeper,
// covers a mail put that failed and a stream record that was lost.
func (s *Store) Submit(ctx context.Context, m contact.Message, mails []outbox.Mail) error {
	item, err := attributevalue.MarshalMap(contactItem{
		PK: s.key("contact", m.ID), SK: contactSK,
		GSI1PK: s.key("contacts", "all"), GSI1SK: ts(m.CreatedAt) + "#" + m.ID,
		ID: m.ID, Reference: m.Reference, Name: m.Name, Email: m.Email, EmailHash: m.EmailHash,
		Phone: m.Phone, Topic: m.Topic, Network: m.Network, Text: m.Text, Locale: m.Locale,
		Inbox: m.Inbox, ConsentAt: ts(m.ConsentAt), ConsentVer: m.ConsentVer,
		CreatedAt: ts(m.CreatedAt), ExpiresAt: m.ExpiresAt.Unix(), Status: string(m.Status),
	})
	if err != nil {
		return fmt.Errorf("marshal contact message: %w", err)
	}
	err = s.put(ctx, &dynamodb.PutItemInput{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if conditionFailed(err) && s.wroteMessage(ctx, m) {
		// The SDK retried a put whose answer was lost, and found the
		// message the first attempt stored; a transaction's request token
		// made that retry harmless, a plain put needs this look.
		err = nil
	}
	if err != nil {
		return fmt.Errorf("submit contact message: %w", err)
	}
	var errs []error
	for _, ml := range mails {
		if err := s.queueOnce(ctx, ml); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", contact.ErrMailNotQueued, errors.Join(errs...))
	}
	return nil
}

// wroteMessage reports whether the message stored under m's id is m: ids
// carry 80 random bits, and the reference and the address's hash are m's.
func (s *Store) wroteMessage(ctx context.Context, m contact.Message) bool {
	item, err := s.read(ctx, s.key("contact", m.ID), contactSK)
	return err == nil && item != nil && attrS(item, "reference") == m.Reference && attrS(item, "emailHash") == m.EmailHash
}

// Recent lists the live messages created from from to to, oldest first,
// from the coordinators' index.
func (s *Store) Recent(ctx context.Context, from, to time.Time) ([]contact.Message, error) {
	items, err := s.created(ctx, s.key("contacts", "all"), from, to)
	if err != nil {
		return nil, fmt.Errorf("recent contact messages: %w", err)
	}
	return decodeAll(items, decodeContact)
}

// QueueMissing writes a message's mail that was never written, due at once,
// in one transaction with a check that the message is still there and
// live: an erasure that deleted it cannot be undone by a mail that carries
// its text.
func (s *Store) QueueMissing(ctx context.Context, msgID string, ml outbox.Mail) error {
	return s.queueLate(ctx, &types.ConditionCheck{
		TableName:                 &s.Table,
		Key:                       keyOf(s.key("contact", msgID), contactSK),
		ConditionExpression:       aws.String("attribute_exists(pk) AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(epoch(s.Now()))},
	}, ml, contact.ErrNotFound)
}
