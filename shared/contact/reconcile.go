package contact

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// A message's first mails are written after the message, outside any
// transaction, and left to the stream-driven notifier alone; Reconcile is
// the safety net the sweeper runs every minute (outbox.FirstMails). Each run
// starts where the last complete one stopped (outbox.Span), so a message is
// read about once.
const reconcileCursor = "contact-mails"

// Reconcile makes sure every recent message's first mails are on their
// way: it writes a mail that was never written, from the stored message,
// due at once, and hands a mail still waiting for the notifier past the
// grace to the sweeper. An acknowledgement is written late only within the
// configuration's mail retry period: past it, the outbox would have given up
// on one written in time, and "we received your message" days later says
// nothing the sender needs. The coordinators' copy is always written. It
// reports how many mails it queued or handed over; a failure on one message
// does not stop the others, and leaves the cursor where it was, so the next
// run looks at them all again.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	from, to, err := outbox.Span(ctx, s.Store, reconcileCursor, now, outbox.ReconcileGrace, outbox.ReconcileWindow)
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	msgs, err := s.Store.Recent(ctx, from, to)
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	ackUntil := time.Duration(s.Config.MailRetryHours) * time.Hour
	var mails []outbox.FirstMail
	for _, m := range msgs {
		for _, ml := range s.Mails(m, now) {
			mails = append(mails, outbox.FirstMail{ID: ml.ID, Write: func(ctx context.Context) (bool, error) {
				if ml.Template == ackTemplate && now.Sub(m.CreatedAt) > ackUntil {
					return false, nil
				}
				err := s.Store.QueueMissing(ctx, m.ID, ml)
				if errors.Is(err, ErrNotFound) {
					return false, nil // erased meanwhile: nothing of it may come back
				}
				return err == nil, err
			}})
		}
	}
	n, err := outbox.Settle(ctx, s.Store, reconcileCursor, to, now, mails, nil)
	if err != nil {
		return n, fmt.Errorf("reconcile: %w", err)
	}
	return n, nil
}
