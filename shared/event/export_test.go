package event

import "github.com/wartburgkreis/netzwerk/shared/outbox"

// FirstMail is a sign-up's first mail with its cancel link (and the token
// item of a registration without a kept link), as Reconcile writes it, for
// tests that write it again by hand.
func (s *Service) FirstMail(e Event, r Registration) (*Token, outbox.Mail) {
	tok, link := s.cancelLink(e, r)
	return tok, s.firstMail(e, r, link, s.Now().UTC())
}
