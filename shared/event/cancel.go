package event

import (
	"context"
	"crypto/hmac"
	"errors"
	"strings"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// Pending is what a cancel page shows before the button is pressed.
type Pending struct {
	Event        Event
	Registration Registration
}

// maxToken is the longest token a link carries: "r.", the event id (26)
// and the email hash (64), a dot and the token (43) make 136.
const maxToken = 200

// Lookup resolves a cancel token without changing anything: mail scanners
// fetch links. A wrong token, a malformed one and one naming an unknown
// event or registration all answer as an unknown token does, so the answer
// tells a stranger nothing.
func (s *Service) Lookup(ctx context.Context, token string) (Pending, error) {
	invalid := apperr.New(apperr.NotFound, "problem.link_invalid")
	if token == "" || len(token) > maxToken {
		return Pending{}, invalid
	}
	if !strings.Contains(token, ".") {
		return s.lookupTokenItem(ctx, token)
	}
	kind, ref, tok, ok := secret.SplitLink(token)
	if !ok || kind != linkKind || len(ref) != eventIDLen+emailHashLen {
		return Pending{}, invalid
	}
	eventID, emailHash := ref[:eventIDLen], ref[eventIDLen:]
	if !id.Valid(eventID) || !lowerHex(emailHash) {
		return Pending{}, invalid
	}
	r, err := s.Store.StoredRegistration(ctx, eventID, emailHash)
	if errors.Is(err, ErrNotFound) {
		return Pending{}, invalid
	}
	if err != nil {
		return Pending{}, apperr.OrUnavailable(err)
	}
	switch {
	case s.opens(tok, r.LinkNonce):
	case s.opens(tok, r.PriorLinkNonce):
		// The address signed up again after cancelling: this link belongs
		// to the earlier registration, which is cancelled. Only the holder
		// of that link learns it.
		r = Registration{EventID: eventID, EmailHash: emailHash, Status: Cancelled}
	default:
		return Pending{}, invalid
	}
	e, err := s.Store.Event(ctx, eventID)
	if err != nil {
		return Pending{}, notFoundAsGone(err)
	}
	// The link works until the event ends, as the event now stands: a
	// moved event moves it along.
	if !s.Now().Before(e.EndsAt) {
		return Pending{}, apperr.New(apperr.Gone, "problem.gone")
	}
	return pending(e, r), nil
}

// The parts of a registration's ref (linkRef).
const (
	eventIDLen   = 26 // id.Valid
	emailHashLen = 64 // hex of secret.Keys.EmailHash
)

func lowerHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}

// opens reports whether tok is the token of nonce, in constant time.
func (s *Service) opens(tok, nonce string) bool {
	return nonce != "" && hmac.Equal([]byte(tok), []byte(s.Keys.Token(nonce)))
}

// pending is what the cancel page shows of registration r of event e.
func pending(e Event, r Registration) Pending {
	if e.Cancelled {
		// The coordinators called the event off: every registration ends
		// with it, and the event's job mails each person once.
		r.Status = Cancelled
	}
	return Pending{Event: e, Registration: r}
}

// lookupTokenItem resolves a link whose token's hash is an item of its
// own: mailed before registrations kept their link, or about a
// registration stored before then. Delete it (and Store.CancelToken,
// Token, CancelPurpose, the token half of cancelLink) once the last event
// that had a registration without a LinkNonce has ended: every such link
// expires with its event.
func (s *Service) lookupTokenItem(ctx context.Context, token string) (Pending, error) {
	t, err := s.Store.CancelToken(ctx, secret.TokenHash(token))
	if errors.Is(err, ErrNotFound) || (err == nil && t.Purpose != CancelPurpose) {
		return Pending{}, apperr.New(apperr.NotFound, "problem.link_invalid")
	}
	if err != nil {
		return Pending{}, apperr.OrUnavailable(err)
	}
	if !s.Now().Before(t.ExpiresAt) {
		return Pending{}, apperr.New(apperr.Gone, "problem.gone")
	}
	e, err := s.Store.Event(ctx, t.EventID)
	if err != nil {
		return Pending{}, notFoundAsGone(err)
	}
	r, err := s.Store.Registration(ctx, t.EventID, t.EmailHash)
	if err != nil {
		return Pending{}, notFoundAsGone(err)
	}
	if r.ID != t.RegistrationID {
		// The address signed up again after cancelling: this link belongs
		// to the earlier registration, which is cancelled.
		r = Registration{ID: t.RegistrationID, EventID: t.EventID, EmailHash: t.EmailHash, Status: Cancelled}
	}
	return pending(e, r), nil
}

func notFoundAsGone(err error) error {
	if errors.Is(err, ErrNotFound) {
		return apperr.New(apperr.Gone, "problem.gone")
	}
	return apperr.OrUnavailable(err)
}

// Cancel is the person pressing the button: the seat is freed and, in the
// same transaction, the first person waiting gets it and is told.
// Cancelling twice is harmless.
func (s *Service) Cancel(ctx context.Context, token string) (Status, error) {
	for range attempts {
		p, err := s.Lookup(ctx, token)
		if err != nil {
			return "", err
		}
		if p.Registration.Status == Cancelled {
			return Cancelled, nil
		}
		c, err := s.cancellation(ctx, p)
		if err != nil {
			return "", err
		}
		err = s.Store.Cancel(ctx, c)
		if errors.Is(err, ErrChanged) {
			continue // someone else signed up, cancelled or moved up: decide again
		}
		if err != nil {
			return "", apperr.OrUnavailable(err)
		}
		return Cancelled, nil
	}
	return "", apperr.Wrap(apperr.Unavailable, "problem.unavailable", errors.New("event: cancellation kept racing"))
}

// cancellation decides what a cancellation changes.
func (s *Service) cancellation(ctx context.Context, p Pending) (Cancellation, error) {
	now := s.Now().UTC()
	r := p.Registration
	c := Cancellation{Registration: r, Event: p.Event}
	gone := r
	gone.Sequence++
	c.Mails = append(c.Mails, s.mailFor("event.cancelled", p.Event, gone, mailLink{}, now))
	if r.Status != Confirmed || p.Event.Waiting == 0 {
		return c, nil
	}
	first, err := s.Store.FirstWaiting(ctx, p.Event.ID)
	if errors.Is(err, ErrNotFound) {
		// The counter says someone waits but the list is empty: a sign-up
		// is between its two writes. Decide again shortly.
		return c, nil
	}
	if err != nil {
		return Cancellation{}, apperr.OrUnavailable(err)
	}
	promoted := first
	promoted.Status, promoted.Sequence = Confirmed, first.Sequence+1
	tok, link := s.cancelLink(p.Event, first)
	c.Promoted, c.PromotedToken = &promoted, tok
	c.Mails = append(c.Mails, s.mailFor("event.promoted", p.Event, promoted, link, now))
	return c, nil
}
