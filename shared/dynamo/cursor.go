package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ outbox.Cursors = (*Store)(nil)

const cursorSK = "cursor"

// Cursor reads where the named reconcile job stopped.
func (s *Store) Cursor(ctx context.Context, name string) (time.Time, error) {
	item, err := s.read(ctx, s.key("cursor", name), cursorSK)
	if err != nil {
		return time.Time{}, fmt.Errorf("read cursor: %w", err)
	}
	if item == nil {
		return time.Time{}, nil
	}
	return parseTS(attrS(item, "at")), nil
}

// SetCursor moves the named reconcile job's cursor. Two runs that overlap
// may move it back a little; the next run then looks at a few records
// again, which is harmless.
func (s *Store) SetCursor(ctx context.Context, name string, at time.Time) error {
	err := s.put(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: map[string]types.AttributeValue{
		"pk": str(s.key("cursor", name)), "sk": str(cursorSK), "at": timeAV(at),
	}})
	if err != nil {
		return fmt.Errorf("set cursor: %w", err)
	}
	return nil
}
