package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ outbox.Suppressions = (*Store)(nil)

const suppressionSK = "suppression"

type suppressionItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	GSI1PK    string `dynamodbav:"gsi1pk"`
	GSI1SK    string `dynamodbav:"gsi1sk"`
	Email     string `dynamodbav:"email"`
	EmailHash string `dynamodbav:"emailHash"`
	Reason    string `dynamodbav:"reason"`
	At        string `dynamodbav:"at"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// SuppressionRetention is how long an address stays suppressed after its
// last bounce or complaint.
const SuppressionRetention = 365 * 24 * time.Hour

// Suppress records that addr bounced hard or complained. The address itself
// is kept so coordinators can see which one and why; the key is its keyed
// hash, so erasure by address finds it.
func (s *Store) Suppress(ctx context.Context, addr, reason string, at time.Time) error {
	hash := s.hashEmail(addr)
	item, err := attributevalue.MarshalMap(suppressionItem{
		PK: s.key("suppressed", hash), SK: suppressionSK,
		GSI1PK: s.key("suppressions", "all"), GSI1SK: ts(at) + "#" + hash,
		Email: addr, EmailHash: hash, Reason: reason, At: ts(at),
		ExpiresAt: at.Add(SuppressionRetention).Unix(),
	})
	if err != nil {
		return fmt.Errorf("marshal suppression: %w", err)
	}
	if err := s.put(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("put suppression: %w", err)
	}
	return nil
}

// Suppressed returns the reason for each suppressed address among addrs.
func (s *Store) Suppressed(ctx context.Context, addrs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range addrs {
		item, err := s.get(ctx, s.key("suppressed", s.hashEmail(a)), suppressionSK)
		if err != nil {
			return nil, fmt.Errorf("read suppression: %w", err)
		}
		if item == nil {
			continue
		}
		reason := "unknown"
		if r, ok := item["reason"].(*types.AttributeValueMemberS); ok {
			reason = r.Value
		}
		out[a] = reason
	}
	return out, nil
}

// CountRequest counts one request of client in the minute window that
// starts at window, unless max were counted: the window is part of the
// key, so every minute starts from zero whenever TTL gets round to the old
// counters.
func (s *Store) CountRequest(ctx context.Context, client string, window time.Time, max int) (bool, error) {
	_, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      keyOf(s.key("rate", client+"#"+epoch(window)), "rate"),
		UpdateExpression:         aws.String("SET #n = if_not_exists(#n, :zero) + :one, expiresAt = :exp"),
		ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames: map[string]string{"#n": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": numInt(0), ":one": numInt(1), ":max": numInt(max),
			":exp": num(epoch(window.Add(2 * time.Minute))),
		},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("count request: %w", err)
	}
	return true, nil
}
