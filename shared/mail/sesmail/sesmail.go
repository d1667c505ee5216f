// Package sesmail is the production mail.Sender: it hands rendered
// messages to Amazon SES (API v2) as raw MIME, so that SES sends exactly
// the bytes that package mail produced and a local maildir would store.
package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/wartburgkreis/netzwerk/shared/mail"
)

// API is the part of *sesv2.Client that Sender needs; tests substitute a
// fake.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Sender sends envelopes through SES. It is safe for concurrent use if api
// is (the SDK client is).
type Sender struct {
	api              API
	configurationSet string
}

var _ mail.Sender = (*Sender)(nil)

// New returns a Sender. configurationSet names the SES configuration set
// whose event destinations receive bounces and complaints; empty means the
// account default.
func New(api API, configurationSet string) *Sender {
	return &Sender{api: api, configurationSet: configurationSet}
}

// Send submits e as a raw message. SES delivers to e.To (the SMTP
// envelope), not to what the To/Cc headers say. Errors for which retrying
// cannot help are returned as *mail.PermanentError; everything else is
// transient and returned as the SDK reported it.
func (s *Sender) Send(ctx context.Context, e mail.Envelope) error {
	if e.From == "" || len(e.To) == 0 || len(e.Data) == 0 {
		// A PermanentError as well as ErrInvalidMessage, so that callers
		// testing either way stop retrying.
		return &mail.PermanentError{
			Reason: "invalid-envelope",
			Err:    fmt.Errorf("sesmail: envelope needs a sender, recipients and data: %w", mail.ErrInvalidMessage),
		}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(e.From),
		Destination:      &types.Destination{ToAddresses: e.To},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: e.Data}},
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	if _, err := s.api.SendEmail(ctx, in); err != nil {
		return classify(err)
	}
	return nil
}

// permanentReasons maps the SendEmail error codes that will fail again on
// retry to reason codes. The codes are SES v2's (see the error types in
// github.com/aws/aws-sdk-go-v2/service/sesv2/types):
//
//   - MessageRejected: content rejected (virus, invalid MIME) or, in the
//     sandbox, an unverified recipient.
//   - MailFromDomainNotVerifiedException: the MAIL FROM domain's DNS is not
//     verified; the message is fine but resending it changes nothing until
//     an operator fixes DNS.
//   - BadRequestException: the request itself is invalid.
//   - NotFoundException: e.g. the configuration set does not exist.
//
// Deliberately transient, hence absent: TooManyRequestsException and
// LimitExceededException (throttling and sending quota: wait and retry),
// SendingPausedException and AccountSuspendedException (account-wide
// states an operator lifts; the message itself is fine and must survive,
// e.g. in a dead-letter queue, until then), server faults and network
// errors. Suppression-list hits are not a SendEmail error in SES v2: they
// arrive later as bounce events.
var permanentReasons = map[string]string{
	"MessageRejected":                    "ses-message-rejected",
	"MailFromDomainNotVerifiedException": "ses-mail-from-domain-not-verified",
	"BadRequestException":                "ses-bad-request",
	"NotFoundException":                  "ses-not-found",
}

// classify matches on the error code rather than on the Go types so that
// an error the SDK could only decode generically (smithy.GenericAPIError)
// is classified the same way as its typed form.
func classify(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if reason, ok := permanentReasons[apiErr.ErrorCode()]; ok {
			return &mail.PermanentError{Reason: reason, Err: err}
		}
		return fmt.Errorf("sesmail: %w", err)
	}
	// The SDK validated the input before sending (e.g. a required field is
	// missing); the same input fails the same way every time.
	var invalidParams smithy.InvalidParamsError
	if errors.As(err, &invalidParams) {
		return &mail.PermanentError{Reason: "ses-invalid-parameters", Err: err}
	}
	return fmt.Errorf("sesmail: %w", err)
}
