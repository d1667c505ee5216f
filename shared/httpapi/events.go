package httpapi

import (
	"context"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/ical"
)

// eventView is an event as the website shows it, in the reader's language.
type eventView struct {
	ID                   string         `json:"id"`
	Title                string         `json:"title"`
	Description          string         `json:"description,omitempty"`
	StartsAt             time.Time      `json:"startsAt"`
	EndsAt               time.Time      `json:"endsAt"`
	TimeZone             string         `json:"timeZone"`
	Location             event.Location `json:"location"`
	Capacity             int            `json:"capacity"`
	SeatsLeft            int            `json:"seatsLeft"`
	WaitingList          bool           `json:"waitingList"` // full, but sign-up goes on to the waiting list
	RegistrationDeadline time.Time      `json:"registrationDeadline"`
	RegistrationOpen     bool           `json:"registrationOpen"`
	WorkingGroup         string         `json:"workingGroup,omitempty"`
	Network              string         `json:"network,omitempty"`
}

func (a *API) view(e event.Event, loc string) eventView {
	open := e.Open(a.Now())
	return eventView{
		ID: e.ID, Title: e.Title.In(loc), Description: e.Description.In(loc),
		StartsAt: e.StartsAt.UTC(), EndsAt: e.EndsAt.UTC(), TimeZone: e.ZoneName(),
		Location: e.Location, Capacity: e.Capacity, SeatsLeft: e.SeatsLeft(),
		WaitingList:          open && e.SeatsLeft() == 0,
		RegistrationDeadline: e.RegistrationDeadline.UTC(), RegistrationOpen: open,
		WorkingGroup: e.WorkingGroup, Network: e.Network,
	}
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) {
	events, err := a.Events.Upcoming(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, "")
	out := make([]eventView, 0, len(events))
	for _, e := range events {
		out = append(out, a.view(e, loc))
	}
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, map[string][]eventView{"events": out})
}

// eventsFeed is every published upcoming event as one calendar to
// subscribe to, in the language asked for.
func (a *API) eventsFeed(w http.ResponseWriter, r *http.Request) {
	events, err := a.Events.Upcoming(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, "")
	cfg := a.Config
	_, domain, _ := strings.Cut(cfg.Sender.Address, "@")
	out := make([]ical.Event, 0, len(events))
	for _, e := range events {
		place := e.Location.Name
		if e.Location.Address != "" {
			place += ", " + e.Location.Address
		}
		stamp := e.UpdatedAt
		if stamp.IsZero() {
			stamp = e.CreatedAt
		}
		if stamp.IsZero() {
			stamp = a.Now()
		}
		out = append(out, ical.Event{
			// Not the registration's UID: the feed's entries are the
			// events themselves, beside any invitation a person imported.
			UID: "event-" + e.ID + "@" + domain, Sequence: e.Version, Stamp: stamp,
			Start: e.StartsAt, End: e.EndsAt, Zone: e.Zone(),
			Summary: e.Title.In(loc), Description: e.Description.In(loc), Location: place,
			URL: e.Location.OnlineURL, OrganizerName: cfg.Name.In(loc), OrganizerEmail: cfg.Sender.Address,
		})
	}
	b, err := ical.Feed(i18n.T(loc, "ics.feed.name", cfg.Name.In(loc)), out)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ical.ContentTypeFeed)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": i18n.T(loc, "ics.feed.file")}))
	w.Header().Set("Vary", "Accept-Language")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}

func (a *API) getEvent(w http.ResponseWriter, r *http.Request) {
	e, err := a.Events.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, a.view(e, locale(r, "")))
}

func (a *API) register(w http.ResponseWriter, r *http.Request) {
	state(r).form = eventForm
	var in event.Input
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, in.Locale)
	if !a.caught(r) {
		if _, err := a.Events.Register(r.Context(), r.PathValue("id"), in, loc); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	a.received(w, r, "event-received", loc)
}

// cancelPage is what the cancel link in a mail opens. It changes nothing:
// mail scanners fetch links, so only the button cancels.
func (a *API) cancelPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	p, err := a.Events.Lookup(r.Context(), token)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, "")
	if !wantsHTML(r) {
		writeJSON(w, http.StatusOK, map[string]any{"status": p.Registration.Status, "event": a.view(p.Event, loc)})
		return
	}
	a.page(w, r, http.StatusOK, confirmBody, pageData{
		Locale: loc,
		Title:  i18n.T(loc, "page.event.cancel.title"),
		Text:   i18n.T(loc, "page.event.cancel.text", i18n.Isolate(loc, p.Event.Title.In(loc)), i18n.FormatTimeIn(loc, p.Event.StartsAt, p.Event.Zone())),
		Token:  token,
		Action: "cancel",
		Button: i18n.T(loc, "page.event.cancel.button"),
		Done:   doneText(p.Registration.Status == event.Cancelled, loc, "page.event.cancel.done"),
	})
}

func (a *API) cancel(w http.ResponseWriter, r *http.Request) {
	a.linkAction(w, r, "event-cancelled", func(ctx context.Context, token string) (string, error) {
		status, err := a.Events.Cancel(ctx, token)
		return string(status), err
	})
}
