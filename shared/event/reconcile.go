package event

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// A sign-up's first mail is written after the transaction that stores the
// registration, outside the due index, and left to the stream-driven
// notifier alone. Reconcile is the safety net the sweeper runs every minute,
// as the contact form's: a mail whose put failed after the registration's
// transaction, and a mail whose stream record never reached the notifier.
const (
	// ReconcileGrace is how long a new registration is left alone: longer
	// than the events function may run (10 s), so Reconcile never races the
	// sign-up's own mail put, and as long as the notifier's grace on other
	// mail (MailGrace), so a mail the stream missed goes out as late as any
	// other.
	ReconcileGrace = 2 * time.Minute
	// ReconcileWindow is how far back Reconcile looks: a sweeper down or
	// failing for up to a week still finds every sign-up's mail.
	ReconcileWindow = 7 * 24 * time.Hour
)

// Reconcile makes sure the first mail of every recent sign-up of an
// upcoming event is on its way: it writes a mail that was never written,
// rebuilt from the stored registration and event with a new cancel link,
// due at once, and hands a mail still waiting for the notifier past the
// grace to the sweeper. A registration that changed since its sign-up
// (cancelled, promoted, moved with its event) or is gone had a later mail,
// or must get none: it gets no first mail. It reports how many
// mails it queued or handed over; a failure on one registration does not
// stop the others.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	events, err := s.Store.Upcoming(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("reconcile sign-ups: %w", err)
	}
	type signUp struct {
		e Event
		r Registration
		m outbox.Mail
	}
	var todo []signUp
	var ids []string
	var errs []error
	for _, e := range events {
		if e.Cancelled {
			continue // its job tells everyone registered
		}
		regs, err := s.Store.SignUps(ctx, e.ID, now.Add(-ReconcileWindow), now.Add(-ReconcileGrace))
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
			m := s.firstMail(e, r, "", now)
			todo = append(todo, signUp{e, r, m})
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return 0, errors.Join(errs...)
	}
	states, err := s.Store.FirstMails(ctx, ids)
	if err != nil {
		return 0, fmt.Errorf("reconcile sign-ups: %w", err)
	}
	var n int
	for _, su := range todo {
		switch states[su.m.ID] {
		case outbox.MailMissing:
			tok, nonce := s.cancelLink(su.e, su.r)
			err := s.Store.QueueMissingMail(ctx, su.r, tok, s.firstMail(su.e, su.r, nonce, now))
			if errors.Is(err, ErrChanged) {
				continue // changed or erased meanwhile: a later mail, or none
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		case outbox.MailWaiting:
			handed, err := s.Store.HandOver(ctx, su.m.ID, now)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if handed {
				n++
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
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
