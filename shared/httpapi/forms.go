package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

// formKind names a hosted form, so a post that fails validation can show
// the same form again with the person's input.
type formKind int

const (
	noForm formKind = iota
	partnerForm
	contactForm
	eventForm
)

// formView is a form as the page template draws it: the fields in order,
// each with its value as sent and its message, and the summary of every
// problem at the top (the GOV.UK error summary pattern).
type formView struct {
	// Action and Thanks are relative to the page, so they hold behind any
	// custom domain or base path.
	Action string
	// Thanks is where the script goes after a 202; a plain post is sent
	// there by the server's 303.
	Thanks string
	// Reference says the thank-you page wants the contact reference.
	Reference bool
	Heading   string
	Intro     string
	Submit    string
	Fields    []formField
	Problems  []formProblem
	Redirect  string
}

type formField struct {
	Name  string
	Label string
	Hint  string
	// Kind: text, email, tel, url, textarea, radios, checkboxes, select or
	// consent.
	Kind         string
	Autocomplete string
	Value        string
	Options      []formOption
	Error        string
	// Short names the field in the error summary: the consent's label is
	// a sentence.
	Short string
	// Texts around the input, in the page's language.
	Note, ErrPrefix, Choose string
	// Link is the consent's privacy policy.
	Link, LinkText string
}

type formOption struct {
	ID, Label string
	Checked   bool
}

// formProblem is one line of the error summary; Target is the id of the
// input it leads to, empty for a problem with no field on the form.
type formProblem struct {
	Target, Label, Message string
}

// ID is the input's id; a choice group's first option carries it, so the
// summary's link lands on something that takes focus.
func (f formField) ID() string { return "f-" + f.Name }

// OptionID is the id of the group's i-th option; the first is the field's.
func (f formField) OptionID(i int) string {
	if i == 0 {
		return f.ID()
	}
	return f.ID() + "-" + strconv.Itoa(i)
}

func (f formField) HintID() string  { return f.ID() + "-hint" }
func (f formField) ErrorID() string { return f.ID() + "-error" }

// DescribedBy ties the hint and the message to the input, so a screen
// reader reads both with it.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Hint != "" || f.Link != "" {
		ids = append(ids, f.HintID())
	}
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	return strings.Join(ids, " ")
}

func (f formField) Group() bool { return f.Kind == "radios" || f.Kind == "checkboxes" }

// fieldSpec is a field of a form before a request fills it in.
type fieldSpec struct {
	name, kind, autocomplete, hint string
	optional                       bool
	options                        []network.Choice
}

func (a *API) formSpec(kind formKind) []fieldSpec {
	c := a.Config
	switch kind {
	case partnerForm:
		return []fieldSpec{
			{name: "organisation", kind: "text", autocomplete: "organization"},
			{name: "organisationType", kind: "radios", options: c.OrganisationTypes},
			{name: "contactName", kind: "text", autocomplete: "name"},
			{name: "email", kind: "email", autocomplete: "email", hint: "form.hint.email"},
			{name: "phone", kind: "tel", autocomplete: "tel", optional: true},
			{name: "website", kind: "url", autocomplete: "url", optional: true},
			{name: "workingGroups", kind: "checkboxes", options: c.WorkingGroups, hint: "form.hint.choose"},
			{name: "regionalNetworks", kind: "checkboxes", options: c.RegionalNetworks(), optional: true, hint: "form.hint.choose"},
			{name: "message", kind: "textarea", optional: true},
			{name: "consent", kind: "consent"},
		}
	case contactForm:
		return []fieldSpec{
			{name: "name", kind: "text", autocomplete: "name"},
			{name: "email", kind: "email", autocomplete: "email", hint: "form.hint.email"},
			{name: "phone", kind: "tel", autocomplete: "tel", optional: true},
			{name: "topic", kind: "radios", options: c.Topics},
			{name: "network", kind: "select", options: c.RegionalNetworks(), optional: true},
			{name: "message", kind: "textarea"},
			{name: "consent", kind: "consent"},
		}
	case eventForm:
		return []fieldSpec{
			{name: "name", kind: "text", autocomplete: "name"},
			{name: "email", kind: "email", autocomplete: "email", hint: "form.hint.email"},
			{name: "organisation", kind: "text", autocomplete: "organization", optional: true},
			{name: "needs", kind: "textarea", optional: true, hint: "form.hint.needs"},
			{name: "consent", kind: "consent"},
		}
	}
	return nil
}

