package emulator_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/dynamo/emulator"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// indexAfterUpdate stores two items in the index and one outside it, gives
// the third its first index key by UpdateItem, as the store does when it
// sends a mail written outside the due index, and lists each partition.
func indexAfterUpdate(t *testing.T, h func(http.Handler) http.Handler) map[string][]string {
	t.Helper()
	srv := httptest.NewServer(h(miniserver.NewServer()))
	t.Cleanup(srv.Close)
	client, table := dynamo.NewEmulatorClient(srv.URL, 1), "emulator-test"
	ctx := context.Background()
	if err := dynamo.CreateTable(ctx, client, table); err != nil && !errors.Is(err, dynamo.ErrNoTTL) {
		t.Fatal(err)
	}
	for _, item := range []map[string]types.AttributeValue{
		{"pk": s("a"), "sk": s("x"), "id": s("a"), "gsi1pk": s("due"), "gsi1sk": s("1")},
		{"pk": s("b"), "sk": s("x"), "id": s("b"), "gsi1pk": s("failed"), "gsi1sk": s("2")},
		{"pk": s("c"), "sk": s("x"), "id": s("c"), "status": s("pending")},
	} {
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &table,
		Key:                      map[string]types.AttributeValue{"pk": s("c"), "sk": s("x")},
		UpdateExpression:         aws.String("SET gsi1pk = :sent, gsi1sk = :at, #status = :sent"),
		ConditionExpression:      aws.String("#status = :pending AND attribute_not_exists(gsi1pk)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sent": s("sent"), ":at": s("3"), ":pending": s("pending"),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Attributes["gsi1pk"].(*types.AttributeValueMemberS); !ok || v.Value != "sent" {
		t.Errorf("returned attributes %v, want gsi1pk sent", out.Attributes)
	}
	got := map[string][]string{}
	for _, pk := range []string{"due", "failed", "sent"} {
		res, err := client.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &table,
			IndexName:                 aws.String(dynamo.Index),
			KeyConditionExpression:    aws.String("gsi1pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pk)},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range res.Items {
			got[pk] = append(got[pk], item["id"].(*types.AttributeValueMemberS).Value)
		}
	}
	return got
}

var want = map[string][]string{"due": {"a"}, "failed": {"b"}, "sent": {"c"}}

func same(got map[string][]string) bool {
	for pk, ids := range want {
		if !slices.Equal(got[pk], ids) {
			return false
		}
	}
	return true
}

// TestHandlerMendsIndex: through Handler, every item stays in the index
// where its keys put it.
func TestHandlerMendsIndex(t *testing.T) {
	if got := indexAfterUpdate(t, emulator.Handler); !same(got) {
		t.Errorf("index partitions %v, want %v", got, want)
	}
}

// TestIndexDefect notices when minidyn itself keeps the index right: then
// Handler can go.
func TestIndexDefect(t *testing.T) {
	if got := indexAfterUpdate(t, func(h http.Handler) http.Handler { return h }); same(got) {
		t.Errorf("minidyn now keeps its index when an update adds an item to it: drop emulator.Handler")
	}
}
