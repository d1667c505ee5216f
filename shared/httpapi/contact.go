package httpapi

import (
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/id"
)

func (a *API) submitContact(w http.ResponseWriter, r *http.Request) {
	state(r).form = contactForm
	var in contact.Input
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, in.Locale)
	var m contact.Message
	if a.caught(r) {
		// Looks like a stored message; nothing is stored or mailed.
		m = contact.Message{ID: id.New(a.Now()), Reference: contact.Reference()}
	} else {
		var err error
		if m, err = a.Contact.Submit(r.Context(), in, loc); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	if wantsHTML(r) {
		a.thankYou(w, r, "contact-received", loc, "reference", m.Reference)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": m.ID, "status": "received", "reference": m.Reference})
}
