package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
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

// Submit writes a contact message and its mails in one transaction. The
// index lists messages by arrival for the coordinators.
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
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}}
	for _, m := range mails {
		put, err := s.mailPut(m)
		if err != nil {
			return err
		}
		items = append(items, put)
	}
	if err := s.transact(ctx, items); err != nil {
		return fmt.Errorf("submit contact message: %w", err)
	}
	return nil
}
