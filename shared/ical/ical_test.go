package ical

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// base is a valid event in Berlin; tests change what they look at.
func base(t testing.TB) Event {
	berlin := mustZone(t, "Europe/Berlin")
	return Event{
		UID:            "reg-01J9ZK3@netzwerk.example.org",
		Sequence:       2,
		Stamp:          time.Date(2026, 5, 4, 8, 15, 0, 0, time.UTC),
		Start:          time.Date(2026, 6, 10, 17, 0, 0, 0, berlin),
		End:            time.Date(2026, 6, 10, 19, 30, 0, 0, berlin),
		Zone:           berlin,
		Summary:        "Sprachcafé",
		Description:    "Offenes Treffen.",
		Location:       "Bürgerhaus, Markt 1, 99817 Eisenach",
		OrganizerName:  "Netzwerk für Integration",
		OrganizerEmail: "veranstaltungen@netzwerk.example.org",
	}
}

// parsed is the output of Publish/Cancel as a parser and as raw lines see it.
type parsed struct {
	raw   []byte
	lines []string // unfolded content lines, without CRLF
	cal   *goical.Calendar
	ev    *goical.Component
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	checkPhysicalLines(t, raw)
	cal, err := goical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the output: %v\n%s", err, raw)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d VEVENTs, want 1", len(evs))
	}
	unfolded := strings.ReplaceAll(string(raw), "\r\n ", "")
	lines := strings.Split(strings.TrimSuffix(unfolded, "\r\n"), "\r\n")
	return parsed{raw: raw, lines: lines, cal: cal, ev: evs[0].Component}
}

// checkPhysicalLines asserts the framing: CRLF everywhere, at most 75
// octets a line, every line valid UTF-8 on its own (so no sequence is split).
func checkPhysicalLines(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("output does not end with CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets, want ≤ 75: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8 on its own: %q", i+1, l)
		}
		if l == "" {
			t.Errorf("line %d is empty", i+1)
		}
	}
}

// line returns the VEVENT's unfolded content line for a property (e.g. "DTSTART").
func (p parsed) line(t *testing.T, prefix string) string {
	t.Helper()
	i := slices.Index(p.lines, "BEGIN:VEVENT")
	if prefix == "BEGIN" || i < 0 {
		t.Fatalf("no VEVENT or bad prefix %q", prefix)
	}
	for _, l := range p.lines[i:] {
		if strings.HasPrefix(l, prefix+":") || strings.HasPrefix(l, prefix+";") {
			return l
		}
	}
	t.Fatalf("no %s line in\n%s", prefix, p.raw)
	return ""
}

