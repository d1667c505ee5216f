package httpapi

import (
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/partner"
)

// applicationJSON is everything an applicant gave, for the coordinators.
type applicationJSON struct {
	ID               string      `json:"id"`
	Status           string      `json:"status"`
	Organisation     string      `json:"organisation"`
	OrganisationType string      `json:"organisationType"`
	ContactName      string      `json:"contactName"`
	Email            string      `json:"email"`
	Phone            string      `json:"phone,omitempty"`
	Website          string      `json:"website,omitempty"`
	WorkingGroups    []string    `json:"workingGroups"`
	RegionalNetworks []string    `json:"regionalNetworks"`
	Message          string      `json:"message,omitempty"`
	Locale           string      `json:"locale"`
	Consent          consentJSON `json:"consent"`
	CreatedAt        string      `json:"createdAt"`
	ConfirmedAt      string      `json:"confirmedAt,omitempty"`
	DecidedAt        string      `json:"decidedAt,omitempty"`
	DecidedBy        string      `json:"decidedBy,omitempty"`
	Reason           string      `json:"reason,omitempty"`
	ExpiresAt        string      `json:"expiresAt,omitempty"`
}

type consentJSON struct {
	At            string `json:"at"`
	PolicyVersion string `json:"policyVersion"`
}

func toApplicationJSON(app partner.Application) applicationJSON {
	return applicationJSON{
		ID: app.ID, Status: string(app.Status),
		Organisation: app.Organisation, OrganisationType: app.OrganisationType,
		ContactName: app.ContactName, Email: app.Email, Phone: app.Phone, Website: app.Website,
		WorkingGroups: nonNil(app.WorkingGroups), RegionalNetworks: nonNil(app.RegionalNetworks),
		Message: app.Message, Locale: app.Locale,
		Consent:   consentJSON{At: rfc3339(app.Consent.At), PolicyVersion: app.Consent.PolicyVersion},
		CreatedAt: rfc3339(app.CreatedAt), ConfirmedAt: rfc3339(app.ConfirmedAt),
		DecidedAt: rfc3339(app.DecidedAt), DecidedBy: app.DecidedBy, Reason: app.Reason,
		ExpiresAt: rfc3339(app.ExpiresAt),
	}
}

func (a *API) adminListPartners(w http.ResponseWriter, r *http.Request) {
	q, err := pageQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := partner.Filter{Status: r.URL.Query().Get("status"), Network: r.URL.Query().Get("network")}
	page, err := a.Admin.Partners.List(r.Context(), f, q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]applicationJSON, 0, len(page.Items))
	for _, app := range page.Items {
		out = append(out, toApplicationJSON(app))
	}
	writeJSON(w, http.StatusOK, struct {
		Partners []applicationJSON `json:"partners"`
		Next     string            `json:"nextCursor,omitempty"`
	}{out, page.Next})
}

func (a *API) adminGetPartner(w http.ResponseWriter, r *http.Request) {
	app, err := a.Admin.Partners.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toApplicationJSON(app))
}

// decidePartner approves or rejects; the answer is the application as it
// now stands, and whether a mail went to the applicant.
func (a *API) decidePartner(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decodeOptional(w, r, &in); err != nil {
			a.fail(w, r, err)
			return
		}
		app, changed, err := a.Admin.Partners.Decide(r.Context(), r.PathValue("id"),
			partner.Decision{Approve: approve, Reason: in.Reason}, actor(r))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Application applicationJSON `json:"application"`
			MailQueued  bool            `json:"mailQueued"`
		}{toApplicationJSON(app), changed})
	}
}
