package httpapi

import (
	"context"
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

func (a *API) registerPartner(w http.ResponseWriter, r *http.Request) {
	var in partner.Input
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, in.Locale)
	res, err := a.Partners.Register(r.Context(), in, loc)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if wantsHTML(r) {
		seeOther(w, r, "partner-application", loc)
		return
	}
	status := http.StatusAccepted
	if !res.Created {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]string{"id": res.ID, "status": string(res.Status)})
}

// publicPartner is what anyone may see of an approved partner.
type publicPartner struct {
	Organisation     string   `json:"organisation"`
	OrganisationType string   `json:"organisationType"`
	WorkingGroups    []string `json:"workingGroups"`
	RegionalNetworks []string `json:"regionalNetworks"`
	Website          string   `json:"website,omitempty"`
}

func (a *API) listPartners(w http.ResponseWriter, r *http.Request) {
	apps, err := a.Partners.Approved(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]publicPartner, 0, len(apps))
	for _, app := range apps {
		out = append(out, publicPartner{
			Organisation:     app.Organisation,
			OrganisationType: app.OrganisationType,
			WorkingGroups:    nonNil(app.WorkingGroups),
			RegionalNetworks: nonNil(app.RegionalNetworks),
			Website:          app.Website,
		})
	}
	writeJSON(w, http.StatusOK, map[string][]publicPartner{"partners": out})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// confirmPartnerPage is what the link in the mail opens. It changes
// nothing: mail scanners fetch links, so only the button confirms.
func (a *API) confirmPartnerPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	app, err := a.Partners.Lookup(r.Context(), token)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, "")
	if !wantsHTML(r) {
		writeJSON(w, http.StatusOK, map[string]string{"status": string(app.Status)})
		return
	}
	a.page(w, r, http.StatusOK, "confirm", pageData{
		Locale: loc,
		Title:  i18n.T(loc, "page.partner.confirm.title"),
		Text:   i18n.T(loc, "page.partner.confirm.text", app.Organisation, a.Config.Name.In(loc)),
		Token:  token,
		Action: "confirm",
		Button: i18n.T(loc, "page.partner.confirm.button"),
		Done:   doneText(app.Status != partner.PendingConfirmation, loc, "page.partner.confirm.done"),
	})
}

func (a *API) confirmPartner(w http.ResponseWriter, r *http.Request) {
	a.linkAction(w, r, "partner-confirmed", func(ctx context.Context, token string) (string, error) {
		status, err := a.Partners.Confirm(ctx, token)
		return string(status), err
	})
}

// linkAction is the button behind a mail link: it POSTs the link's token,
// do acts on it, and the answer is the new status (JSON) or a thank-you
// page (forms).
func (a *API) linkAction(w http.ResponseWriter, r *http.Request, thanks string, do func(context.Context, string) (string, error)) {
	var in struct {
		Token  string `json:"token"`
		Locale string `json:"locale"`
	}
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	status, err := do(r.Context(), in.Token)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if wantsHTML(r) {
		seeOther(w, r, thanks, locale(r, in.Locale))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status})
}

// doneText is the page's note when the link's action has happened already.
func doneText(done bool, loc, key string) string {
	if !done {
		return ""
	}
	return i18n.T(loc, key)
}
