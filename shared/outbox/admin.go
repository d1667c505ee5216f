package outbox

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Record is a mail as coordinators see it: its delivery state and history.
// A sent mail has no recipients or data left.
type Record struct {
	Item
	ParkedAt  time.Time // when it was last parked
	SentAt    time.Time
	RetriedAt time.Time // when a coordinator last sent it back to pending
	RetriedBy string
}

// Suppression is an address that bounced hard or complained: delivery
// drops it until it expires or a coordinator lifts it.
type Suppression struct {
	EmailHash string // the keyed hash the suppression is stored under
	Email     string
	Reason    string
	At        time.Time
	ExpiresAt time.Time
}

// ErrNotParked means the mail is pending or sent, so there is nothing to
// retry.
var ErrNotParked = errors.New("outbox: mail is not parked")

// ErrNoSuppression means no live suppression under that hash.
var ErrNoSuppression = errors.New("outbox: no such suppression")

// AdminStore is what the coordinators' view of mail reads and changes. It
// stands apart from Store: delivery workers never list or lift anything.
type AdminStore interface {
	// Mails pages through the mails of one status: pending soonest due
	// first, sent and parked newest first.
	Mails(ctx context.Context, st Status, q listing.Query) (listing.Page[Record], error)
	// Mail reads one live mail (ErrNotFound).
	Mail(ctx context.Context, id string) (Record, error)
	// Retry puts a parked mail back to pending, due at now, with its audit
	// entry; ErrNotParked if it is not parked (any more).
	Retry(ctx context.Context, id string, now time.Time, by string, e audit.Entry) error

	// Suppressions pages through the suppressed addresses, newest first.
	Suppressions(ctx context.Context, q listing.Query) (listing.Page[Suppression], error)
	// Suppression reads one live suppression (ErrNoSuppression).
	Suppression(ctx context.Context, emailHash string) (Suppression, error)
	// Unsuppress deletes a suppression with its audit entry
	// (ErrNoSuppression if there is none).
	Unsuppress(ctx context.Context, emailHash string, e audit.Entry) error
}

// Admin is the coordinators' side of the outbox: mail that could not be
// delivered, sending it again, and the addresses mail no longer goes to.
type Admin struct {
	Store  AdminStore
	Config *network.Config
	Now    func() time.Time
}

// MailStatuses are the statuses a mail list can show.
var MailStatuses = []Status{Failed, Pending, Sent}

// Mails lists the mails of one status; parked ones when none is named.
func (a *Admin) Mails(ctx context.Context, status string, q listing.Query) (listing.Page[Record], error) {
	st := Failed
	if status != "" {
		st = Status(status)
	}
	if st != Failed && st != Pending && st != Sent {
		var f apperr.Fields
		f.Add("status", validate.Invalid, "")
		return listing.Page[Record]{}, f.Err()
	}
	page, err := a.Store.Mails(ctx, st, q)
	return page, listing.Err(err)
}

// Retry sends a parked mail back to pending, due at once. Its attempts
// stay counted: the retry window runs from when the mail was written, so
// after a manual retry one failed attempt parks it again, with its new
// reason, rather than retrying for another day.
func (a *Admin) Retry(ctx context.Context, mailID string, by auth.Coordinator) (Record, error) {
	if !id.Valid(mailID) {
		return Record{}, apperr.New(apperr.NotFound, "problem.not_found")
	}
	rec, err := a.Store.Mail(ctx, mailID)
	if errors.Is(err, ErrNotFound) {
		return Record{}, apperr.New(apperr.NotFound, "problem.not_found")
	}
	if err != nil {
		return Record{}, apperr.OrUnavailable(err)
	}
	if rec.Status != Failed {
		return Record{}, apperr.New(apperr.Conflict, "problem.mail_not_parked")
	}
	now := a.Now().UTC()
	err = a.Store.Retry(ctx, rec.ID, now, by.Name, audit.New(a.Config, now, by.Name, "mail.retry", "mail/"+rec.ID,
		map[string]string{"template": rec.Template, "attempts": strconv.Itoa(rec.Attempts)}))
	if errors.Is(err, ErrNotParked) {
		return Record{}, apperr.New(apperr.Conflict, "problem.mail_not_parked")
	}
	if err != nil {
		return Record{}, apperr.OrUnavailable(err)
	}
	rec.Status, rec.NextAttemptAt, rec.RetriedAt, rec.RetriedBy = Pending, now, now, by.Name
	return rec, nil
}

// Suppressions lists the suppressed addresses, newest first.
func (a *Admin) Suppressions(ctx context.Context, q listing.Query) (listing.Page[Suppression], error) {
	page, err := a.Store.Suppressions(ctx, q)
	return page, listing.Err(err)
}

// Unsuppress lets mail reach an address again. The audit entry names the
// reason, not the address nor its hash: the trail outlives an erasure.
func (a *Admin) Unsuppress(ctx context.Context, emailHash string, by auth.Coordinator) error {
	if !ValidHash(emailHash) {
		return apperr.New(apperr.NotFound, "problem.not_found")
	}
	sup, err := a.Store.Suppression(ctx, emailHash)
	if errors.Is(err, ErrNoSuppression) {
		return apperr.New(apperr.NotFound, "problem.not_found")
	}
	if err != nil {
		return apperr.OrUnavailable(err)
	}
	now := a.Now().UTC()
	err = a.Store.Unsuppress(ctx, emailHash, audit.New(a.Config, now, by.Name, "suppression.delete", "suppression",
		map[string]string{"reason": sup.Reason}))
	if errors.Is(err, ErrNoSuppression) {
		return apperr.New(apperr.NotFound, "problem.not_found")
	}
	return apperr.OrUnavailable(err)
}

// ValidHash reports whether h looks like a keyed email hash: 64 lower-case
// hex digits (HMAC-SHA256).
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
