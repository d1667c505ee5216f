package dynamo

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/listing"
)

// indexPage reads one page of a listing from index partitions sorted by
// gsi1sk (time, then id, so every sort key is unique): newest first unless
// forward. Several partitions (applications of every status) merge into one
// order. keep drops items a filter does not want, and expired items are
// dropped always. The cursor is the sort key the page ended at, so it stays
// valid whichever partition the next item comes from.
func (s *Store) indexPage(ctx context.Context, partitions []string, forward bool, q listing.Query,
	keep func(map[string]types.AttributeValue) bool) ([]map[string]types.AttributeValue, string, error) {
	after, err := decodeCursor(q.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = listing.DefaultLimit
	}
	var all []map[string]types.AttributeValue
	for _, pk := range partitions {
		// Each partition gives at most limit+1 items: no more can be on
		// this page, and one more says there is a next page.
		items, err := s.partitionItems(ctx, pk, after, forward, limit+1, keep)
		if err != nil {
			return nil, "", err
		}
		all = append(all, items...)
	}
	slices.SortFunc(all, func(a, b map[string]types.AttributeValue) int {
		c := cmp.Compare(attrS(a, "gsi1sk"), attrS(b, "gsi1sk"))
		if !forward {
			c = -c
		}
		return c
	})
	if len(all) <= limit {
		return all, "", nil
	}
	all = all[:limit]
	return all, base64.RawURLEncoding.EncodeToString([]byte(attrS(all[limit-1], "gsi1sk"))), nil
}

func (s *Store) partitionItems(ctx context.Context, pk, after string, forward bool, want int,
	keep func(map[string]types.AttributeValue) bool) ([]map[string]types.AttributeValue, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(forward),
		Limit:                     aws.Int32(int32(want)),
	}
	if after != "" {
		op := "<"
		if forward {
			op = ">"
		}
		in.KeyConditionExpression = aws.String("gsi1pk = :pk AND gsi1sk " + op + " :after")
		in.ExpressionAttributeValues[":after"] = str(after)
	}
	var out []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.API, in)
	for p.HasMorePages() && len(out) < want {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", pk, err)
		}
		for _, item := range page.Items {
			if s.expired(item) || (keep != nil && !keep(item)) {
				continue
			}
			out = append(out, item)
			if len(out) == want {
				break
			}
		}
	}
	return out, nil
}

// pageOf decodes the items of one page.
func pageOf[T any](items []map[string]types.AttributeValue, next string,
	decode func(map[string]types.AttributeValue) (T, error)) (listing.Page[T], error) {
	page := listing.Page[T]{Next: next, Items: make([]T, 0, len(items))}
	for _, item := range items {
		v, err := decode(item)
		if err != nil {
			return listing.Page[T]{}, err
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 200 || !utf8.Valid(b) {
		return "", listing.ErrCursor
	}
	return string(b), nil
}

// attrS is a string attribute, "" if absent.
func attrS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
