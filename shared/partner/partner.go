// Package partner is the application of an organisation to join the network:
// parsed from what the form sent, confirmed by its applicant (double opt-in),
// then reviewed by the coordinators.
package partner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// Status of an application.
type Status string

const (
	PendingConfirmation Status = "pending_confirmation"
	PendingReview       Status = "pending_review"
	Approved            Status = "approved"
	Rejected            Status = "rejected"
)

// Pending reports whether the application still waits for someone: while it
// does, the same organisation cannot apply twice with the same address.
func (s Status) Pending() bool { return s == PendingConfirmation || s == PendingReview }

// Consent records what the applicant agreed to and when.
type Consent struct {
	At            time.Time
	PolicyVersion string
}

// Application is one organisation's request to join.
type Application struct {
	ID               string
	Organisation     string
	OrganisationType string
	ContactName      string
	Email            string // normalised; see package email
	Phone            string
	Website          string
	WorkingGroups    []string
	RegionalNetworks []string
	Message          string
	Locale           string
	Consent          Consent
	Status           Status
	CreatedAt        time.Time
	ConfirmedAt      time.Time
	// The coordinators' decision: when, by whom and, if they gave one, why.
	DecidedAt time.Time
	DecidedBy string
	Reason    string
	// ExpiresAt is when the record may be deleted; zero keeps it.
	ExpiresAt time.Time
	// DedupKey identifies "this organisation with this address" without
	// revealing either.
	DedupKey string
	// Link is the confirm link every mail about the application carries.
	// Never shown to anyone: with the deployment key it opens the
	// application.
	Link Link
}

// Link is an application's confirm link: the nonce its token derives from
// (secret.Keys.LinkToken with the application's ref) and until when it
// works. It lives in the application, so confirming reads the application
// it names and no token item is written.
type Link struct {
	Nonce     string
	ExpiresAt time.Time
}

// Token is a stored link token: what it is for and until when. Only links
// mailed before the application kept its Link use one (see Service.Lookup).
type Token struct {
	Hash      string
	Purpose   string
	Ref       string // the application id
	ExpiresAt time.Time
}

// ConfirmPurpose marks the token of a confirm link.
const ConfirmPurpose = "partner-confirm"

// Errors the store reports; the service turns them into application errors.
var (
	ErrNotFound = errors.New("partner: not found")
	// ErrExpired is ErrNotFound for a record that is still stored but has
	// expired: a link that worked once is "expired", not "invalid".
	ErrExpired   = fmt.Errorf("%w: expired", ErrNotFound)
	ErrDuplicate = errors.New("partner: a pending application exists")
	ErrState     = errors.New("partner: the application is not in the expected state")
	// ErrMailNotQueued means an application is stored but its first mail
	// is not: Reconcile writes it later.
	ErrMailNotQueued = errors.New("partner: mail not queued")
)

// Lock stands for "this organisation applied with this address and waits":
// it names the pending application and where it stands. It keeps a copy of
// the application's Link, so a repeat can mail the same link with no read
// beyond the lock's: a new application and a repeat make the same calls.
type Lock struct {
	DedupKey string
	AppID    string
	Status   Status
	Link     Link // zero for a lock written before applications kept their link
}

// Store keeps applications. The conditions that keep the rules live in the
// implementation.
type Store interface {
	// FirstMails and Cursors serve Reconcile.
	outbox.Reconciled
	// Create stores a new application with its link and its lock in one
	// transaction, then queues its first mail m for the notifier alone
	// (its id derived from the application's, so it is written once). If a
	// pending application with the same DedupKey exists it returns
	// ErrDuplicate and that application's id; an error wrapping
	// ErrMailNotQueued means the application is stored and m may not be.
	Create(ctx context.Context, app Application, m outbox.Mail) (existingID string, err error)
	// Unconfirmed lists the live applications pending confirmation
	// created from from to to, oldest first.
	Unconfirmed(ctx context.Context, from, to time.Time) ([]Application, error)
	// QueueMissingConfirm writes app's first mail m that was never written, due
	// at once, only while app is still pending confirmation with the same
	// link (ErrState once it is confirmed, expired or erased); a mail
	// written meanwhile is left as it is.
	QueueMissingConfirm(ctx context.Context, app Application, m outbox.Mail) error
	// Token reads a live token item, which only links mailed before
	// applications kept their Link have.
	Token(ctx context.Context, hash string) (Token, error)
	// Lock reads the live lock of DedupKey; ErrNotFound if none.
	Lock(ctx context.Context, dedupKey string) (Lock, error)
	// Resend queues m while the lock still names the same application in
	// the same state; ErrState otherwise. A link, if given, becomes the
	// application's (and the lock's copy). The check (and the link) is one
	// transaction and m a put after it, as Create's, so a repeat makes the
	// same calls as a new application.
	Resend(ctx context.Context, l Lock, link *Link, m outbox.Mail) error
	Application(ctx context.Context, id string) (Application, error)
	// StoredApplication reads an application even past its expiry (TTL
	// deletes late): a link's token must be checked before "expired" may
	// be said, or the answer would tell a stranger the application exists.
	StoredApplication(ctx context.Context, id string) (Application, error)
	// Confirm moves a pending_confirmation application to pending_review and
	// queues the coordinators' mail; ErrState if it is not pending
	// confirmation any more.
	Confirm(ctx context.Context, id string, at, expiresAt time.Time, m outbox.Mail) error
	// Approved lists the organisations the coordinators accepted.
	Approved(ctx context.Context) ([]Application, error)

	// List pages through the applications of the given statuses, newest
	// first, keeping those keep accepts.
	List(ctx context.Context, statuses []Status, keep func(Application) bool, q listing.Query) (listing.Page[Application], error)
	// Decide stores decided (approved or rejected) in place of an
	// application pending review, with its mail and audit entry; ErrState
	// if it is not pending review any more.
	Decide(ctx context.Context, decided Application, m outbox.Mail, e audit.Entry) error
}
