package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/listing"
)

func decodeContact(item map[string]types.AttributeValue) (contact.Message, error) {
	var it contactItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return contact.Message{}, fmt.Errorf("unmarshal contact message: %w", err)
	}
	m := contact.Message{
		ID: it.ID, Reference: it.Reference, Name: it.Name, Email: it.Email, EmailHash: it.EmailHash,
		Phone: it.Phone, Topic: it.Topic, Network: it.Network, Text: it.Text, Locale: it.Locale,
		Inbox: it.Inbox, ConsentAt: parseTS(it.ConsentAt), ConsentVer: it.ConsentVer,
		CreatedAt: parseTS(it.CreatedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
		Status: contact.Status(it.Status), DoneBy: it.DoneBy,
	}
	if m.Status == "" {
		m.Status = contact.Open
	}
	if it.DoneAt != "" {
		m.DoneAt = parseTS(it.DoneAt)
	}
	return m, nil
}

// Messages pages through the contact messages newest first. They share one
// index partition whatever their topic or status, and the filter runs here
// rather than as a FilterExpression: a county gets some messages a day,
// kept for months, so reading past the ones a filter drops is cheap, and
// one partition keeps marking a message done a single-item update.
func (s *Store) Messages(ctx context.Context, keep func(contact.Message) bool, q listing.Query) (listing.Page[contact.Message], error) {
	return listPage(ctx, s, []string{s.key("contacts", "all")}, false, q, decodeContact, keep)
}

// Message reads one live message.
func (s *Store) Message(ctx context.Context, id string) (contact.Message, error) {
	return liveAs(ctx, s, s.key("contact", id), contactSK, "contact message", contact.ErrNotFound, decodeContact)
}

// Done marks a live, open message done, with its audit entry, all or
// nothing.
func (s *Store) Done(ctx context.Context, id string, at time.Time, by string, e audit.Entry) error {
	return s.changeAudited(ctx, types.TransactWriteItem{Update: &types.Update{
		TableName:        &s.Table,
		Key:              keyOf(s.key("contact", id), contactSK),
		UpdateExpression: aws.String("SET #status = :done, doneAt = :at, doneBy = :by"),
		ConditionExpression: aws.String(
			"attribute_exists(pk) AND expiresAt > :now AND (attribute_not_exists(#status) OR #status = :open)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": str(string(contact.Done)),
			":open": str(string(contact.Open)),
			":at":   timeAV(at),
			":by":   str(by),
			":now":  num(epoch(s.Now())),
		},
	}}, e, "mark message done", contact.ErrState)
}
