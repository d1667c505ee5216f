package testenv

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
)

// Recorder is a dynamo.API that passes every call on to API and keeps it,
// so that a benchmark can send exactly the calls the code under test sent
// once more, bare, and compare (issue 11: the handler against the DynamoDB
// calls it issues). Safe for concurrent use.
type Recorder struct {
	dynamo.API
	mu    sync.Mutex
	calls []Call
}

// Call is one recorded request: which operation, the keys of the items a
// write names (to undo it), and the request itself, to send again.
type Call struct {
	Op     string
	Writes []map[string]types.AttributeValue
	send   func(context.Context, dynamo.API) error
}

// Send sends the recorded request once more through api, as it was sent.
func (c Call) Send(ctx context.Context, api dynamo.API) error { return c.send(ctx, api) }

// Take returns the calls recorded since the last Take and forgets them.
func (r *Recorder) Take() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := r.calls
	r.calls = nil
	return calls
}

// pass keeps the call of method with in, then makes it through r.API.
func pass[In, Out any](r *Recorder, ctx context.Context, op string, writes []map[string]types.AttributeValue, in *In,
	o []func(*dynamodb.Options), method func(dynamo.API, context.Context, *In, ...func(*dynamodb.Options)) (Out, error),
) (Out, error) {
	r.mu.Lock()
	r.calls = append(r.calls, Call{Op: op, Writes: writes, send: func(ctx context.Context, api dynamo.API) error {
		_, err := method(api, ctx, in)
		return err
	}})
	r.mu.Unlock()
	return method(r.API, ctx, in, o...)
}

func (r *Recorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return pass(r, ctx, "GetItem", nil, in, o, dynamo.API.GetItem)
}

func (r *Recorder) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return pass(r, ctx, "BatchGetItem", nil, in, o, dynamo.API.BatchGetItem)
}

func (r *Recorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return pass(r, ctx, "PutItem", []map[string]types.AttributeValue{keyOf(in.Item)}, in, o, dynamo.API.PutItem)
}

func (r *Recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return pass(r, ctx, "UpdateItem", []map[string]types.AttributeValue{in.Key}, in, o, dynamo.API.UpdateItem)
}

func (r *Recorder) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return pass(r, ctx, "Query", nil, in, o, dynamo.API.Query)
}

func (r *Recorder) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return pass(r, ctx, "Scan", nil, in, o, dynamo.API.Scan)
}

func (r *Recorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var writes []map[string]types.AttributeValue
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			writes = append(writes, keyOf(it.Put.Item))
		case it.Update != nil:
			writes = append(writes, it.Update.Key)
		case it.Delete != nil:
			writes = append(writes, it.Delete.Key)
		}
	}
	return pass(r, ctx, "TransactWriteItems", writes, in, o, dynamo.API.TransactWriteItems)
}

func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}
}

// Reset puts every item that calls wrote back as it was in base (a
// Snapshot): deleted if base did not hold it. A benchmark that resets after
// each round keeps the table at base's size, so the emulator's cost per
// call, which grows with the table (minidyn copies the whole table for a
// transaction), stays the same from the first round to the last.
func (db *DynamoDB) Reset(t testing.TB, base map[string]map[string]types.AttributeValue, calls []Call) {
	t.Helper()
	ctx := context.Background()
	done := map[string]bool{}
	for _, c := range calls {
		for _, key := range c.Writes {
			k := S(key, "pk") + "|" + S(key, "sk")
			if done[k] {
				continue
			}
			done[k] = true
			var err error
			if item, ok := base[k]; ok {
				_, err = db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &db.Table, Item: item})
			} else {
				_, err = db.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &db.Table, Key: key})
			}
			if err != nil {
				t.Fatalf("Reset %s: %v", k, err)
			}
		}
	}
}
