package httpapi

import (
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
)

// personJSON is the body of a privacy request. The address travels only in
// the body: paths and queries end up in logs and browser histories.
type personJSON struct {
	Email string `json:"email"`
}

// exportJSON is everything stored about one address, grouped by kind, as a
// coordinator hands it to the person.
type exportJSON struct {
	Email           string                   `json:"email"`
	ExportedAt      string                   `json:"exportedAt"`
	Applications    []applicationJSON        `json:"applications"`
	Registrations   []exportRegistrationJSON `json:"registrations"`
	ContactMessages []contactJSON            `json:"contactMessages"`
	Mails           []exportMailJSON         `json:"mails"`
	Suppressions    []exportSuppressionJSON  `json:"suppressions"`
}

type exportRegistrationJSON struct {
	ID           string       `json:"id"`
	Event        eventRefJSON `json:"event"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Organisation string       `json:"organisation,omitempty"`
	Needs        string       `json:"needs,omitempty"`
	Locale       string       `json:"locale"`
	Status       string       `json:"status"`
	Position     int          `json:"position,omitempty"`
	Consent      consentJSON  `json:"consent"`
	CreatedAt    string       `json:"createdAt"`
	ExpiresAt    string       `json:"expiresAt,omitempty"`
}

// eventRefJSON names the event a registration is for; title and times are
// empty if the event is gone.
type eventRefJSON struct {
	ID       string `json:"id"`
	Title    string `json:"title,omitempty"`
	StartsAt string `json:"startsAt,omitempty"`
	EndsAt   string `json:"endsAt,omitempty"`
}

type contactJSON struct {
	ID        string      `json:"id"`
	Reference string      `json:"reference"`
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	Phone     string      `json:"phone,omitempty"`
	Topic     string      `json:"topic"`
	Network   string      `json:"network,omitempty"`
	Message   string      `json:"message"`
	Locale    string      `json:"locale"`
	Inbox     string      `json:"inbox"`
	Consent   consentJSON `json:"consent"`
	CreatedAt string      `json:"createdAt"`
	ExpiresAt string      `json:"expiresAt,omitempty"`
}

// exportMailJSON is an outbox mail with all it holds, without its link nonce, which with the
// deployment key would open a working link.
type exportMailJSON struct {
	ID          string            `json:"id"`
	Template    string            `json:"template"`
	Locale      string            `json:"locale"`
	Status      string            `json:"status"`
	To          []string          `json:"to"`
	Cc          []string          `json:"cc"`
	ReplyTo     string            `json:"replyTo,omitempty"`
	ReplyToName string            `json:"replyToName,omitempty"`
	Data        map[string]string `json:"data"`
	CreatedAt   string            `json:"createdAt"`
	Attempts    int               `json:"attempts"`
	LastError   string            `json:"lastError,omitempty"`
}

type exportSuppressionJSON struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
	At     string `json:"at"`
}

func toExportJSON(recs privacy.Export) exportJSON {
	out := exportJSON{
		Email: recs.Email, ExportedAt: rfc3339(recs.At),
		Applications:    make([]applicationJSON, 0, len(recs.Applications)),
		Registrations:   make([]exportRegistrationJSON, 0, len(recs.Registrations)),
		ContactMessages: make([]contactJSON, 0, len(recs.ContactMessages)),
		Mails:           make([]exportMailJSON, 0, len(recs.Mails)),
		Suppressions:    make([]exportSuppressionJSON, 0, len(recs.Suppressions)),
	}
	for _, app := range recs.Applications {
		out.Applications = append(out.Applications, toApplicationJSON(app))
	}
	for _, r := range recs.Registrations {
		out.Registrations = append(out.Registrations, exportRegistrationJSON{
			ID: r.ID,
			Event: eventRefJSON{ID: r.EventID, Title: r.Event.Title.In(r.Locale),
				StartsAt: rfc3339(r.Event.StartsAt), EndsAt: rfc3339(r.Event.EndsAt)},
			Name: r.Name, Email: r.Email, Organisation: r.Organisation, Needs: r.Needs, Locale: r.Locale,
			Status: string(r.Status), Position: r.Position,
			Consent:   consentJSON{At: rfc3339(r.ConsentAt), PolicyVersion: r.ConsentVer},
			CreatedAt: rfc3339(r.CreatedAt), ExpiresAt: rfc3339(r.ExpiresAt),
		})
	}
	for _, m := range recs.ContactMessages {
		out.ContactMessages = append(out.ContactMessages, toContactJSON(m))
	}
	for _, m := range recs.Mails {
		out.Mails = append(out.Mails, toExportMailJSON(m))
	}
	for _, s := range recs.Suppressions {
		out.Suppressions = append(out.Suppressions, exportSuppressionJSON{Email: s.Email, Reason: s.Reason, At: rfc3339(s.At)})
	}
	return out
}

func toContactJSON(m contact.Message) contactJSON {
	return contactJSON{
		ID: m.ID, Reference: m.Reference, Name: m.Name, Email: m.Email, Phone: m.Phone,
		Topic: m.Topic, Network: m.Network, Message: m.Text, Locale: m.Locale, Inbox: m.Inbox,
		Consent:   consentJSON{At: rfc3339(m.ConsentAt), PolicyVersion: m.ConsentVer},
		CreatedAt: rfc3339(m.CreatedAt), ExpiresAt: rfc3339(m.ExpiresAt),
	}
}

func toExportMailJSON(m outbox.Item) exportMailJSON {
	data := m.Data
	if data == nil {
		data = map[string]string{}
	}
	return exportMailJSON{
		ID: m.ID, Template: m.Template, Locale: m.Locale, Status: string(m.Status),
		To: nonNil(m.To), Cc: nonNil(m.Cc), ReplyTo: m.ReplyTo, ReplyToName: m.ReplyToName,
		Data: data, CreatedAt: rfc3339(m.CreatedAt), Attempts: m.Attempts, LastError: m.LastError,
	}
}

// exportPerson answers an access request (Art. 15).
func (a *API) exportPerson(w http.ResponseWriter, r *http.Request) {
	var in personJSON
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	ex, err := a.Admin.Privacy.Export(r.Context(), in.Email, actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toExportJSON(ex))
}

// erasePerson answers an erasure request (Art. 17) with what was erased.
func (a *API) erasePerson(w http.ResponseWriter, r *http.Request) {
	var in personJSON
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	counts, err := a.Admin.Privacy.Erase(r.Context(), in.Email, actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Erased privacy.Counts `json:"erased"`
	}{counts})
}
