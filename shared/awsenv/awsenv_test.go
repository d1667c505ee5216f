package awsenv_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
	"github.com/google/go-cmp/cmp"

	"github.com/wartburgkreis/netzwerk/shared/awsenv"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// envNames is every variable Config or the SDK clients read.
var envNames = []string{
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
}

// setEnv gives the process exactly env among envNames. The clients look
// some of them up themselves, and a variable set to "" counts for them as
// set, so the others are removed, not emptied.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range envNames {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// TestConfig: the region, the execution role's credentials with their
// session token, and the endpoint each service's client ends up with, the
// per-service variable winning over the global one.
func TestConfig(t *testing.T) {
	lambda := map[string]string{
		"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
	}
	with := func(extra map[string]string, drop ...string) map[string]string {
		env := map[string]string{}
		for k, v := range lambda {
			env[k] = v
		}
		for _, k := range drop {
			delete(env, k)
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	type endpoints struct{ DynamoDB, SES, SecretsManager string }
	tests := []struct {
		name      string
		env       map[string]string
		region    string // "" for an error
		token     string
		endpoints endpoints
	}{
		{name: "as Lambda sets it", env: lambda, region: "eu-central-1", token: "TOKEN"},
		{name: "no region", env: with(nil, "AWS_REGION")},
		{name: "the default region", env: with(map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}, "AWS_REGION"), region: "eu-west-1", token: "TOKEN"},
		{name: "AWS_REGION wins", env: with(map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}), region: "eu-central-1", token: "TOKEN"},
		{name: "no access key", env: with(nil, "AWS_ACCESS_KEY_ID")},
		{name: "no secret key", env: with(nil, "AWS_SECRET_ACCESS_KEY")},
		{name: "long-term keys without a token", env: with(nil, "AWS_SESSION_TOKEN"), region: "eu-central-1"},
		{
			name:   "one endpoint for every service",
			env:    with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}),
			region: "eu-central-1", token: "TOKEN",
			endpoints: endpoints{"http://127.0.0.1:4566", "http://127.0.0.1:4566", "http://127.0.0.1:4566"},
		},
		{
			name:   "DynamoDB's own",
			env:    with(map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}),
			region: "eu-central-1", token: "TOKEN",
			endpoints: endpoints{DynamoDB: "http://127.0.0.1:8000"},
		},
		{
			name:   "SES's own",
			env:    with(map[string]string{"AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:8005"}),
			region: "eu-central-1", token: "TOKEN",
			endpoints: endpoints{SES: "http://127.0.0.1:8005"},
		},
		{
			name:   "Secrets Manager's own, the space an underscore",
			env:    with(map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:9000"}),
			region: "eu-central-1", token: "TOKEN",
			endpoints: endpoints{SecretsManager: "http://127.0.0.1:9000"},
		},
		{
			name: "a service's own wins over the global one",
			env: with(map[string]string{
				"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:8005",
			}),
			region: "eu-central-1", token: "TOKEN",
			endpoints: endpoints{"http://127.0.0.1:4566", "http://127.0.0.1:8005", "http://127.0.0.1:4566"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			cfg, err := awsenv.Config(os.Getenv)
			if tt.region == "" {
				if err == nil {
					t.Fatalf("region %q, want an error", cfg.Region)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tt.region {
				t.Errorf("region %q, want %q", cfg.Region, tt.region)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != tt.env["AWS_ACCESS_KEY_ID"] || creds.SecretAccessKey != tt.env["AWS_SECRET_ACCESS_KEY"] || creds.SessionToken != tt.token || creds.CanExpire {
				t.Errorf("credentials %+v, want the environment's with session token %q, not expiring", creds, tt.token)
			}
			got := endpoints{
				DynamoDB:       aws.ToString(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint),
				SES:            aws.ToString(sesv2.NewFromConfig(cfg).Options().BaseEndpoint),
				SecretsManager: aws.ToString(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint),
			}
			if diff := cmp.Diff(tt.endpoints, got); diff != "" {
				t.Errorf("endpoints (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRetryer pins the retry policy the functions had before the
// configuration was built by hand: three attempts, backoff capped at a
// second, a fresh retryer (with its own retry budget) per client.
func TestRetryer(t *testing.T) {
	setEnv(t, map[string]string{"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})
	cfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Retryer().MaxAttempts(); got != 3 {
		t.Errorf("max attempts %d, want 3", got)
	}
	if cfg.Retryer() == cfg.Retryer() {
		t.Error("the clients share one retryer")
	}
}

// TestWarmUnreachable: Warm gives up on an endpoint nobody listens on and
// leaves the client as it was.
func TestWarmUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := testenv.NewFakeAWS(t).AWSConfig(t)
	awsenv.Warm(cfg.HTTPClient, func(context.Context) (smithyendpoints.Endpoint, error) {
		return smithyendpoints.Endpoint{URI: url.URL{Scheme: "https", Host: addr}}, nil
	})()
	if _, err := dynamodb.NewFromConfig(cfg).GetItem(context.Background(), getItem); err != nil {
		t.Error(err)
	}
}

var getItem = &dynamodb.GetItemInput{
	TableName: aws.String("netzwerk"),
	Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}, "sk": &types.AttributeValueMemberS{Value: "x"}},
}
