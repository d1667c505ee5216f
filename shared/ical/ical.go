// Package ical writes the calendar invitation (RFC 5545) attached to the
// mails that confirm or cancel an event signup, and the feed of all
// upcoming events that people subscribe to.
//
// Publish produces METHOD:PUBLISH, which calendars import without sending
// a reply; Cancel produces METHOD:CANCEL for the same UID with a higher
// SEQUENCE. Neither writes an ATTENDEE, so no calendar asks for an RSVP.
//
// Times are written as local time with a TZID, and the VTIMEZONE that
// defines that TZID is generated from the Go *time.Location itself (its
// transitions in the years around the event), so any IANA zone works and
// the file does not depend on the receiving calendar knowing the zone.
package ical

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Content types for the MIME part that carries the calendar.
const (
	ContentTypePublish = "text/calendar; charset=UTF-8; method=PUBLISH"
	ContentTypeCancel  = "text/calendar; charset=UTF-8; method=CANCEL"
)

// ProdID names the product that wrote the calendar.
const ProdID = "-//Landkreis Netzwerk fuer Integration//Netzwerk//DE"

// ErrInvalid is wrapped by every error about the Event's fields.
var ErrInvalid = errors.New("ical: invalid event")

// Event is one signup as it appears in the participant's calendar.
type Event struct {
	UID                           string         // stable per registration, e.g. "<registration-id>@netzwerk.example.org"
	Sequence                      int            // raised on every change of the registration
	Stamp                         time.Time      // DTSTAMP, written in UTC
	Start, End                    time.Time      // any zone; written in Zone
	Zone                          *time.Location // e.g. Europe/Berlin; nil means UTC
	Summary                       string
	Description                   string
	Location                      string // address text
	URL                           string // optional online link (http or https)
	OrganizerName, OrganizerEmail string
}

// Publish returns the calendar that adds (or updates) the event.
func Publish(e Event) ([]byte, error) { return write(e, "PUBLISH", "CONFIRMED") }

// Cancel returns the calendar that removes the event; e.UID must be the
// published one and e.Sequence higher than the last one sent.
func Cancel(e Event) ([]byte, error) { return write(e, "CANCEL", "CANCELLED") }

const (
	dateTimeLocal = "20060102T150405"
	dateTimeUTC   = "20060102T150405Z"
)

