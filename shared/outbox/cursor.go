package outbox

import (
	"context"
	"time"
)

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
