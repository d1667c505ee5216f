package httpapi

import (
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/contact"
)

func (a *API) submitContact(w http.ResponseWriter, r *http.Request) {
	var in contact.Input
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, in.Locale)
	m, err := a.Contact.Submit(r.Context(), in, loc)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if wantsHTML(r) {
		seeOther(w, r, "contact-received", loc)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": m.ID, "status": "received", "reference": m.Reference})
}
