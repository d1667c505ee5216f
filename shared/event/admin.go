package event

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// ManageStore is what the coordinators' side needs from storage.
type ManageStore interface {
	// Events pages through every event, the latest start first.
	Events(ctx context.Context, q listing.Query) (listing.Page[Event], error)
	// CreateEvent stores a new event with empty counters and its audit
	// entry, in one transaction.
	CreateEvent(ctx context.Context, e Event, a audit.Entry) error
	// ChangeEvent writes a change with its job and audit entry in one
	// transaction; ErrChanged if the event changed since it was read.
	ChangeEvent(ctx context.Context, c Change) error

	// Job reads a job (ErrNotFound if there is none).
	Job(ctx context.Context, id string) (Job, error)
	// OpenJobs lists unfinished jobs, the oldest first.
	OpenJobs(ctx context.Context, limit int) ([]Job, error)
	// RegistrationsAfter lists an event's registrations of every status in a
	// fixed order, from the one after the email hash after ("" for the
	// first), at most limit, read consistently.
	RegistrationsAfter(ctx context.Context, eventID, after string, limit int) ([]Registration, error)
	// Waiting lists the head of the waiting list, in order.
	Waiting(ctx context.Context, eventID string, limit int) ([]Registration, error)
	// Step writes one batch of a job in one transaction; ErrChanged if the
	// job, the event or a registration changed since they were read.
	Step(ctx context.Context, b Batch) error
}

// Change is a coordinator's change of an event, decided by the service and
// written by the store in one transaction.
type Change struct {
	Before Event // as read: its version and job are conditions of the write
	After  Event
	// Counted means the decision rested on the counters as read (whom to
	// tell, whether seats wait for someone): they are conditions too.
	Counted bool
	// Job, if set, starts with the change and is After.Job.
	Job *Job
	// Superseded is the job a cancellation ends unfinished: an update or
	// a promotion is moot once the event is called off.
	Superseded string
	Audit      audit.Entry
}

// Draft is an event as coordinators write it, with the field names GET
// /events/{id} answers with and every translation of the texts.
type Draft struct {
	Title                map[string]string `json:"title"`
	Description          map[string]string `json:"description"`
	StartsAt             string            `json:"startsAt"`
	EndsAt               string            `json:"endsAt"`
	TimeZone             string            `json:"timeZone"`
	Location             Location          `json:"location"`
	Capacity             *int              `json:"capacity"`
	RegistrationDeadline string            `json:"registrationDeadline"`
	WorkingGroup         string            `json:"workingGroup"`
	Network              string            `json:"network"`
	Published            bool              `json:"published"`
}

// Limits of the coordinators' event fields.
const (
	MaxTitle       = 200  // characters per language
	MaxDescription = 4000 // characters per language
	MaxPlace       = 200
	MaxAddress     = 300
	MaxCapacity    = 10000
	// MaxDuration keeps events within the week Upcoming looks back.
	MaxDuration = 7 * 24 * time.Hour
	// MaxAhead bounds how far ahead an event may be planned.
	MaxAhead = 3 * 366 * 24 * time.Hour
)

// Events pages through every event for the coordinators: unpublished,
// past and cancelled ones included, the latest start first.
func (s *Service) Events(ctx context.Context, q listing.Query) (listing.Page[Event], error) {
	return s.Store.Events(ctx, q)
}

