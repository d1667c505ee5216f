package httpapi

import (
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/contact"
)

// messageJSON is a contact message with everything its sender gave.
type messageJSON struct {
	ID        string      `json:"id"`
	Reference string      `json:"reference"`
	Status    string      `json:"status"`
	Topic     string      `json:"topic"`
	Network   string      `json:"network,omitempty"`
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	Phone     string      `json:"phone,omitempty"`
	Message   string      `json:"message"`
	Locale    string      `json:"locale"`
	Inbox     string      `json:"inbox"`
	Consent   consentJSON `json:"consent"`
	CreatedAt string      `json:"createdAt"`
	DoneAt    string      `json:"doneAt,omitempty"`
	DoneBy    string      `json:"doneBy,omitempty"`
	ExpiresAt string      `json:"expiresAt"`
}

func toMessageJSON(m contact.Message) messageJSON {
	return messageJSON{
		ID: m.ID, Reference: m.Reference, Status: string(m.Status), Topic: m.Topic, Network: m.Network,
		Name: m.Name, Email: m.Email, Phone: m.Phone, Message: m.Text, Locale: m.Locale, Inbox: m.Inbox,
		Consent:   consentJSON{At: rfc3339(m.ConsentAt), PolicyVersion: m.ConsentVer},
		CreatedAt: rfc3339(m.CreatedAt), DoneAt: rfc3339(m.DoneAt), DoneBy: m.DoneBy,
		ExpiresAt: rfc3339(m.ExpiresAt),
	}
}

func (a *API) adminListMessages(w http.ResponseWriter, r *http.Request) {
	q, err := pageQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := contact.Filter{Topic: r.URL.Query().Get("topic"), Status: r.URL.Query().Get("status")}
	page, err := a.Admin.Messages.List(r.Context(), f, q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]messageJSON, 0, len(page.Items))
	for _, m := range page.Items {
		out = append(out, toMessageJSON(m))
	}
	writeJSON(w, http.StatusOK, struct {
		Messages []messageJSON `json:"messages"`
		Next     string        `json:"nextCursor,omitempty"`
	}{out, page.Next})
}

// adminMessageDone answers the message as it now stands, and whether this
// request marked it.
func (a *API) adminMessageDone(w http.ResponseWriter, r *http.Request) {
	m, changed, err := a.Admin.Messages.MarkDone(r.Context(), r.PathValue("id"), actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Message messageJSON `json:"message"`
		Changed bool        `json:"changed"`
	}{toMessageJSON(m), changed})
}
