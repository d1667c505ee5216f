// Package digest is the coordinators' morning mail: once a day, if anything
// happened since the last one, one mail to the network's main inbox with
// the applications waiting for review, how full each upcoming event is and
// what came in overnight (sign-ups, messages per topic, mail that could not
// be delivered), each with a link to act on it.
package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// Review is an application waiting for the coordinators' decision.
type Review struct {
	ID           string    `json:"id"`
	Organisation string    `json:"organisation"`
	ConfirmedAt  time.Time `json:"confirmedAt"`
	New          bool      `json:"new"` // confirmed since the last digest
}

// Event is how full an upcoming event is.
type Event struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	StartsAt   time.Time `json:"startsAt"`
	Capacity   int       `json:"capacity"`
	Confirmed  int       `json:"confirmed"`
	Waiting    int       `json:"waiting"`
	NewSignups int       `json:"newSignups"` // since the last digest
}

// Topic counts the messages that came in on one topic.
type Topic struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	New   int    `json:"new"`
}

// Summary is what a digest says. It names organisations and events, never
// the people who signed up or wrote: the inbox is shared.
type Summary struct {
	Since   time.Time `json:"since"`
	Reviews []Review  `json:"reviews"`
	Events  []Event   `json:"events"`
	Topics  []Topic   `json:"topics"`
	Parked  int       `json:"parked"` // mail given up since the last digest
}

// News reports whether anything happened since the last digest: without
// news, no mail.
func (s Summary) News() bool {
	if s.Parked > 0 {
		return true
	}
	for _, r := range s.Reviews {
		if r.New {
			return true
		}
	}
	for _, e := range s.Events {
		if e.NewSignups > 0 {
			return true
		}
	}
	for _, t := range s.Topics {
		if t.New > 0 {
			return true
		}
	}
	return false
}

// ErrDone means another run wrote today's digest first.
var ErrDone = errors.New("digest: already done today")

// Store reads what a digest reports and remembers which day had one.
type Store interface {
	// LastDigest is the day (YYYY-MM-DD, Berlin) and time of the last
	// digest; day is "" before the first.
	LastDigest(ctx context.Context) (day string, at time.Time, err error)
	// Summary collects the news since, for events upcoming at now. Event
	// titles come in German and messages as topic ids with counts.
	Summary(ctx context.Context, since, now time.Time) (Summary, error)
	// MarkDigest records day as done, replacing prev, and queues m with it
	// if m is not nil; ErrDone if the record is no longer prev.
	MarkDigest(ctx context.Context, day, prev string, at time.Time, m *outbox.Mail) error
}

// Service sends digests.
type Service struct {
	Store  Store
	Config *network.Config
	Now    func() time.Time
}

// firstLookback is how far the first digest looks back.
const firstLookback = 24 * time.Hour

// Send writes today's digest once the configured hour has come, if it has
// not been written and there is news; it reports how many mails it queued
// (0 or 1). The sweeper calls it every minute; the condition on the day
// keeps it to one a day even when runs overlap.
func (s *Service) Send(ctx context.Context) (int, error) {
	now := s.Now()
	local := now.In(i18n.Berlin)
	if local.Hour() < s.Config.DigestHour {
		return 0, nil
	}
	today := local.Format(time.DateOnly)
	last, at, err := s.Store.LastDigest(ctx)
	if err != nil {
		return 0, fmt.Errorf("digest: %w", err)
	}
	if last == today {
		return 0, nil
	}
	since := at
	if last == "" {
		since = now.Add(-firstLookback)
	}
	sum, err := s.Store.Summary(ctx, since, now)
	if err != nil {
		return 0, fmt.Errorf("digest: %w", err)
	}
	sum.Since = since
	for i, t := range sum.Topics {
		if ch, ok := network.Find(s.Config.Topics, t.ID); ok {
			sum.Topics[i].Label = ch.Label.In(i18n.Default)
		}
	}
	var m *outbox.Mail
	if sum.News() {
		data, err := json.Marshal(sum)
		if err != nil {
			return 0, fmt.Errorf("digest: %w", err)
		}
		m = &outbox.Mail{
			ID:        id.New(now),
			Template:  "digest.daily",
			Locale:    i18n.Default,
			To:        []string{s.Config.MainInbox()},
			Data:      map[string]string{"summary": string(data), "day": today},
			CreatedAt: now,
		}
	}
	err = s.Store.MarkDigest(ctx, today, last, now, m)
	if errors.Is(err, ErrDone) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("digest: %w", err)
	}
	if m == nil {
		return 0, nil
	}
	return 1, nil
}

// Decode reads the summary a digest mail carries, for its templates.
func Decode(data string) (Summary, error) {
	var s Summary
	err := json.Unmarshal([]byte(data), &s)
	return s, err
}
