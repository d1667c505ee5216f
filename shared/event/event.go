// Package event is signing up for the network's meetings: plenary meetings
// and working-group sessions with a capacity, a registration deadline and a
// waiting list in arrival order. No event ever has more confirmed seats than
// its capacity; the store's conditions keep that, whatever the concurrency.
package event

import (
	"context"
	"errors"
	"time"

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
	StartsAt    time.Time // UTC; shown in Berlin time
	EndsAt      time.Time
	Location    Location
	Capacity    int
	// RegistrationDeadline is the last moment to sign up.
	RegistrationDeadline time.Time
	WorkingGroup         string // optional: the working group that meets
	Network              string // optional: the network that invites
	Published            bool

	Confirmed int // seats taken
	Waiting   int // people on the waiting list
}

// SeatsLeft is how many can still get a confirmed seat.
func (e Event) SeatsLeft() int { return max(e.Capacity-e.Confirmed, 0) }

// Open reports whether sign-up is possible at now.
func (e Event) Open(now time.Time) bool {
	return e.Published && now.Before(e.RegistrationDeadline) && now.Before(e.StartsAt)
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
}

// CancelPurpose marks the token of a cancel link.
const CancelPurpose = "registration-cancel"

// Token is a stored cancel-link token. It names the registration it was
// sent for, so an old link cannot cancel a later sign-up of the same
// address.
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
)

// Store keeps events and registrations. Each write is one transaction whose
// conditions hold the capacity rule.
type Store interface {
	Event(ctx context.Context, id string) (Event, error)
	// Upcoming lists events that end after now, soonest first.
	Upcoming(ctx context.Context, now time.Time) ([]Event, error)
	Registration(ctx context.Context, eventID, emailHash string) (Registration, error)
	// TakeSeat stores a confirmed registration if a seat is left (else
	// ErrFull), with its cancel token and mail.
	TakeSeat(ctx context.Context, r Registration, t Token, m outbox.Mail) error
	// NextPosition hands out the next waiting-list position, only while the
	// event is full (else ErrSeatsLeft).
	NextPosition(ctx context.Context, eventID string) (int, error)
	// Wait stores a waitlisted registration with its token and mail, only
	// while the event is still full (else ErrSeatsLeft).
	Wait(ctx context.Context, r Registration, t Token, m outbox.Mail) error

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
	// with its cancel link; ErrReminded if it was reminded or is no longer
	// confirmed.
	Remind(ctx context.Context, r Registration, t Token, m outbox.Mail) error
}

// Cancellation is what one cancellation changes, decided by the service and
// written by the store in one transaction.
type Cancellation struct {
	Registration Registration // as read, before the change
	Event        Event        // as read: its counters are conditions of the write
	// Promoted is the first person on the waiting list, who gets the freed
	// seat; nil if nobody waits or the cancelled person was waiting.
	Promoted      *Registration
	PromotedToken *Token
	Mails         []outbox.Mail
}

// ErrChanged means the registration, the waiting list or the counters
// changed since they were read; the service reads again and retries.
var ErrChanged = errors.New("event: changed meanwhile")
