package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/listing"
)

var _ audit.Store = (*Store)(nil)

const auditSK = "audit"

type auditItem struct {
	PK        string            `dynamodbav:"pk"`
	SK        string            `dynamodbav:"sk"`
	GSI1PK    string            `dynamodbav:"gsi1pk"`
	GSI1SK    string            `dynamodbav:"gsi1sk"`
	ID        string            `dynamodbav:"id"`
	At        string            `dynamodbav:"at"`
	Actor     string            `dynamodbav:"actor"`
	Action    string            `dynamodbav:"action"`
	Target    string            `dynamodbav:"target,omitempty"`
	Detail    map[string]string `dynamodbav:"detail,omitempty"`
	ExpiresAt int64             `dynamodbav:"expiresAt"`
}

func (s *Store) auditPK() string { return s.key("audit", "all") }

// auditPut is the transaction item that records e beside the change it
// describes: both happen, or neither.
func (s *Store) auditPut(e audit.Entry) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(auditItem{
		PK: s.key("audit", e.ID), SK: auditSK,
		GSI1PK: s.auditPK(), GSI1SK: ts(e.At) + "#" + e.ID,
		ID: e.ID, At: ts(e.At), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail,
		ExpiresAt: e.ExpiresAt.Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("marshal audit entry: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}, nil
}

// Record writes an entry for an action that changes nothing else.
func (s *Store) Record(ctx context.Context, e audit.Entry) error {
	put, err := s.auditPut(e)
	if err != nil {
		return err
	}
	if err := s.put(ctx, &dynamodb.PutItemInput{
		TableName: &s.Table, Item: put.Put.Item, ConditionExpression: put.Put.ConditionExpression,
	}); err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// Audit lists the trail, newest first.
func (s *Store) Audit(ctx context.Context, q listing.Query) (listing.Page[audit.Entry], error) {
	return listPage(ctx, s, []string{s.auditPK()}, false, q, decodeAudit, nil)
}

func decodeAudit(item map[string]types.AttributeValue) (audit.Entry, error) {
	var it auditItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return audit.Entry{}, fmt.Errorf("unmarshal audit entry: %w", err)
	}
	return audit.Entry{
		ID: it.ID, At: parseTS(it.At), Actor: it.Actor, Action: it.Action, Target: it.Target, Detail: it.Detail,
	}, nil
}
