package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAPI is what creating the table needs.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// ErrNoTTL means the endpoint created the table but cannot expire items by
// TTL (the embedded emulator): expired items stay until erased by hand,
// though every read treats them as gone.
var ErrNoTTL = errors.New("dynamo: the endpoint does not support TTL")

// CreateTable creates the table as template.yaml declares it, unless it
// exists: the keys, the index, the stream of new images and TTL on
// expiresAt. The local server and the tests use it; AWS gets it from the
// template. ErrNoTTL reports a table made without TTL.
func CreateTable(ctx context.Context, api TableAPI, name string) error {
	_, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		return fmt.Errorf("describe table: %w", err)
	}
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	k := func(n string, t types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: t}
	}
	_, err = api.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &name,
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("pk"), s("sk"), s("gsi1pk"), s("gsi1sk")},
		KeySchema:            []types.KeySchemaElement{k("pk", types.KeyTypeHash), k("sk", types.KeyTypeRange)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(Index),
			KeySchema:  []types.KeySchemaElement{k("gsi1pk", types.KeyTypeHash), k("gsi1sk", types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	})
	if err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	if err := waitActive(ctx, api, name); err != nil {
		return err
	}
	_, err = api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &name,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoTTL, err)
	}
	return nil
}

// waitActive waits for a new table on a real endpoint. Emulators report no
// status at all, which counts as ready (the SDK's waiter would wait forever).
func waitActive(ctx context.Context, api TableAPI, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
		if err != nil {
			return fmt.Errorf("wait for table: %w", err)
		}
		if st := out.Table.TableStatus; st == "" || st == types.TableStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table: %w", ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
