package notify

import (
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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
	renderer, err := mailtext.New(env.Config, env.Keys)
	if err != nil {
		return nil, err
	}
	ses := sesmail.New(sesv2.NewFromConfig(env.AWS), os.Getenv("SES_CONFIGURATION_SET"))
	return NewDeliverer(env.Store, renderer, ses, env.Config, env.Log), nil
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
