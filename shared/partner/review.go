package partner

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Statuses lists every status, in the order an application moves through.
var Statuses = []Status{PendingConfirmation, PendingReview, Approved, Rejected}

// Filter narrows the coordinators' list; zero values mean "any".
type Filter struct {
	Status  string
	Network string // a regional network the applicant chose
}

// MaxReason is the longest reason a coordinator may give, in characters.
const MaxReason = 2000

// List pages through applications for the coordinators, newest first.
func (s *Service) List(ctx context.Context, f Filter, q listing.Query) (listing.Page[Application], error) {
	var fields apperr.Fields
	statuses := Statuses
	if f.Status != "" {
		if !slices.Contains(Statuses, Status(f.Status)) {
			fields.Add("status", validate.Invalid, "")
		}
		statuses = []Status{Status(f.Status)}
	}
	if f.Network != "" {
		if _, ok := network.Find(s.Config.RegionalNetworks(), f.Network); !ok {
			fields.Add("network", validate.Invalid, "")
		}
	}
	if err := fields.Err(); err != nil {
		return listing.Page[Application]{}, err
	}
	var keep func(Application) bool
	if f.Network != "" {
		keep = func(a Application) bool { return slices.Contains(a.RegionalNetworks, f.Network) }
	}
	page, err := s.Store.List(ctx, statuses, keep, q)
	return page, listing.Err(err)
}

// Get is one application with everything its applicant gave.
func (s *Service) Get(ctx context.Context, appID string) (Application, error) {
	if !id.Valid(appID) {
		return Application{}, apperr.New(apperr.NotFound, "problem.not_found")
	}
	app, err := s.Store.Application(ctx, appID)
	if errors.Is(err, ErrNotFound) {
		return Application{}, apperr.New(apperr.NotFound, "problem.not_found")
	}
	return app, apperr.OrUnavailable(err)
}

// Decision is a coordinator's answer to an application.
type Decision struct {
	Approve bool
	Reason  string
}

// Decide approves or rejects an application waiting for review and mails
// the applicant in their language. Deciding the same way twice changes
// nothing and reports changed false; deciding otherwise afterwards, or on
// an application not yet confirmed, is a conflict.
func (s *Service) Decide(ctx context.Context, appID string, d Decision, by auth.Coordinator) (app Application, changed bool, err error) {
	var fields apperr.Fields
	d.Reason = validate.Text(&fields, "reason", d.Reason, false, MaxReason)
	if err := fields.Err(); err != nil {
		return Application{}, false, err
	}
	to, action := Rejected, "partner.reject"
	if d.Approve {
		to, action = Approved, "partner.approve"
	}
	for range 2 {
		app, err = s.Get(ctx, appID)
		if err != nil {
			return Application{}, false, err
		}
		if app.Status == to {
			return app, false, nil
		}
		if app.Status != PendingReview {
			return Application{}, false, apperr.New(apperr.Conflict, "problem.application_state")
		}
		now := s.Now().UTC()
		decided := app
		decided.Status, decided.DecidedAt, decided.DecidedBy, decided.Reason = to, now, by.Name, d.Reason
		decided.ExpiresAt = time.Time{} // a partner stays while active
		if to == Rejected {
			decided.ExpiresAt = now.Add(network.Days(s.Config.Retention.RejectedApplicationDays))
		}
		detail := map[string]string{"mail": "applicant"}
		if d.Reason != "" {
			detail["reason"] = "given"
		}
		err = s.Store.Decide(ctx, decided, s.decisionMail(decided, now),
			audit.New(s.Config, now, by.Name, action, "application/"+app.ID, detail))
		if errors.Is(err, ErrState) {
			continue // decided by the other coordinator meanwhile: look again
		}
		if err != nil {
			return Application{}, false, apperr.OrUnavailable(err)
		}
		return decided, true, nil
	}
	return Application{}, false, apperr.New(apperr.Conflict, "problem.application_state")
}

// decisionMail tells the applicant, whose address is confirmed, what the
// coordinators decided and why, if they said.
func (s *Service) decisionMail(app Application, now time.Time) outbox.Mail {
	template := "partner.approved"
	if app.Status == Rejected {
		template = "partner.rejected"
	}
	return outbox.Mail{
		ID:       id.New(now),
		Template: template,
		Locale:   app.Locale,
		To:       []string{app.Email},
		ReplyTo:  s.Config.MainInbox(),
		Data: map[string]string{
			"applicationId": app.ID,
			"organisation":  app.Organisation,
			"reason":        app.Reason,
		},
		CreatedAt: now,
	}
}
