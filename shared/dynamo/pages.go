package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/listing"
)

// listPage reads one page like indexPage and decodes it; keep, if not nil,
// sees decoded items and drops those it refuses.
func listPage[T any](ctx context.Context, s *Store, partitions []string, forward bool, q listing.Query,
	decode func(map[string]types.AttributeValue) (T, error), keep func(T) bool) (listing.Page[T], error) {
	var decodeErr error
	var filter func(map[string]types.AttributeValue) bool
	if keep != nil {
		filter = func(it map[string]types.AttributeValue) bool {
			v, err := decode(it)
			if err != nil {
				decodeErr = err
				return false
			}
			return keep(v)
		}
	}
	items, next, err := s.indexPage(ctx, partitions, forward, q, filter)
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return listing.Page[T]{}, err
	}
	return pageOf(items, next, decode)
}

// pageOf decodes the items of one page.
func pageOf[T any](items []map[string]types.AttributeValue, next string, decode func(map[string]types.AttributeValue) (T, error)) (listing.Page[T], error) {
	out, err := decodeAll(items, decode)
	if err != nil {
		return listing.Page[T]{}, err
	}
	return listing.Page[T]{Next: next, Items: out}, nil
}

// decodeAll decodes items in their order.
func decodeAll[T any](items []map[string]types.AttributeValue, decode func(map[string]types.AttributeValue) (T, error)) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		v, err := decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
