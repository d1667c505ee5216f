// Package contact is the contact form: a question routed by topic to the
// inbox that can answer it, with Reply-To set to the sender, and an
// acknowledgement with a reference number to the sender.
package contact

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Input is a message as the form sends it.
type Input struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Topic   string `json:"topic"`
	Message string `json:"message"`
	Consent bool   `json:"consent"`
	Phone   string `json:"phone"`
	Network string `json:"network"`
	Locale  string `json:"locale"`
}

// Limits in characters.
const (
	MaxName    = 120
	MaxMessage = 5000
)

// Message is one stored contact message.
type Message struct {
	ID         string
	Reference  string // what the sender quotes when they call
	Name       string
	Email      string
	EmailHash  string
	Phone      string
	Topic      string
	Network    string
	Text       string
	Locale     string
	Inbox      string
	ConsentAt  time.Time
	ConsentVer string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	// Status is open until a coordinator marks the message done.
	Status Status
	DoneAt time.Time
	DoneBy string
}

// Store keeps messages and queues their first mails.
type Store interface {
	// Cursors keep how far Reconcile has looked.
	outbox.Cursors
	// Submit stores m, then queues its first mails for the notifier alone,
	// each at most once (their ids are derived from m's). An error wrapping
	// ErrMailNotQueued means m is stored and a mail may not be: Reconcile
	// writes it later.
	Submit(ctx context.Context, m Message, mails []outbox.Mail) error
	// Recent lists the live messages created from from to to, oldest first.
	Recent(ctx context.Context, from, to time.Time) ([]Message, error)
	// QueueMissing writes a mail of message msgID that was never written,
	// due at once, only while the message still exists (ErrNotFound once it
	// is erased or expired); a mail written meanwhile is left as it is.
	QueueMissing(ctx context.Context, msgID string, m outbox.Mail) error
	outbox.FirstMails

	// Messages pages through the live messages newest first, keeping those
	// keep accepts.
	Messages(ctx context.Context, keep func(Message) bool, q listing.Query) (listing.Page[Message], error)
	// Message reads one live message (ErrNotFound).
	Message(ctx context.Context, id string) (Message, error)
	// Done marks an open message done by a coordinator, with its audit
	// entry; ErrState if it is not open (any more).
	Done(ctx context.Context, id string, at time.Time, by string, e audit.Entry) error
}

// ErrMailNotQueued means a message is stored but a mail of it is not.
var ErrMailNotQueued = errors.New("contact: mail not queued")

