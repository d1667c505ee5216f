// Package event is signing up for the network's meetings: plenary meetings
// and working-group sessions with a capacity, a registration deadline and a
// waiting list in arrival order. No event ever has more confirmed seats than
// its capacity; the store's conditions keep that, whatever the concurrency.
// The coordinators create, change and call off events (admin.go); what that
// means for many registrations goes through durable jobs (job.go).
package event

import (
	"context"
	"errors"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// Location is where an event takes place.
type Location struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	OnlineURL string `json:"onlineUrl,omitempty"`
}

// Event is one meeting people can sign up for.
type Event struct {
	ID          string
	Title       network.Text
	Description network.Text
	StartsAt    time.Time // UTC; shown in the event's zone
	EndsAt      time.Time
	// TimeZone is the IANA zone the event is shown in; empty means
	// DefaultTimeZone, as for events stored before events had a zone.
	TimeZone string
	Location Location
	Capacity int
	// RegistrationDeadline is the last moment to sign up.
	RegistrationDeadline time.Time
	WorkingGroup         string // optional: the working group that meets
	Network              string // optional: the network that invites
	Published            bool
	// Cancelled events are unpublished for good: nobody signs up, and a
	// job tells everyone registered.
	Cancelled bool

	Confirmed int // seats taken
	Waiting   int // people on the waiting list

	// Version counts the coordinators' changes; every change and every
	// sign-up is conditional on the version it was decided on.
	Version int
	// Job is the job working through the registrations after a change,
	// "" when none runs; a change that needs a job waits for it.
	Job         string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CancelledAt time.Time
}

// DefaultTimeZone is the county's: the zone of events that name none.
const DefaultTimeZone = "Europe/Berlin"

// ZoneName is the event's IANA time zone.
func (e Event) ZoneName() string {
	if e.TimeZone == "" {
		return DefaultTimeZone
	}
	return e.TimeZone
}

// Zone is the event's time zone; the county's if the name is unknown.
func (e Event) Zone() *time.Location {
	loc, err := time.LoadLocation(e.ZoneName())
	if err != nil {
		return i18n.Berlin
	}
	return loc
}

// SeatsLeft is how many can still get a confirmed seat: while anybody
// waits, the seats that come free (a capacity grown) are theirs.
func (e Event) SeatsLeft() int { return max(e.Capacity-e.Confirmed-e.Waiting, 0) }

// Open reports whether sign-up is possible at now.
func (e Event) Open(now time.Time) bool {
	return e.Published && !e.Cancelled && now.Before(e.RegistrationDeadline) && now.Before(e.StartsAt)
}

// Status of a registration.
type Status string

const (
	Confirmed  Status = "confirmed"
	Waitlisted Status = "waitlisted"
	Cancelled  Status = "cancelled"
)

// Registration is one person's sign-up for one event.
type Registration struct {
	ID           string
	EventID      string
	Name         string
	Email        string
	EmailHash    string // keyed hash: one registration per address and event
	Organisation string
	Needs        string // interpreting, accessibility …
	Locale       string
	ConsentAt    time.Time
	ConsentVer   string
	Status       Status
	Position     int // place on the waiting list when it was joined
	Sequence     int // raised on every change, for the calendar invitation
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RemindedAt   time.Time // zero until the reminder is queued
	// LinkNonce seeds the cancel link every mail about the registration
	// carries (see Service.cancelLink); empty for a registration stored
	// before registrations kept their link. Never shown to anyone: with the
	// deployment key it cancels the registration.
	LinkNonce string
	// PriorLinkNonce is the nonce of the cancelled registration this one
	// replaced, so that the earlier link still says "cancelled" to whoever
	// holds it rather than "unknown link".
	PriorLinkNonce string
}

// CancelPurpose marks the token of a cancel link.
const CancelPurpose = "registration-cancel"

// Token is a stored cancel-link token. It names the registration it was
// sent for, so an old link cannot cancel a later sign-up of the same
// address. Only registrations stored before they kept their LinkNonce get
// new ones (see Service.cancelLink).
type Token struct {
	Hash           string
	Purpose        string
	EventID        string
	EmailHash      string
	RegistrationID string
	ExpiresAt      time.Time
}

