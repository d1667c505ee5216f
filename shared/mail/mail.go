// Package mail builds the e-mails the network sends and defines the small
// contract between the code that wants a mail sent and the transports that
// send it (Amazon SES in production, a maildir on a developer's machine).
//
// Messages are rendered to raw RFC 5322 / MIME bytes here rather than by the
// transport, so that what lands in a local maildir is byte for byte what SES
// would have sent, and so that header validation (no injection, no raw
// Unicode in addresses) happens in exactly one place.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
)

// Attachment is a file sent along with a message, e.g. an iCalendar invite.
type Attachment struct {
	// Filename is shown to the recipient; non-ASCII names are RFC 2231 encoded.
	Filename string
	// ContentType is a full media type with parameters, e.g.
	// "text/calendar; charset=UTF-8; method=PUBLISH". Empty means
	// application/octet-stream.
	ContentType string
	Data        []byte
}

// Message is an e-mail before rendering. Addresses may carry Unicode display
// names and Unicode (IDN) domains; local parts must be ASCII because SES and
// most receiving servers do not support SMTPUTF8.
type Message struct {
	From                mail.Address
	To, Cc, ReplyTo     []mail.Address
	Subject, Text, HTML string
	Attachments         []Attachment
}

// Envelope is what a Sender transmits: the SMTP envelope plus the rendered
// message. From and To are bare ASCII addresses (IDN domains already in
// punycode); To holds every To and Cc recipient.
type Envelope struct {
	From string
	To   []string
	Data []byte
}

// Sender delivers a rendered message. Implementations return an error for
// which IsPermanent reports true when retrying cannot help.
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

var (
	// ErrInvalidMessage is wrapped by every error Render returns for a message
	// that can never be rendered, so callers can treat it as permanent.
	ErrInvalidMessage = errors.New("mail: invalid message")

	// ErrHeaderInjection means a header field input contained CR, LF or
	// another control character. Such input is refused outright instead of
	// being stripped, because silently altering an address or subject hides
	// an attack or a bug upstream. It also matches ErrInvalidMessage.
	ErrHeaderInjection = fmt.Errorf("%w: control character in header field", ErrInvalidMessage)
)

// PermanentError marks a delivery failure that will fail again on retry:
// the address or message was rejected, or the sender is misconfigured in a
// way that needs a human.
type PermanentError struct {
	// Reason is a short, stable code for logs and metrics, e.g.
	// "ses-message-rejected". It never contains personal data.
	Reason string
	// Err is the underlying error, reachable with errors.As / errors.Unwrap.
	Err error
}

// Error deliberately leaves out Err's text: provider messages often quote the
// recipient address ("... identities failed the check: a@b.example"), and
// this string is what ends up in logs.
func (e *PermanentError) Error() string {
	return "mail: permanent failure: " + e.Reason
}

func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err must not be retried: a PermanentError from
// a Sender, or a message that cannot be rendered (ErrInvalidMessage). Every
// other error, including timeouts, cancellations and network failures, is
// transient.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var pe *PermanentError
	return errors.As(err, &pe) || errors.Is(err, ErrInvalidMessage)
}

// fieldError names the offending header field (never its value, which may
// be personal data or an attack payload) next to the cause.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() + " (field " + e.field + ")" }

// Unwrap exposes both the specific cause and ErrInvalidMessage so that
// errors.Is works for either sentinel.
func (e *fieldError) Unwrap() []error { return []error{e.err, ErrInvalidMessage} }

func invalid(field, why string) error {
	return &fieldError{field: field, err: errors.New("mail: invalid message: " + why)}
}

func injection(field string) error {
	return &fieldError{field: field, err: ErrHeaderInjection}
}
