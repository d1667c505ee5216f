// Package outbox holds the mail a change implies, written in the same
// transaction as the change or, for a new record's first mails, right after
// it with the record's Reconcile as the safety net (reconcile.go), and
// delivers it at least once: the stream-driven notifier tries once, the
// sweeper retries with backoff and parks what keeps failing. A submission is
// never lost because mail failed.
package outbox

import (
	"context"
	"errors"
	"time"
)

// Mail is one message waiting to be sent. It carries only what its template
// needs; the text is rendered at send time in the recipient's language.
type Mail struct {
	ID       string
	Template string // e.g. "partner.confirm"; see package mailtext
	Locale   string
	To       []string
	Cc       []string
	// ReplyTo is set where a coordinator should answer the submitter directly.
	ReplyTo     string
	ReplyToName string
	Data        map[string]string
	// TokenNonce seeds the link token of a confirm or cancel mail; the token
	// itself is never stored.
	TokenNonce string
	// LinkRef names the record that keeps the nonce ("a.<id>"), which the
	// link then names too (secret.Keys.LinkToken); empty for a link whose
	// token is stored as an item of its own.
	LinkRef string
	// Unverified marks mail to an address nobody has shown to own, sent
	// because someone submitted it: such mail is capped per address per
	// day, so the forms cannot flood a stranger's inbox.
	Unverified bool
	CreatedAt  time.Time
}

// Status of a mail in the outbox.
type Status string

const (
	Pending Status = "pending" // waiting for its first or next attempt
	Sent    Status = "sent"
	Failed  Status = "failed" // parked: retries exhausted or rejected for good
	// Capped: not sent on purpose, because the address's daily cap of mail
	// nobody asked for was reached.
	Capped Status = "dropped"
)

// Item is a Mail with its delivery state.
type Item struct {
	Mail
	Status        Status
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    time.Time
	LastError     string // a reason code, never personal data
}

// ErrNotClaimable means another worker holds the mail or it is done; the
// caller simply moves on.
var ErrNotClaimable = errors.New("outbox: mail is sent, parked or claimed")

// ErrNotFound means no such mail (or it has expired).
var ErrNotFound = errors.New("outbox: no such mail")

// Store is what delivery needs from storage. Every state change is
// conditional, so two workers never both think they own a mail.
type Store interface {
	// Claim takes a lease on a pending mail whose lease is free and counts
	// the attempt.
	Claim(ctx context.Context, id string, now, leaseUntil time.Time) (Item, error)
	// MarkSent records success if the lease is still ours.
	MarkSent(ctx context.Context, id string, leaseUntil, now time.Time) error
	// Reschedule records a failed attempt and when to try again.
	Reschedule(ctx context.Context, id string, leaseUntil, next time.Time, reason string) error
	// Park gives up on a mail, keeping it visible to coordinators.
	Park(ctx context.Context, id string, leaseUntil, now time.Time, reason string) error
	// Due lists pending mails whose next attempt is at or before now.
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
	// Drop gives up on a mail on purpose, keeping none of its content.
	Drop(ctx context.Context, id string, leaseUntil, now time.Time, reason string) error
}

// Limits counts the mail sent to an address that nobody has verified.
type Limits interface {
	// CountUnverified counts one more such mail to addr on day (Berlin,
	// YYYY-MM-DD) unless max have gone out; false once they have.
	CountUnverified(ctx context.Context, addr, day string, max int) (bool, error)
}

// Suppressions knows the addresses that must not be mailed again (hard
// bounces, complaints) and why.
type Suppressions interface {
	// Suppressed returns the reason for each of addrs that is suppressed.
	Suppressed(ctx context.Context, addrs []string) (map[string]string, error)
}
