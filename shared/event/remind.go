package event

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrReminded means the registration was reminded already, or is no longer
// confirmed: nothing to send.
var ErrReminded = errors.New("event: already reminded or not confirmed")

// QueueReminders writes a reminder for every confirmed registration of the
// events that start within the configured lead time. Each reminder is
// conditional on the registration not having one, so however often the
// sweeper runs, nobody gets two. It returns how many it queued.
func (s *Service) QueueReminders(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	lead := time.Duration(s.Config.EventReminderHours) * time.Hour
	events, err := s.Store.Upcoming(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("reminders: %w", err)
	}
	queued := 0
	for _, e := range events {
		if !e.Published || !e.StartsAt.After(now) || e.StartsAt.After(now.Add(lead)) {
			continue
		}
		regs, err := s.Store.Attendees(ctx, e.ID)
		if err != nil {
			return queued, fmt.Errorf("reminders for %s: %w", e.ID, err)
		}
		for _, r := range regs {
			if r.Status != Confirmed || !r.RemindedAt.IsZero() {
				continue
			}
			tok, link := s.cancelLink(e, r)
			err := s.Store.Remind(ctx, r, tok, s.mailFor("event.reminder", e, r, link, now))
			if errors.Is(err, ErrReminded) {
				continue
			}
			if err != nil {
				return queued, fmt.Errorf("remind %s: %w", r.ID, err)
			}
			queued++
		}
	}
	return queued, nil
}
