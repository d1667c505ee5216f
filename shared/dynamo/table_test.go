package dynamo_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"gopkg.in/yaml.v3"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// ttlEndpoint stands for an endpoint that has TTL (DynamoDB Local, AWS): it
// passes everything to the emulator but answers UpdateTimeToLive itself, and
// notes what CreateTable asked for.
type ttlEndpoint struct {
	dynamo.TableAPI
	noTTL  bool
	create *dynamodb.CreateTableInput
	ttl    *dynamodb.UpdateTimeToLiveInput
}

func (e *ttlEndpoint) CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, o ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	e.create = in
	return e.TableAPI.CreateTable(ctx, in, o...)
}

func (e *ttlEndpoint) UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error) {
	e.ttl = in
	if e.noTTL {
		return e.TableAPI.UpdateTimeToLive(ctx, in, o...)
	}
	return &dynamodb.UpdateTimeToLiveOutput{TimeToLiveSpecification: in.TimeToLiveSpecification}, nil
}

// templateTable is the part of the table in template.yaml that CreateTable
// must repeat.
type templateTable struct {
	Resources struct {
		Table struct {
			Properties struct {
				TimeToLiveSpecification struct {
					AttributeName string `yaml:"AttributeName"`
					Enabled       bool   `yaml:"Enabled"`
				} `yaml:"TimeToLiveSpecification"`
				StreamSpecification struct {
					StreamViewType string `yaml:"StreamViewType"`
				} `yaml:"StreamSpecification"`
				GlobalSecondaryIndexes []struct {
					IndexName string `yaml:"IndexName"`
				} `yaml:"GlobalSecondaryIndexes"`
			} `yaml:"Properties"`
		} `yaml:"Table"`
	} `yaml:"Resources"`
}

func TestCreateTableAsTemplateDeclares(t *testing.T) {
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl templateTable
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	want := tpl.Resources.Table.Properties
	if want.TimeToLiveSpecification.AttributeName == "" || want.StreamSpecification.StreamViewType == "" {
		t.Fatalf("template.yaml declares no TTL or stream: %+v", want)
	}

	tests := []struct {
		name    string
		noTTL   bool
		wantErr error
	}{
		{"endpoint with TTL", false, nil},
		{"embedded emulator", true, dynamo.ErrNoTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := testenv.NewDynamoDB(t)
			ep := &ttlEndpoint{TableAPI: db.Client, noTTL: tt.noTTL}
			err := dynamo.CreateTable(context.Background(), ep, "fresh")
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("CreateTable: %v, want %v", err, tt.wantErr)
			}
			if ep.create == nil {
				t.Fatal("no table created")
			}
			if s := ep.create.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) || string(s.StreamViewType) != want.StreamSpecification.StreamViewType {
				t.Errorf("stream %+v, want %s", s, want.StreamSpecification.StreamViewType)
			}
			if len(ep.create.GlobalSecondaryIndexes) != len(want.GlobalSecondaryIndexes) || aws.ToString(ep.create.GlobalSecondaryIndexes[0].IndexName) != want.GlobalSecondaryIndexes[0].IndexName {
				t.Errorf("indexes %+v, want %+v", ep.create.GlobalSecondaryIndexes, want.GlobalSecondaryIndexes)
			}
			if ep.ttl == nil {
				t.Fatal("TTL never asked for")
			}
			if s := ep.ttl.TimeToLiveSpecification; aws.ToString(s.AttributeName) != want.TimeToLiveSpecification.AttributeName || aws.ToBool(s.Enabled) != want.TimeToLiveSpecification.Enabled {
				t.Errorf("TTL %s enabled %v, want %+v", aws.ToString(s.AttributeName), aws.ToBool(s.Enabled), want.TimeToLiveSpecification)
			}

			// A second start finds the table and changes nothing.
			ep.create, ep.ttl = nil, nil
			if err := dynamo.CreateTable(context.Background(), ep, "fresh"); err != nil || ep.create != nil || ep.ttl != nil {
				t.Errorf("again: %v, created %v, ttl %v", err, ep.create != nil, ep.ttl != nil)
			}
		})
	}
}