func (p parsed) text(t *testing.T, c *goical.Component, name string) string {
	t.Helper()
	prop := c.Props.Get(name)
	if prop == nil {
		t.Fatalf("no %s property", name)
	}
	v, err := prop.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// instant resolves DTSTART/DTEND twice: with go-ical (which loads the TZID
// with Go's time package) and with the VTIMEZONE in the file itself, read
// the RFC 5545 way. Both must agree.
func (p parsed) instant(t *testing.T, name string) time.Time {
	t.Helper()
	prop := p.ev.Props.Get(name)
	if prop == nil {
		t.Fatalf("no %s property", name)
	}
	viaGo, err := prop.DateTime(nil)
	if err != nil {
		t.Fatalf("%s: go-ical DateTime: %v", name, err)
	}
	tzid := prop.Params.Get("TZID")
	if tzid == "" {
		if !strings.HasSuffix(prop.Value, "Z") {
			t.Fatalf("%s %q has neither TZID nor Z", name, prop.Value)
		}
		return viaGo
	}
	viaFile, err := resolveVTimezone(p.cal, tzid, prop.Value)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !viaFile.Equal(viaGo) {
		t.Fatalf("%s %s: VTIMEZONE gives %s, Go's %s gives %s", name, prop.Value, viaFile.UTC(), tzid, viaGo.UTC())
	}
	return viaGo
}

type observance struct {
	kind     string
	local    string // DTSTART
	from, to int    // seconds
	name     string
	onset    time.Time
}

func observances(t *testing.T, cal *goical.Calendar, tzid string) []observance {
	t.Helper()
	obs, err := readObservances(cal, tzid)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func readObservances(cal *goical.Calendar, tzid string) ([]observance, error) {
	var tz *goical.Component
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone && c.Props.Get("TZID") != nil && c.Props.Get("TZID").Value == tzid {
			if tz != nil {
				return nil, fmt.Errorf("two VTIMEZONEs for %s", tzid)
			}
			tz = c
		}
	}
	if tz == nil {
		return nil, fmt.Errorf("no VTIMEZONE for %s", tzid)
	}
	var obs []observance
	for _, c := range tz.Children {
		o := observance{kind: c.Name}
		for _, need := range []string{"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"} {
			if c.Props.Get(need) == nil {
				return nil, fmt.Errorf("%s without %s", c.Name, need)
			}
		}
		o.local = c.Props.Get("DTSTART").Value
		var err error
		if o.from, err = parseOffset(c.Props.Get("TZOFFSETFROM").Value); err != nil {
			return nil, err
		}
		if o.to, err = parseOffset(c.Props.Get("TZOFFSETTO").Value); err != nil {
			return nil, err
		}
		if n := c.Props.Get("TZNAME"); n != nil {
			o.name = n.Value
		}
		wall, err := time.Parse(dateTimeLocal, o.local)
		if err != nil {
			return nil, fmt.Errorf("%s DTSTART: %v", c.Name, err)
		}
		o.onset = wall.Add(-time.Duration(o.from) * time.Second)
		obs = append(obs, o)
	}
	slices.SortFunc(obs, func(a, b observance) int { return a.onset.Compare(b.onset) })
	return obs, nil
}

// resolveVTimezone maps a local date-time to an instant using only the
// VTIMEZONE: the offset of the observance in effect, and for a repeated
// wall-clock time the first occurrence (RFC 5545 §3.3.5).
func resolveVTimezone(cal *goical.Calendar, tzid, local string) (time.Time, error) {
	obs, err := readObservances(cal, tzid)
	if err != nil {
		return time.Time{}, err
	}
	wall, err := time.Parse(dateTimeLocal, local)
	if err != nil {
		return time.Time{}, err
	}
	var found []time.Time
	for i, o := range obs {
		u := wall.Add(-time.Duration(o.to) * time.Second)
		if !u.Before(o.onset) && (i == len(obs)-1 || u.Before(obs[i+1].onset)) {
			found = append(found, u)
		}
	}
	if len(found) == 0 {
		return time.Time{}, fmt.Errorf("VTIMEZONE %s does not define %s", tzid, local)
	}
	return slices.MinFunc(found, time.Time.Compare), nil
}

func parseOffset(s string) (int, error) {
	if (len(s) != 5 && len(s) != 7) || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("bad UTC offset %q", s)
	}
	n := 0
	for i, mul := range []int{3600, 60, 1} {
		if 1+2*i >= len(s) {
			break
		}
		v, err := strconv.Atoi(s[1+2*i : 3+2*i])
		if err != nil {
			return 0, fmt.Errorf("bad UTC offset %q", s)
		}
		n += v * mul
	}
	if s[0] == '-' {
		n = -n
	}
	return n, nil
}

