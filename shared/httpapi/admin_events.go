package httpapi

import (
	"net/http"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

// typeMergePatch is the media type of a JSON merge patch (RFC 7396).
const typeMergePatch = "application/merge-patch+json"

// adminEventJSON is an event as the coordinators see it: every translation,
// the counters, and whether mails about its last change are still being
// queued.
type adminEventJSON struct {
	ID                   string         `json:"id"`
	Title                network.Text   `json:"title"`
	Description          network.Text   `json:"description"`
	StartsAt             string         `json:"startsAt"`
	EndsAt               string         `json:"endsAt"`
	TimeZone             string         `json:"timeZone"`
	Location             event.Location `json:"location"`
	Capacity             int            `json:"capacity"`
	RegistrationDeadline string         `json:"registrationDeadline"`
	WorkingGroup         string         `json:"workingGroup,omitempty"`
	Network              string         `json:"network,omitempty"`
	Published            bool           `json:"published"`
	Cancelled            bool           `json:"cancelled"`
	Confirmed            int            `json:"confirmed"`
	Waiting              int            `json:"waiting"`
	SeatsLeft            int            `json:"seatsLeft"`
	JobPending           bool           `json:"jobPending"`
	CreatedAt            string         `json:"createdAt,omitempty"`
	UpdatedAt            string         `json:"updatedAt,omitempty"`
	CancelledAt          string         `json:"cancelledAt,omitempty"`
}

// instant is a time as the event routes answer it: UTC, with fractions
// of a second only where there are any.
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func toAdminEventJSON(e event.Event) adminEventJSON {
	description := e.Description
	if description == nil {
		description = network.Text{}
	}
	return adminEventJSON{
		ID: e.ID, Title: e.Title, Description: description,
		StartsAt: instant(e.StartsAt), EndsAt: instant(e.EndsAt), TimeZone: e.ZoneName(),
		Location: e.Location, Capacity: e.Capacity, RegistrationDeadline: instant(e.RegistrationDeadline),
		WorkingGroup: e.WorkingGroup, Network: e.Network, Published: e.Published, Cancelled: e.Cancelled,
		Confirmed: e.Confirmed, Waiting: e.Waiting, SeatsLeft: e.SeatsLeft(), JobPending: e.Job != "",
		CreatedAt: instant(e.CreatedAt), UpdatedAt: instant(e.UpdatedAt), CancelledAt: instant(e.CancelledAt),
	}
}

func (a *API) adminListEvents(w http.ResponseWriter, r *http.Request) {
	q, err := pageQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.Admin.Events.Events(r.Context(), q)
	if err != nil {
		a.fail(w, r, listing.Err(err))
		return
	}
	out := make([]adminEventJSON, 0, len(page.Items))
	for _, e := range page.Items {
		out = append(out, toAdminEventJSON(e))
	}
	writeJSON(w, http.StatusOK, struct {
		Events []adminEventJSON `json:"events"`
		Next   string           `json:"nextCursor,omitempty"`
	}{out, page.Next})
}

func (a *API) adminGetEvent(w http.ResponseWriter, r *http.Request) {
	e, err := a.Admin.Events.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAdminEventJSON(e))
}

// adminCreateEvent takes JSON only: the texts are objects, which a plain
// form cannot send.
func (a *API) adminCreateEvent(w http.ResponseWriter, r *http.Request) {
	if mediaType(r) != typeJSON {
		a.fail(w, r, errMediaType)
		return
	}
	var d event.Draft
	if err := decode(w, r, &d); err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.Admin.Events.Create(r.Context(), d, actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/admin/events/"+e.ID)
	writeJSON(w, http.StatusCreated, toAdminEventJSON(e))
}

// adminUpdateEvent takes a JSON merge patch, as application/json too.
func (a *API) adminUpdateEvent(w http.ResponseWriter, r *http.Request) {
	if mt := mediaType(r); mt != typeJSON && mt != typeMergePatch {
		a.fail(w, r, errMediaType)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var patch map[string]any
	if err := decodeJSON(body, &patch); err != nil || patch == nil {
		a.fail(w, r, apperr.New(apperr.Malformed, "problem.malformed"))
		return
	}
	e, err := a.Admin.Events.Update(r.Context(), r.PathValue("id"), patch, actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAdminEventJSON(e))
}

func (a *API) adminCancelEvent(w http.ResponseWriter, r *http.Request) {
	e, err := a.Admin.Events.CallOff(r.Context(), r.PathValue("id"), actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAdminEventJSON(e))
}
