package outbox

import (
	"context"
	"errors"
	"time"
)

// A record's first mails (a contact message's, a sign-up's) are written after
// the record, outside its transaction and outside the due index, for the
// stream-driven notifier alone; the record's own Reconcile, run by the
// sweeper, finds those whose put failed or whose stream record was lost.

const (
	// ReconcileGrace is how long a new record is left alone: longer than a
	// function that writes one may run (10 s), so Reconcile never races the
	// submission's own mail puts, and as long as the notifier's grace on
	// other mail (MailGrace), so a mail the stream missed goes out as late
	// as any other.
	ReconcileGrace = 2 * time.Minute
	// ReconcileWindow is how far back Reconcile looks at most: a sweeper
	// that was down, or failing, for up to a week still finds every
	// record's mails when it runs again. Each run starts where the last
	// complete one stopped (Span), so a record is read about once.
	ReconcileWindow = 7 * 24 * time.Hour
)

// MailState is where a record's first mail stands.
type MailState int

const (
	// MailMissing: never written (its put failed after the record's).
	MailMissing MailState = iota
	// MailWaiting: written for the notifier's one attempt, which the sweeper
	// does not know of, so a lost stream record would leave it unsent.
	MailWaiting
	// MailHandled: the sweeper has it, or it is sent, parked or dropped.
	MailHandled
)

// FirstMails is what reconciling first mails needs of the outbox, whatever
// the record.
type FirstMails interface {
	// FirstMails tells where each of the mails with ids stands.
	FirstMails(ctx context.Context, ids []string) (map[string]MailState, error)
	// HandOver gives a mail still waiting for the notifier to the sweeper,
	// due at now; false if it was no longer waiting.
	HandOver(ctx context.Context, mailID string, now time.Time) (bool, error)
}

// Cursors keep how far a reconcile job has looked. A job that reread its
// whole window on every run would pay, in reads, many times the writes
// that leaving the mails out of a submission's transaction saves; with a
// cursor each record is read about once.
type Cursors interface {
	// Cursor is the time up to which the named job has looked at
	// everything; zero if it never finished a run.
	Cursor(ctx context.Context, name string) (time.Time, error)
	// SetCursor records that the named job has looked at everything up
	// to at.
	SetCursor(ctx context.Context, name string, at time.Time) error
}

// Span is what a reconcile run looks at: records created from where the
// last complete run stopped (but no earlier than now - window) up to
// now - grace, the records younger than that being still in the hands of
// the request that wrote them and the notifier.
func Span(ctx context.Context, c Cursors, name string, now time.Time, grace, window time.Duration) (from, to time.Time, err error) {
	from, err = c.Cursor(ctx, name)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if floor := now.Add(-window); from.Before(floor) {
		from = floor
	}
	return from, now.Add(-grace), nil
}

// FirstMail is one first mail a reconcile run found by its record: its id,
// and how to write it if it was never written. Write reports false when it
// must not be written after all (the record changed or is gone, or the mail
// is too late to be of use).
type FirstMail struct {
	ID    string
	Write func(ctx context.Context) (bool, error)
}

// Reconciled is what Settle needs of the store.
type Reconciled interface {
	FirstMails
	Cursors
}

// Settle finishes a reconcile run over the first mails of the records
// created up to to: it writes those never written, hands those still
// waiting for the notifier to the sweeper, and, when that and the listing
// (listErr) went well, moves the named cursor to to. A run that found no
// mail leaves the cursor: the next run's query of a longer but empty range
// costs the same. It reports how many mails it wrote or handed over; a
// failure on one mail does not stop the others.
func Settle(ctx context.Context, store Reconciled, cursor string, to, now time.Time, mails []FirstMail, listErr error) (int, error) {
	if len(mails) == 0 {
		return 0, listErr
	}
	ids := make([]string, len(mails))
	for i, m := range mails {
		ids[i] = m.ID
	}
	states, err := store.FirstMails(ctx, ids)
	if err != nil {
		return 0, errors.Join(listErr, err)
	}
	n, errs := 0, []error{listErr}
	for _, m := range mails {
		var done bool
		var err error
		switch states[m.ID] {
		case MailMissing:
			done, err = m.Write(ctx)
		case MailWaiting:
			done, err = store.HandOver(ctx, m.ID, now)
		}
		if err != nil {
			errs = append(errs, err)
		} else if done {
			n++
		}
	}
	if err := errors.Join(errs...); err != nil {
		return n, err
	}
	return n, store.SetCursor(ctx, cursor, to)
}
