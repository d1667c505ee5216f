package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/mail"
)

// Renderer turns a waiting mail into the message to send.
type Renderer interface {
	Render(m Mail) (mail.Message, error)
}

// Policy says how hard delivery tries.
type Policy struct {
	Lease     time.Duration // how long one attempt may take before another worker may retry
	FirstWait time.Duration // backoff after the first failure, doubled each time
	MaxWait   time.Duration // cap of one backoff step
	GiveUp    time.Duration // after this long since the mail was written, park it
}

// DefaultPolicy retries for about a day: 1, 2, 4 … minutes, at most an hour apart.
var DefaultPolicy = Policy{
	Lease:     2 * time.Minute,
	FirstWait: time.Minute,
	MaxWait:   time.Hour,
	GiveUp:    24 * time.Hour,
}

// Deliverer sends outbox mail. Both the notifier and the sweeper use it, so
// a mail is delivered the same way whichever finds it first.
type Deliverer struct {
	Store    Store
	Renderer Renderer
	Sender   mail.Sender
	// Suppressions, if set, keeps mail from addresses that bounced hard or
	// complained.
	Suppressions Suppressions
	// Limits, if set, caps the Unverified mail to one address at
	// CapPerDay a day, across all forms: above it a mail is dropped, so the
	// forms cannot flood a stranger's inbox.
	Limits    Limits
	CapPerDay int
	Policy    Policy
	Now       func() time.Time
	// Jitter returns a factor in [0.5, 1.5) that spreads retries; tests fix it.
	Jitter func() float64
	// MessageIDDomain is the right-hand side of Message-IDs.
	MessageIDDomain string
	Log             *slog.Logger
}

// Result of one delivery attempt, for logs and metrics.
type Result string

const (
	Delivered   Result = "delivered"
	Rescheduled Result = "rescheduled"
	Parked      Result = "parked"
	Dropped     Result = "dropped" // over the address's daily cap
	Skipped     Result = "skipped" // sent, parked or claimed by another worker
)

// Deliver tries once to send the mail with id. A failed send is not an
// error: it is recorded for a later attempt. Only storage failures are
// returned, so the caller can let the platform retry.
func (d *Deliverer) Deliver(ctx context.Context, id string) (Result, error) {
	now := d.Now()
	lease := now.Add(d.Policy.Lease)
	item, err := d.Store.Claim(ctx, id, now, lease)
	if errors.Is(err, ErrNotClaimable) || errors.Is(err, ErrNotFound) {
		return Skipped, nil
	}
	if err != nil {
		return "", fmt.Errorf("claim: %w", err)
	}
	if over, err := d.overCap(ctx, item); err != nil {
		// Tried again later, and counted then: a storage blip must not let
		// a mail past the cap.
		next := d.Now().Add(d.backoff(item.Attempts))
		if err := d.Store.Reschedule(ctx, id, lease, next, capCheck); err != nil {
			return "", fmt.Errorf("reschedule: %w", err)
		}
		return Rescheduled, nil
	} else if over {
		if err := d.Store.Drop(ctx, id, lease, d.Now(), "cap"); err != nil {
			return "", fmt.Errorf("drop: %w", err)
		}
		d.log().Info("mail dropped", "mail", id, "template", item.Template, "reason", "cap")
		return Dropped, nil
	}

	reason, permanent := d.send(ctx, item)
	if reason == "" {
		if err := d.Store.MarkSent(ctx, id, lease, d.Now()); err != nil {
			// The mail went out; failing here only risks a duplicate, which
			// at-least-once allows. Report it so the platform retries the record.
			return "", fmt.Errorf("mark sent: %w", err)
		}
		return Delivered, nil
	}

	now = d.Now()
	next := now.Add(d.backoff(item.Attempts))
	if permanent || next.After(item.CreatedAt.Add(d.Policy.GiveUp)) {
		if err := d.Store.Park(ctx, id, lease, now, reason); err != nil {
			return "", fmt.Errorf("park: %w", err)
		}
		d.log().Warn("mail parked", "mail", id, "template", item.Template, "attempts", item.Attempts, "reason", reason)
		return Parked, nil
	}
	if err := d.Store.Reschedule(ctx, id, lease, next, reason); err != nil {
		return "", fmt.Errorf("reschedule: %w", err)
	}
	d.log().Info("mail rescheduled", "mail", id, "template", item.Template, "attempts", item.Attempts, "reason", reason, "next", next)
	return Rescheduled, nil
}

