package notify

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/wartburgkreis/netzwerk/shared/awsenv"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/mail/sesmail"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// FromEnv is delivery through SES for a Lambda function; the configuration
// set comes from SES_CONFIGURATION_SET.
func FromEnv(env *lambdaenv.Env) (*outbox.Deliverer, error) {
	client := sesv2.NewFromConfig(env.AWS)
	// The SES connection is opened during init, beside the DynamoDB one,
	// so the first mail does not wait for the handshake.
	env.Warming(warmSES(client))
	renderer := mailtext.New(env.Config, env.Keys)
	ses := sesmail.New(client, os.Getenv("SES_CONFIGURATION_SET"))
	return NewDeliverer(env.Store, renderer, ses, env.Config, env.Log), nil
}

// warmSES opens client's connection (awsenv.Warm) to where its requests go:
// its endpoint as it resolves it.
func warmSES(client *sesv2.Client) (wait func()) {
	o := client.Options()
	return awsenv.Warm(o.HTTPClient, func(ctx context.Context) (smithyendpoints.Endpoint, error) {
		return o.EndpointResolverV2.ResolveEndpoint(ctx, sesv2.EndpointParameters{Region: &o.Region, Endpoint: o.BaseEndpoint})
	})
}

// Storage is what delivery keeps its state in: the outbox, the suppressed
// addresses and the per-address counts.
type Storage interface {
	outbox.Store
	outbox.Suppressions
	outbox.Limits
}

// NewDeliverer is delivery as every deployment, local or on AWS, uses it.
func NewDeliverer(store Storage, r outbox.Renderer, sender mail.Sender, cfg *network.Config, log *slog.Logger) *outbox.Deliverer {
	_, domain, _ := strings.Cut(cfg.Sender.Address, "@")
	policy := outbox.DefaultPolicy
	policy.GiveUp = time.Duration(cfg.MailRetryHours) * time.Hour
	return &outbox.Deliverer{
		Store:           store,
		Suppressions:    store,
		Limits:          store,
		CapPerDay:       cfg.MailCapPerAddressPerDay,
		Renderer:        r,
		Sender:          sender,
		Policy:          policy,
		Now:             time.Now,
		MessageIDDomain: domain,
		Log:             log,
	}
}