func write(e Event, method, status string) ([]byte, error) {
	ev, err := check(e)
	if err != nil {
		return nil, err
	}

	var w writer
	w.begin(method)
	if ev.tzid != "" {
		writeTimezone(&w, ev.Zone, ev.tzid, ev.Start, ev.End)
	}
	w.event(ev, status)
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

// ContentTypeFeed is the content type of a subscribed calendar.
const ContentTypeFeed = "text/calendar; charset=UTF-8"

// Feed returns one calendar of all events, for people to subscribe to:
// METHOD:PUBLISH, the calendar's name, a hint to refresh hourly, and one
// VTIMEZONE per zone spanning all its events.
func Feed(name string, events []Event) ([]byte, error) {
	checked := make([]*event, len(events))
	type span struct {
		loc        *time.Location
		start, end time.Time
	}
	var zones []string
	spans := map[string]*span{}
	for i, e := range events {
		ev, err := check(e)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		checked[i] = ev
		if ev.tzid == "" {
			continue
		}
		sp, ok := spans[ev.tzid]
		if !ok {
			sp = &span{loc: ev.Zone, start: ev.Start, end: ev.End}
			spans[ev.tzid] = sp
			zones = append(zones, ev.tzid)
		}
		if ev.Start.Before(sp.start) {
			sp.start = ev.Start
		}
		if ev.End.After(sp.end) {
			sp.end = ev.End
		}
	}
	calName, err := cleanText("calendar name", name)
	if err != nil {
		return nil, err
	}

	var w writer
	w.begin("PUBLISH")
	if calName != "" {
		w.line("X-WR-CALNAME:" + escapeText(calName))
		w.line("NAME:" + escapeText(calName))
	}
	// RFC 7986 and the older X- form that many calendars still read.
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	w.line("X-PUBLISHED-TTL:PT1H")
	for _, tzid := range zones {
		sp := spans[tzid]
		writeTimezone(&w, sp.loc, tzid, sp.start, sp.end)
	}
	for _, ev := range checked {
		w.event(ev, "CONFIRMED")
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

// begin opens the calendar.
func (w *writer) begin(method string) {
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + ProdID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
}

// event writes one VEVENT.
func (w *writer) event(ev *event, status string) {
	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(ev.UID))
	w.line("SEQUENCE:" + strconv.Itoa(ev.Sequence))
	w.line("DTSTAMP:" + ev.Stamp.UTC().Format(dateTimeUTC))
	w.line("DTSTART" + ev.dateTime(ev.Start))
	w.line("DTEND" + ev.dateTime(ev.End))
	if ev.Summary != "" {
		w.line("SUMMARY:" + escapeText(ev.Summary))
	}
	if ev.Description != "" {
		w.line("DESCRIPTION:" + escapeText(ev.Description))
	}
	if ev.Location != "" {
		w.line("LOCATION:" + escapeText(ev.Location))
	}
	if ev.URL != "" {
		w.line("URL:" + ev.URL)
	}
	organizer := "ORGANIZER"
	if ev.OrganizerName != "" {
		organizer += `;CN="` + ev.OrganizerName + `"`
	}
	w.line(organizer + ":mailto:" + ev.mailto)
	w.line("STATUS:" + status)
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
}

// event is an Event after check: text normalised, zone resolved.
type event struct {
	Event
	tzid   string // "" writes UTC times and no VTIMEZONE
	mailto string // OrganizerEmail as a mailto URI path
}

// dateTime renders ";TZID=…:local" or ":…Z" for a DTSTART/DTEND line.
// A wall-clock time that occurs twice (the hour repeated when daylight
// saving ends) is written in UTC: RFC 5545 reads such a local time as the
// first occurrence, Go's time package as the second, so only UTC is
// unambiguous for every reader.
func (ev *event) dateTime(t time.Time) string {
	if ev.tzid == "" || ambiguous(t.In(ev.Zone)) {
		return ":" + t.UTC().Format(dateTimeUTC)
	}
	return ";TZID=" + ev.tzid + ":" + t.In(ev.Zone).Format(dateTimeLocal)
}

// ambiguous reports whether t's wall-clock time also names another instant
// in t's zone, i.e. it falls into an hour that is repeated. It asks the
// location only for offsets (Time.Zone): Time.ZoneBounds is wrong on the
// last day of leap years past a zone's last listed transition
// (golang/go#81583).
func ambiguous(t time.Time) bool {
	_, off := t.Zone()
	seen := map[int]bool{off: true}
	// Any other offset the clock used within a day of t could make it
	// show the same time at another instant.
	for h := -26; h <= 26; h++ {
		_, o := t.Add(time.Duration(h) * time.Hour).Zone()
		if seen[o] {
			continue
		}
		seen[o] = true
		if u := t.Add(time.Duration(off-o) * time.Second); offsetAt(u) == o {
			return true
		}
	}
	return false
}

func offsetAt(t time.Time) int { _, off := t.Zone(); return off }

// zoneState is what a transition changes.
type zoneState struct {
	name   string
	offset int
	dst    bool
}

func stateAt(t time.Time) zoneState {
	name, off := t.Zone()
	return zoneState{name, off, t.IsDST()}
}

// transition is one change of a location's zone.
type transition struct {
	at   time.Time // first instant of the new state
	from zoneState
	to   zoneState
}

// transitions scans loc hour by hour over [from, until) and bisects every
// change down to the second. (Time.ZoneBounds would be shorter but is not
// reliable, see ambiguous.) Zones do not change twice within an hour.
func transitions(loc *time.Location, from, until time.Time) []transition {
	var out []transition
	cur := stateAt(from.In(loc))
	for t := from.Unix(); t < until.Unix(); {
		next := min(t+3600, until.Unix())
		if stateAt(time.Unix(next, 0).In(loc)) == cur {
			t = next
			continue
		}
		lo, hi := t, next // cur at lo, something else at hi
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if stateAt(time.Unix(mid, 0).In(loc)) == cur {
				lo = mid
			} else {
				hi = mid
			}
		}
		at := time.Unix(hi, 0).In(loc)
		tr := transition{at: at, from: cur, to: stateAt(at)}
		out = append(out, tr)
		cur, t = tr.to, hi
	}
	return out
}

// check validates e and returns it with text fields normalised.
func check(e Event) (*event, error) {
	ev := &event{Event: e}
	if e.UID == "" {
		return nil, invalid("UID is empty")
	}
	if e.Sequence < 0 {
		return nil, invalid("SEQUENCE is negative")
	}
	for _, f := range []struct {
		name  string
		value string
	}{
		{"UID", e.UID},
		{"URL", e.URL},
		{"organizer name", e.OrganizerName},
		{"organizer email", e.OrganizerEmail},
	} {
		if err := checkLine(f.name, f.value); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"summary", &ev.Summary},
		{"description", &ev.Description},
		{"location", &ev.Location},
	} {
		v, err := cleanText(f.name, *f.dst)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	// A quoted parameter value cannot contain DQUOTE (RFC 5545 §3.1).
	ev.OrganizerName = strings.ReplaceAll(e.OrganizerName, `"`, "'")

	if e.URL != "" {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.ContainsFunc(e.URL, unicode.IsSpace) || strings.ContainsAny(e.URL, `"<>\`) {
			return nil, invalid("URL is not an http(s) address")
		}
	}
	mailto, err := mailtoPath(e.OrganizerEmail)
	if err != nil {
		return nil, err
	}
	ev.mailto = mailto

	if e.Stamp.IsZero() || e.Start.IsZero() || e.End.IsZero() {
		return nil, invalid("DTSTAMP, start and end must be set")
	}
	if !e.End.After(e.Start) {
		return nil, invalid("end is not after start")
	}

	if e.Zone == nil || e.Zone == time.UTC || e.Zone.String() == "UTC" {
		ev.Zone = time.UTC
	} else {
		name := e.Zone.String()
		if name == "" || name == "Local" || strings.ContainsFunc(name, func(r rune) bool {
			return !(r < utf8.RuneSelf && (r == '/' || r == '_' || r == '-' || r == '+' ||
				unicode.IsLetter(r) || unicode.IsDigit(r)))
		}) {
			return nil, invalid(fmt.Sprintf("zone %q is not an IANA zone name", name))
		}
		ev.tzid = name
	}
	// Four-digit years, including the year before the start that the
	// VTIMEZONE covers.
	for _, t := range []time.Time{e.Stamp.UTC(), e.Start.In(ev.Zone).AddDate(-1, 0, 0), e.End.In(ev.Zone).AddDate(1, 0, 0)} {
		if y := t.Year(); y < 1 || y > 9999 {
			return nil, invalid("time out of range")
		}
	}
	return ev, nil
}

func invalid(msg string) error { return fmt.Errorf("%w: %s", ErrInvalid, msg) }

// checkLine refuses what a one-line value must not hold: broken UTF-8 and
// control characters, line breaks included.
func checkLine(name, v string) error {
	if !utf8.ValidString(v) {
		return invalid(name + " is not valid UTF-8")
	}
	if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return invalid(fmt.Sprintf("%s contains control character %U", name, r))
	}
	return nil
}

// cleanText prepares a free-text value: CR is dropped (so CRLF becomes LF),
// LF and TAB stay (RFC 5545 TEXT allows HTAB, and validate.Text lets it
// through), any other control character is refused.
func cleanText(name, v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", invalid(name + " is not valid UTF-8")
	}
	v = strings.ReplaceAll(v, "\r", "")
	if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return "", invalid(fmt.Sprintf("%s contains control character %U", name, r))
	}
	return v, nil
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 8)
	for _, r := range v {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mailtoPath checks a bare ASCII address and returns it as the path of a
// mailto URI (RFC 6068), percent-encoding what a URI cannot carry as is.
func mailtoPath(addr string) (string, error) {
	bad := invalid("organizer email is not a valid address")
	if addr == "" || len(addr) > 254 {
		return "", bad
	}
	for i := 0; i < len(addr); i++ {
		if addr[i] <= ' ' || addr[i] >= 0x7f {
			return "", invalid("organizer email must be ASCII (domain in punycode) without spaces")
		}
	}
	p, err := mail.ParseAddress(addr)
	if err != nil || p.Address != addr || p.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", bad
	}
	var b strings.Builder
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$'*+", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String() + "@" + domain, nil
}

// writeTimezone writes the VTIMEZONE for loc: one observance per
// transition from the start of the year before start to the end of end's
// year, as Go's location reports them. If no transition precedes start,
// the zone in effect at the beginning of that span comes first.
func writeTimezone(w *writer, loc *time.Location, tzid string, start, end time.Time) {
	from := time.Date(start.In(loc).Year()-1, 1, 1, 0, 0, 0, 0, loc)
	until := time.Date(end.In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)

	obs := transitions(loc, from, until)
	if len(obs) == 0 || obs[0].at.After(start) {
		// Nothing defines the zone at Start yet: begin with the state at
		// the start of the span (a plain STANDARD if nothing changes).
		st := stateAt(from)
		if len(obs) == 0 {
			st.dst = false
		}
		obs = append([]transition{{at: from, from: st, to: st}}, obs...)
	}

	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + tzid)
	for _, o := range obs {
		kind := "STANDARD"
		if o.to.dst {
			kind = "DAYLIGHT"
		}
		w.line("BEGIN:" + kind)
		// DTSTART is the onset as the clock showed it before the change.
		w.line("DTSTART:" + o.at.UTC().Add(time.Duration(o.from.offset)*time.Second).Format(dateTimeLocal))
		w.line("TZOFFSETFROM:" + formatOffset(o.from.offset))
		w.line("TZOFFSETTO:" + formatOffset(o.to.offset))
		if o.to.name != "" {
			w.line("TZNAME:" + escapeText(o.to.name))
		}
		w.line("END:" + kind)
	}
	w.line("END:VTIMEZONE")
}

// formatOffset renders a UTC offset as ±HHMM, or ±HHMMSS when it has seconds.
func formatOffset(sec int) string {
	sign := byte('+')
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// writer collects content lines, folded and CRLF-terminated.
type writer struct{ buf bytes.Buffer }

// maxLine is the longest a physical line may be, in octets without CRLF.
const maxLine = 75

// line writes one content line, folding it (CRLF + space) so that no
// physical line exceeds 75 octets and no UTF-8 sequence is split.
func (w *writer) line(s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