// capCheck is the reason of an attempt that could not count its mail.
const capCheck = "cap-check"

// overCap counts an unverified mail against its address's daily cap on its
// first attempt (a retry is the same mail, unless the count itself failed)
// and reports whether the cap was reached before it.
func (d *Deliverer) overCap(ctx context.Context, item Item) (bool, error) {
	first := item.Attempts == 1 || item.LastError == capCheck
	if d.Limits == nil || !item.Unverified || !first || len(item.To) == 0 {
		return false, nil
	}
	ok, err := d.Limits.CountUnverified(ctx, item.To[0], d.Now().In(i18n.Berlin).Format(time.DateOnly), d.CapPerDay)
	if err != nil {
		return false, fmt.Errorf("count: %w", err)
	}
	return !ok, nil
}

// send returns "" on success, else a reason code and whether retrying is
// pointless.
func (d *Deliverer) send(ctx context.Context, item Item) (reason string, permanent bool) {
	m, reason, permanent := d.unsuppressed(ctx, item.Mail)
	if reason != "" {
		return reason, permanent
	}
	msg, err := d.Renderer.Render(m)
	if err != nil {
		d.log().Error("mail cannot be rendered", "mail", item.ID, "template", item.Template, "err", err)
		return "render", true
	}
	env, err := msg.Envelope(d.Now(), item.ID+"@"+d.MessageIDDomain)
	if err != nil {
		d.log().Error("mail cannot be encoded", "mail", item.ID, "template", item.Template, "err", err)
		return "encode", true
	}
	if err := d.Sender.Send(ctx, env); err != nil {
		if perm, ok := errors.AsType[*mail.PermanentError](err); ok {
			return "rejected:" + perm.Reason, true
		}
		if mail.IsPermanent(err) {
			return "rejected", true
		}
		return "transient", false
	}
	return "", false
}

// unsuppressed drops suppressed recipients from m. With no primary
// recipient left the mail is given up for good: "suppressed:<reason>".
func (d *Deliverer) unsuppressed(ctx context.Context, m Mail) (Mail, string, bool) {
	if d.Suppressions == nil {
		return m, "", false
	}
	gone, err := d.Suppressions.Suppressed(ctx, append(append([]string{}, m.To...), m.Cc...))
	if err != nil {
		return m, "suppression-check", false
	}
	if len(gone) == 0 {
		return m, "", false
	}
	keep := func(addrs []string) []string {
		var out []string
		for _, a := range addrs {
			if _, ok := gone[a]; !ok {
				out = append(out, a)
			}
		}
		return out
	}
	var why string
	for _, a := range m.To {
		if r, ok := gone[a]; ok && why == "" {
			why = r
		}
	}
	m.To, m.Cc = keep(m.To), keep(m.Cc)
	if len(m.To) == 0 {
		return m, "suppressed:" + why, true
	}
	return m, "", false
}

func (d *Deliverer) backoff(attempts int) time.Duration {
	wait := d.Policy.FirstWait
	for i := 1; i < attempts && wait < d.Policy.MaxWait; i++ {
		wait *= 2
	}
	wait = min(wait, d.Policy.MaxWait)
	j := 0.5 + rand.Float64()
	if d.Jitter != nil {
		j = d.Jitter()
	}
	return time.Duration(float64(wait) * j)
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// Sweep delivers every mail that is due, up to limit, and reports how many
// of each result it saw. The sweeper runs it on a schedule.
func (d *Deliverer) Sweep(ctx context.Context, limit int) (map[Result]int, error) {
	ids, err := d.Store.Due(ctx, d.Now(), limit)
	if err != nil {
		return nil, fmt.Errorf("due: %w", err)
	}
	counts := map[Result]int{}
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		r, err := d.Deliver(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		counts[r]++
	}
	return counts, errors.Join(errs...)
}