func TestPublishRoundTrip(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		name   string
		change func(*Event)
	}{
		{"plain", func(*Event) {}},
		{"umlauts", func(e *Event) {
			e.Summary = "Übergabe der Schlüssel – Größe zählt"
			e.Description = "Bitte Ausweis mitbringen: Äpfel, Öl, Straße."
			e.Location = "Rathaus Bad Salzungen, Ratsstraße 2"
		}},
		{"arabic", func(e *Event) {
			e.Summary = "مقهى اللغة الألمانية"
			e.Description = "لقاء مفتوح للجميع، مع ترجمة.\nمرحبا بكم"
			e.Location = "دار المواطنين، السوق ١"
			e.OrganizerName = "شبكة الاندماج"
		}},
		{"commas semicolons backslash", func(e *Event) {
			e.Summary = "a,b;c\\d"
			e.Description = `C:\Pfad\n ist kein Zeilenumbruch; "Zitat", Ende`
			e.Location = "Markt 1; Eingang B, 2. OG"
		}},
		{"newlines", func(e *Event) {
			e.Description = "Zeile 1\nZeile 2\n\nAbsatz\n"
		}},
		{"tab", func(e *Event) {
			e.Description = "Zeit:\t17 Uhr"
		}},
		{"with URL", func(e *Event) {
			e.URL = "https://meet.example.org/sprachcafe?lang=de&x=1,2;3"
		}},
		{"organizer without name", func(e *Event) {
			e.OrganizerName = ""
		}},
		{"organizer email with plus", func(e *Event) {
			e.OrganizerEmail = "events+eisenach@netzwerk.example.org"
		}},
		{"zone nil is UTC", func(e *Event) {
			e.Zone = nil
		}},
		{"zone UTC", func(e *Event) {
			e.Zone = time.UTC
		}},
		{"start given in another zone", func(e *Event) {
			e.Start = time.Date(2026, 6, 10, 11, 0, 0, 0, mustZone(t, "America/New_York"))
			e.End = e.Start.Add(90 * time.Minute).UTC()
		}},
		{"sequence zero", func(e *Event) {
			e.Sequence = 0
		}},
		{"empty description and location", func(e *Event) {
			e.Description, e.Location = "", ""
		}},
		{"multi-day across new year", func(e *Event) {
			e.Start = time.Date(2026, 12, 31, 20, 0, 0, 0, berlin)
			e.End = time.Date(2027, 1, 1, 2, 0, 0, 0, berlin)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			tt.change(&e)
			raw, err := Publish(e)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			p := parse(t, raw)

			for _, c := range []struct{ name, got, want string }{
				{"first line", p.lines[0], "BEGIN:VCALENDAR"},
				{"last line", p.lines[len(p.lines)-1], "END:VCALENDAR"},
				{"VERSION", p.cal.Props.Get("VERSION").Value, "2.0"},
				{"PRODID", p.cal.Props.Get("PRODID").Value, "-//Landkreis Netzwerk fuer Integration//Netzwerk//DE"},
				{"CALSCALE", p.cal.Props.Get("CALSCALE").Value, "GREGORIAN"},
				{"METHOD", p.cal.Props.Get("METHOD").Value, "PUBLISH"},
				{"UID", p.text(t, p.ev, "UID"), e.UID},
				{"SEQUENCE", p.ev.Props.Get("SEQUENCE").Value, strconv.Itoa(e.Sequence)},
				{"STATUS", p.ev.Props.Get("STATUS").Value, "CONFIRMED"},
				{"TRANSP", p.ev.Props.Get("TRANSP").Value, "OPAQUE"},
				{"DTSTAMP", p.line(t, "DTSTAMP"), "DTSTAMP:20260504T081500Z"},
				{"SUMMARY", p.text(t, p.ev, "SUMMARY"), e.Summary},
				{"ORGANIZER", p.ev.Props.Get("ORGANIZER").Value, "mailto:" + e.OrganizerEmail},
				{"ORGANIZER CN", p.ev.Props.Get("ORGANIZER").Params.Get("CN"), e.OrganizerName},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
				}
			}
			for _, f := range []struct{ name, want string }{{"DESCRIPTION", e.Description}, {"LOCATION", e.Location}} {
				if f.want == "" {
					if p.ev.Props.Get(f.name) != nil {
						t.Errorf("%s written for an empty value", f.name)
					}
					continue
				}
				if got := p.text(t, p.ev, f.name); got != f.want {
					t.Errorf("%s: got %q, want %q", f.name, got, f.want)
				}
			}
			if e.URL != "" {
				u, err := p.ev.Props.URI("URL")
				if err != nil || u.String() != e.URL {
					t.Errorf("URL: got %v (%v), want %q", u, err, e.URL)
				}
			} else if p.ev.Props.Get("URL") != nil {
				t.Errorf("URL written though none was set")
			}
			if got := p.ev.Props.Get("ATTENDEE"); got != nil {
				t.Errorf("ATTENDEE present: %q", got.Value)
			}
			if got, want := len(p.cal.Props.Values("METHOD")), 1; got != want {
				t.Errorf("METHOD count: got %d, want %d", got, want)
			}
			if got, want := p.instant(t, "DTSTART"), e.Start; !got.Equal(want) {
				t.Errorf("DTSTART: got %s, want %s", got.UTC(), want.UTC())
			}
			if got, want := p.instant(t, "DTEND"), e.End; !got.Equal(want) {
				t.Errorf("DTEND: got %s, want %s", got.UTC(), want.UTC())
			}

			hasTZ := slices.ContainsFunc(p.cal.Children, func(c *goical.Component) bool { return c.Name == "VTIMEZONE" })
			if wantTZ := e.Zone != nil && e.Zone != time.UTC; hasTZ != wantTZ {
				t.Errorf("VTIMEZONE present: got %v, want %v", hasTZ, wantTZ)
			}
			if !hasTZ && strings.Contains(string(raw), "TZID") {
				t.Errorf("TZID without VTIMEZONE:\n%s", raw)
			}

			again, _ := Publish(e)
			if !bytes.Equal(raw, again) {
				t.Errorf("output not deterministic")
			}
		})
	}
}

