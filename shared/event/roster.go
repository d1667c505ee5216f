package event

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// RosterStore is what the coordinators' attendee lists read. It stands
// apart from Store: signing up never reads a whole list, and an export is
// recorded in the audit trail.
type RosterStore interface {
	// Event reads an event, published or not (ErrNotFound).
	Event(ctx context.Context, id string) (Event, error)
	// Registrations pages through an event's registrations of the given
	// statuses, one status after another in the order given: confirmed by
	// when they got their seat, waiting by position, cancelled by when
	// they cancelled.
	Registrations(ctx context.Context, eventID string, statuses []Status, q listing.Query) (listing.Page[Registration], error)
	Record(ctx context.Context, e audit.Entry) error
}

// Roster gives coordinators the list of who comes to an event and what
// they need. Every read of it is personal data leaving the system, so each
// one is recorded: who, which event, how many rows.
type Roster struct {
	Store  RosterStore
	Config *network.Config
	Now    func() time.Time
}

// RosterOrder is the order of an attendee list: confirmed first, then the
// waiting list, then (only when asked) the cancelled.
var RosterOrder = []Status{Confirmed, Waitlisted, Cancelled}

// RosterQuery is what a coordinator asked for.
type RosterQuery struct {
	// Statuses to list, in any order; none means confirmed and waitlisted.
	Statuses []string
	// Page is one page; a zero Limit means the whole list, for a download.
	Page listing.Query
	// Format is how the list leaves ("json", "csv"), for the audit trail.
	Format string
}

// Export reads an event and its registrations as asked, and records that
// they were read. The entry is written before anything is answered: no
// list leaves unrecorded.
func (ro *Roster) Export(ctx context.Context, eventID string, rq RosterQuery, by auth.Coordinator) (Event, listing.Page[Registration], error) {
	if !id.Valid(eventID) {
		return Event{}, listing.Page[Registration]{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	statuses, err := rosterStatuses(rq.Statuses)
	if err != nil {
		return Event{}, listing.Page[Registration]{}, err
	}
	e, err := ro.Store.Event(ctx, eventID)
	if errors.Is(err, ErrNotFound) {
		return Event{}, listing.Page[Registration]{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	if err != nil {
		return Event{}, listing.Page[Registration]{}, apperr.OrUnavailable(err)
	}
	var page listing.Page[Registration]
	if rq.Page.Limit > 0 {
		page, err = ro.Store.Registrations(ctx, e.ID, statuses, rq.Page)
	} else {
		page.Items, err = ro.all(ctx, e.ID, statuses)
	}
	if err != nil {
		return Event{}, listing.Page[Registration]{}, listing.Err(err)
	}
	names := make([]string, len(statuses))
	for i, st := range statuses {
		names[i] = string(st)
	}
	now := ro.Now().UTC()
	entry := audit.New(ro.Config, now, by.Name, "registrations.export", "event/"+e.ID, map[string]string{
		"format":   rq.Format,
		"rows":     strconv.Itoa(len(page.Items)),
		"statuses": strings.Join(names, ","),
	})
	if err := ro.Store.Record(ctx, entry); err != nil {
		return Event{}, listing.Page[Registration]{}, apperr.OrUnavailable(err)
	}
	return e, page, nil
}

// all reads every page: an event's list is bounded by its capacity and its
// waiting list, a few hundred rows at most.
func (ro *Roster) all(ctx context.Context, eventID string, statuses []Status) ([]Registration, error) {
	var out []Registration
	q := listing.Query{Limit: listing.MaxLimit}
	for {
		page, err := ro.Store.Registrations(ctx, eventID, statuses, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		q.Cursor = page.Next
	}
}

// rosterStatuses checks the statuses asked for and puts them in list order.
func rosterStatuses(asked []string) ([]Status, error) {
	if len(asked) == 0 {
		return []Status{Confirmed, Waitlisted}, nil
	}
	var out []Status
	for _, st := range RosterOrder {
		if slices.Contains(asked, string(st)) {
			out = append(out, st)
		}
	}
	for _, a := range asked {
		if !slices.Contains(RosterOrder, Status(a)) {
			var f apperr.Fields
			f.Add("status", validate.Invalid, "")
			return nil, f.Err()
		}
	}
	return out, nil
}
