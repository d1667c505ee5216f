package httpapi

import (
	"net/http"
	"net/url"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

type option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

func labelled(list []network.Choice, loc string) []option {
	out := make([]option, len(list))
	for i, ch := range list {
		out[i] = option{ID: ch.ID, Label: ch.Label.In(loc)}
	}
	return out
}

// options lists the choices a form offers, labelled in the reader's language.
func (a *API) options(w http.ResponseWriter, r *http.Request) {
	loc := locale(r, "")
	var locales []option
	for _, l := range i18n.Locales() {
		locales = append(locales, option{ID: l, Label: i18n.Name(l)})
	}
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, map[string][]option{
		"organisationTypes": labelled(a.Config.OrganisationTypes, loc),
		"workingGroups":     labelled(a.Config.WorkingGroups, loc),
		"regionalNetworks":  labelled(a.Config.RegionalNetworks(), loc),
		"topics":            labelled(a.Config.Topics, loc),
		"locales":           locales,
	})
}

// thankYouPages are where a plain form post lands after success.
var thankYouPages = map[string]bool{
	"partner-application": true,
	"partner-confirmed":   true,
	"event-received":      true,
	"event-cancelled":     true,
	"contact-received":    true,
}

func (a *API) thanks(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("page")
	if !thankYouPages[name] {
		a.fail(w, r, errNoRoute)
		return
	}
	loc := locale(r, "")
	d := pageData{
		Locale: loc,
		Title:  i18n.T(loc, "page.thanks."+name+".title"),
		Text:   i18n.T(loc, "page.thanks."+name+".text"),
	}
	// The reference the contact form answered with, to note down or quote
	// on the phone; only what has its shape is shown.
	if ref := r.URL.Query().Get("reference"); name == "contact-received" && contact.ValidReference(ref) {
		d.Reference = ref
	}
	a.page(w, r, http.StatusOK, thanksBody, d)
}

// seeOther sends a form poster to its thank-you page. The Location is
// relative to the request's path, so it stays right behind any custom
// domain or base path without configuration.
// More query parameters come in pairs of name and value.
func seeOther(w http.ResponseWriter, r *http.Request, page, loc string, more ...string) {
	q := url.Values{"locale": {loc}}
	for i := 0; i+1 < len(more); i += 2 {
		q.Set(more[i], more[i+1])
	}
	redirect(w, up(r)+"thanks/"+page+"?"+q.Encode())
}

// thankYou sends a form poster to the thank-you page, or back to the
// county's own website where the form asked for it (an allowed redirect),
// with the same extra parameters: the website's page may show the contact
// reference too.
func (a *API) thankYou(w http.ResponseWriter, r *http.Request, page, loc string, more ...string) {
	to := a.allowedRedirect(state(r).values.Get("redirect"))
	if to == "" {
		seeOther(w, r, page, loc, more...)
		return
	}
	if len(more) > 0 {
		u, _ := url.Parse(to) // allowedRedirect parsed it
		q := u.Query()
		for i := 0; i+1 < len(more); i += 2 {
			q.Set(more[i], more[i+1])
		}
		u.RawQuery = q.Encode()
		to = u.String()
	}
	redirect(w, to)
}

func redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}
