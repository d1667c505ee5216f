package lambdaenv_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestHashKey: the key comes from Secrets Manager when the function names
// the secret, from HASH_KEY only without one (local runs), and a missing or
// unreadable secret stops the cold start.
func TestHashKey(t *testing.T) {
	sm := testenv.NewSecretsManager(t)
	client := secretsmanager.New(secretsmanager.Options{
		Region:       "eu-central-1",
		BaseEndpoint: aws.String(sm.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	tests := []struct {
		name     string
		arn, key string
		want     string // "" for an error
	}{
		{"from the secret", sm.ARN, "", testenv.TestHashKey},
		{"the secret wins over the environment", sm.ARN, "an-environment-key", testenv.TestHashKey},
		{"the environment without a secret", "", "an-environment-key", "an-environment-key"},
		{"neither", "", "", ""},
		{"an unknown secret", sm.ARN + "-gone", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HASH_KEY_SECRET_ARN", tt.arn)
			t.Setenv("HASH_KEY", tt.key)
			got, err := lambdaenv.HashKey(context.Background(), client)
			if tt.want == "" {
				if err == nil {
					t.Errorf("key %q, want an error", got)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("key %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestWarmedWaitsForEveryConnection: the first invocation waits for every
// connection init started to open, whichever package started it.
func TestWarmedWaitsForEveryConnection(t *testing.T) {
	var env lambdaenv.Env
	var waited []string
	env.Warming(func() { waited = append(waited, "dynamodb") })
	env.Warming(func() { waited = append(waited, "sesv2") })
	env.Warmed()
	if want := []string{"dynamodb", "sesv2"}; !slices.Equal(waited, want) {
		t.Errorf("waited for %v, want %v", waited, want)
	}
}
