package dynamo

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewEmulatorClient is a real SDK client for a DynamoDB emulator at
// endpoint (the embedded one, DynamoDB Local). It talks HTTP like the real
// service; only the endpoint, dummy credentials and two emulator quirks differ.
func NewEmulatorClient(endpoint string, maxAttempts int) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "eu-central-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		// Explicit: a fixed number of attempts without backoff waits, so
		// tests of failure paths are fast and deterministic.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		}),
		// minidyn sends no CRC32 header.
		DisableValidateResponseChecksum: true,
	})
}