// Service runs the contact form.
type Service struct {
	Store  Store
	Config *network.Config
	Keys   *secret.Keys
	Now    func() time.Time
	// Log hears of mails left to Reconcile; nil is slog's default.
	Log *slog.Logger
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Submit stores a message and queues the mail to the inbox and the
// acknowledgement.
func (s *Service) Submit(ctx context.Context, in Input, locale string) (Message, error) {
	cfg := s.Config
	var f apperr.Fields
	m := Message{
		Name:   validate.Line(&f, "name", in.Name, true, MaxName),
		Email:  validate.Email(&f, "email", in.Email),
		Topic:  validate.Choice(&f, "topic", in.Topic, cfg.Topics),
		Text:   validate.Text(&f, "message", in.Message, true, MaxMessage),
		Phone:  validate.Phone(&f, "phone", in.Phone),
		Locale: locale,
	}
	if strings.TrimSpace(in.Network) != "" {
		m.Network = validate.Choice(&f, "network", in.Network, cfg.RegionalNetworks())
	}
	validate.Consent(&f, "consent", in.Consent)
	if err := f.Err(); err != nil {
		return Message{}, err
	}
	now := s.Now().UTC()
	m.ID = id.New(now)
	m.Reference = Reference()
	m.EmailHash = s.Keys.EmailHash(email.Key(m.Email))
	m.Inbox = s.inbox(m.Topic, m.Network)
	m.ConsentAt, m.ConsentVer = now, cfg.Privacy.Version
	m.CreatedAt = now
	m.ExpiresAt = now.Add(network.Days(cfg.Retention.ContactMessageDays))
	m.Status = Open
	err := s.Store.Submit(ctx, m, s.Mails(m, now))
	if errors.Is(err, ErrMailNotQueued) {
		// The message is stored, which is what the answer promises; the
		// sweeper writes the mail from it within minutes.
		s.log().WarnContext(ctx, "contact mail left to the sweeper", "message", m.ID, "err", err)
		return m, nil
	}
	if err != nil {
		return Message{}, apperr.OrUnavailable(err)
	}
	return m, nil
}

// inbox routes a message: the topic's own inbox, else the chosen regional
// network's, else the main one.
func (s *Service) inbox(topic, net string) string {
	if ch, ok := network.Find(s.Config.Topics, topic); ok && ch.Inbox != "" {
		return ch.Inbox
	}
	if ch, ok := network.Find(s.Config.RegionalNetworks(), net); ok && ch.Inbox != "" {
		return ch.Inbox
	}
	return s.Config.MainInbox()
}

// Mails are the message for the inbox, in German with everything the sender
// wrote and Reply-To the sender, and the acknowledgement, in the sender's
// language with none of it: the address is unverified. Both the submission
// and Reconcile build them here, queued at now; their ids derive from the
// message's, so each is written once whoever writes it.
func (s *Service) Mails(m Message, now time.Time) []outbox.Mail {
	cfg := s.Config
	topic, _ := network.Find(cfg.Topics, m.Topic)
	net, _ := network.Find(cfg.RegionalNetworks(), m.Network)
	toInbox := outbox.Mail{
		ID:          id.Derive(m.ID, inboxTemplate),
		Template:    inboxTemplate,
		Locale:      i18n.Default,
		To:          []string{m.Inbox},
		ReplyTo:     m.Email,
		ReplyToName: m.Name,
		Data: map[string]string{
			"reference":      m.Reference,
			"name":           m.Name,
			"email":          m.Email,
			"phone":          m.Phone,
			"topic":          topic.Label.In(i18n.Default),
			"network":        net.Label.In(i18n.Default),
			"message":        m.Text,
			"senderLocale":   m.Locale,
			"receivedAt":     m.CreatedAt.Format(time.RFC3339),
			"consentAt":      m.ConsentAt.Format(time.RFC3339),
			"consentVersion": m.ConsentVer,
		},
		CreatedAt: now,
	}
	ack := outbox.Mail{
		ID:       id.Derive(m.ID, ackTemplate),
		Template: ackTemplate,
		Locale:   m.Locale,
		To:       []string{m.Email},
		Data: map[string]string{
			"reference":  m.Reference,
			"topic":      topic.Label.In(m.Locale),
			"receivedAt": m.CreatedAt.Format(time.RFC3339),
		},
		// Anyone can type any address: the acknowledgement counts against
		// the address's daily cap; the inbox's copy does not.
		Unverified: true,
		CreatedAt:  now,
	}
	return []outbox.Mail{toInbox, ack}
}

// The templates of a message's first mails.
const (
	inboxTemplate = "contact.inbox"
	ackTemplate   = "contact.ack"
)

// referenceAlphabet leaves out letters and digits people confuse on the
// phone or in handwriting: 0/O, 1/I/L, S, 8/B, U/V.
const referenceAlphabet = "2345679ACDEFGHJKMNPQRTWXYZ"

// referencePattern is what Reference makes.
var referencePattern = regexp.MustCompile(`^K-[` + referenceAlphabet + `]{4}-[` + referenceAlphabet + `]{4}$`)

// ValidReference reports whether s has the shape of a reference, so a page
// shows only what Reference could have made.
func ValidReference(s string) bool { return referencePattern.MatchString(s) }

// Reference returns a short reference like "K-7F3A-92QX": about 38 random
// bits, enough to tell messages apart within their retention.
func Reference() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	out := []byte("K-xxxx-xxxx")
	j := 0
	for i := range out {
		if out[i] == 'x' {
			out[i] = referenceAlphabet[int(b[j])%len(referenceAlphabet)]
			j++
		}
	}
	return string(out)
}
