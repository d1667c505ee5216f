package event

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Input is a sign-up as the form sends it.
type Input struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Organisation string `json:"organisation"`
	Needs        string `json:"needs"`
	Consent      bool   `json:"consent"`
	Locale       string `json:"locale"`
}

// Field limits, in characters.
const (
	MaxName         = 120
	MaxOrganisation = 200
	MaxNeeds        = 500
)

// attempts bounds how often a sign-up re-reads the event when a seat or a
// waiting position was taken between its read and its write.
const attempts = 8

// Service runs sign-ups, and the coordinators' management of events.
type Service struct {
	Store  Store
	Config *network.Config
	Keys   *secret.Keys
	Now    func() time.Time
	// JobBatch is how many registrations one step of a job covers
	// (DefaultJobBatch if 0, at most MaxJobBatch).
	JobBatch int
	// JobBudget bounds how long a request works its job inline, and the
	// sweeper each job (DefaultJobBudget if 0).
	JobBudget time.Duration
	// Log hears of jobs left to the sweeper; nil is slog's default.
	Log *slog.Logger
}

// Result of a sign-up.
type Result struct {
	Registration Registration
	Created      bool // false when the address was already registered
}

// Get returns a published event.
func (s *Service) Get(ctx context.Context, eventID string) (Event, error) {
	if !id.Valid(eventID) {
		return Event{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	e, err := s.Store.Event(ctx, eventID)
	if errors.Is(err, ErrNotFound) || (err == nil && !e.Published) {
		return Event{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	if err != nil {
		return Event{}, apperr.OrUnavailable(err)
	}
	return e, nil
}

// Upcoming lists the published events that have not ended.
func (s *Service) Upcoming(ctx context.Context) ([]Event, error) {
	all, err := s.Store.Upcoming(ctx, s.Now())
	if err != nil {
		return nil, apperr.OrUnavailable(err)
	}
	var out []Event
	for _, e := range all {
		if e.Published {
			out = append(out, e)
		}
	}
	return out, nil
}

// Register signs a person up: a seat while there is one, else the waiting
// list. The same address again gets its existing registration.
func (s *Service) Register(ctx context.Context, eventID string, in Input, locale string) (Result, error) {
	var f apperr.Fields
	r := Registration{
		Name:         validate.Line(&f, "name", in.Name, true, MaxName),
		Email:        validate.Email(&f, "email", in.Email),
		Organisation: validate.Line(&f, "organisation", in.Organisation, false, MaxOrganisation),
		Needs:        validate.Text(&f, "needs", in.Needs, false, MaxNeeds),
		Locale:       locale,
	}
	validate.Consent(&f, "consent", in.Consent)
	// An unknown id is answered first; bad input next, before any read, so
	// it gets its field errors even while storage is down.
	if !id.Valid(eventID) {
		return Result{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	if err := f.Err(); err != nil {
		return Result{}, err
	}
	e, err := s.Get(ctx, eventID)
	if err != nil {
		return Result{}, err
	}
	now := s.Now().UTC()
	if !e.Open(now) {
		return Result{}, apperr.New(apperr.Conflict, "problem.registration_closed")
	}
	r.EventID = e.ID
	r.EmailHash = s.Keys.EmailHash(email.Key(r.Email))
	if prior, err := s.Store.Registration(ctx, e.ID, r.EmailHash); err == nil && prior.Status != Cancelled {
		return s.resend(ctx, e, prior, locale, now)
	} else if err == nil {
		r.PriorLinkNonce = prior.LinkNonce
	} else if !errors.Is(err, ErrNotFound) {
		return Result{}, apperr.OrUnavailable(err)
	}

	r.ID = id.New(now)
	r.ConsentAt, r.ConsentVer = now, s.Config.Privacy.Version
	r.CreatedAt = now
	r.ExpiresAt = e.EndsAt.Add(network.Days(s.Config.Retention.RegistrationAfterEventDays))
	r.LinkNonce = secret.NewNonce()
	_, link := s.cancelLink(e, r)

	for range attempts {
		if e.SeatsLeft() > 0 {
			r.Status, r.Position = Confirmed, 0
			err = s.Store.TakeSeat(ctx, e, r, s.firstMail(e, r, link, now))
			if !errors.Is(err, ErrFull) {
				return s.done(ctx, e, r, err)
			}
		} else {
			pos, err := s.Store.NextPosition(ctx, e.ID)
			if err == nil {
				r.Status, r.Position = Waitlisted, pos
				err = s.Store.Wait(ctx, e, r, s.firstMail(e, r, link, now))
				if !errors.Is(err, ErrSeatsLeft) {
					return s.done(ctx, e, r, err)
				}
				// A seat came free after the position was handed out: that
				// position stays unused, the seat is taken below.
			} else if !errors.Is(err, ErrSeatsLeft) {
				return Result{}, apperr.OrUnavailable(err)
			}
		}
		// A seat was taken or freed, or a coordinator changed the event,
		// since it was read: look again.
		if e, err = s.Store.Event(ctx, e.ID); err != nil {
			return Result{}, apperr.OrUnavailable(err)
		}
		if !e.Open(now) {
			return Result{}, apperr.New(apperr.Conflict, "problem.registration_closed")
		}
	}
	return Result{}, apperr.Wrap(apperr.Unavailable, "problem.unavailable", errors.New("event: sign-up kept racing"))
}

// done finishes a sign-up write: a duplicate (the same address at the same
// moment) is a repeat of the registration that won.
func (s *Service) done(ctx context.Context, e Event, r Registration, err error) (Result, error) {
	if errors.Is(err, ErrDuplicate) {
		prior, err := s.Store.Registration(ctx, r.EventID, r.EmailHash)
		if err != nil {
			return Result{}, apperr.OrUnavailable(err)
		}
		return s.resend(ctx, e, prior, r.Locale, s.Now().UTC())
	}
	if errors.Is(err, ErrMailNotQueued) {
		// The registration is stored, which is what the answer promises;
		// the sweeper writes the mail from it within minutes.
		s.log().WarnContext(ctx, "sign-up mail left to the sweeper", "registration", r.ID, "err", err)
		err = nil
	}
	if err != nil {
		return Result{}, apperr.OrUnavailable(err)
	}
	return Result{Registration: r, Created: true}, nil
}

// resend answers a repeated sign-up. Nothing changes, and the answer is
// the one a new sign-up gets; the holder of the address learns by mail
// where they stand (seat with the calendar entry, or waiting-list place),
// with the registration's cancel link, in the language of the repeat. It
// makes the same storage calls as a new confirmed sign-up: the event, the
// registration, one transaction and one put of the mail.
func (s *Service) resend(ctx context.Context, e Event, prior Registration, locale string, now time.Time) (Result, error) {
	tok, link := s.cancelLink(e, prior)
	r := prior
	r.Locale = locale
	err := s.Store.Remail(ctx, prior, tok, s.mail(e, r, link, now))
	if errors.Is(err, ErrChanged) {
		// Cancelled or promoted meanwhile: that change sent its own mail.
		err = nil
	}
	if err != nil {
		return Result{}, apperr.OrUnavailable(err)
	}
	return Result{Registration: prior}, nil
}

// linkKind is the kind a cancel link names its registration by:
// "r.<event id><email hash>.<token>", the registration's key (see
// secret.LinkToken). The event id has a fixed length (id.Valid), so the
// two split apart unambiguously.
const linkKind = "r"

// linkRef names registration emailHash of event eventID in its cancel link.
func linkRef(eventID, emailHash string) string { return linkKind + "." + eventID + emailHash }

// mailLink is what a mail carries of its cancel link: the nonce the token
// derives from and, for a link the registration keeps, the ref naming it.
type mailLink struct{ ref, nonce string }

// cancelLink is the cancel link of registration r. A registration keeps
// its nonce, so every mail about it carries the same link and nothing is
// stored for it. One stored before registrations kept their nonce gets a
// new token item with every mail, returned to be written with it, as
// before; that path goes once the last event with such registrations has
// ended. Either link works until the event ends.
func (s *Service) cancelLink(e Event, r Registration) (*Token, mailLink) {
	if r.LinkNonce != "" {
		return nil, mailLink{ref: linkRef(e.ID, r.EmailHash), nonce: r.LinkNonce}
	}
	nonce := secret.NewNonce()
	return &Token{
		Hash:           secret.TokenHash(s.Keys.Token(nonce)),
		Purpose:        CancelPurpose,
		EventID:        e.ID,
		EmailHash:      r.EmailHash,
		RegistrationID: r.ID,
		ExpiresAt:      e.EndsAt,
	}, mailLink{nonce: nonce}
}

// mail is the confirmation or waiting-list mail of a sign-up, new or
// repeated. Whoever signed up may not own the address, so it counts
// against the address's daily cap.
func (s *Service) mail(e Event, r Registration, l mailLink, now time.Time) outbox.Mail {
	template := "event.confirmed"
	if r.Status == Waitlisted {
		template = "event.waitlisted"
	}
	m := s.mailFor(template, e, r, l, now)
	m.Unverified = true
	return m
}

// firstMail is the mail of a new sign-up, as the sign-up writes it and as
// Reconcile writes it again when that failed: its id derives from the
// registration's and the template, so it is written once whoever writes it.
func (s *Service) firstMail(e Event, r Registration, l mailLink, now time.Time) outbox.Mail {
	m := s.mail(e, r, l, now)
	m.ID = id.Derive(r.ID, m.Template)
	return m
}

// mailFor is a mail about registration r. The address is not verified, so
// it carries nothing the person typed: only the event's own data, the
// position and, with a link, the cancel link.
func (s *Service) mailFor(template string, e Event, r Registration, l mailLink, now time.Time) outbox.Mail {
	return outbox.Mail{
		ID:         id.New(now),
		Template:   template,
		Locale:     r.Locale,
		To:         []string{r.Email},
		TokenNonce: l.nonce,
		LinkRef:    l.ref,
		Data: map[string]string{
			"registrationId":  r.ID,
			"status":          string(r.Status),
			"sequence":        strconv.Itoa(r.Sequence),
			"position":        strconv.Itoa(r.Position),
			"eventTitle":      e.Title.In(r.Locale),
			"eventStartsAt":   e.StartsAt.Format(time.RFC3339),
			"eventEndsAt":     e.EndsAt.Format(time.RFC3339),
			"timeZone":        e.ZoneName(),
			"locationName":    e.Location.Name,
			"locationAddress": e.Location.Address,
			"onlineUrl":       e.Location.OnlineURL,
		},
		CreatedAt: now,
	}
}
