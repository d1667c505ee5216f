package partner

import (
	"context"
	"errors"
	"fmt"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// reconcileCursor names Reconcile's cursor (outbox.Span): each run starts
// where the last complete one stopped, so an application is looked at
// about once.
const reconcileCursor = "application-mails"

// Reconcile makes sure the confirm mail of every recent application still
// waiting for its confirmation is on its way, as the contact form's and the
// sign-ups' Reconcile do for theirs (outbox.Settle): it writes a mail that
// was never written, from the stored application, due at once, and hands a
// mail still waiting for the notifier past the grace to the sweeper. An
// application confirmed, expired or erased meanwhile gets none. It reports
// how many mails it queued or handed over.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	from, to, err := outbox.Span(ctx, s.Store, reconcileCursor, now, outbox.ReconcileGrace, outbox.ReconcileWindow)
	if err != nil {
		return 0, fmt.Errorf("reconcile applications: %w", err)
	}
	apps, err := s.Store.Unconfirmed(ctx, from, to)
	if err != nil {
		return 0, fmt.Errorf("reconcile applications: %w", err)
	}
	mails := make([]outbox.FirstMail, 0, len(apps))
	for _, app := range apps {
		m := s.firstMail(app, now)
		mails = append(mails, outbox.FirstMail{ID: m.ID, Write: func(ctx context.Context) (bool, error) {
			err := s.Store.QueueMissingConfirm(ctx, app, m)
			if errors.Is(err, ErrState) {
				return false, nil // confirmed, expired or erased meanwhile
			}
			return err == nil, err
		}})
	}
	n, err := outbox.Settle(ctx, s.Store, reconcileCursor, to, now, mails, nil)
	if err != nil {
		return n, fmt.Errorf("reconcile applications: %w", err)
	}
	return n, nil
}