// Find is one event as the coordinators see it, published or not.
func (s *Service) Find(ctx context.Context, eventID string) (Event, error) {
	if !id.Valid(eventID) {
		return Event{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	e, err := s.Store.Event(ctx, eventID)
	if errors.Is(err, ErrNotFound) {
		return Event{}, apperr.New(apperr.NotFound, "problem.event_not_found")
	}
	return e, apperr.OrUnavailable(err)
}

// Create stores a new event.
func (s *Service) Create(ctx context.Context, d Draft, by auth.Coordinator) (Event, error) {
	now := s.Now().UTC()
	e, err := s.parse(d, nil, now)
	if err != nil {
		return Event{}, err
	}
	e.ID = id.New(now)
	e.CreatedAt, e.UpdatedAt = now, now
	entry := audit.New(s.Config, now, by.Name, "event.create", "event/"+e.ID,
		map[string]string{"published": strconv.FormatBool(e.Published)})
	if err := s.Store.CreateEvent(ctx, e, entry); err != nil {
		return Event{}, apperr.OrUnavailable(err)
	}
	return e, nil
}

// Update applies a JSON merge patch (RFC 7396) of Draft fields to an event.
// A capacity grown while people wait moves them up; a changed time or
// place sends everyone registered an updated invitation. Both go through a
// job, worked inline for a while and finished by the sweeper. A change
// that needs a job while another job of the event still runs helps that
// one along first, and is a conflict if it cannot finish it.
func (s *Service) Update(ctx context.Context, eventID string, patch map[string]any, by auth.Coordinator) (Event, error) {
	for range attempts {
		before, err := s.Find(ctx, eventID)
		if err != nil {
			return Event{}, err
		}
		if before.Cancelled {
			return Event{}, apperr.New(apperr.Conflict, "problem.event_cancelled")
		}
		d, err := merge(draftOf(before), patch)
		if err != nil {
			return Event{}, err
		}
		now := s.Now().UTC()
		after, err := s.parse(d, &before, now)
		if err != nil {
			return Event{}, err
		}
		if after.Capacity != before.Capacity && after.Capacity < before.Confirmed {
			var f apperr.Fields
			f.Add("capacity", validate.BelowConfirmed, "")
			return Event{}, f.Err()
		}
		fields := changedFields(before, after)
		if len(fields) == 0 {
			return before, nil
		}
		after.ID, after.CreatedAt, after.UpdatedAt = before.ID, before.CreatedAt, now
		after.Confirmed, after.Waiting, after.Job = before.Confirmed, before.Waiting, before.Job
		after.Version = before.Version + 1

		moved := !after.StartsAt.Equal(before.StartsAt) || !after.EndsAt.Equal(before.EndsAt) ||
			after.ZoneName() != before.ZoneName()
		placed := after.Location != before.Location
		var tasks []Task
		var changed []string
		if moved {
			changed = append(changed, "time")
		}
		if placed {
			changed = append(changed, "location")
		}
		if len(changed) > 0 && before.Confirmed+before.Waiting > 0 {
			tasks = append(tasks, TaskNotify)
		}
		if after.Capacity > before.Capacity && before.Waiting > 0 {
			tasks = append(tasks, TaskPromote)
		}
		c := Change{Before: before, After: after, Counted: len(changed) > 0 || after.Capacity != before.Capacity}
		detail := map[string]string{"fields": strings.Join(fields, ",")}
		if len(tasks) > 0 {
			if before.Job != "" {
				// Jobs on one event run one after the other: finish the
				// running one, then decide again on what it left.
				if done, _, _ := s.work(ctx, before.Job, s.until()); !done {
					return Event{}, apperr.New(apperr.Conflict, "problem.event_busy")
				}
				continue
			}
			j := newJob(after.ID, tasks, changed, now)
			c.Job, c.After.Job = &j, j.ID
			detail["job"] = j.ID
			detail["registrations"] = strconv.Itoa(before.Confirmed + before.Waiting)
		}
		c.Audit = audit.New(s.Config, now, by.Name, "event.update", "event/"+after.ID, detail)
		if done, err := s.change(ctx, c); !done {
			if err != nil {
				return Event{}, err
			}
			continue
		}
		return s.settle(ctx, c), nil
	}
	return Event{}, apperr.Wrap(apperr.Unavailable, "problem.unavailable", errors.New("event: change kept racing"))
}

// CallOff cancels an event: nobody can sign up any more, and a job mails
// everyone registered, with a CANCEL invitation for those with a seat.
// Calling off twice changes nothing (an unfinished job is helped along).
func (s *Service) CallOff(ctx context.Context, eventID string, by auth.Coordinator) (Event, error) {
	for range attempts {
		before, err := s.Find(ctx, eventID)
		if err != nil {
			return Event{}, err
		}
		if before.Cancelled {
			if before.Job == "" {
				return before, nil
			}
			return s.settle(ctx, Change{After: before}), nil
		}
		now := s.Now().UTC()
		after := before
		after.Cancelled, after.Published, after.CancelledAt, after.UpdatedAt = true, false, now, now
		after.Version = before.Version + 1
		// Always a job, even for an event nobody signed up for: it reads
		// the registrations after this write, so a sign-up that got in
		// just before is told as well.
		j := newJob(after.ID, []Task{TaskCancel}, nil, now)
		after.Job = j.ID
		c := Change{Before: before, After: after, Job: &j, Superseded: before.Job,
			Audit: audit.New(s.Config, now, by.Name, "event.cancel", "event/"+after.ID, map[string]string{
				"job": j.ID, "registrations": strconv.Itoa(before.Confirmed + before.Waiting),
			})}
		if done, err := s.change(ctx, c); !done {
			if err != nil {
				return Event{}, err
			}
			continue
		}
		return s.settle(ctx, c), nil
	}
	return Event{}, apperr.Wrap(apperr.Unavailable, "problem.unavailable", errors.New("event: cancellation kept racing"))
}

// change writes c; false without an error means the event changed since
// it was read and the caller decides again.
func (s *Service) change(ctx context.Context, c Change) (bool, error) {
	err := s.Store.ChangeEvent(ctx, c)
	if errors.Is(err, ErrChanged) {
		return false, nil
	}
	if err != nil {
		return false, apperr.OrUnavailable(err)
	}
	return true, nil
}

// settle works the change's job inline for a while and answers with the
// event as it then stands. The change is stored either way: what the
// budget leaves, the sweeper finishes.
func (s *Service) settle(ctx context.Context, c Change) Event {
	if c.After.Job != "" {
		if _, _, err := s.work(ctx, c.After.Job, s.until()); err != nil {
			s.log().ErrorContext(ctx, "job left to the sweeper", "job", c.After.Job, "err", err)
		}
	}
	if e, err := s.Store.Event(ctx, c.After.ID); err == nil {
		return e
	}
	return c.After
}

// draftOf is e as a coordinator would write it.
func draftOf(e Event) Draft {
	capacity := e.Capacity
	return Draft{
		Title: e.Title, Description: e.Description,
		StartsAt: stamp(e.StartsAt), EndsAt: stamp(e.EndsAt), TimeZone: e.ZoneName(),
		Location: e.Location, Capacity: &capacity, RegistrationDeadline: stamp(e.RegistrationDeadline),
		WorkingGroup: e.WorkingGroup, Network: e.Network, Published: e.Published,
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// merge applies a JSON merge patch to d: members replace, null removes,
// objects (the texts, the location) merge member by member.
func merge(d Draft, patch map[string]any) (Draft, error) {
	var doc map[string]any
	b, err := json.Marshal(d)
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err == nil {
		b, err = json.Marshal(mergeValue(doc, patch))
	}
	if err != nil {
		return Draft{}, apperr.Wrap(apperr.Malformed, "problem.malformed", err)
	}
	var out Draft
	err = json.Unmarshal(b, &out)
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		var f apperr.Fields
		f.Add(te.Field, "wrong_type", "")
		return Draft{}, f.Err()
	}
	if err != nil {
		return Draft{}, apperr.Wrap(apperr.Malformed, "problem.malformed", err)
	}
	return out, nil
}

func mergeValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergeValue(t[k], v)
	}
	return t
}

// changedFields names the draft fields that differ between a and b.
func changedFields(a, b Event) []string {
	doc := func(e Event) map[string]any {
		var m map[string]any
		bs, _ := json.Marshal(draftOf(e)) // plain strings, numbers and maps: cannot fail
		_ = json.Unmarshal(bs, &m)
		return m
	}
	da, db := doc(a), doc(b)
	var out []string
	for k := range da {
		if !reflect.DeepEqual(da[k], db[k]) && !(empty(da[k]) && empty(db[k])) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func empty(v any) bool {
	m, ok := v.(map[string]any)
	return v == nil || (ok && len(m) == 0)
}

var zonePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)

// parse turns a draft into the event's fields, collecting every problem.
// before is the event as stored (nil for a new one): a start that is new
// or moved must lie ahead.
func (s *Service) parse(d Draft, before *Event, now time.Time) (Event, error) {
	var f apperr.Fields
	e := Event{
		Title:       texts(&f, "title", d.Title, MaxTitle, true, validate.Line),
		Description: texts(&f, "description", d.Description, MaxDescription, false, validate.Text),
		StartsAt:    instant(&f, "startsAt", d.StartsAt),
		EndsAt:      instant(&f, "endsAt", d.EndsAt),
		TimeZone:    zone(&f, d.TimeZone),
		Location: Location{
			Name:      validate.Line(&f, "location.name", d.Location.Name, false, MaxPlace),
			Address:   validate.Line(&f, "location.address", d.Location.Address, false, MaxAddress),
			OnlineURL: validate.Website(&f, "location.onlineUrl", d.Location.OnlineURL),
		},
		WorkingGroup: optionalChoice(&f, "workingGroup", d.WorkingGroup, s.Config.WorkingGroups),
		Network:      optionalChoice(&f, "network", d.Network, networks(s.Config)),
		Published:    d.Published,
	}
	name, online := strings.TrimSpace(d.Location.Name), strings.TrimSpace(d.Location.OnlineURL)
	switch {
	case name == "" && online == "":
		f.Add("location", validate.Required, "") // a place, an online link or both
	case name == "" && strings.TrimSpace(d.Location.Address) != "":
		f.Add("location.name", validate.Required, "")
	}
	switch {
	case d.Capacity == nil:
		f.Add("capacity", validate.Required, "")
	case *d.Capacity < 1 || *d.Capacity > MaxCapacity:
		f.Add("capacity", validate.OutOfRange, "")
	default:
		e.Capacity = *d.Capacity
	}
	if strings.TrimSpace(d.RegistrationDeadline) == "" {
		e.RegistrationDeadline = e.StartsAt
	} else {
		e.RegistrationDeadline = instant(&f, "registrationDeadline", d.RegistrationDeadline)
	}

	if !e.StartsAt.IsZero() {
		if before == nil || !e.StartsAt.Equal(before.StartsAt) {
			switch {
			case !e.StartsAt.After(now):
				f.Add("startsAt", validate.InPast, "")
			case e.StartsAt.After(now.Add(MaxAhead)):
				f.Add("startsAt", validate.OutOfRange, "")
			}
		}
		switch {
		case e.EndsAt.IsZero():
		case !e.EndsAt.After(e.StartsAt):
			f.Add("endsAt", validate.BeforeStart, "")
		case e.EndsAt.Sub(e.StartsAt) > MaxDuration:
			f.Add("endsAt", validate.OutOfRange, "")
		}
		if !e.RegistrationDeadline.IsZero() && e.RegistrationDeadline.After(e.StartsAt) {
			f.Add("registrationDeadline", validate.AfterStart, "")
		}
	}
	if err := f.Err(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// texts parses one text in several languages: only supported locales, each
// cleaned by clean; German is required if required is set or any
// translation is given, since German is what every other language falls
// back to.
func texts(f *apperr.Fields, field string, in map[string]string, limit int, required bool,
	clean func(*apperr.Fields, string, string, bool, int) string) network.Text {
	out := network.Text{}
	unknown := false
	for _, l := range slices.Sorted(maps.Keys(in)) {
		if !i18n.Supported(l) {
			unknown = true
			continue
		}
		if v := clean(f, field+"."+l, in[l], false, limit); v != "" {
			out[l] = v
		}
	}
	if unknown {
		f.Add(field, validate.UnknownValue, "")
	}
	given := false
	for _, v := range in {
		given = given || strings.TrimSpace(v) != ""
	}
	if (required || given) && strings.TrimSpace(in[i18n.Default]) == "" {
		f.Add(field+"."+i18n.Default, validate.Required, "")
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// instant parses a required RFC 3339 time, to the millisecond the store
// keeps.
func instant(f *apperr.Fields, field, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		f.Add(field, validate.Required, "")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(field, validate.Invalid, "")
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// zone parses an IANA time zone name; none is the county's.
func zone(f *apperr.Fields, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultTimeZone
	}
	if len(v) > 64 || !zonePattern.MatchString(v) || v == "Local" {
		f.Add("timeZone", validate.Invalid, "")
		return ""
	}
	if _, err := time.LoadLocation(v); err != nil {
		f.Add("timeZone", validate.Invalid, "")
		return ""
	}
	return v
}

func optionalChoice(f *apperr.Fields, field, v string, list []network.Choice) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return validate.Choice(f, field, v, list)
}

// networks are every network of the configuration an event may belong to,
// the county's own included.
func networks(cfg *network.Config) []network.Choice {
	out := make([]network.Choice, len(cfg.Networks))
	for i, n := range cfg.Networks {
		out[i] = n.Choice
	}
	return out
}
