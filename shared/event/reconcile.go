package event

import (
	"context"
	"errors"
	"fmt"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// signUpCursor names Reconcile's cursor (outbox.Span): each run starts
// where the last complete one stopped, so a sign-up is looked at about once.
const signUpCursor = "signup-mails"

// Reconcile makes sure the first mail of every recent sign-up of an
// upcoming event is on its way, as the contact form's Reconcile does for
// its messages (outbox.FirstMails): it writes a mail that was never written,
// rebuilt from the stored registration and event with its cancel link,
// due at once, and hands a mail still waiting for the notifier past the
// grace to the sweeper. A registration that changed since its sign-up
// (cancelled, promoted, moved with its event) or is gone had a later mail,
// or must get none: it gets no first mail. It reports how many
// mails it queued or handed over; a failure on one registration does not
// stop the others.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	from, to, err := outbox.Span(ctx, s.Store, signUpCursor, now, outbox.ReconcileGrace, outbox.ReconcileWindow)
	if err != nil {
		return 0, fmt.Errorf("reconcile sign-ups: %w", err)
	}
	events, err := s.Store.Upcoming(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("reconcile sign-ups: %w", err)
	}
	var mails []outbox.FirstMail
	var errs []error
	for _, e := range events {
		if e.Cancelled {
			continue // its job tells everyone registered
		}
		regs, err := s.Store.SignUps(ctx, e.ID, from, to)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range regs {
			if !asSignedUp(r) {
				continue
			}
			// The mail's id is all FirstMails needs; its cancel link is
			// made only for a mail that is written.
			mails = append(mails, outbox.FirstMail{ID: s.firstMail(e, r, mailLink{}, now).ID, Write: func(ctx context.Context) (bool, error) {
				tok, link := s.cancelLink(e, r)
				err := s.Store.QueueMissingMail(ctx, r, tok, s.firstMail(e, r, link, now))
				if errors.Is(err, ErrChanged) {
					return false, nil // changed or erased meanwhile: a later mail, or none
				}
				return err == nil, err
			}})
		}
	}
	n, err := outbox.Settle(ctx, s.Store, signUpCursor, to, now, mails, errors.Join(errs...))
	if err != nil {
		return n, fmt.Errorf("reconcile sign-ups: %w", err)
	}
	return n, nil
}

// asSignedUp reports whether r stands as its sign-up left it: every later
// change of its status or its event raises its sequence and sends its own
// mail. A reminder does not: it goes to a confirmed person whatever their
// first mail said, and the two say no different things.
func asSignedUp(r Registration) bool {
	return (r.Status == Confirmed || r.Status == Waitlisted) && r.Sequence == 0
}
