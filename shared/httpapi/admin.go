package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
)

// Admin holds what the coordinators' routes need. Set on API, it adds the
// /admin routes; the admin Lambda function serves only those, the local
// server everything.
type Admin struct {
	Auth     auth.Authenticator
	Partners *partner.Service
	Audit    audit.Store
	// Privacy answers requests for access and erasure by email address.
	Privacy *privacy.Service
	// Roster lists who comes to an event.
	Roster *event.Roster
	// Messages are the contact form's messages.
	Messages *contact.Service
	// Outbox is mail that could not be delivered, and suppressed addresses.
	Outbox *outbox.Admin
	Events *event.Service
}

func (a *API) adminRoutes(rt *router) {
	ad := a.Admin
	rt.handle(http.MethodGet, "/admin/me", a.coordinator(a.me))
	rt.handle(http.MethodGet, "/admin/audit", a.coordinator(a.listAudit))
	if ad.Partners != nil {
		rt.handle(http.MethodGet, "/admin/partners", a.coordinator(a.adminListPartners))
		rt.handle(http.MethodGet, "/admin/partners/{id}", a.coordinator(a.adminGetPartner))
		rt.handle(http.MethodPost, "/admin/partners/{id}/approve", a.coordinator(a.decidePartner(true)))
		rt.handle(http.MethodPost, "/admin/partners/{id}/reject", a.coordinator(a.decidePartner(false)))
	}
	if ad.Privacy != nil {
		rt.handle(http.MethodPost, "/admin/people/export", a.coordinator(a.exportPerson))
		rt.handle(http.MethodPost, "/admin/people/erase", a.coordinator(a.erasePerson))
	}
	if ad.Roster != nil {
		rt.handle(http.MethodGet, "/admin/events/{id}/registrations", a.coordinator(a.adminRegistrations))
	}
	if ad.Messages != nil {
		rt.handle(http.MethodGet, "/admin/messages", a.coordinator(a.adminListMessages))
		rt.handle(http.MethodPost, "/admin/messages/{id}/done", a.coordinator(a.adminMessageDone))
	}
	if ad.Outbox != nil {
		rt.handle(http.MethodGet, "/admin/mail", a.coordinator(a.adminListMail))
		rt.handle(http.MethodPost, "/admin/mail/{id}/retry", a.coordinator(a.adminRetryMail))
		rt.handle(http.MethodGet, "/admin/suppressions", a.coordinator(a.adminListSuppressions))
		rt.handle(http.MethodDelete, "/admin/suppressions/{hash}", a.coordinator(a.adminDeleteSuppression))
	}
	if ad.Events != nil {
		rt.handle(http.MethodGet, "/admin/events", a.coordinator(a.adminListEvents))
		rt.handle(http.MethodPost, "/admin/events", a.coordinator(a.adminCreateEvent))
		rt.handle(http.MethodGet, "/admin/events/{id}", a.coordinator(a.adminGetEvent))
		rt.handle(http.MethodPatch, "/admin/events/{id}", a.coordinator(a.adminUpdateEvent))
		rt.handle(http.MethodPost, "/admin/events/{id}/cancel", a.coordinator(a.adminCancelEvent))
	}
}

// coordinator lets only coordinators through: 401 without a valid token,
// 403 with a valid one outside the group. The token is never logged.
func (a *API) coordinator(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := a.Admin.Auth.Authenticate(r)
		switch {
		case errors.Is(err, auth.ErrForbidden):
			a.fail(w, r, apperr.New(apperr.Forbidden, "problem.forbidden"))
			return
		case err != nil:
			a.fail(w, r, apperr.New(apperr.Unauthenticated, "problem.unauthenticated"))
			return
		}
		next(w, r.WithContext(auth.With(r.Context(), c)))
	}
}

// actor is the coordinator the request was authenticated as.
func actor(r *http.Request) auth.Coordinator {
	c, _ := auth.From(r.Context())
	return c
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"name": actor(r).Name})
}

// pageQuery reads ?cursor= and ?limit=.
func pageQuery(r *http.Request) (listing.Query, error) {
	q, err := listing.Parse(r.URL.Query().Get("cursor"), r.URL.Query().Get("limit"))
	if err != nil {
		var f apperr.Fields
		f.Add("limit", "invalid", "")
		return q, &apperr.Error{Code: apperr.Malformed, Message: "problem.malformed", Fields: f, Err: err}
	}
	return q, nil
}

// decodeOptional is decode for bodies that may be left out entirely, as
// for an approval without a note.
func decodeOptional(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return decode(w, r, dst)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type auditJSON struct {
	ID     string            `json:"id"`
	At     string            `json:"at"`
	Actor  string            `json:"actor"`
	Action string            `json:"action"`
	Target string            `json:"target,omitempty"`
	Detail map[string]string `json:"detail,omitempty"`
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	q, err := pageQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.Admin.Audit.Audit(r.Context(), q)
	if err != nil {
		a.fail(w, r, listing.Err(err))
		return
	}
	out := make([]auditJSON, 0, len(page.Items))
	for _, e := range page.Items {
		out = append(out, auditJSON{ID: e.ID, At: rfc3339(e.At), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail})
	}
	writeJSON(w, http.StatusOK, struct {
		Entries []auditJSON `json:"entries"`
		Next    string      `json:"nextCursor,omitempty"`
	}{out, page.Next})
}
