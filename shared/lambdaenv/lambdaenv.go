// Package lambdaenv builds, once per Lambda cold start, what every function
// needs from its environment: the network configuration, the keys and the
// DynamoDB store. Mail delivery is package notify's, so the HTTP functions
// carry no SES client.
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/wartburgkreis/netzwerk/shared/awsenv"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// Env is a function's configured world.
type Env struct {
	Config *network.Config
	Keys   *secret.Keys
	Log    *slog.Logger
	AWS    aws.Config
	Store  *dynamo.Store
	// warming are the connections being opened (awsenv.Warm); Main waits
	// for them only before the first invocation, so the handshakes, which
	// mostly wait on the network, overlap each other and the rest of init.
	warming []func()
}

// Warming adds a connection being opened, by its wait, to those the first
// invocation waits for.
func (e *Env) Warming(wait func()) { e.warming = append(e.warming, wait) }

// Warmed waits until every connection being opened is open or given up.
func (e *Env) Warmed() {
	for _, wait := range e.warming {
		wait()
	}
}

// Load reads the environment: TABLE_NAME, HASH_KEY_SECRET_ARN (the
// Secrets Manager secret holding the HMAC key; HASH_KEY with the key itself
// serves local runs and tests instead), NETWORK_CONFIG (a path, relative to
// the function's directory) and optionally PUBLIC_BASE_URL and
// SENDER_ADDRESS, which override the configuration's: the API's address is
// known only after deployment, the sender is the verified SES identity. The
// AWS settings are awsenv.Config's.
func Load(ctx context.Context) (*Env, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set")
	}
	path := os.Getenv("NETWORK_CONFIG")
	if path == "" {
		path = "network.json"
	}
	if !filepath.IsAbs(path) {
		if root := os.Getenv("LAMBDA_TASK_ROOT"); root != "" {
			path = filepath.Join(root, path)
		}
	}
	cfg, err := network.Load(path)
	if err != nil {
		return nil, err
	}
	if u := os.Getenv("PUBLIC_BASE_URL"); u != "" {
		cfg.PublicBaseURL = u
	}
	if o := os.Getenv("ALLOWED_ORIGINS"); o != "" {
		// The deployment's websites, as CORS allows them.
		cfg.AllowedOrigins = strings.Split(o, ",")
	}
	if a := os.Getenv("SENDER_ADDRESS"); a != "" {
		// The deployment's verified SES identity wins over the file's.
		cfg.Sender.Address = a
	}
	awsCfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg)
	// The DynamoDB connection is opened while the secret is read and the
	// function builds its handler.
	warming := warmDynamoDB(db)
	key, err := hashKey(ctx, secretsmanager.NewFromConfig(awsCfg))
	if err != nil {
		return nil, err
	}
	keys, err := secret.New(key)
	if err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	return &Env{
		Config:  cfg,
		Keys:    keys,
		Log:     lambdacontext.NewLogger(),
		AWS:     awsCfg,
		Store:   NewStore(db, table, cfg, keys),
		warming: []func(){warming},
	}, nil
}

// warmDynamoDB opens db's connection (awsenv.Warm) to where db's requests
// go: its endpoint as it resolves it.
func warmDynamoDB(db *dynamodb.Client) (wait func()) {
	o := db.Options()
	return awsenv.Warm(o.HTTPClient, func(ctx context.Context) (smithyendpoints.Endpoint, error) {
		return o.EndpointResolverV2.ResolveEndpoint(ctx, dynamodb.EndpointParameters{Region: &o.Region, Endpoint: o.BaseEndpoint})
	})
}

// SecretGetter is the part of the Secrets Manager client Load uses.
type SecretGetter interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// hashKey reads the HMAC key once per cold start. It lives in Secrets
// Manager, not in the function's environment, where anyone allowed to read
// the function's configuration could read it and forge links.
func hashKey(ctx context.Context, sm SecretGetter) ([]byte, error) {
	arn := os.Getenv("HASH_KEY_SECRET_ARN")
	if arn == "" {
		if k := os.Getenv("HASH_KEY"); k != "" {
			return []byte(k), nil
		}
		return nil, errors.New("HASH_KEY_SECRET_ARN is not set")
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return nil, fmt.Errorf("read the hash key secret: %w", err)
	}
	if out.SecretString == nil {
		return nil, errors.New("the hash key secret has no string value")
	}
	return []byte(*out.SecretString), nil
}

// NewStore is the DynamoDB store as every deployment uses it.
func NewStore(api dynamo.API, table string, cfg *network.Config, keys *secret.Keys) *dynamo.Store {
	return &dynamo.Store{
		API:               api,
		Table:             table,
		Tenant:            cfg.ID,
		Now:               time.Now,
		MailGrace:         2 * time.Minute,
		SentMailRetention: network.Days(cfg.Retention.SentMailDays),
		ConflictRetries:   4,
		HashEmail:         keys.EmailHash,
	}
}

// Main is a function's whole main: load the environment once per cold
// start, build the handler, hand it to Lambda. A setup error ends the
// process with one log line, which Lambda reports as an init failure.
func Main(build func(*Env) (any, error)) {
	env, err := Load(context.Background())
	var handler any
	if err == nil {
		handler, err = build(env)
	}
	if err != nil {
		slog.Error("start", "err", err)
		os.Exit(1)
	}
	env.Warmed()
	lambda.Start(handler)
}