func TestDaylightSaving(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	utc := func(s string) time.Time {
		u, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		name                   string
		start, end             time.Time
		wantDTSTART, wantDTEND string
		wantStart, wantEnd     time.Time
	}{
		{
			name:  "spring forward day 09-11",
			start: at(2026, 3, 29, 9, 0), end: at(2026, 3, 29, 11, 0),
			wantDTSTART: "DTSTART;TZID=Europe/Berlin:20260329T090000",
			wantDTEND:   "DTEND;TZID=Europe/Berlin:20260329T110000",
			wantStart:   utc("2026-03-29T07:00:00Z"), wantEnd: utc("2026-03-29T09:00:00Z"),
		},
		{
			name:  "fall back day 09-11",
			start: at(2026, 10, 25, 9, 0), end: at(2026, 10, 25, 11, 0),
			wantDTSTART: "DTSTART;TZID=Europe/Berlin:20261025T090000",
			wantDTEND:   "DTEND;TZID=Europe/Berlin:20261025T110000",
			wantStart:   utc("2026-10-25T08:00:00Z"), wantEnd: utc("2026-10-25T10:00:00Z"),
		},
		{
			name:  "fall back night 01:30 CEST-03:30 CET",
			start: at(2026, 10, 25, 1, 30), end: at(2026, 10, 25, 3, 30),
			wantDTSTART: "DTSTART;TZID=Europe/Berlin:20261025T013000",
			wantDTEND:   "DTEND;TZID=Europe/Berlin:20261025T033000",
			wantStart:   utc("2026-10-24T23:30:00Z"), wantEnd: utc("2026-10-25T02:30:00Z"),
		},
		{
			name:  "spring forward night 01:30 CET-03:30 CEST",
			start: at(2026, 3, 29, 1, 30), end: at(2026, 3, 29, 3, 30),
			wantDTSTART: "DTSTART;TZID=Europe/Berlin:20260329T013000",
			wantDTEND:   "DTEND;TZID=Europe/Berlin:20260329T033000",
			wantStart:   utc("2026-03-29T00:30:00Z"), wantEnd: utc("2026-03-29T01:30:00Z"),
		},
		{
			// 02:30 happens twice on 2026-10-25; local time with TZID would
			// be read as the first (RFC 5545) or the second (Go), so both
			// ends inside the repeated hour are written in UTC.
			name:  "repeated hour first and second 02:30",
			start: utc("2026-10-25T00:30:00Z"), end: utc("2026-10-25T01:30:00Z"),
			wantDTSTART: "DTSTART:20261025T003000Z",
			wantDTEND:   "DTEND:20261025T013000Z",
			wantStart:   utc("2026-10-25T00:30:00Z"), wantEnd: utc("2026-10-25T01:30:00Z"),
		},
		{
			name:  "summer",
			start: at(2026, 7, 1, 18, 0), end: at(2026, 7, 1, 20, 0),
			wantDTSTART: "DTSTART;TZID=Europe/Berlin:20260701T180000",
			wantDTEND:   "DTEND;TZID=Europe/Berlin:20260701T200000",
			wantStart:   utc("2026-07-01T16:00:00Z"), wantEnd: utc("2026-07-01T18:00:00Z"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			e.Start, e.End = tt.start, tt.end
			raw, err := Publish(e)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			p := parse(t, raw)
			if got := p.line(t, "DTSTART"); got != tt.wantDTSTART {
				t.Errorf("DTSTART line: got %q, want %q", got, tt.wantDTSTART)
			}
			if got := p.line(t, "DTEND"); got != tt.wantDTEND {
				t.Errorf("DTEND line: got %q, want %q", got, tt.wantDTEND)
			}
			if got := p.instant(t, "DTSTART"); !got.Equal(tt.wantStart) {
				t.Errorf("DTSTART instant: got %s, want %s", got.UTC(), tt.wantStart)
			}
			if got := p.instant(t, "DTEND"); !got.Equal(tt.wantEnd) {
				t.Errorf("DTEND instant: got %s, want %s", got.UTC(), tt.wantEnd)
			}

			// The transitions of 2025 and 2026, in order, nothing else.
			var got []string
			for _, o := range observances(t, p.cal, "Europe/Berlin") {
				got = append(got, fmt.Sprintf("%s %s %s>%s %s", o.kind, o.local, formatOffset(o.from), formatOffset(o.to), o.name))
			}
			want := []string{
				"DAYLIGHT 20250330T020000 +0100>+0200 CEST",
				"STANDARD 20251026T030000 +0200>+0100 CET",
				"DAYLIGHT 20260329T020000 +0100>+0200 CEST",
				"STANDARD 20261025T030000 +0200>+0100 CET",
			}
			if !slices.Equal(got, want) {
				t.Errorf("VTIMEZONE observances:\ngot  %q\nwant %q", got, want)
			}
		})
	}
}

