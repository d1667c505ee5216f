package lambdaenv_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

var getItem = &dynamodb.GetItemInput{
	TableName: aws.String("netzwerk"),
	Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}, "sk": &types.AttributeValueMemberS{Value: "x"}},
}

// TestWarmDynamoDB: the first call goes over the connection opened during
// init.
func TestWarmDynamoDB(t *testing.T) {
	f := testenv.NewFakeAWS(t)
	db := dynamodb.NewFromConfig(f.AWSConfig(t))
	lambdaenv.WarmDynamoDB(db)()
	if got := f.Conns(); got != 1 {
		t.Fatalf("%d connections after warming, want 1", got)
	}
	if _, err := db.GetItem(context.Background(), getItem); err != nil {
		t.Fatal(err)
	}
	if conns, requests := f.Conns(), f.Requests(); conns != 1 || requests != 2 {
		t.Errorf("%d connections, %d requests; want the call on the warmed connection (1, 2)", conns, requests)
	}
}

// BenchmarkFirstRequest is a function's first DynamoDB call after a cold
// start, over a fresh pool as the functions' configuration makes it, to a
// TLS server on loopback: cold it dials and shakes hands first; warmed it
// finds the connection opened during init (not timed). On loopback the
// handshake costs only CPU, both ends' on one machine; on Lambda the
// server's share is not the function's, but round trips to the endpoint add
// to it and the CPU share of a small function stretches the client's crypto.
func BenchmarkFirstRequest(b *testing.B) {
	for _, warm := range []bool{false, true} {
		b.Run(map[bool]string{false: "cold", true: "warmed"}[warm], func(b *testing.B) {
			f := testenv.NewFakeAWS(b)
			ctx := context.Background()
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				db := dynamodb.NewFromConfig(f.AWSConfig(b))
				if warm {
					lambdaenv.WarmDynamoDB(db)()
				}
				b.StartTimer()
				if _, err := db.GetItem(ctx, getItem); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				// Every iteration is a new function: its pool goes.
				f.CloseClientConnections()
				b.StartTimer()
			}
		})
	}
}