// fill builds the form's fields from what was sent (nothing, on a first
// view) and the problems found in it.
func (a *API) fill(kind formKind, loc string, values url.Values, errs []apperr.FieldError) ([]formField, []formProblem) {
	specs := a.formSpec(kind)
	messages := map[string]string{}
	for _, e := range errs {
		if _, ok := messages[e.Field]; !ok {
			messages[e.Field] = e.Message
		}
	}
	fields := make([]formField, len(specs))
	var problems []formProblem
	for i, s := range specs {
		f := formField{
			Name: s.name, Kind: s.kind, Autocomplete: s.autocomplete,
			Label: fieldLabel(loc, s.name), Short: fieldLabel(loc, s.name), Value: values.Get(s.name), Error: messages[s.name],
		}
		if s.hint != "" {
			f.Hint = i18n.T(loc, s.hint)
		}
		if s.optional {
			f.Note = i18n.T(loc, "form.optional")
		}
		f.ErrPrefix, f.Choose = i18n.T(loc, "form.error.prefix"), i18n.T(loc, "form.choose")
		if s.kind == "consent" {
			f.Label = i18n.T(loc, "form.consent")
			if t := a.Config.Privacy.Consent.In(loc); t != "" {
				f.Label = t
			}
			f.Link, f.LinkText = a.Config.Privacy.URL, i18n.T(loc, "page.privacy")
			f.Value = ""
			if on, _ := checkbox(values.Get(s.name)); on {
				f.Value = "on"
			}
		}
		for _, o := range s.options {
			f.Options = append(f.Options, formOption{ID: o.ID, Label: o.Label.In(loc), Checked: slices.Contains(values[s.name], o.ID)})
		}
		if f.Error != "" {
			problems = append(problems, formProblem{Target: f.ID(), Label: f.Short, Message: f.Error})
		}
		fields[i] = f
		delete(messages, s.name)
	}
	// A problem with no field on the form (a field sent twice, say) is
	// listed too, without a link.
	for _, e := range errs {
		if _, ok := messages[e.Field]; ok {
			problems = append(problems, formProblem{Label: fieldLabel(loc, e.Field), Message: e.Message})
			delete(messages, e.Field)
		}
	}
	return fields, problems
}

func fieldLabel(loc, name string) string {
	if label := i18n.T(loc, "field."+name); label != "field."+name {
		return label
	}
	return name
}

// up is the way from the request's path back to the API's root, so links
// and form actions are relative and hold behind any base path.
func up(r *http.Request) string {
	return strings.Repeat("../", strings.Count(strings.Trim(r.URL.Path, "/"), "/"))
}

// showForm draws a hosted form: empty on a GET, or again after a post that
// failed validation, with the input kept and every problem named.
func (a *API) showForm(w http.ResponseWriter, r *http.Request, kind formKind, status int, values url.Values, errs []apperr.FieldError) {
	loc := locale(r, "")
	root := up(r)
	fields, problems := a.fill(kind, loc, values, errs)
	fv := &formView{Fields: fields, Problems: problems, Redirect: a.allowedRedirect(values.Get("redirect"))}
	d := pageData{Locale: loc, Form: fv, Here: formPage(r, kind)}
	switch kind {
	case partnerForm:
		d.Title = i18n.T(loc, "form.partner.title")
		fv.Intro = i18n.T(loc, "form.partner.intro")
		fv.Action, fv.Thanks, fv.Submit = root+"partners", root+"thanks/partner-application", i18n.T(loc, "form.partner.submit")
	case contactForm:
		d.Title = i18n.T(loc, "form.contact.title")
		fv.Intro = i18n.T(loc, "form.contact.intro")
		fv.Action, fv.Thanks, fv.Submit = root+"contact", root+"thanks/contact-received", i18n.T(loc, "form.contact.submit")
		fv.Reference = true
	case eventForm:
		e, err := a.Events.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		card := a.card(e, loc, root)
		d.Event, d.Title = &card, card.Title
		d.AllEvents = root + "forms/events?lang=" + loc
		fv.Action, fv.Thanks, fv.Submit = root+"events/"+url.PathEscape(e.ID)+"/registrations", root+"thanks/event-received", i18n.T(loc, "form.event.submit")
		if !card.Open {
			d.Form = nil
		}
	}
	if fv.Redirect != "" {
		fv.Thanks = fv.Redirect
	}
	fv.Heading = d.Title
	if len(problems) > 0 {
		d.Title = i18n.T(loc, "form.error.title", d.Title)
	}
	a.page(w, r, status, formBody, d)
}