// TestTimezones checks the VTIMEZONE built from other zones: every hour of
// the event's year must resolve, through the file alone, to the instant Go
// gives, and the observances must be the expected shape.
func TestTimezones(t *testing.T) {
	tests := []struct {
		zone      string
		start     time.Time // read as wall clock in zone
		wantKinds []string
	}{
		{"America/New_York", time.Date(2026, 11, 1, 1, 15, 0, 0, time.UTC), []string{"DAYLIGHT", "STANDARD", "DAYLIGHT", "STANDARD"}},
		{"Australia/Sydney", time.Date(2026, 4, 5, 10, 0, 0, 0, time.UTC), []string{"STANDARD", "DAYLIGHT", "STANDARD", "DAYLIGHT"}},
		{"Asia/Kolkata", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), []string{"STANDARD"}},
		{"Asia/Kathmandu", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), []string{"STANDARD"}},
		{"Etc/UTC", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), []string{"STANDARD"}},
		// Moscow: no change in 2013, permanent move from +04 to +03 on
		// 2014-10-26; the zone in effect since 2013-01-01 comes first.
		{"Europe/Moscow", time.Date(2014, 3, 1, 9, 0, 0, 0, time.UTC), []string{"STANDARD", "STANDARD"}},
		// Europe/Berlin far ahead: Go's location extends the rule.
		{"Europe/Berlin", time.Date(2090, 3, 26, 1, 0, 0, 0, time.UTC), []string{"DAYLIGHT", "STANDARD", "DAYLIGHT", "STANDARD"}},
		// The last day of a leap year past the listed transitions, where
		// Time.ZoneBounds reports an end before the instant (golang/go#81583);
		// the event runs into the next year.
		{"Europe/Berlin", time.Date(2040, 12, 31, 22, 30, 0, 0, time.UTC), []string{"DAYLIGHT", "STANDARD", "DAYLIGHT", "STANDARD", "DAYLIGHT", "STANDARD"}},
		{"Australia/Sydney", time.Date(2088, 12, 31, 23, 0, 0, 0, time.UTC), []string{"STANDARD", "DAYLIGHT", "STANDARD", "DAYLIGHT", "STANDARD", "DAYLIGHT"}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.start.Format("2006-01-02"), func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			s := tt.start
			e := base(t)
			e.Zone = loc
			e.Start = time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), 0, 0, loc)
			e.End = e.Start.Add(3 * time.Hour)
			raw, err := Publish(e)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			p := parse(t, raw)
			if got := p.instant(t, "DTSTART"); !got.Equal(e.Start) {
				t.Errorf("DTSTART: got %s, want %s", got.UTC(), e.Start.UTC())
			}
			if got := p.instant(t, "DTEND"); !got.Equal(e.End) {
				t.Errorf("DTEND: got %s, want %s", got.UTC(), e.End.UTC())
			}
			obs := observances(t, p.cal, tt.zone)
			var kinds []string
			for _, o := range obs {
				kinds = append(kinds, o.kind)
			}
			if !slices.Equal(kinds, tt.wantKinds) {
				t.Errorf("observances: got %v, want %v\n%s", kinds, tt.wantKinds, raw)
			}
			// Every hour of the event's year, as written, resolves through
			// the VTIMEZONE alone to what Go says (skipping repeated hours,
			// which the writer never emits with a TZID).
			for h := time.Date(s.Year(), 1, 1, 0, 0, 0, 0, loc); h.Year() == s.Year(); h = h.Add(time.Hour) {
				if ambiguous(h) {
					continue
				}
				local := h.Format(dateTimeLocal)
				got, err := resolveVTimezone(p.cal, tt.zone, local)
				if err != nil {
					t.Fatalf("%s: %v", local, err)
				}
				if !got.Equal(h) {
					t.Fatalf("%s %s: VTIMEZONE gives %s, want %s", tt.zone, local, got.UTC(), h.UTC())
				}
			}
		})
	}
}

