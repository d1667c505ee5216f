package event

import "github.com/wartburgkreis/netzwerk/shared/outbox"

// FirstMail is a sign-up's first mail with a new cancel link, as Reconcile
// writes it, for tests that write it again by hand.
func (s *Service) FirstMail(e Event, r Registration) (Token, outbox.Mail) {
	tok, nonce := s.cancelLink(e, r)
	return tok, s.firstMail(e, r, nonce, s.Now().UTC())
}