// formPage is where the form a post came from lives, for the language
// switcher of the page that answers it; "" for a post from no hosted form.
func formPage(r *http.Request, kind formKind) string {
	switch kind {
	case partnerForm:
		return up(r) + "forms/partner"
	case contactForm:
		return up(r) + "forms/contact"
	case eventForm:
		return up(r) + "forms/events/" + url.PathEscape(r.PathValue("id"))
	}
	return ""
}

// eventCard is an event as the list and its own page show it.
type eventCard struct {
	ID, Title, Description string
	When, Deadline         string
	Place, Address, Online string
	Seats                  string
	Open                   bool
	Link                   string
}

func (a *API) card(e event.Event, loc, root string) eventCard {
	v := a.view(e, loc)
	c := eventCard{
		ID: e.ID, Title: v.Title, Description: v.Description,
		When:  i18n.FormatTimeIn(loc, e.StartsAt, e.Zone()),
		Place: e.Location.Name, Address: e.Location.Address, Online: e.Location.OnlineURL,
		Open: v.RegistrationOpen, Link: root + "forms/events/" + url.PathEscape(e.ID),
	}
	switch {
	case !v.RegistrationOpen:
		c.Seats = i18n.T(loc, "form.event.closed")
	case v.WaitingList:
		c.Seats = i18n.T(loc, "form.event.waitinglist")
	default:
		c.Seats = i18n.T(loc, "form.event.seats", strconv.Itoa(v.SeatsLeft))
		c.Deadline = i18n.T(loc, "form.event.deadline", i18n.FormatTimeIn(loc, e.RegistrationDeadline, e.Zone()))
	}
	return c
}

func (a *API) partnerFormPage(w http.ResponseWriter, r *http.Request) {
	a.showForm(w, r, partnerForm, http.StatusOK, a.prefill(partnerForm, r.URL.Query()), nil)
}

func (a *API) contactFormPage(w http.ResponseWriter, r *http.Request) {
	a.showForm(w, r, contactForm, http.StatusOK, a.prefill(contactForm, r.URL.Query()), nil)
}

func (a *API) eventFormPage(w http.ResponseWriter, r *http.Request) {
	a.showForm(w, r, eventForm, http.StatusOK, a.prefill(eventForm, r.URL.Query()), nil)
}

// prefill keeps what a link may preselect: the choices (a website's page
// about language courses links to the form with its topic chosen) and the
// redirect. Never a name or an address: those would sit in browser
// histories and server logs.
func (a *API) prefill(kind formKind, q url.Values) url.Values {
	out := url.Values{}
	for _, s := range a.formSpec(kind) {
		if len(s.options) > 0 && len(q[s.name]) > 0 {
			out[s.name] = q[s.name]
		}
	}
	if v := q.Get("redirect"); v != "" {
		out.Set("redirect", v)
	}
	return out
}

// eventsPage lists the upcoming events people can sign up for.
func (a *API) eventsPage(w http.ResponseWriter, r *http.Request) {
	events, err := a.Events.Upcoming(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	loc := locale(r, "")
	root := up(r)
	d := pageData{Locale: loc, Title: i18n.T(loc, "form.events.title"), Here: root + "forms/events", Feed: root + "events.ics?locale=" + loc}
	for _, e := range events {
		d.Events = append(d.Events, a.card(e, loc, root))
	}
	a.page(w, r, http.StatusOK, eventsBody, d)
}

// formScriptFile serves the forms' script to the county's own pages, for
// a pasted form to send with fetch as the hosted ones do. Browsers may keep
// it for an hour: a change reaches every page within that.
func (a *API) formScriptFile(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(formScript))
}

// allowedRedirect is where a successful post may send the person instead
// of the thank-you page: only a page on one of the network's own websites,
// so the forms cannot bounce people to someone else's site.
func (a *API) allowedRedirect(raw string) string {
	if raw == "" || len(raw) > 2000 {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	if !slices.Contains(a.Config.AllowedOrigins, u.Scheme+"://"+u.Host) {
		return ""
	}
	return u.String()
}
