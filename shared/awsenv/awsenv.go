// Package awsenv builds the AWS SDK configuration of a Lambda function from
// the environment Lambda gives it, by hand: config.LoadDefaultConfig goes
// through shared files, profiles, SSO and credential providers a function
// never uses, and with the packages it links it was measured at about 25 ms
// of a cold start (issue 11).
package awsenv

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// Config reads what Lambda sets: AWS_REGION (AWS_DEFAULT_REGION where only
// that is set), the execution role's AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and, for tests and local
// stand-ins, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> as the SDK
// names them (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2,
// AWS_ENDPOINT_URL_SECRETS_MANAGER). getenv is os.Getenv but in tests.
func Config(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("aws config: neither AWS_REGION nor AWS_DEFAULT_REGION is set")
	}
	key, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		return aws.Config{}, errors.New("aws config: AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set")
	}
	cfg := aws.Config{
		Region: region,
		// Static is right here: Lambda sets these from the execution role
		// when it initialises the execution environment
		// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
		// and nothing can change a running process's environment, so one
		// set serves the process's whole life, which Lambda ends every few
		// hours (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
		// LoadDefaultConfig makes the same static provider from them.
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, getenv("AWS_SESSION_TOKEN")),
		// One client for every service: the SDK clones a BuildableClient
		// per service (a pool each), a frozen one it shares, so the
		// connection Warm opens is the one the first request finds.
		HTTPClient: HTTPClient().Freeze(),
		Retryer: func() aws.Retryer {
			// A few quick tries inside one invocation; the outbox and the
			// platform retry the rest.
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = time.Second
			})
		},
		// The clients ask the configuration's sources for
		// AWS_ENDPOINT_URL_<SERVICE>; LoadDefaultConfig would put its
		// environment reader there.
		ConfigSources: []any{serviceEndpoints(getenv)},
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg, nil
}

// HTTPClient is the SDK's client with the timeouts a function needs: a
// connection to a regional endpoint takes milliseconds, so a connect or TLS
// handshake that hangs is better abandoned after a few seconds and tried
// again within the invocation (10 s for the API functions) than waited for
// 30 s, the SDK's default connect timeout, which outlasts it. It stays
// buildable so tests can trust their own TLS server.
func HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 2 * time.Second }).
		WithTransportOptions(func(tr *http.Transport) { tr.TLSHandshakeTimeout = 3 * time.Second })
}

// serviceEndpoints answers the SDK's per-service endpoint lookup from the
// environment, under the names the SDK derives from a service id ("Secrets
// Manager" → AWS_ENDPOINT_URL_SECRETS_MANAGER).
type serviceEndpoints func(string) string

func (getenv serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")
	u := getenv(name)
	return u, u != "", nil
}

// Warm starts opening a connection to a service's endpoint through client,
// to leave in the client's pool, so that the first real request skips the
// TCP and TLS handshakes; wait returns once it is open or given up. resolve
// is the service client's own endpoint resolver, so the connection goes
// where the requests will. It sends an unsigned GET of the root, which AWS
// endpoints answer without touching any resource (DynamoDB with
// "healthy: …"). It gives up after two seconds, longer than a handshake in
// the region takes even on a small CPU share, short enough that an
// unreachable endpoint delays init little; a failure only means the first
// request dials for itself, and finds out.
func Warm(client aws.HTTPClient, resolve func(context.Context) (smithyendpoints.Endpoint, error)) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ep, err := resolve(ctx)
		if err != nil {
			return
		}
		u := ep.URI
		u.Path, u.RawPath, u.RawQuery = "/", "", ""
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			return
		}
		// Read to the end, or the transport closes the connection instead
		// of pooling it.
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	return func() { <-done }
}
