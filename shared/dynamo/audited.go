package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
)

// liveAs reads one live item and decodes it; notFound if there is none.
// what names the record in errors, which must not carry its key: keys hold
// email hashes.
func liveAs[T any](ctx context.Context, s *Store, pk, sk, what string, notFound error,
	decode func(map[string]types.AttributeValue) (T, error)) (T, error) {
	var zero T
	item, err := s.get(ctx, pk, sk)
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", what, err)
	}
	if item == nil {
		return zero, notFound
	}
	return decode(item)
}

// changeAudited writes a coordinator's change and its audit entry in one
// transaction. failed is the answer when the change's condition does not
// hold.
func (s *Store) changeAudited(ctx context.Context, change types.TransactWriteItem, e audit.Entry, what string, failed error) error {
	auditPut, err := s.auditPut(e)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{change, auditPut})
	if codes, ok := cancellation(err); ok && len(codes) > 0 && codes[0] == "ConditionalCheckFailed" {
		return failed
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