// Errors the store reports.
var (
	ErrNotFound  = errors.New("event: not found")
	ErrFull      = errors.New("event: no seat left")
	ErrSeatsLeft = errors.New("event: seats are free, no waiting list")
	ErrDuplicate = errors.New("event: already registered")
	// ErrMailNotQueued means a sign-up is stored and its mail may not be:
	// Reconcile writes it later.
	ErrMailNotQueued = errors.New("event: mail not queued")
)

// Store keeps events and registrations. Each write is one transaction whose
// conditions hold the capacity rule.
type Store interface {
	// Cursors keep how far Reconcile has looked.
	outbox.Cursors
	Event(ctx context.Context, id string) (Event, error)
	// Upcoming lists events that end after now, soonest first.
	Upcoming(ctx context.Context, now time.Time) ([]Event, error)
	Registration(ctx context.Context, eventID, emailHash string) (Registration, error)
	// StoredRegistration reads a registration even past its expiry (TTL
	// deletes late): a link's token must be checked before "gone" may be
	// said, or the answer would tell a stranger the registration exists.
	StoredRegistration(ctx context.Context, eventID, emailHash string) (Registration, error)
	// TakeSeat stores a confirmed registration if a seat is left and
	// nobody waits (else ErrFull), then queues its mail for the notifier
	// alone, at most once (its id is derived from the registration's). It
	// is conditional on the event's version as e was read, so the mail
	// never describes an event a coordinator has changed meanwhile. An
	// error wrapping ErrMailNotQueued means the registration is stored and
	// the mail may not be.
	TakeSeat(ctx context.Context, e Event, r Registration, m outbox.Mail) error
	// NextPosition hands out the next waiting-list position, only while the
	// event is full or others wait (else ErrSeatsLeft).
	NextPosition(ctx context.Context, eventID string) (int, error)
	// Remail queues m (and stores the token t of a registration without a
	// LinkNonce, if given) for registration r while it stands as read;
	// ErrChanged otherwise.
	Remail(ctx context.Context, r Registration, t *Token, m outbox.Mail) error
	// Wait stores a waitlisted registration, only while the event is still
	// full or others wait (else ErrSeatsLeft), and only at the version e
	// was read at, then queues its mail as TakeSeat does.
	Wait(ctx context.Context, e Event, r Registration, m outbox.Mail) error

	// CancelToken reads a token item, which only links mailed before
	// registrations kept their LinkNonce, or mailed about such a
	// registration, have.
	CancelToken(ctx context.Context, hash string) (Token, error)
	// FirstWaiting is the waitlisted registration with the lowest position
	// (ErrNotFound if nobody waits).
	FirstWaiting(ctx context.Context, eventID string) (Registration, error)
	// Cancel writes a cancellation; ErrChanged if what it was decided on
	// changed meanwhile.
	Cancel(ctx context.Context, c Cancellation) error

	// Attendees lists an event's confirmed registrations.
	Attendees(ctx context.Context, eventID string) ([]Registration, error)
	// Remind marks a confirmed registration reminded and queues the mail
	// with its cancel link (and the token t, if given); ErrReminded if it
	// was reminded or is no longer confirmed.
	Remind(ctx context.Context, r Registration, t *Token, m outbox.Mail) error

	// SignUps lists the registrations of an event created from from to
	// to that may still await their first mail: confirmed or waitlisted.
	// It may include others; Reconcile filters.
	SignUps(ctx context.Context, eventID string, from, to time.Time) ([]Registration, error)
	// QueueMissingMail writes the first mail m of registration r, due at
	// once (with the token t of a registration without a kept link, if
	// given), while r stands as read (same id,
	// status and sequence, not expired; else ErrChanged); a mail written
	// meanwhile is left as it is.
	QueueMissingMail(ctx context.Context, r Registration, t *Token, m outbox.Mail) error
	outbox.FirstMails

	// The coordinators' side: see admin.go and job.go.
	ManageStore
}

// Cancellation is what one cancellation changes, decided by the service and
// written by the store in one transaction.
type Cancellation struct {
	Registration Registration // as read, before the change
	Event        Event        // as read: its counters are conditions of the write
	// Promoted is the first person on the waiting list, who gets the freed
	// seat; nil if nobody waits or the cancelled person was waiting.
	Promoted *Registration
	// PromotedToken is the promoted person's new token item, only for a
	// registration without a LinkNonce.
	PromotedToken *Token
	Mails         []outbox.Mail
}

// ErrChanged means the registration, the waiting list or the counters
// changed since they were read; the service reads again and retries.
var ErrChanged = errors.New("event: changed meanwhile")
