package httpapi

import (
	"context"
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

func (a *API) registerPartner(w http.ResponseWriter, r *http.Request) {
	state(r).form = partnerForm
	var in partner.Input
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, in.Locale)
	if !a.caught(r) {
		if _, err := a.Partners.Register(r.Context(), in, loc); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	a.received(w, r, "partner-application", loc)
}

// received is the answer to a submission, new or a repeat of one stored
// before, whatever is stored: where the person stands goes by mail to the
// address, never to whoever submitted it.
func (a *API) received(w http.ResponseWriter, r *http.Request, thanks, loc string) {
	if wantsHTML(r) {
		a.thankYou(w, r, thanks, loc)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "received"})
}

// caught reports a submission whose honeypot field a bot filled in, and
// counts it (a metric filter reads the line): it is answered as if it
// succeeded and dropped.
func (a *API) caught(r *http.Request) bool {
	if !trapped(r) {
		return false
	}
	a.log(r).InfoContext(r.Context(), "honeypot")
	return true
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
	a.page(w, r, http.StatusOK, confirmBody, pageData{
		Locale: loc,
		Title:  i18n.T(loc, "page.partner.confirm.title"),
		// Typed and configured names are isolated, so a Latin name ending
		// in a dot keeps its order inside a right-to-left sentence.
		Text:   i18n.T(loc, "page.partner.confirm.text", i18n.Isolate(loc, app.Organisation), i18n.Isolate(loc, a.Config.Name.In(loc))),
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
	var status string
	var err error
	if a.caught(r) {
		status = honeypotStatus[thanks]
	} else if status, err = do(r.Context(), in.Token); err != nil {
		a.fail(w, r, err)
		return
	}
	if wantsHTML(r) {
		seeOther(w, r, thanks, locale(r, in.Locale))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status})
}

// honeypotStatus is what a mail-link button answers a bot, by its page.
var honeypotStatus = map[string]string{
	"partner-confirmed": string(partner.PendingReview),
	"event-cancelled":   "cancelled",
}

// doneText is the page's note when the link's action has happened already.
func doneText(done bool, loc, key string) string {
	if !done {
		return ""
	}
	return i18n.T(loc, key)
}