func TestAmbiguous(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		utc  string
		want bool
	}{
		{"2026-10-24T23:59:59Z", false}, // 01:59:59 CEST
		{"2026-10-25T00:00:00Z", true},  // 02:00 CEST, again at 01:00Z
		{"2026-10-25T00:59:59Z", true},  // 02:59:59 CEST
		{"2026-10-25T01:00:00Z", true},  // 02:00 CET
		{"2026-10-25T01:59:59Z", true},  // 02:59:59 CET
		{"2026-10-25T02:00:00Z", false}, // 03:00 CET
		{"2026-03-29T00:59:59Z", false}, // 01:59:59 CET, the gap follows
		{"2026-03-29T01:00:00Z", false}, // 03:00 CEST
		{"2026-07-01T12:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.utc, func(t *testing.T) {
			u, err := time.Parse(time.RFC3339, tt.utc)
			if err != nil {
				t.Fatal(err)
			}
			if got := ambiguous(u.In(berlin)); got != tt.want {
				t.Errorf("ambiguous(%s) = %v, want %v", u.In(berlin), got, tt.want)
			}
		})
	}
}

func TestFolding(t *testing.T) {
	// 300 characters mixing 1-, 2-, 3- and 4-byte sequences and escapes.
	unit := "Grüße aus Eisenach; مرحبا, 🙂 — Integration\n"
	var sb strings.Builder
	for utf8.RuneCountInString(sb.String()) < 300 {
		sb.WriteString(unit)
	}
	long := string([]rune(sb.String())[:300])

	tests := []struct {
		name string
		desc string
	}{
		{"300 characters mixed", long},
	}
	// Shift 4-byte runes across every fold position.
	for pad := range 8 {
		tests = append(tests, struct {
			name string
			desc string
		}{fmt.Sprintf("emoji offset %d", pad), strings.Repeat("a", pad) + strings.Repeat("🙂", 60)})
		tests = append(tests, struct {
			name string
			desc string
		}{fmt.Sprintf("arabic offset %d", pad), strings.Repeat("a", pad) + strings.Repeat("ج", 90)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			e.Description = tt.desc
			raw, err := Publish(e)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			p := parse(t, raw) // checks ≤ 75 octets, CRLF and valid UTF-8 per physical line
			if got, want := p.line(t, "DESCRIPTION"), "DESCRIPTION:"+escapeText(tt.desc); got != want {
				t.Errorf("unfolded line:\ngot  %q\nwant %q", got, want)
			}
			if got := p.text(t, p.ev, "DESCRIPTION"); got != tt.desc {
				t.Errorf("DESCRIPTION round trip:\ngot  %q\nwant %q", got, tt.desc)
			}
			folded := 0
			for _, l := range strings.Split(string(raw), "\r\n") {
				if strings.HasPrefix(l, " ") {
					folded++
				}
			}
			if folded == 0 {
				t.Errorf("no folded lines in %d-octet description", len(tt.desc))
			}
		})
	}
}

func TestFoldLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "A:b", "A:b\r\n"},
		{"exactly 75", strings.Repeat("x", 75), strings.Repeat("x", 75) + "\r\n"},
		{"76", strings.Repeat("x", 76), strings.Repeat("x", 75) + "\r\n x\r\n"},
		{"continuation holds 74", strings.Repeat("x", 75+74+1), strings.Repeat("x", 75) + "\r\n " + strings.Repeat("x", 74) + "\r\n x\r\n"},
		{"no split in ü", strings.Repeat("x", 74) + "ü", strings.Repeat("x", 74) + "\r\n ü\r\n"},
		{"no split in emoji", strings.Repeat("x", 73) + "🙂", strings.Repeat("x", 73) + "\r\n 🙂\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w writer
			w.line(tt.in)
			if got := w.buf.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\b`, `a\\b`},
		{"a;b", `a\;b`},
		{"a,b", `a\,b`},
		{"a\nb", `a\nb`},
		{"a\r\nb", `a\nb`},
		{"a:b\"c", `a:b"c`},
		{"ÄÖÜ ß", "ÄÖÜ ß"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := escapeText(tt.in); got != tt.want {
				t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		sec  int
		want string
	}{
		{0, "+0000"}, {3600, "+0100"}, {7200, "+0200"}, {-18000, "-0500"},
		{19800, "+0530"}, {20700, "+0545"}, {3208, "+005328"}, {-2670, "-004430"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatOffset(tt.sec); got != tt.want {
				t.Errorf("formatOffset(%d) = %q, want %q", tt.sec, got, tt.want)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	e := base(t)
	published, err := Publish(e)
	if err != nil {
		t.Fatal(err)
	}
	e.Sequence = 3
	raw, err := Cancel(e)
	if err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	p := parse(t, raw)
	first := parse(t, published)
	for _, c := range []struct{ name, got, want string }{
		{"METHOD", p.cal.Props.Get("METHOD").Value, "CANCEL"},
		{"STATUS", p.ev.Props.Get("STATUS").Value, "CANCELLED"},
		{"UID", p.text(t, p.ev, "UID"), first.text(t, first.ev, "UID")},
		{"SEQUENCE", p.ev.Props.Get("SEQUENCE").Value, "3"},
		{"DTSTART", p.line(t, "DTSTART"), first.line(t, "DTSTART")},
		{"ORGANIZER", p.line(t, "ORGANIZER"), first.line(t, "ORGANIZER")},
		{"content type", ContentTypeCancel, "text/calendar; charset=UTF-8; method=CANCEL"},
		{"publish content type", ContentTypePublish, "text/calendar; charset=UTF-8; method=PUBLISH"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if p.ev.Props.Get("ATTENDEE") != nil {
		t.Errorf("ATTENDEE in CANCEL")
	}
}

func TestInjection(t *testing.T) {
	const evil = "x\r\nATTENDEE:mailto:evil@example.org"
	tests := []struct {
		name     string
		change   func(*Event)
		prop     string
		wantText string
		wantLine string
	}{
		{"summary CRLF", func(e *Event) { e.Summary = evil }, "SUMMARY",
			"x\nATTENDEE:mailto:evil@example.org", `SUMMARY:x\nATTENDEE:mailto:evil@example.org`},
		{"description LF only", func(e *Event) { e.Description = "x\nEND:VEVENT\nBEGIN:VEVENT" }, "DESCRIPTION",
			"x\nEND:VEVENT\nBEGIN:VEVENT", `DESCRIPTION:x\nEND:VEVENT\nBEGIN:VEVENT`},
		{"location lone CR", func(e *Event) { e.Location = "x\rMETHOD:REQUEST" }, "LOCATION",
			"xMETHOD:REQUEST", `LOCATION:xMETHOD:REQUEST`},
		{"organizer name quote", func(e *Event) { e.OrganizerName = `Verein "Miteinander":mailto:evil@example.org;X=` }, "",
			"", `ORGANIZER;CN="Verein 'Miteinander':mailto:evil@example.org;X=":mailto:veranstaltungen@netzwerk.example.org`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			tt.change(&e)
			raw, err := Publish(e)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			p := parse(t, raw)
			if p.ev.Props.Get("ATTENDEE") != nil || len(p.cal.Props.Values("METHOD")) != 1 || len(p.cal.Events()) != 1 {
				t.Fatalf("injected structure:\n%s", raw)
			}
			for _, l := range p.lines {
				if strings.HasPrefix(l, "ATTENDEE") {
					t.Errorf("a line starts with ATTENDEE: %q", l)
				}
			}
			if tt.prop != "" {
				if got := p.text(t, p.ev, tt.prop); got != tt.wantText {
					t.Errorf("%s: got %q, want %q", tt.prop, got, tt.wantText)
				}
				if got := p.line(t, tt.prop); got != tt.wantLine {
					t.Errorf("line: got %q, want %q", got, tt.wantLine)
				}
			} else {
				org := p.ev.Props.Get("ORGANIZER")
				if got, want := p.line(t, "ORGANIZER"), tt.wantLine; got != want {
					t.Errorf("ORGANIZER line: got %q, want %q", got, want)
				}
				if got, want := org.Value, "mailto:veranstaltungen@netzwerk.example.org"; got != want {
					t.Errorf("ORGANIZER: got %q, want %q", got, want)
				}
			}
		})
	}
}

func TestMailto(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a@example.org", "a@example.org"},
		{"first.last+tag@sub.example.org", "first.last+tag@sub.example.org"},
		{"a&b=c@example.org", "a%26b%3Dc@example.org"},
		{"a%b@example.org", "a%25b@example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := mailtoPath(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("mailtoPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Event)
	}{
		{"empty UID", func(e *Event) { e.UID = "" }},
		{"UID with CRLF", func(e *Event) { e.UID = "a\r\nATTENDEE:mailto:evil@example.org" }},
		{"UID with LF", func(e *Event) { e.UID = "a\nb" }},
		{"negative sequence", func(e *Event) { e.Sequence = -1 }},
		{"end equals start", func(e *Event) { e.End = e.Start }},
		{"end before start", func(e *Event) { e.End = e.Start.Add(-time.Minute) }},
		{"zero start", func(e *Event) { e.Start = time.Time{} }},
		{"zero stamp", func(e *Event) { e.Stamp = time.Time{} }},
		{"summary NUL", func(e *Event) { e.Summary = "a\x00b" }},
		{"summary ESC", func(e *Event) { e.Summary = "a\x1b[31mb" }},
		{"summary DEL", func(e *Event) { e.Summary = "a\x7fb" }},
		{"description vertical tab", func(e *Event) { e.Description = "a\vb" }},
		{"description form feed", func(e *Event) { e.Description = "a\fb" }},
		{"location C1 NEL", func(e *Event) { e.Location = "a\u0085b" }},
		{"summary invalid UTF-8", func(e *Event) { e.Summary = "a\xffb" }},
		{"organizer name LF", func(e *Event) { e.OrganizerName = "Netzwerk\nX" }},
		{"organizer name CR", func(e *Event) { e.OrganizerName = "Netzwerk\rX" }},
		{"organizer email empty", func(e *Event) { e.OrganizerEmail = "" }},
		{"organizer email no at", func(e *Event) { e.OrganizerEmail = "netzwerk.example.org" }},
		{"organizer email no domain dot", func(e *Event) { e.OrganizerEmail = "a@localhost" }},
		{"organizer email display name", func(e *Event) { e.OrganizerEmail = "Netzwerk <a@example.org>" }},
		{"organizer email CRLF", func(e *Event) { e.OrganizerEmail = "a@example.org\r\nATTENDEE:mailto:b@example.org" }},
		{"organizer email space", func(e *Event) { e.OrganizerEmail = " a@example.org" }},
		{"organizer email non-ASCII", func(e *Event) { e.OrganizerEmail = "jürgen@example.org" }},
		{"organizer email two at", func(e *Event) { e.OrganizerEmail = "a@b@example.org" }},
		{"URL not http", func(e *Event) { e.URL = "javascript:alert(1)" }},
		{"URL relative", func(e *Event) { e.URL = "/events/1" }},
		{"URL with space", func(e *Event) { e.URL = "https://example.org/a b" }},
		{"URL with LF", func(e *Event) { e.URL = "https://example.org/\nATTENDEE:x" }},
		{"zone without name", func(e *Event) { e.Zone = time.FixedZone("", 3600) }},
		{"zone Local", func(e *Event) { e.Zone = time.Local }},
		{"year 10000", func(e *Event) { e.End = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			tt.change(&e)
			for name, f := range map[string]func(Event) ([]byte, error){"Publish": Publish, "Cancel": Cancel} {
				out, err := f(e)
				if err == nil {
					t.Errorf("%s: got no error, want one; output:\n%s", name, out)
					continue
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: got %v, want an error wrapping ErrInvalid", name, err)
				}
				if out != nil {
					t.Errorf("%s: got output with the error", name)
				}
			}
		})
	}
}
