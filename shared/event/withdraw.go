package event

import (
	"context"
	"errors"
	"slices"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// Withdraw takes registration r out of its event because the person asked
// for their data to be erased. Its seat or waiting place is freed under the
// rules of a cancellation — the first person waiting moves up and is told,
// in the same transaction — but nothing goes to r's address.
//
// It returns the status the registration has afterwards, under which the
// erasure may delete it: Cancelled once freed; unchanged when there is
// nothing to pass on, because it was cancelled already or its event is over
// or gone (nobody can take a seat at a past event, whose counts stay as
// they were).
func (s *Service) Withdraw(ctx context.Context, r Registration) (Status, error) {
	for range attempts {
		e, err := s.Store.Event(ctx, r.EventID)
		if errors.Is(err, ErrNotFound) {
			return r.Status, nil
		}
		if err != nil {
			return "", apperr.OrUnavailable(err)
		}
		cur, err := s.Store.Registration(ctx, r.EventID, r.EmailHash)
		if errors.Is(err, ErrNotFound) {
			// Expired, and TTL has not removed it yet: its event is long over.
			return r.Status, nil
		}
		if err != nil {
			return "", apperr.OrUnavailable(err)
		}
		// A cancel link works until the event ends; so does this.
		if cur.Status == Cancelled || !s.Now().Before(e.EndsAt) {
			return cur.Status, nil
		}
		c, err := s.cancellation(ctx, Pending{Event: e, Registration: cur})
		if err != nil {
			return "", err
		}
		c.Mails = slices.DeleteFunc(c.Mails, func(m outbox.Mail) bool { return slices.Contains(m.To, cur.Email) })
		err = s.Store.Cancel(ctx, c)
		if errors.Is(err, ErrChanged) {
			continue // someone signed up, cancelled or moved up meanwhile: decide again
		}
		if err != nil {
			return "", apperr.OrUnavailable(err)
		}
		return Cancelled, nil
	}
	return "", apperr.Wrap(apperr.Unavailable, "problem.unavailable", errors.New("event: withdrawal kept racing"))
}
