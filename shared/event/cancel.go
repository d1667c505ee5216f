package event

import (
	"context"
	"errors"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// Pending is what a cancel page shows before the button is pressed.
type Pending struct {
	Event        Event
	Registration Registration
}

// Lookup resolves a cancel token without changing anything: mail scanners
// fetch links.
func (s *Service) Lookup(ctx context.Context, token string) (Pending, error) {
	if token == "" || len(token) > 100 {
		return Pending{}, apperr.New(apperr.NotFound, "problem.link_invalid")
	}
	t, err := s.Store.CancelToken(ctx, secret.TokenHash(token))
	if errors.Is(err, ErrNotFound) || (err == nil && t.Purpose != CancelPurpose) {
		return Pending{}, apperr.New(apperr.NotFound, "problem.link_invalid")
	}
	if err != nil {
		return Pending{}, apperr.OrUnavailable(err)
	}
	if !s.Now().Before(t.ExpiresAt) {
		return Pending{}, apperr.New(apperr.Gone, "problem.gone")
	}
	e, err := s.Store.Event(ctx, t.EventID)
	if err != nil {
		return Pending{}, notFoundAsGone(err)
	}
	r, err := s.Store.Registration(ctx, t.EventID, t.EmailHash)
	if err != nil {
		return Pending{}, notFoundAsGone(err)
	}
	if r.ID != t.RegistrationID {
		// The address signed up again after cancelling: this link belongs
		// to the earlier registration, which is cancelled.
		r = Registration{ID: t.RegistrationID, EventID: t.EventID, EmailHash: t.EmailHash, Status: Cancelled}
	}
	if e.Cancelled {
		// The coordinators called the event off: every registration ends
		// with it, and the event's job mails each person once.
		r.Status = Cancelled
	}
	return Pending{Event: e, Registration: r}, nil
}

func notFoundAsGone(err error) error {
	if errors.Is(err, ErrNotFound) {
		return apperr.New(apperr.Gone, "problem.gone")
	}
	return apperr.OrUnavailable(err)
}

// Cancel is the person pressing the button: the seat is freed and, in the
// same transaction, the first person waiting gets it and is told.
// Cancelling twice is harmless.
func (s *Service) Cancel(ctx context.Context, token string) (Status, error) {
	for range attempts {
		p, err := s.Lookup(ctx, token)
		if err != nil {
			return "", err
		}
		if p.Registration.Status == Cancelled {
			return Cancelled, nil
		}
		c, err := s.cancellation(ctx, p)
		if err != nil {
			return "", err
		}
		err = s.Store.Cancel(ctx, c)
		if errors.Is(err, ErrChanged) {
			continue // someone else signed up, cancelled or moved up: decide again
		}
		if err != nil {
			return "", apperr.OrUnavailable(err)
		}
		return Cancelled, nil
	}
	return "", apperr.Wrap(apperr.Unavailable, "problem.unavailable", errors.New("event: cancellation kept racing"))
}

// cancellation decides what a cancellation changes.
func (s *Service) cancellation(ctx context.Context, p Pending) (Cancellation, error) {
	now := s.Now().UTC()
	r := p.Registration
	c := Cancellation{Registration: r, Event: p.Event}
	gone := r
	gone.Sequence++
	c.Mails = append(c.Mails, s.mailFor("event.cancelled", p.Event, gone, "", now))
	if r.Status != Confirmed || p.Event.Waiting == 0 {
		return c, nil
	}
	first, err := s.Store.FirstWaiting(ctx, p.Event.ID)
	if errors.Is(err, ErrNotFound) {
		// The counter says someone waits but the list is empty: a sign-up
		// is between its two writes. Decide again shortly.
		return c, nil
	}
	if err != nil {
		return Cancellation{}, apperr.OrUnavailable(err)
	}
	promoted := first
	promoted.Status, promoted.Sequence = Confirmed, first.Sequence+1
	tok, nonce := s.cancelLink(p.Event, first)
	c.Promoted, c.PromotedToken = &promoted, &tok
	c.Mails = append(c.Mails, s.mailFor("event.promoted", p.Event, promoted, nonce, now))
	return c, nil
}
